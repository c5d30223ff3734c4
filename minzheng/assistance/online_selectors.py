"""Every read of online applications (`minzheng.assistance.online`), scoped like the cases.

Kept apart from `selectors.py` so that the casework reads and these can change independently;
`selectors.case_track` hands numbers starting with WS to `online_application_track`.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from minzheng.accounts.jurisdiction import case_scope_prefix
from minzheng.accounts.models import BusinessLine, User
from minzheng.assistance.models import OnlineApplication, OnlineApplicationState
from minzheng.assistance.selectors import TrackedCase, case_track
from minzheng.registry.models import Division, DivisionKind, Household, Person, id_number_index
from minzheng.registry.selectors import person_current_household

ONLINE_NUMBER_PREFIX = "WS"
TOWN_KINDS = (DivisionKind.TOWN, DivisionKind.STREET, DivisionKind.PARK)
VILLAGE_KINDS = (DivisionKind.VILLAGE, DivisionKind.COMMUNITY)
SUBMITTED_LABEL = "已提交，等待镇（街道）受理"
SUBMITTED_STEP = "网上提交申请"
DECLINED_STEP = "镇（街道）未予受理"


def online_application_list(
    *, user: User, state: str = OnlineApplicationState.SUBMITTED
) -> QuerySet[OnlineApplication]:
    """The online applications of the villages in the user's scope (every state if "")."""
    prefix = case_scope_prefix(user=user, business_line=BusinessLine.ASSISTANCE)
    if prefix is None:
        return OnlineApplication.objects.none()
    applications = OnlineApplication.objects.filter(division_code__startswith=prefix)
    if state:
        applications = applications.filter(state=state)
    return applications.select_related("case", "handled_by")


def online_application_get(*, user: User, application_id: int) -> OnlineApplication:
    """An application in the user's scope; 404 for another town's exactly as for a missing one."""
    application = online_application_list(user=user, state="").filter(pk=application_id).first()
    if application is None:
        raise Http404
    return application


def online_applicant_person(*, application: OnlineApplication) -> Person | None:
    """The registered person with the applicant's id number (the same blind index)."""
    return Person.objects.filter(id_number_index=application.id_number_index).first()


def online_applicant_household(*, person: Person) -> Household | None:
    return person_current_household(person=person)


def online_towns() -> list[tuple[str, str]]:
    """(code, name) of the towns that have villages: public, no personal data."""
    towns = Division.objects.filter(kind__in=TOWN_KINDS, children__kind__in=VILLAGE_KINDS)
    return list(towns.distinct().order_by("code").values_list("code", "name"))


def online_villages(*, town_code: str) -> list[tuple[str, str]]:
    """(code, name) of the villages and communities of a town: public, no personal data."""
    if not town_code:
        return []
    villages = Division.objects.filter(parent_id=town_code, kind__in=VILLAGE_KINDS)
    return list(villages.order_by("code").values_list("code", "name"))


def online_village_names(*, codes: list[str]) -> dict[str, str]:
    """{code: "town village"} of the given villages: public, no personal data."""
    villages = Division.objects.filter(code__in=set(codes)).select_related("parent")
    return {
        village.code: f"{village.parent.name if village.parent else ''} {village.name}".strip()
        for village in villages
    }


def online_application_track(*, number: str, id_number: str) -> TrackedCase | None:
    """The application with this number and applicant id number, or None (either wrong).

    Once the town has turned it into a case, the case's own steps, amount and reasons follow.
    """
    application = (
        OnlineApplication.objects.filter(
            number=number.strip().upper(), id_number_index=id_number_index(id_number)
        )
        .select_related("case")
        .first()
    )
    if application is None:
        return None
    steps = [(timezone.localdate(application.submitted_at), SUBMITTED_STEP)]
    program = str(application.get_program_display())
    case = application.case
    if application.state == OnlineApplicationState.CONVERTED and case is not None:
        tracked = case_track(number=case.number, id_number=id_number)
        if tracked is not None:
            return TrackedCase(
                number=application.number,
                program=program,
                state_label=f"已转为申请 {case.number}（{case.state_label}）",
                steps=[*steps, *tracked.steps],
                monthly_amount=tracked.monthly_amount,
                start_month=tracked.start_month,
                end_month=tracked.end_month,
                reasons=tracked.reasons,
            )
    if application.state == OnlineApplicationState.DECLINED and application.handled_at:
        return TrackedCase(
            number=application.number,
            program=program,
            state_label=f"未予受理：{application.decline_reason}",
            steps=[*steps, (timezone.localdate(application.handled_at), DECLINED_STEP)],
            monthly_amount=None,
            start_month=None,
            end_month=None,
            reasons=[application.decline_reason],
        )
    return TrackedCase(
        number=application.number,
        program=program,
        state_label=SUBMITTED_LABEL,
        steps=steps,
        monthly_amount=None,
        start_month=None,
        end_month=None,
        reasons=[],
    )
