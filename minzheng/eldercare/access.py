"""Who may do what in eldercare: one place for the checks every part's services call.

- The office (town clerk or approver in scope, the city's eldercare staff, the city
  administrator) decides: plans, entitlements, clearing flagged visits, settlements, inspections.
- Field workers (the office plus village workers in scope) record: assessments, care visits,
  profiles.
- A provider's staff see and act only on their own provider's objects; a caregiver only on
  their own orders.
- Reads follow the division scope of the eldercare business line (`case_scope_prefix`).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from minzheng.accounts.jurisdiction import case_scope_prefix, division_in_scope
from minzheng.accounts.models import BusinessLine, Role, User

ELDERCARE = BusinessLine.ELDERCARE
OFFICE_ROLES = frozenset({Role.TOWN_CLERK, Role.TOWN_APPROVER, Role.CITY_STAFF, Role.CITY_ADMIN})
FIELD_ROLES = OFFICE_ROLES | {Role.VILLAGE_WORKER}
CITY_ROLES = frozenset({Role.CITY_STAFF, Role.CITY_ADMIN})


def read_prefix(user: User) -> str | None:
    """The division-code prefix of the eldercare records the user may read, or None."""
    return case_scope_prefix(user=user, business_line=ELDERCARE)


def _allowed(user: User, roles: frozenset[str], division_code: str) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if not (user.is_superuser or user.role in roles):
        return False
    if user.role == Role.CITY_STAFF and user.business_line != ELDERCARE:
        return False
    return division_in_scope(user=user, division_code=division_code)


def office_check(*, user: User, division_code: str) -> None:
    """Raise PermissionDenied unless the user is the eldercare office for this division."""
    if not _allowed(user, OFFICE_ROLES, division_code):
        raise PermissionDenied(_("只有所在镇（街道）或市局的养老服务经办人员可以办理"))


def field_check(*, user: User, division_code: str) -> None:
    """Raise PermissionDenied unless the user may record eldercare facts in this division."""
    if not _allowed(user, FIELD_ROLES, division_code):
        raise PermissionDenied(_("您无权在该区划办理养老服务事项"))


def city_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user is the city's eldercare staff or administrator."""
    if not _allowed(user, CITY_ROLES, "320582"):
        raise PermissionDenied(_("只有市局养老服务人员可以办理"))


def provider_of(user: User):  # -> Provider | None
    """The provider whose staff the user is (a provider-role account), or None."""
    if not (user.is_authenticated and user.is_active and user.role == Role.PROVIDER):
        return None
    staff = getattr(user, "provider_staff", None)
    return staff.provider if staff is not None else None


def caregiver_of(user: User):  # -> Caregiver | None
    if not (user.is_authenticated and user.is_active and user.role == Role.PROVIDER):
        return None
    return getattr(user, "caregiver", None)


def provider_check(*, user: User, provider_id: int) -> None:
    """Raise PermissionDenied unless the user is staff of this provider."""
    provider = provider_of(user)
    if provider is None or provider.pk != provider_id:
        raise PermissionDenied(_("只能办理本服务商的事项"))
