"""Assistance pages through the test client: apply, steps, refusals, inbox, scope."""

from __future__ import annotations

import time_machine

from minzheng.assistance.models import AssistanceCase
from minzheng.audit.models import AuditEvent
from minzheng.workflow.models import TransitionRecord
from tests.conftest import verified_login


def apply_form(family, members: list[dict[str, str]] | None = None) -> dict[str, str]:
    """The apply page's form for the family: two small pensions, the son without work."""
    members = members or [
        {"id": "王建国", "relation": "head", "birth_date": "1960-03-15", "income_pension": "600"},
        {
            "id": "李秀英",
            "relation": "spouse",
            "birth_date": "1962-11-02",
            "income_pension": "500",
            "disability_category": "physical",
            "disability_grade": "2",
        },
        {"id": "王磊", "relation": "child", "birth_date": "1990-05-20", "employment": "unemployed"},
    ]
    data = {
        "program": "dibao",
        "applicant": str(family.head_id),
        "channel": "worker",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": str(len(members)),
        "members-MIN_NUM_FORMS": "1",
        "members-MAX_NUM_FORMS": "10",
        "division": family.division_id,
        "assets_financial": "2000",
        "residential_homes": "1",
    }
    for index, member in enumerate(members):
        defaults = {
            "hukou_local": "on",
            "student": "none",
            "employment": "retired",
            "capable_legal_supporter": "yes",
        }
        for key, value in {**defaults, **member}.items():
            data[f"members-{index}-{key}"] = value
    return data


def _state() -> tuple[object, ...]:
    return (
        list(AssistanceCase.objects.values_list("pk", "state", "updated_at")),
        TransitionRecord.objects.count(),
        AuditEvent.objects.count(),
    )


@time_machine.travel("2026-01-05 10:00 +0800", tick=False)
def test_a_clerk_applies_from_the_household_page_and_accepts(client, family, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    household_page = client.get(f"/registry/households/{family.pk}/").content.decode()
    assert f"/assistance/households/{family.pk}/apply/" in household_page
    form_page = client.get(f"/assistance/households/{family.pk}/apply/")
    assert form_page.status_code == 200
    assert 'value="王建国"' in form_page.content.decode()  # pre-filled from the registry
    response = client.post(f"/assistance/households/{family.pk}/apply/", apply_form(family))
    case = AssistanceCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/assistance/cases/{case.pk}/"
    assert (case.state, case.program, case.request["members"][0]["income"]) == (
        "applied",
        "dibao",
        {"pension": 600.0},
    )
    detail = client.get(f"/assistance/cases/{case.pk}/").content.decode()
    assert 'id="step-accept"' in detail
    assert 'id="step-approve"' not in detail  # a clerk does not decide
    response = client.post(
        f"/assistance/cases/{case.pk}/accept/",
        {"documents": ["身份证、户口簿", "家庭经济状况核对授权书"], "authorisation_signed": "on"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "accepted"


@time_machine.travel("2026-01-05 10:00 +0800", tick=False)
def test_a_refused_step_says_why_and_changes_nothing(client, dibao_case, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    before = _state()
    response = client.post(f"/assistance/cases/{dibao_case.pk}/notice/", follow=True)
    assert "办件当前为“已申请”，不能公示" in response.content.decode()
    response = client.post(f"/assistance/cases/{dibao_case.pk}/accept/", {}, follow=True)
    text = response.content.decode()
    assert "缺少材料：家庭经济状况核对授权书" in text
    assert "须由家庭成员签署经济状况核对授权书" in text
    assert _state() == before


def test_a_clerk_may_not_approve_and_another_town_sees_nothing(
    client, dibao_case, yangshe_clerk, tangqiao_clerk
):
    verified_login(client, yangshe_clerk)
    before = _state()
    assert (
        client.post(
            f"/assistance/cases/{dibao_case.pk}/approve/", {"start_month": "2026-02"}
        ).status_code
        == 403
    )
    assert _state() == before
    client.logout()
    verified_login(client, tangqiao_clerk)
    assert client.get(f"/assistance/cases/{dibao_case.pk}/").status_code == 404
    assert client.get("/inbox/").content.decode().count("SA2026") == 0


def test_the_inbox_and_the_list_show_the_case(client, dibao_case, yangshe_clerk):
    verified_login(client, yangshe_clerk)
    inbox = client.get("/inbox/").content.decode()
    assert dibao_case.number in inbox
    listing = client.get("/assistance/cases/?state=applied").content.decode()
    assert dibao_case.number in listing
    assert dibao_case.number not in client.get("/assistance/cases/?state=active").content.decode()


def test_an_applicant_follows_the_case_with_its_number_and_their_id_number(client, dibao_case):
    from tests.conftest import HEAD_ID, SPOUSE_ID

    page = client.get("/assistance/track/")
    assert page.status_code == 200
    found = client.post(
        "/assistance/track/", {"number": dibao_case.number.lower(), "id_number": HEAD_ID}
    ).content.decode()
    assert "已申请" in found
    assert "提交申请" in found
    assert "yangshe_clerk" not in found  # no staff names
    for number, id_number in ((dibao_case.number, SPOUSE_ID), ("SA20260105FFFFFF", HEAD_ID)):
        text = client.post(
            "/assistance/track/", {"number": number, "id_number": id_number}
        ).content.decode()
        assert "没有找到该申请，请核对申请编号和身份证号码。" in text
        assert "已申请" not in text
