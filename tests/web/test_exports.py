from __future__ import annotations

import io

from openpyxl import load_workbook

from minzheng.audit.models import AuditEvent


def test_household_export_lists_the_search_with_member_counts_and_is_audited(
    client, family, tangqiao_family, yangshe_clerk
) -> None:
    client.force_login(yangshe_clerk)
    response = client.get("/registry/households/export.xlsx")
    assert response.status_code == 200
    rows = list(
        load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True)
    )
    assert rows == [
        ("户号", "住址", "所属村(社区)", "区划代码", "户主", "在册人数"),
        (
            "ZJG000000001",
            "杨舍镇合成社区01 第1幢101室",
            "杨舍镇合成社区01",
            "320582100001",
            "王建国",
            3,
        ),
    ]
    event = AuditEvent.objects.get(action="registry.household.export")
    assert (event.actor_username, event.data["rows"]) == ("yangshe_clerk", 1)


def test_person_export_is_audited_with_the_id_number_masked(client, family, yangshe_clerk) -> None:
    client.force_login(yangshe_clerk)
    client.get("/registry/persons/export.xlsx", {"q": family.head.id_number})
    event = AuditEvent.objects.get(action="registry.person.export")
    assert event.data["rows"] == 1
    assert event.data["filters"]["q"] == family.head.id_number_masked


def test_a_name_that_looks_like_a_formula_stays_text_in_the_export(
    client, family, yangshe_clerk
) -> None:
    from minzheng.registry.services import person_in_from_person, person_update

    head = family.head
    formula = '=HYPERLINK("http://example.invalid","x")'
    person_update(
        acting_user=yangshe_clerk, person=head, data=person_in_from_person(head, name=formula)
    )
    client.force_login(yangshe_clerk)
    response = client.get("/registry/persons/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    formula_cell = next(cell for cell in cells if cell.value == formula)
    assert formula_cell.data_type == "s"
