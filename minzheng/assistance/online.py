"""Online applications: a citizen applies from the calculator's result, the town takes it up.

The citizen has no account: the application number and their own id number are the key to
follow it (`selectors.case_track`). The town's clerk or approver turns it into a case of the
applicant's registered household (`services.case_apply`, channel "self") or declines it with a
reason. Every service checks first, changes nothing when anything is wrong and writes its audit
event in the same transaction; no clear id number or phone ever goes to the audit log.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.jurisdiction import (
    division_in_scope,
    online_application_check,
    reveal_check,
)
from minzheng.accounts.models import CITY_CODE, User
from minzheng.assistance import online_selectors, services
from minzheng.assistance.models import (
    Channel,
    OnlineApplication,
    OnlineApplicationState,
    Program,
)
from minzheng.audit.services import audit_record
from minzheng.registry.models import Division, id_number_index
from minzheng.registry.services import PHONE_PATTERN, REVEAL_REASON_MIN_LENGTH
from minzheng.rules import RequestError
from minzheng.rules.id_number import IdNumberError, IdNumberInfo, parse_id_number
from minzheng.rules.request import RequestIssue, ValidRequest, validate_request
from minzheng.workflow.services import WorkflowError

NUMBER_PREFIX = online_selectors.ONLINE_NUMBER_PREFIX
NAME_MAX_LENGTH = 50
DECLINE_REASON_MAX_LENGTH = 500
VILLAGE_KINDS = online_selectors.VILLAGE_KINDS
REVEALABLE = {"id_number": "公民身份号码", "phone": "联系电话"}


class OnlineApplicationError(WorkflowError):
    """An online application refused or not handled; every issue names where it is ($.path)."""

    def __init__(self, issues: list[RequestIssue], *, register_first: bool = False) -> None:
        super().__init__(
            "；".join(issue.message_zh for issue in issues),
            "; ".join(issue.message_en for issue in issues),
        )
        self.issues = issues
        # The applicant is not in the registry: the page links to registering a household.
        self.register_first = register_first

    @property
    def problems(self) -> list[tuple[str, str]]:
        return [(issue.message_zh, issue.message_en) for issue in self.issues]


def _fail(path: str, message_zh: str, message_en: str) -> OnlineApplicationError:
    return OnlineApplicationError([RequestIssue(path, message_zh, message_en)])


# ---------------------------------------------------------------------------------------------
# submit (public)


def _applicant_issues(
    valid: ValidRequest, applicant: IdNumberInfo, issues: list[RequestIssue]
) -> None:
    """The applicant is the member with their id number, or else the head (same birth date)."""
    members = valid.data["members"]
    given = [str(member.get("id_number", "")).strip().upper() for member in members]
    if applicant.id_number in given:
        member = members[given.index(applicant.id_number)]
        if member.get("deceased", False):
            issues.append(
                RequestIssue(
                    "$.id_number",
                    "申请人在申报中被填写为已故成员",
                    "the applicant is declared deceased in the request",
                )
            )
        return
    head = next(index for index, member in enumerate(members) if member["relation"] == "head")
    if given[head]:
        issues.append(
            RequestIssue(
                "$.id_number",
                "申报的家庭成员中没有这个公民身份号码：申请人须是户主或家庭成员"
                "（可在计算器中为申请人填写公民身份号码后重新测算）",
                "no declared member has this id number: the applicant must be a member",
            )
        )
    elif valid.birth_dates[head] != applicant.birth_date:
        issues.append(
            RequestIssue(
                "$.id_number",
                "申请人的出生日期与申报的户主不一致：不是户主本人申请的，"
                "请在计算器中为申请人填写公民身份号码后重新测算",
                "the applicant's birth date is not the head's: give the applicant's id number "
                "in the request",
            )
        )


def _stored_request(data: dict[str, Any], *, village_code: str) -> dict[str, Any]:
    """The request as kept: the chosen village as division, members' id numbers left out.

    The calculator promises that the id numbers typed into it are only used to compute ages:
    each one is kept as the birth date and sex it encodes. The applicant's own id number is
    kept encrypted on the application.
    """
    members = []
    for member in data["members"]:
        kept = {key: value for key, value in member.items() if key != "id_number"}
        if member.get("id_number"):
            info = parse_id_number(member["id_number"], today=dt.date.max)
            kept["birth_date"] = info.birth_date.isoformat()
            kept["sex"] = info.sex
        members.append(kept)
    return {**data, "division": village_code, "members": members}


def _new_number(on: dt.date) -> str:
    for _attempt in range(20):
        number = f"{NUMBER_PREFIX}{on:%Y%m%d}{secrets.token_hex(3).upper()}"
        if not OnlineApplication.objects.filter(number=number).exists():
            return number
    raise RuntimeError("no free application number")  # 20 collisions in 16 million: never


DUPLICATE = RequestIssue(
    "$.id_number",
    "该公民身份号码已有一份同一救助项目的网上申请正在等待受理，请勿重复提交；"
    "忘记申请编号的，请联系所在镇（街道）",
    "an application for this programme by this id number is already waiting",
)


@transaction.atomic
def online_application_submit(
    *,
    program: str,
    name: str,
    id_number: str,
    phone: str,
    division_code: str,
    request: Any,
    on: dt.date,
) -> OnlineApplication:
    """Record a citizen's application (no account, no user); refuse it whole on any problem."""
    issues: list[RequestIssue] = []
    name = (name or "").strip()
    phone = (phone or "").strip().replace(" ", "")
    division_code = (division_code or "").strip()
    if program not in Program.values:
        issues.append(
            RequestIssue(
                "$.program",
                "救助项目应为：" + "、".join(str(label) for label in Program.labels),
                "program must be one of: " + ", ".join(Program.values),
            )
        )
    if not name:
        issues.append(RequestIssue("$.name", "请填写申请人姓名", "the name is required"))
    elif len(name) > NAME_MAX_LENGTH:
        issues.append(
            RequestIssue(
                "$.name",
                f"姓名最长{NAME_MAX_LENGTH}个字",
                f"the name has at most {NAME_MAX_LENGTH} characters",
            )
        )
    applicant: IdNumberInfo | None = None
    try:
        applicant = parse_id_number(id_number or "", today=on)
    except IdNumberError as error:
        issues.append(RequestIssue("$.id_number", error.message_zh, error.message_en))
    if not phone:
        issues.append(RequestIssue("$.phone", "请填写联系电话", "the phone number is required"))
    elif not PHONE_PATTERN.match(phone):
        issues.append(
            RequestIssue(
                "$.phone",
                "联系电话格式不正确：应为11位手机号码，或带区号的固定电话",
                "the phone number is malformed",
            )
        )
    village = (
        Division.objects.filter(code=division_code, kind__in=VILLAGE_KINDS).first()
        if len(division_code) == 12 and division_code.isdigit()
        else None
    )
    if village is None:
        issues.append(
            RequestIssue(
                "$.division_code",
                "请选择所在村（社区）：该村（社区）代码不存在",
                "division_code is not a village or community of the registry",
            )
        )
    stored: dict[str, Any] | None = None
    if not isinstance(request, dict):
        issues.append(
            RequestIssue("$.request", "家庭情况应为JSON对象", "the request must be an object")
        )
    else:
        declared = {key: value for key, value in request.items() if key != "as_of"}
        try:
            valid = validate_request({**declared, "as_of": f"{on:%Y-%m}"})
        except RequestError as error:
            issues.extend(
                RequestIssue("$.request" + issue.path[1:], issue.message_zh, issue.message_en)
                for issue in error.issues
            )
        else:
            hukou = str(declared.get("division") or CITY_CODE)
            if village is not None and not village.code.startswith(hukou):
                issues.append(
                    RequestIssue(
                        "$.request.division",
                        f"户籍所在地（{hukou}）与所选村（社区）不一致：请选择户籍所在的村（社区）",
                        "the household's division does not contain the chosen village",
                    )
                )
            if applicant is not None:
                _applicant_issues(valid, applicant, issues)
            if village is not None:
                stored = _stored_request(declared, village_code=village.code)
    if (
        applicant is not None
        and program in Program.values
        and OnlineApplication.objects.filter(
            id_number_index=id_number_index(applicant.id_number),
            program=program,
            state=OnlineApplicationState.SUBMITTED,
        ).exists()
    ):
        issues.append(DUPLICATE)
    if issues or applicant is None or stored is None:
        raise OnlineApplicationError(issues)

    application = OnlineApplication(
        number=_new_number(on),
        program=program,
        applicant_name=name,
        division_code=division_code,
        request=stored,
        submitted_at=timezone.now(),
    )
    application.id_number = applicant.id_number
    application.phone = phone
    try:
        with transaction.atomic():  # two identical submissions at once: the second is refused
            application.save(force_insert=True)
    except IntegrityError:
        raise OnlineApplicationError([DUPLICATE]) from None
    audit_record(
        actor=None,
        action="assistance.online.submit",
        target=application,
        division_code=division_code,
        data={
            "number": application.number,
            "program": program,
            "members": len(stored["members"]),
            "on": on.isoformat(),
        },
    )
    return application


# ---------------------------------------------------------------------------------------------
# the town's office


def _pending(*, acting_user: User, application: OnlineApplication) -> OnlineApplication:
    """Check role and scope, then lock the row, read it afresh and require it to be pending."""
    online_application_check(user=acting_user, division_code=application.division_code)
    OnlineApplication.objects.select_for_update().filter(pk=application.pk).exists()
    application.refresh_from_db()
    if application.state != OnlineApplicationState.SUBMITTED:
        raise _fail(
            "$.state",
            f"该网上申请已办理（{application.get_state_display()}），不能再次办理",
            f"the application is {application.state} already",
        )
    return application


@transaction.atomic
def online_application_convert(
    *, acting_user: User, application: OnlineApplication, on: dt.date
) -> OnlineApplication:
    """Turn the application into a case of the applicant's registered household (channel self).

    The applicant is found in the registry by the blind index of their id number. Someone who
    is not registered, or belongs to no household, must be registered by the town first.
    """
    application = _pending(acting_user=acting_user, application=application)
    person = online_selectors.online_applicant_person(application=application)
    if person is None:
        raise OnlineApplicationError(
            [
                RequestIssue(
                    "$.id_number",
                    "申请人尚未在人口信息中登记：请先在“家庭户”中登记其家庭（新增家庭户），"
                    "再转为救助申请",
                    "the applicant is not in the registry: register the household first",
                )
            ],
            register_first=True,
        )
    if person.death_date is not None:
        raise _fail(
            "$.id_number",
            "人口信息中登记该申请人已死亡，不能转为救助申请",
            "the registry records the applicant as deceased",
        )
    household = online_selectors.online_applicant_household(person=person)
    if household is None:
        raise OnlineApplicationError(
            [
                RequestIssue(
                    "$.id_number",
                    "申请人已登记，但目前不属于任何家庭户：请先在人口信息中将其登记到家庭户",
                    "the applicant belongs to no household: add them to one first",
                )
            ],
            register_first=True,
        )
    if not division_in_scope(user=acting_user, division_code=household.division_id):
        raise _fail(
            "$.division_code",
            "申请人登记的家庭户不在本镇（街道）：请告知申请人向户籍所在镇（街道）申请，"
            "或作未予受理处理并说明理由",
            "the applicant's registered household is outside your scope",
        )
    try:
        case = services.case_apply(
            acting_user=acting_user,
            household=household,
            applicant=person,
            program=application.program,
            request={**application.request, "division": household.division_id},
            channel=Channel.SELF,
            on=on,
        )
    except services.CaseError as error:
        raise OnlineApplicationError(
            [RequestIssue("$.request", zh, en) for zh, en in error.problems]
        ) from None
    application.state = OnlineApplicationState.CONVERTED
    application.case = case
    application.handled_by = acting_user
    application.handled_at = timezone.now()
    application.save(update_fields=["state", "case", "handled_by", "handled_at"])
    audit_record(
        actor=acting_user,
        action="assistance.online.convert",
        target=application,
        division_code=application.division_code,
        data={"number": application.number, "case": case.number, "on": on.isoformat()},
    )
    return application


@transaction.atomic
def online_application_decline(
    *, acting_user: User, application: OnlineApplication, reason: str, on: dt.date
) -> OnlineApplication:
    """Decline the application with a reason the citizen reads when they follow it."""
    application = _pending(acting_user=acting_user, application=application)
    reason = (reason or "").strip()
    if not reason:
        raise _fail("$.reason", "请填写未予受理的理由", "the reason is required")
    if len(reason) > DECLINE_REASON_MAX_LENGTH:
        raise _fail(
            "$.reason",
            f"理由最长{DECLINE_REASON_MAX_LENGTH}个字",
            f"the reason has at most {DECLINE_REASON_MAX_LENGTH} characters",
        )
    application.state = OnlineApplicationState.DECLINED
    application.decline_reason = reason
    application.handled_by = acting_user
    application.handled_at = timezone.now()
    application.save(update_fields=["state", "decline_reason", "handled_by", "handled_at"])
    audit_record(
        actor=acting_user,
        action="assistance.online.decline",
        target=application,
        division_code=application.division_code,
        data={"number": application.number, "reason": reason, "on": on.isoformat()},
    )
    return application


@transaction.atomic
def online_application_reveal(
    *, acting_user: User, application: OnlineApplication, field: str, reason: str
) -> str:
    """Return the applicant's id number or phone in full; the reveal and its reason are audited."""
    reveal_check(user=acting_user, division_code=application.division_code)
    reason = (reason or "").strip()
    if field not in REVEALABLE:
        raise _fail("$.field", "只能查看公民身份号码或联系电话", "only id_number or phone")
    if len(reason) < REVEAL_REASON_MIN_LENGTH:
        raise _fail(
            "$.reason",
            f"请填写查看原因(至少{REVEAL_REASON_MIN_LENGTH}个字)",
            f"give a reason of at least {REVEAL_REASON_MIN_LENGTH} characters",
        )
    audit_record(
        actor=acting_user,
        action="assistance.online.reveal",
        target=application,
        division_code=application.division_code,
        data={"field": field, "reason": reason[:500]},
    )
    return str(getattr(application, field))
