"""A clerk's day in a real browser: log in, find a person, open the household, record a death."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from minzheng.audit.models import AuditEvent
from minzheng.registry.models import Division, Household, Membership, Person
from minzheng.registry.services import HouseholdIn, MemberIn, PersonIn, household_register
from minzheng.registry.spreadsheets import IMPORT_COLUMNS
from tests.browser.conftest import log_in
from tests.conftest import (
    CHILD_ID,
    HEAD_ID,
    YANGSHE_VILLAGE,
    YANGSHE_VILLAGE_2,
    make_id_number,
    person_values,
)

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/household.png"  # noqa: S108 - looked at by hand after the run


def _masked(id_number: str) -> str:
    return id_number[:6] + "********" + id_number[14:]


def _log_in(page: Page, username: str) -> None:
    log_in(page, username)


def test_clerk_finds_a_person_and_opens_the_household(browser_page: Page, family, yangshe_clerk):
    page = browser_page
    _log_in(page, "yangshe_clerk")

    page.get_by_role("link", name="人员查询").click()
    page.fill("#id_q", "王建国")
    page.get_by_role("button", name="查询").click()
    results = page.locator("#person-results tbody tr")
    expect(results).to_have_count(1)
    results.get_by_role("link", name="王建国").click()

    expect(page.locator("h1")).to_have_text("王建国")
    expect(page.get_by_text(_masked(HEAD_ID), exact=True)).to_be_visible()
    assert HEAD_ID not in page.content()

    page.click("#household-link")

    expect(page.locator("#household-head")).to_have_text("王建国")
    members = page.locator("#current-members tbody tr")
    expect(members).to_have_count(3)
    expect(members.locator("td:first-child")).to_have_text(["王建国", "李秀英", "王磊"])
    expect(page.locator("h1")).to_contain_text("ZJG000000001")
    page.screenshot(path=SCREENSHOT, full_page=True)


def test_dashboard_draws_the_echarts_for_the_city_admin(
    browser_page: Page, family, tangqiao_family, city_admin
):
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    _log_in(page, "admin")

    expect(page.locator("#total-population")).to_have_text("4")
    expect(page.locator("#chart-towns canvas")).to_have_count(1)
    expect(page.locator("#chart-pyramid canvas")).to_have_count(1)
    expect(page.locator("#chart-ageing canvas")).to_have_count(1)
    box = page.locator("#chart-towns canvas").bounding_box()
    assert box is not None
    assert box["width"] > 100
    assert box["height"] > 100
    assert errors == []


def test_recording_a_death_on_the_person_page_shows_the_badge(
    browser_page: Page, family, yangshe_clerk
):
    page = browser_page
    child = Person.objects.with_id_number(CHILD_ID).get()
    dialogs: list[str] = []

    def accept(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    _log_in(page, "yangshe_clerk")
    page.goto(f"/registry/persons/{child.pk}/")

    page.fill("#id_death_date", "2024-06-01")
    page.get_by_role("button", name="登记死亡").click()

    expect(page.locator(".badge")).to_have_text("已于 2024-06-01 死亡")
    expect(page.get_by_text("已登记死亡，家庭成员关系已终止")).to_be_visible()
    expect(page.get_by_role("button", name="登记死亡")).to_have_count(0)
    assert dialogs == ["确认登记死亡？家庭成员关系将终止，社会救助按规定停发或调整。"]
    child.refresh_from_db()
    assert child.death_date == dt.date(2024, 6, 1)
    assert list(Membership.objects.filter(person=child).values_list("valid_to", "end_reason")) == [
        (dt.date(2024, 6, 1), "death")
    ]


# ---------------------------------------------------------------------------------------------
# registering a household on 登记新家庭


def _fill_member(page: Page, index: int, name: str, id_number: str, relation: str) -> None:
    page.fill(f"#id_members-{index}-name", name)
    page.fill(f"#id_members-{index}-id_number", id_number)
    page.select_option(f"#id_members-{index}-relation", label=relation)


def _field_errors(page: Page, field_id: str):
    """The error lines shown under a form field (inside the field's own block)."""
    return page.locator(f"#{field_id}").locator("xpath=..").locator(".invalid-feedback")


def test_clerk_registers_a_household_and_a_bad_check_character_creates_nothing(
    browser_page: Page, yangshe_clerk
):
    page = browser_page
    today = timezone.localdate()
    head_id = make_id_number("19700101", 51)
    spouse_id = make_id_number("19720202", 62)
    village_label = f"杨舍镇 {Division.objects.get(code=YANGSHE_VILLAGE_2).name}"
    _log_in(page, "yangshe_clerk")

    page.get_by_role("link", name="家庭户", exact=True).click()
    page.get_by_role("link", name="登记新家庭").click()
    expect(page.locator("h1")).to_have_text("登记新家庭")
    page.fill("#id_number", "ZJG000000101")
    page.fill("#id_address", "杨舍镇合成村01 3组18号")
    page.select_option("#id_division_code", label=village_label)
    _fill_member(page, 0, "陈志强", head_id, "户主")
    page.select_option("#id_members-0-marital_status", label="已婚")
    _fill_member(page, 1, "周丽", spouse_id, "配偶")
    page.select_option("#id_members-1-marital_status", label="已婚")
    page.get_by_role("button", name="登记", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("家庭已登记")
    expect(page.locator("h1")).to_have_text("家庭户 ZJG000000101")
    expect(page.locator("#household-head")).to_have_text("陈志强")
    members = page.locator("#current-members tbody tr")
    expect(members).to_have_count(2)
    expect(members.locator("td:nth-child(1)")).to_have_text(["陈志强", "周丽"])
    expect(members.locator("td:nth-child(2)")).to_have_text(["户主", "配偶"])
    expect(members.locator("td:nth-child(3)")).to_have_text([_masked(head_id), _masked(spouse_id)])
    expect(members.locator("td:nth-child(4)")).to_have_text(["男", "女"])
    expect(members.locator("td:nth-child(5)")).to_have_text(["1970-01-01", "1972-02-02"])
    expect(page.locator("#history tbody tr td:nth-child(3)")).to_have_text(["登记家庭"])

    household = Household.objects.get()
    assert (household.number, household.address, household.division_id, household.head_id) == (
        "ZJG000000101",
        "杨舍镇合成村01 3组18号",
        YANGSHE_VILLAGE_2,
        Person.objects.with_id_number(head_id).get().pk,
    )
    assert sorted(
        person_values(
            Person.objects.all(),
            "name",
            "id_number",
            "sex",
            "birth_date",
            "hukou_division_id",
            "residence_division_id",
            "marital_status",
            "phone",
            "serious_illness",
            "death_date",
        ),
        key=lambda row: row[1],
    ) == [
        (
            "陈志强",
            head_id,
            "male",
            dt.date(1970, 1, 1),
            YANGSHE_VILLAGE_2,
            YANGSHE_VILLAGE_2,
            "married",
            "",
            False,
            None,
        ),
        (
            "周丽",
            spouse_id,
            "female",
            dt.date(1972, 2, 2),
            YANGSHE_VILLAGE_2,
            YANGSHE_VILLAGE_2,
            "married",
            "",
            False,
            None,
        ),
    ]
    assert [
        (m.household.number, m.person.id_number, m.relation, m.valid_from, m.valid_to, m.end_reason)
        for m in Membership.objects.order_by("pk").select_related("household", "person")
    ] == [
        ("ZJG000000101", head_id, "head", today, None, ""),
        ("ZJG000000101", spouse_id, "spouse", today, None, ""),
    ]

    # A second household whose member 2 has a wrong check character: nothing is written.
    second_head = make_id_number("19800303", 71)
    good = make_id_number("19820404", 82)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    page.get_by_role("link", name="家庭户", exact=True).click()
    page.get_by_role("link", name="登记新家庭").click()
    page.fill("#id_number", "ZJG000000102")
    page.fill("#id_address", "杨舍镇合成村01 3组19号")
    page.select_option("#id_division_code", label=village_label)
    _fill_member(page, 0, "吴斌", second_head, "户主")
    _fill_member(page, 1, "郑芳", bad, "配偶")
    page.get_by_role("button", name="登记", exact=True).click()

    expect(page.locator("h1")).to_have_text("登记新家庭")
    expect(_field_errors(page, "id_members-1-id_number")).to_have_text(["公民身份号码校验码错误"])
    expect(_field_errors(page, "id_members-0-id_number")).to_have_count(0)
    expect(page.locator("#id_members-1-id_number")).to_have_value(bad)
    expect(page.locator("#id_members-1-name")).to_have_value("郑芳")
    summary = page.locator(".issue-table")
    expect(summary.locator("thead th").first).to_have_text("成员")
    expect(summary.locator("tbody tr")).to_have_count(1)
    expect(summary.locator("tbody tr td:nth-child(1)")).to_have_text("2")
    expect(summary.locator("tbody tr td:nth-child(3)")).to_have_text("公民身份号码校验码错误")
    expect(page.get_by_text("发现 1 处错误，未写入任何数据：")).to_be_visible()

    assert list(Household.objects.values_list("number", flat=True)) == ["ZJG000000101"]
    assert Person.objects.count() == 2
    assert not Person.objects.with_id_numbers([second_head, bad, good]).exists()
    assert Membership.objects.count() == 2


# ---------------------------------------------------------------------------------------------
# 批量导入: the template, an import, the same import again, a file with an error


def _import_rows(template: Path, target: Path, rows: list[dict[str, str]]) -> Path:
    """Fill the downloaded template's first sheet by column header and save it as `target`."""
    workbook = load_workbook(template)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    for row in rows:
        sheet.append([row.get(header, "") for header in headers])
    workbook.save(target)
    return target


def _upload(page: Page, path: Path) -> None:
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="导入", exact=True).click()


def test_clerk_imports_the_filled_template_twice_and_a_bad_file_writes_nothing(
    browser_page: Page, yangshe_clerk, tmp_path: Path
):
    page = browser_page
    today = timezone.localdate()
    ids = {
        "head_1": make_id_number("19550505", 13),
        "spouse_1": make_id_number("19570707", 24),
        "head_2": make_id_number("19880808", 35),
    }
    _log_in(page, "yangshe_clerk")
    page.get_by_role("link", name="批量导入").click()
    expect(page.locator("h1")).to_have_text("批量导入人员与家庭")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载导入模板").click()
    download = download_info.value
    assert download.suggested_filename == "registry-import-template.xlsx"
    template = tmp_path / "template.xlsx"
    download.save_as(template)
    workbook = load_workbook(template)
    assert workbook.sheetnames == ["人员", "填写说明"]
    assert [cell.value for cell in workbook["人员"][1]] == [c.header for c in IMPORT_COLUMNS]
    assert workbook["人员"].max_row == 1

    def row(
        number: str, address: str, relation: str, name: str, id_number: str, **more: str
    ) -> dict[str, str]:
        """One data row by template header; `more` holds optional columns by header."""
        return {
            "户号": number,
            "住址": address,
            "所属村(社区)代码": YANGSHE_VILLAGE,
            "与户主关系": relation,
            "姓名": name,
            "公民身份号码": id_number,
            **more,
        }

    good = _import_rows(
        template,
        tmp_path / "good.xlsx",
        [
            row(
                "ZJG000000201",
                "杨舍镇合成社区01 5幢501室",
                "户主",
                "孙建华",
                ids["head_1"],
                **{"婚姻状况": "已婚", "联系电话": "13912345678", "患重特大疾病": "否"},
            ),
            row(
                "ZJG000000201",
                "杨舍镇合成社区01 5幢501室",
                "配偶",
                "马桂兰",
                ids["spouse_1"],
                **{"婚姻状况": "已婚", "残疾类别": "肢体", "残疾等级": "3", "患重特大疾病": "是"},
            ),
            row(
                "ZJG000000202",
                "杨舍镇合成社区01 6幢602室",
                "户主",
                "朱晓东",
                ids["head_2"],
                **{"婚姻状况": "未婚"},
            ),
        ],
    )
    _upload(page, good)
    expect(page.locator("#import-result")).to_have_text(
        "已处理 3 行：新登记 2 户、更新 0 户；新增 3 人、更新 0 人。"
    )
    expect(page.locator(".issue-table")).to_have_count(0)

    expected_households = [
        ("ZJG000000201", "杨舍镇合成社区01 5幢501室", YANGSHE_VILLAGE, "孙建华"),
        ("ZJG000000202", "杨舍镇合成社区01 6幢602室", YANGSHE_VILLAGE, "朱晓东"),
    ]
    expected_persons = [
        (
            "孙建华",
            ids["head_1"],
            "male",
            dt.date(1955, 5, 5),
            "13912345678",
            "married",
            "",
            None,
            False,
            YANGSHE_VILLAGE,
            YANGSHE_VILLAGE,
        ),
        (
            "马桂兰",
            ids["spouse_1"],
            "female",
            dt.date(1957, 7, 7),
            "",
            "married",
            "physical",
            3,
            True,
            YANGSHE_VILLAGE,
            YANGSHE_VILLAGE,
        ),
        (
            "朱晓东",
            ids["head_2"],
            "male",
            dt.date(1988, 8, 8),
            "",
            "unmarried",
            "",
            None,
            False,
            YANGSHE_VILLAGE,
            YANGSHE_VILLAGE,
        ),
    ]
    expected_memberships = [
        ("ZJG000000201", ids["head_1"], "head", today, None),
        ("ZJG000000201", ids["spouse_1"], "spouse", today, None),
        ("ZJG000000202", ids["head_2"], "head", today, None),
    ]

    def stored() -> tuple[list, list, list]:
        return (
            list(
                Household.objects.order_by("number").values_list(
                    "number", "address", "division_id", "head__name"
                )
            ),
            list(
                person_values(
                    Person.objects.order_by("pk"),
                    "name",
                    "id_number",
                    "sex",
                    "birth_date",
                    "phone",
                    "marital_status",
                    "disability_category",
                    "disability_grade",
                    "serious_illness",
                    "hukou_division_id",
                    "residence_division_id",
                )
            ),
            [
                (m.household.number, m.person.id_number, m.relation, m.valid_from, m.valid_to)
                for m in Membership.objects.order_by("pk").select_related("household", "person")
            ],
        )

    assert stored() == (expected_households, expected_persons, expected_memberships)

    # The same file again changes nothing.
    _upload(page, good)
    expect(page.locator("#import-result")).to_have_text(
        "已处理 3 行：新登记 0 户、更新 0 户；新增 0 人、更新 0 人。"
    )
    assert stored() == (expected_households, expected_persons, expected_memberships)

    # A file with a bad id number on its second data row: the error table, nothing written.
    wrong = make_id_number("19900909", 47)
    wrong = wrong[:17] + ("0" if wrong[17] != "0" else "1")
    bad = _import_rows(
        template,
        tmp_path / "bad.xlsx",
        [
            row(
                "ZJG000000203",
                "杨舍镇合成社区01 7幢701室",
                "户主",
                "何勇",
                make_id_number("19650606", 57),
            ),
            row("ZJG000000203", "杨舍镇合成社区01 7幢701室", "子女", "何小勇", wrong),
        ],
    )
    _upload(page, bad)
    expect(page.locator("#import-result")).to_have_count(0)
    expect(page.get_by_text("发现 1 处错误，未写入任何数据：")).to_be_visible()
    issues = page.locator(".issue-table tbody tr")
    expect(issues).to_have_count(1)
    expect(issues.locator("td")).to_have_text(["3", "公民身份号码", "公民身份号码校验码错误"])
    assert stored() == (expected_households, expected_persons, expected_memberships)


# ---------------------------------------------------------------------------------------------
# 修改信息 on the person page


def test_clerk_edits_a_person_and_the_change_is_in_the_history(
    browser_page: Page, family, yangshe_clerk
):
    page = browser_page
    child = Person.objects.with_id_number(CHILD_ID).get()
    _log_in(page, "yangshe_clerk")
    page.goto(f"/registry/persons/{child.pk}/")

    page.get_by_role("link", name="修改信息").click()
    expect(page.locator("h1")).to_have_text("修改人员信息：王磊")
    expect(page.locator("#id_marital_status")).to_have_value("unmarried")
    expect(page.locator("#id_serious_illness")).not_to_be_checked()
    expect(page.locator("#id_id_number")).to_have_value("")
    page.select_option("#id_marital_status", label="已婚")
    page.check("#id_serious_illness")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("alert")).to_have_text("已保存")
    expect(page.locator("h1")).to_have_text("王磊")
    facts = page.locator("table").first
    expect(facts.locator("tr", has_text="婚姻状况").locator("td")).to_have_text("已婚")
    expect(facts.locator("tr", has_text="患重特大疾病").locator("td")).to_have_text("是")
    history = page.locator("#history tbody tr")
    expect(history.locator("td:nth-child(3)")).to_have_text(["修改人员信息", "新增人员"])
    expect(history.first.locator("td:nth-child(2)")).to_have_text("yangshe_clerk")
    assert history.first.locator("td:nth-child(4)").inner_text().splitlines() == [
        "婚姻状况：未婚 → 已婚",
        "患重特大疾病：否 → 是",
    ]

    child.refresh_from_db()
    assert (
        child.name,
        child.id_number,
        child.phone,
        child.marital_status,
        child.serious_illness,
        child.disability_category,
        child.hukou_division_id,
        child.residence_division_id,
    ) == ("王磊", CHILD_ID, "", "married", True, "", YANGSHE_VILLAGE, YANGSHE_VILLAGE)
    event = AuditEvent.objects.filter(action="registry.person.update").get()
    assert (event.target_id, event.actor_username, event.data) == (
        str(child.pk),
        "yangshe_clerk",
        {"changes": {"marital_status": ["unmarried", "married"], "serious_illness": [False, True]}},
    )


# ---------------------------------------------------------------------------------------------
# 添加成员 on the household page, then 迁移到另一户 on the person page


def test_clerk_adds_a_member_and_moves_them_to_another_household(
    browser_page: Page, family, yangshe_clerk
):
    page = browser_page
    today = timezone.localdate()
    other = household_register(
        acting_user=yangshe_clerk,
        data=HouseholdIn(
            number="ZJG000000301",
            address="杨舍镇合成村01 1组1号",
            division_code=YANGSHE_VILLAGE_2,
            members=(
                MemberIn(PersonIn(name="钱伟", id_number=make_id_number("19850101", 91)), "head"),
            ),
        ),
        on=dt.date(2024, 1, 1),
    )
    grandchild_id = make_id_number("20150601", 44)
    _log_in(page, "yangshe_clerk")
    page.goto(f"/registry/households/{family.pk}/")

    page.locator("details summary", has_text="添加成员").click()
    page.fill("#id_member-name", "王小雨")
    page.fill("#id_member-id_number", grandchild_id)
    page.select_option("#id_member-relation", label="孙子女/外孙子女")
    page.get_by_role("button", name="添加", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("已添加成员")
    members = page.locator("#current-members tbody tr")
    expect(members.locator("td:first-child")).to_have_text(["王建国", "李秀英", "王磊", "王小雨"])
    expect(members.last.locator("td:nth-child(2)")).to_have_text("孙子女/外孙子女")
    expect(members.last.locator("td:nth-child(6)")).to_have_text(today.isoformat())
    expect(page.locator("#history tbody tr").first.locator("td:nth-child(3)")).to_have_text(
        "添加成员"
    )
    person = Person.objects.with_id_number(grandchild_id).get()
    assert (person.name, person.sex, person.birth_date, person.residence_division_id) == (
        "王小雨",
        "female",
        dt.date(2015, 6, 1),
        YANGSHE_VILLAGE,
    )

    members.get_by_role("link", name="王小雨").click()
    expect(page.locator("h1")).to_have_text("王小雨")
    expect(page.locator("#household-link")).to_have_text("ZJG000000001")
    expect(page.locator("#id_on")).to_have_value(today.isoformat())
    page.fill("#id_household_number", "ZJG000000301")
    page.select_option("#id_relation", label="其他")
    page.get_by_role("button", name="迁移", exact=True).click()

    expect(page.get_by_role("alert")).to_have_text("已迁入户号 ZJG000000301")
    expect(page.locator("#household-link")).to_have_text("ZJG000000301")
    changes = page.locator("h2:has-text('家庭成员关系变化') + table tbody tr")
    expect(changes).to_have_count(2)
    expect(changes.first.locator("td")).to_have_text(
        ["ZJG000000301", "其他", today.isoformat(), "—", ""]
    )
    expect(changes.last.locator("td")).to_have_text(
        ["ZJG000000001", "孙子女/外孙子女", today.isoformat(), today.isoformat(), "迁出"]
    )
    expect(page.locator("#history tbody tr td:nth-child(3)")).to_have_text(["迁移", "新增人员"])

    changes.last.get_by_role("link", name="ZJG000000001").click()
    expect(page.locator("#current-members tbody tr td:first-child")).to_have_text(
        ["王建国", "李秀英", "王磊"]
    )
    expect(page.locator("#past-members tbody tr td")).to_have_text(
        ["王小雨", "孙子女/外孙子女", today.isoformat(), today.isoformat(), "迁出"]
    )

    person.refresh_from_db()
    assert (person.residence_division_id, person.hukou_division_id) == (
        YANGSHE_VILLAGE_2,
        YANGSHE_VILLAGE,
    )
    assert list(
        Membership.objects.filter(person=person)
        .order_by("pk")
        .values_list("household_id", "relation", "valid_from", "valid_to", "end_reason")
    ) == [
        (family.pk, "grandchild", today, today, "moved"),
        (other.pk, "other", today, None, ""),
    ]
