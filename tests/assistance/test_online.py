"""Online applications: a citizen applies from the calculator, follows it, the town takes it up.

On the real database, through the services, the pages and the API; nothing of ours is mocked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minzheng.assistance.models import AssistanceCase, OnlineApplication
from minzheng.assistance.online import (
    OnlineApplicationError,
    online_application_convert,
    online_application_decline,
    online_application_reveal,
    online_application_submit,
)
from minzheng.assistance.selectors import case_track
from minzheng.audit.models import AuditEvent
from minzheng.policies.forms import calculator_token
from minzheng.rules.id_number import check_character
from tests.assistance.conftest import family_request
from tests.conftest import (
    CHILD_ID,
    HEAD_ID,
    SPOUSE_ID,
    TANGQIAO_VILLAGE,
    YANGSHE_VILLAGE,
    YANGSHE_VILLAGE_2,
    make_id_number,
    verified_login,
)
from tests.registry.test_encryption import every_stored_text

ON = dt.date(2026, 1, 5)
PHONE = "13955556666"
NUMBER = re.compile(r"^WS20260105[0-9A-F]{6}$")


def submit(**changes: Any) -> OnlineApplication:
    arguments: dict[str, Any] = {
        "program": "dibao",
        "name": "王建国",
        "id_number": HEAD_ID,
        "phone": PHONE,
        "division_code": YANGSHE_VILLAGE,
        "request": family_request(),
        "on": ON,
        **changes,
    }
    return online_application_submit(**arguments)


def written() -> tuple[int, int, int]:
    return (
        OnlineApplication.objects.count(),
        AssistanceCase.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_citizen_submits_and_the_town_turns_it_into_a_self_application(family, yangshe_clerk):
    application = submit()

    assert NUMBER.match(application.number)
    assert (application.state, application.program, application.applicant_name) == (
        "submitted",
        "dibao",
        "王建国",
    )
    assert (application.id_number, application.phone) == (HEAD_ID, PHONE)
    assert application.request == family_request()  # the division was the village already
    event = AuditEvent.objects.get(action="assistance.online.submit")
    assert (event.actor, event.actor_username, event.division_code) == (
        None,
        "system",
        YANGSHE_VILLAGE,
    )

    online_application_convert(acting_user=yangshe_clerk, application=application, on=ON)

    case = AssistanceCase.objects.get()
    application.refresh_from_db()
    assert (application.state, application.case, application.handled_by) == (
        "converted",
        case,
        yangshe_clerk,
    )
    assert (case.channel, case.state, case.program) == ("self", "applied", "dibao")
    assert (case.household, case.applicant) == (family, family.head)
    assert case.request == application.request
    assert list(AuditEvent.objects.order_by("sequence").values_list("action", flat=True))[-3:] == [
        "assistance.online.submit",
        "assistance.case.apply",
        "assistance.online.convert",
    ]


def test_the_chosen_village_becomes_the_division_and_member_id_numbers_are_not_kept(family):
    request = family_request()
    request["division"] = "320582"  # the calculator's default: the city
    request["members"][0] = {"id": "本人", "relation": "head", "id_number": HEAD_ID}
    request["members"][1]["id_number"] = SPOUSE_ID
    del request["members"][1]["birth_date"]

    application = submit(request=request)

    head, spouse = application.request["members"][:2]
    assert application.request["division"] == YANGSHE_VILLAGE
    assert head == {"id": "本人", "relation": "head", "birth_date": "1960-03-15", "sex": "male"}
    assert (spouse["birth_date"], spouse["sex"], "id_number" in spouse) == (
        "1962-11-02",
        "female",
        False,
    )


def test_tracking_follows_the_application_into_its_case(client, family, yangshe_clerk):
    application = submit()

    tracked = case_track(number=application.number.lower(), id_number=HEAD_ID.lower())
    assert tracked is not None
    assert (tracked.state_label, tracked.program) == ("已提交，等待镇（街道）受理", "最低生活保障")
    assert [label for _on, label in tracked.steps] == ["网上提交申请"]

    online_application_convert(acting_user=yangshe_clerk, application=application, on=ON)
    case = AssistanceCase.objects.get()
    tracked = case_track(number=application.number, id_number=HEAD_ID)
    assert tracked is not None
    assert tracked.state_label == f"已转为申请 {case.number}（已申请）"
    assert [label for _on, label in tracked.steps] == ["网上提交申请", "提交申请"]
    # the case's own number keeps working for the same applicant
    assert case_track(number=case.number, id_number=HEAD_ID) is not None

    page = client.post(
        "/assistance/track/", {"number": application.number, "id_number": HEAD_ID}
    ).content.decode()
    assert f"已转为申请 {case.number}（已申请）" in page
    answer = client.post(
        "/api/assistance/track",
        json.dumps({"number": application.number, "id_number": HEAD_ID}),
        content_type="application/json",
    )
    assert (answer.status_code, answer.json()["state"]) == (200, tracked.state_label)


def test_a_declined_application_shows_its_reason_when_followed(family, yangshe_clerk):
    application = submit()

    online_application_decline(
        acting_user=yangshe_clerk, application=application, reason="户籍不在本镇", on=ON
    )

    tracked = case_track(number=application.number, id_number=HEAD_ID)
    assert tracked is not None
    assert (tracked.state_label, tracked.reasons) == ("未予受理：户籍不在本镇", ["户籍不在本镇"])
    assert [label for _on, label in tracked.steps] == ["网上提交申请", "镇（街道）未予受理"]
    event = AuditEvent.objects.order_by("-sequence").first()
    assert (event.action, event.actor, event.data["reason"]) == (
        "assistance.online.decline",
        yangshe_clerk,
        "户籍不在本镇",
    )


def _neutral(text: str, number: str, id_number: str) -> str:
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    return text.replace(number, "N").replace(id_number, "I")


def test_a_wrong_id_number_gets_the_same_answer_as_a_wrong_number(client, family):
    application = submit()
    wrong_number = "WS20260105000000"

    assert case_track(number=application.number, id_number=SPOUSE_ID) is None
    assert case_track(number=wrong_number, id_number=HEAD_ID) is None
    pages = [
        client.post("/assistance/track/", {"number": number, "id_number": id_number})
        for number, id_number in ((application.number, SPOUSE_ID), (wrong_number, HEAD_ID))
    ]
    texts = [page.content.decode() for page in pages]
    for text in texts:
        assert "没有找到该申请，请核对申请编号和身份证号码。" in text
        assert "网上提交申请" not in text
    # the pages differ only in the values typed back into the form (and the CSRF token)
    assert _neutral(texts[0], application.number, SPOUSE_ID) == _neutral(
        texts[1], wrong_number, HEAD_ID
    )
    answers = [
        client.post(
            "/api/assistance/track",
            json.dumps({"number": number, "id_number": id_number}),
            content_type="application/json",
        )
        for number, id_number in ((application.number, SPOUSE_ID), (wrong_number, HEAD_ID))
    ]
    assert [answer.status_code for answer in answers] == [404, 404]
    assert answers[0].json() == answers[1].json()


WRONG_CHECK = HEAD_ID[:-1] + ("0" if HEAD_ID[-1] != "0" else "1")


@pytest.mark.parametrize(
    ("changes", "path", "message"),
    [
        ({"id_number": WRONG_CHECK}, "$.id_number", "公民身份号码校验码错误"),
        ({"id_number": "32058219600315"}, "$.id_number", "公民身份号码应为18位，实为14位"),
        (
            {"division_code": "320582100999"},
            "$.division_code",
            "请选择所在村（社区）：该村（社区）代码不存在",
        ),
        (
            {"division_code": "320582100"},  # a town is not a village
            "$.division_code",
            "请选择所在村（社区）：该村（社区）代码不存在",
        ),
        (
            {"request": {**family_request(), "members": []}},
            "$.request.members",
            "至少需要1项",
        ),
        (
            {
                "request": {
                    **family_request(),
                    "members": [{"id": "A", "relation": "spouse", "birth_date": "1960-03-15"}],
                }
            },
            "$.request.members",
            "应有且只有一名户主（head），实有0名",
        ),
        ({"request": {**family_request(), "pets": 2}}, "$.request.pets", "不允许的字段"),
        ({"request": ["not", "an", "object"]}, "$.request", "家庭情况应为JSON对象"),
        ({"program": "longevity_allowance"}, "$.program", "救助项目应为"),
        ({"name": "  "}, "$.name", "请填写申请人姓名"),
        ({"phone": "12345"}, "$.phone", "联系电话格式不正确"),
        (
            {"id_number": SPOUSE_ID},  # not the head, and the request gives no id numbers
            "$.id_number",
            "申请人的出生日期与申报的户主不一致",
        ),
        (
            {"division_code": TANGQIAO_VILLAGE, "request": family_request()},
            "$.request.division",
            "户籍所在地（320582100001）与所选村（社区）不一致",
        ),
    ],
)
def test_a_bad_submission_is_refused_with_its_path_and_nothing_is_written(
    family, changes, path, message
):
    before = written()

    with pytest.raises(OnlineApplicationError) as error:
        submit(**changes)

    issues = [(issue.path, issue.message_zh) for issue in error.value.issues]
    assert [found for found in issues if found[0] == path and message in found[1]], issues
    assert written() == before


def test_a_member_who_is_not_the_head_applies_with_the_id_number_in_the_request(family):
    request = family_request()
    request["members"][1]["id_number"] = SPOUSE_ID

    application = submit(id_number=SPOUSE_ID, name="李秀英", request=request)

    assert application.id_number == SPOUSE_ID
    with pytest.raises(OnlineApplicationError) as error:
        submit(id_number=CHILD_ID, name="王磊", request=request)  # the head gave no id number
    assert [issue.path for issue in error.value.issues] == ["$.id_number"]


def test_a_second_pending_application_for_the_same_programme_is_refused(family, yangshe_clerk):
    first = submit()
    before = written()

    with pytest.raises(OnlineApplicationError) as error:
        submit(phone="13800001111")
    assert "已有一份同一救助项目的网上申请正在等待受理" in error.value.issues[0].message_zh
    assert written() == before

    other_programme = submit(program="temporary_assistance")
    online_application_decline(
        acting_user=yangshe_clerk, application=first, reason="材料不全", on=ON
    )
    again = submit()
    assert (other_programme.state, again.state) == ("submitted", "submitted")


def test_another_towns_clerk_cannot_convert_or_even_see_it(client, family, tangqiao_clerk, auditor):
    application = submit()
    before = written()

    with pytest.raises(PermissionDenied):
        online_application_convert(acting_user=tangqiao_clerk, application=application, on=ON)
    with pytest.raises(PermissionDenied):
        online_application_decline(
            acting_user=auditor, application=application, reason="不符合", on=ON
        )
    verified_login(client, tangqiao_clerk)
    assert client.get(f"/assistance/online/{application.pk}/").status_code == 404
    assert client.post(f"/assistance/online/{application.pk}/convert/").status_code == 404
    assert application.number not in client.get("/assistance/online/").content.decode()
    verified_login(client, auditor)
    assert client.get(f"/assistance/online/{application.pk}/").status_code == 200
    assert client.post(f"/assistance/online/{application.pk}/convert/").status_code == 403

    application.refresh_from_db()
    assert (application.state, written()) == ("submitted", before)


def test_an_applicant_not_in_the_registry_must_be_registered_first(client, family, yangshe_clerk):
    stranger = make_id_number("19550505", 15)
    request = family_request()
    request["members"] = [{"id": "本人", "relation": "head", "id_number": stranger}]
    application = submit(id_number=stranger, name="陌生人", request=request)
    before = written()

    with pytest.raises(OnlineApplicationError) as error:
        online_application_convert(acting_user=yangshe_clerk, application=application, on=ON)
    assert error.value.register_first is True
    assert "请先在“家庭户”中登记其家庭" in error.value.issues[0].message_zh
    verified_login(client, yangshe_clerk)
    page = client.post(f"/assistance/online/{application.pk}/convert/").content.decode()
    assert "请先在“家庭户”中登记其家庭" in page
    assert 'href="/registry/households/new/"' in page
    application.refresh_from_db()
    assert (application.state, written()) == ("submitted", before)


def test_a_handled_application_cannot_be_handled_again(family, yangshe_clerk):
    application = submit()
    online_application_convert(acting_user=yangshe_clerk, application=application, on=ON)
    before = written()

    with pytest.raises(OnlineApplicationError) as error:
        online_application_decline(
            acting_user=yangshe_clerk, application=application, reason="重复", on=ON
        )
    assert error.value.issues[0].message_zh == "该网上申请已办理（已转为救助申请），不能再次办理"
    assert written() == before


def test_the_audit_log_and_the_tables_never_hold_the_clear_id_number_or_phone(
    family, yangshe_clerk
):
    request = family_request()
    request["members"][0]["id_number"] = HEAD_ID
    request["members"][1]["id_number"] = SPOUSE_ID
    application = submit(request=request)
    assert (
        online_application_reveal(
            acting_user=yangshe_clerk, application=application, field="phone", reason="联系申请人"
        )
        == PHONE
    )
    online_application_convert(acting_user=yangshe_clerk, application=application, on=ON)
    declined = submit(program="dibao_edge", request=request)
    online_application_decline(
        acting_user=yangshe_clerk, application=declined, reason="已转低保申请", on=ON
    )

    audit = " ".join(
        json.dumps(event.data, ensure_ascii=False) for event in AuditEvent.objects.all()
    )
    stored = every_stored_text()
    for clear in (HEAD_ID, SPOUSE_ID, PHONE):
        assert clear not in audit
        assert clear not in stored
    assert OnlineApplication.objects.get(pk=application.pk).id_number == HEAD_ID


def _with_wrong_check(first17: str, offset: int) -> str:
    right = check_character(first17)
    characters = "0123456789X"
    return first17 + characters[(characters.index(right) + offset) % len(characters)]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    birth=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2025, 12, 31)),
    sequence=st.integers(min_value=0, max_value=999),
    offset=st.integers(min_value=1, max_value=10),
)
def test_any_id_number_with_a_wrong_check_character_is_refused(family, birth, sequence, offset):
    id_number = _with_wrong_check(f"320582{birth:%Y%m%d}{sequence:03d}", offset)
    request = family_request()
    request["members"][0] = {"id": "本人", "relation": "head", "birth_date": birth.isoformat()}
    before = written()

    with pytest.raises(OnlineApplicationError) as error:
        submit(id_number=id_number, request=request)

    assert ("$.id_number", "公民身份号码校验码错误") in [
        (issue.path, issue.message_zh) for issue in error.value.issues
    ]
    assert written() == before


# ---------------------------------------------------------------------------------------------
# pages and API


def _from_calculator(**changes: str) -> dict[str, str]:
    return {
        "token": calculator_token({**family_request(), "as_of": "2026-01"}),
        "program": "dibao",
        **changes,
    }


@time_machine.travel("2026-01-05 10:00 +0800", tick=False)
def test_the_public_form_is_prefilled_and_submits_with_a_number(client, family):
    opened = client.post("/assistance/online/apply/", _from_calculator()).content.decode()
    assert "个人信息告知" in opened
    assert "王建国" in opened  # the calculator's members are shown
    assert "杨舍镇合成社区01" in opened  # the town of the request's division is chosen
    assert f'value="{YANGSHE_VILLAGE}" selected' in opened

    refused = client.post(
        "/assistance/online/apply/",
        _from_calculator(
            name="王建国",
            id_number=HEAD_ID,
            phone=PHONE,
            town="320582100",
            division_code=YANGSHE_VILLAGE,
            send="1",
        ),  # no consent
    ).content.decode()
    assert "请阅读个人信息告知并勾选同意" in refused
    assert OnlineApplication.objects.count() == 0

    done = client.post(
        "/assistance/online/apply/",
        _from_calculator(
            name="王建国",
            id_number=HEAD_ID,
            phone=PHONE,
            town="320582100",
            division_code=YANGSHE_VILLAGE,
            consent="on",
            send="1",
        ),
    ).content.decode()
    application = OnlineApplication.objects.get()
    assert application.number in done
    assert application.request == family_request()


def test_a_forged_token_is_not_accepted(client, family):
    token = _from_calculator()["token"]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    page = client.post(
        "/assistance/online/apply/", {"token": forged, "program": "dibao"}
    ).content.decode()
    assert "页面已过期或内容不完整" in page
    assert "个人信息告知" not in page


def test_a_changed_town_lists_its_villages_and_keeps_what_was_typed(client, family):
    page = client.post(
        "/assistance/online/apply/",
        _from_calculator(name="王建国", phone=PHONE, town="320582101"),
    ).content.decode()
    assert TANGQIAO_VILLAGE in page
    assert YANGSHE_VILLAGE_2 not in page
    assert f'value="{PHONE}"' in page


def test_the_api_answers_422_with_paths_and_201_with_the_number(client, family, yangshe_clerk):
    body = {
        "program": "dibao",
        "name": "王建国",
        "id_number": WRONG_CHECK,
        "phone": PHONE,
        "division_code": "320582100999",
        "request": {"members": []},
    }
    refused = client.post(
        "/api/assistance/online", json.dumps(body), content_type="application/json"
    )
    assert (refused.status_code, refused["Content-Type"]) == (422, "application/problem+json")
    assert [error["path"] for error in refused.json()["errors"]] == [
        "$.id_number",
        "$.division_code",
        "$.request.members",
    ]
    assert OnlineApplication.objects.count() == 0

    body.update(
        {"id_number": HEAD_ID, "division_code": YANGSHE_VILLAGE, "request": family_request()}
    )
    made = client.post("/api/assistance/online", json.dumps(body), content_type="application/json")
    assert made.status_code == 201
    assert re.match(r"^WS[0-9]{8}[0-9A-F]{6}$", made.json()["number"])
    application = OnlineApplication.objects.get()

    verified_login(client, yangshe_clerk)
    listed = client.get("/api/assistance/online").json()
    assert listed["count"] == 1
    assert listed["items"][0]["id_number"] == HEAD_ID[:6] + "********" + HEAD_ID[14:]
    converted = client.post(f"/api/assistance/online/{application.pk}/convert")
    assert converted.status_code == 200
    assert converted.json()["state"] == "converted"
    assert converted.json()["case_number"] == AssistanceCase.objects.get().number
    again = client.post(
        f"/api/assistance/online/{application.pk}/decline",
        json.dumps({"reason": "重复"}),
        content_type="application/json",
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["path"] == "$.state"
