from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from minzheng.audit.models import AuditEvent
from minzheng.registry.errors import RegistryError
from minzheng.registry.models import Household, Membership, Person
from minzheng.registry.services import registry_import
from minzheng.registry.spreadsheets import IMPORT_COLUMNS, read_table, template_workbook
from tests.conftest import TANGQIAO_VILLAGE, YANGSHE_VILLAGE, make_id_number

HEADERS = [column.header for column in IMPORT_COLUMNS]


def xlsx(rows: list[list[object]], headers: list[str] = HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(number: str, relation: str, name: str, id_number: str, **extra: object) -> list[object]:
    values = {
        "number": number,
        "address": "杨舍镇合成社区01 第9幢9室",
        "division_code": YANGSHE_VILLAGE,
        "relation": relation,
        "name": name,
        "id_number": id_number,
        **extra,
    }
    return [values.get(column.key, "") for column in IMPORT_COLUMNS]


GOOD = [
    row(
        "ZJG100",
        "户主",
        "周大山",
        make_id_number("19550101", 11),
        phone="13700000001",
        marital_status="已婚",
    ),
    row(
        "ZJG100",
        "配偶",
        "吴小梅",
        make_id_number("19570202", 22),
        disability_category="肢体",
        disability_grade="2级",
        disability_valid_from="2021-01-01",
        disability_valid_to="2031-01-01",
    ),
    row("ZJG101", "户主", "郑一", make_id_number("19800303", 33), serious_illness="是"),
]


def state() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Household.objects.count(),
        Membership.objects.count(),
        AuditEvent.objects.count(),
    )


def test_template_has_the_chinese_headers() -> None:
    workbook = load_workbook(io.BytesIO(template_workbook()))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.max_row == 1  # the example lives on the notes sheet, never imported
    assert workbook.sheetnames == ["人员", "填写说明"]


def test_valid_file_imports_and_a_second_import_changes_nothing(yangshe_clerk) -> None:
    content = xlsx(GOOD)
    result = registry_import(acting_user=yangshe_clerk, rows=read_table(content, "a.xlsx"))
    assert (result.households_created, result.persons_created, result.rows) == (2, 3, 3)
    wife = Person.objects.get(name="吴小梅")
    assert (wife.disability_category, wife.disability_grade, wife.sex) == ("physical", 2, "female")
    assert Person.objects.get(name="郑一").serious_illness is True
    before = state()
    again = registry_import(acting_user=yangshe_clerk, rows=read_table(content, "a.xlsx"))
    assert not again.changed
    assert state() == before


def test_changed_row_updates_the_person_by_id_number(yangshe_clerk) -> None:
    registry_import(acting_user=yangshe_clerk, rows=read_table(xlsx(GOOD), "a.xlsx"))
    changed = [
        *GOOD[:2],
        row(
            "ZJG101",
            "户主",
            "郑一",
            make_id_number("19800303", 33),
            serious_illness="否",
            phone="13911112222",
        ),
    ]
    result = registry_import(acting_user=yangshe_clerk, rows=read_table(xlsx(changed), "a.xlsx"))
    assert (result.persons_updated, result.persons_created, result.households_created) == (1, 0, 0)
    person = Person.objects.get(name="郑一")
    assert (person.serious_illness, person.phone) == (False, "13911112222")


def test_every_bad_row_is_reported_and_nothing_written(yangshe_clerk) -> None:
    bad = [
        GOOD[0],
        row("ZJG100", "配偶", "吴小梅", make_id_number("19570202", 22)[:-1] + "0"),
        row("ZJG102", "户主", "钱二", make_id_number("19700101", 13), division_code="320582100999"),
        row("ZJG103", "户主", "孙三", make_id_number("19550101", 11)),  # repeats row 2
        row("ZJG104", "户主", "", make_id_number("19710101", 15), marital_status="其他"),
    ]
    # make row 3 unambiguous: a wrong check character whatever the right one is
    wrong = make_id_number("19570202", 22)
    bad[1][5] = wrong[:-1] + ("1" if wrong[-1] != "1" else "2")
    bad[2][2] = "320582100999"
    before = state()
    with pytest.raises(RegistryError) as error:
        registry_import(acting_user=yangshe_clerk, rows=read_table(xlsx(bad), "a.xlsx"))
    found = {(issue.row, issue.field) for issue in error.value.issues}
    assert (3, "id_number") in found
    assert (4, "division_code") in found
    assert (5, "id_number") in found
    assert (6, "name") in found
    assert (6, "marital_status") in found
    assert state() == before


def test_other_towns_households_are_refused(tangqiao_clerk) -> None:
    with pytest.raises(RegistryError) as error:
        registry_import(acting_user=tangqiao_clerk, rows=read_table(xlsx(GOOD), "a.xlsx"))
    assert {issue.message_en for issue in error.value.issues} == {
        "the division is outside your jurisdiction"
    }
    assert Person.objects.count() == 0


def test_person_already_in_another_household_is_refused(yangshe_clerk, tangqiao_family) -> None:
    member = tangqiao_family.head
    rows = [row("ZJG200", "户主", member.name, member.id_number)]
    with pytest.raises(RegistryError) as error:
        registry_import(acting_user=yangshe_clerk, rows=read_table(xlsx(rows), "a.xlsx"))
    assert "另一户" in error.value.issues[0].message_zh
    assert tangqiao_family.division_id == TANGQIAO_VILLAGE


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"not a zip", "a.xlsx", "无法读取该Excel文件"),
        (xlsx([["x"]], headers=["甲", "乙"]), "a.xlsx", "不是本系统的导入模板"),
        (b"", "a.csv", "文件是空的"),
        (b"a,b", "a.pdf", "只能导入"),
        (xlsx([]), "a.xlsx", "没有数据行"),
    ],
)
def test_malformed_files_get_a_clear_message(content: bytes, name: str, message: str) -> None:
    with pytest.raises(RegistryError) as error:
        read_table(content, name)
    assert message in error.value.issues[0].message_zh


def test_csv_in_gb18030_reads_like_utf8() -> None:
    text = ",".join(HEADERS) + "\n" + ",".join(str(v) for v in GOOD[2]) + "\n"
    assert read_table(text.encode("gb18030"), "a.csv") == read_table(text.encode("utf-8"), "a.csv")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cells=st.lists(
        st.lists(
            st.one_of(
                st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=20),
                st.integers(),
                st.none(),
            ),
            min_size=1,
            max_size=16,
        ),
        min_size=1,
        max_size=5,
    )
)
def test_read_table_never_fails_with_anything_but_a_registry_error(cells) -> None:
    content = xlsx(cells)
    try:
        rows = read_table(content, "random.xlsx")
    except RegistryError:
        return
    assert all(set(values) <= {column.key for column in IMPORT_COLUMNS} for _, values in rows)


@settings(max_examples=200)
@given(
    values=st.fixed_dictionaries({column.key: st.text(max_size=24) for column in IMPORT_COLUMNS})
)
def test_any_row_parses_to_issues_or_a_member_without_raising(values: dict[str, str]) -> None:
    from minzheng.registry.services import _import_row_parse

    household, member, issues = _import_row_parse(7, values)
    assert all(issue.row == 7 for issue in issues)
    assert household.number == values["number"]
    assert member.relation in {"", *RELATIONS}


RELATIONS = {
    "head",
    "spouse",
    "child",
    "parent",
    "parent_in_law",
    "grandparent",
    "grandchild",
    "sibling",
    "child_in_law",
    "other",
}
