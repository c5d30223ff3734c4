"""Jurisdiction in one place: what a user may see (a division-code prefix) and may change."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from minzheng.accounts.models import CITY_CODE, BusinessLine, Role, User

# Roles whose scope is the whole city whatever division code they carry.
CITY_WIDE_ROLES = {Role.CITY_ADMIN, Role.CITY_STAFF, Role.AUDITOR}
# Roles that may register households and change registry facts inside their scope.
REGISTRY_WRITER_ROLES = {
    Role.CITY_ADMIN,
    Role.CITY_STAFF,
    Role.TOWN_APPROVER,
    Role.TOWN_CLERK,
    Role.VILLAGE_WORKER,
}
# Roles that may read the registry of people at all.
REGISTRY_READER_ROLES = REGISTRY_WRITER_ROLES | {Role.AUDITOR}


def user_scope_prefix(user: User) -> str | None:
    """Return the division-code prefix the user may see, or None when they may see no one."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return CITY_CODE
    if user.role not in REGISTRY_READER_ROLES:
        return None
    if user.role in CITY_WIDE_ROLES:
        return CITY_CODE
    return user.division_code


def division_in_scope(*, user: User, division_code: str) -> bool:
    prefix = user_scope_prefix(user)
    return prefix is not None and division_code.startswith(prefix)


def registry_write_check(*, user: User, division_code: str) -> None:
    """Raise PermissionDenied unless the user may change the registry in this division."""
    allowed = user.is_superuser or user.role in REGISTRY_WRITER_ROLES
    if not allowed or not division_in_scope(user=user, division_code=division_code):
        raise PermissionDenied(_("您无权在该区划内修改人口与家庭信息"))


def divisions_write_check(*, user: User) -> None:
    """Only the city administrator changes the list of divisions."""
    if not (user.is_superuser or user.role == Role.CITY_ADMIN):
        raise PermissionDenied(_("只有市局管理员可以维护行政区划"))


# Roles that must sign in with a one-time code after the password (TOTP two-factor).
TWO_FACTOR_ROLES = {Role.CITY_ADMIN, Role.AUDITOR}
TOWN_ROLES = {Role.TOWN_APPROVER, Role.TOWN_CLERK}
# The length of the division code a role's scope must have: the city, a town, a village.
ROLE_SCOPE_LENGTHS = {
    **{role: len(CITY_CODE) for role in CITY_WIDE_ROLES},
    **{role: 9 for role in TOWN_ROLES},
    Role.VILLAGE_WORKER: 12,
}
# Roles that work for one business line, which they must name.
BUSINESS_LINE_ROLES = {Role.CITY_STAFF}


def two_factor_required(user: User) -> bool:
    """Whether the user must use a one-time code after the password."""
    return bool(user.is_superuser or user.role in TWO_FACTOR_ROLES)


def users_manage_allowed(user: User) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or user.role == Role.CITY_ADMIN))


def users_manage_check(*, user: User | None) -> None:
    """Only the city administrator (or the command line, user None) manages accounts."""
    if user is not None and not users_manage_allowed(user):
        raise PermissionDenied(_("只有市局管理员可以管理用户"))


def scope_fits_role(*, role: str, division_code: str) -> bool:
    """A city-wide role has the city as scope, a town role a town, a village worker a village."""
    length = ROLE_SCOPE_LENGTHS.get(role)
    return length is None or len(division_code) == length


# Roles that may see one personal identifier in full after giving a reason (audited).
REVEAL_ROLES = {
    Role.CITY_ADMIN,
    Role.CITY_STAFF,
    Role.TOWN_APPROVER,
    Role.TOWN_CLERK,
    Role.VILLAGE_WORKER,
    Role.AUDITOR,
}


def reveal_check(*, user: User, division_code: str) -> None:
    """Raise PermissionDenied unless the user may reveal a value of someone in this division."""
    allowed = user.is_superuser or user.role in REVEAL_ROLES
    if not allowed or not division_in_scope(user=user, division_code=division_code):
        raise PermissionDenied(_("您无权查看完整的个人信息"))


# Roles that read the audit log (browse, filter, export).
AUDIT_LOG_READER_ROLES = {Role.AUDITOR, Role.CITY_ADMIN}


def _role_check(*, user: User, roles: set[str], message: str) -> None:
    """Raise PermissionDenied with `message` unless an active user holds one of `roles`."""
    allowed = user.is_authenticated and user.is_active and (user.is_superuser or user.role in roles)
    if not allowed:
        raise PermissionDenied(message)


def audit_log_read_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user may browse and export the audit log."""
    _role_check(
        user=user,
        roles=AUDIT_LOG_READER_ROLES,
        message=_("只有审计人员和市局管理员可以查看审计日志"),
    )


def policy_parameters_read_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user may read the parameters (the city-wide roles)."""
    _role_check(
        user=user,
        roles=CITY_WIDE_ROLES,
        message=_("只有市局人员和审计人员可以查看政策参数"),
    )


# Roles that screen the registry against the rules (政策找人), each within its own scope.
SCREENING_ROLES = {
    Role.CITY_ADMIN,
    Role.CITY_STAFF,
    Role.TOWN_APPROVER,
    Role.TOWN_CLERK,
    Role.VILLAGE_WORKER,
}


def screening_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user may screen the registry in their scope."""
    _role_check(user=user, roles=SCREENING_ROLES, message=_("只有民政业务人员可以进行政策筛查"))


def workflow_transition_check(
    *, user: User, roles: frozenset[str], division_code: str, business_line: str | None
) -> None:
    """Raise PermissionDenied unless the user may make a step of a case in this division.

    The role must be one the step allows, the case inside the user's scope, and city staff must
    work in the workflow's business line (`None`: a step that follows from a recorded fact, such
    as a death, which whoever records the fact may make).
    """
    allowed = user.is_active and (user.is_superuser or user.role in roles)
    if allowed and business_line and user.role == Role.CITY_STAFF and not user.is_superuser:
        allowed = user.business_line == business_line
    if not allowed or not division_in_scope(user=user, division_code=division_code):
        raise PermissionDenied(_("您无权办理该环节"))


# Roles that turn a citizen's online application into a case, or decline it: the town's office.
ONLINE_APPLICATION_ROLES = frozenset({Role.TOWN_CLERK, Role.TOWN_APPROVER})


def online_application_check(*, user: User, division_code: str) -> None:
    """Raise PermissionDenied unless the user may handle an online application of this village.

    The town's clerk or approver whose scope holds the village chosen by the citizen.
    """
    allowed = user.is_authenticated and user.is_active
    allowed = allowed and (user.is_superuser or user.role in ONLINE_APPLICATION_ROLES)
    if not allowed or not division_in_scope(user=user, division_code=division_code):
        raise PermissionDenied(_("只有申请所在镇（街道）的经办人和审批人可以办理网上申请"))


def case_scope_prefix(*, user: User, business_line: str) -> str | None:
    """The division-code prefix of the cases of a business line the user may see."""
    is_city_staff = user.is_authenticated and user.role == Role.CITY_STAFF
    if is_city_staff and not user.is_superuser and user.business_line != business_line:
        return None
    return user_scope_prefix(user)


def _city_assistance_staff(user: User) -> bool:
    if user.is_superuser or user.role == Role.CITY_ADMIN:
        return user.is_active
    return (
        user.is_active
        and user.role == Role.CITY_STAFF
        and user.business_line == BusinessLine.ASSISTANCE
    )


def payroll_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user runs the city's assistance payroll."""
    if not (user.is_authenticated and _city_assistance_staff(user)):
        raise PermissionDenied(_("只有市局社会救助人员可以办理资金发放"))


def monitoring_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user runs the city's monitoring and 政策找人 rules."""
    if not (user.is_authenticated and _city_assistance_staff(user)):
        raise PermissionDenied(_("只有市局社会救助人员可以运行监测预警"))


def exchange_import_allowed(user: User) -> bool:
    """Whether the user imports the departments' files (the city's assistance staff)."""
    return bool(user.is_authenticated and _city_assistance_staff(user))


def exchange_import_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user may import a department's file."""
    if not exchange_import_allowed(user):
        raise PermissionDenied(_("只有市局管理员和市局社会救助人员可以导入部门交换数据"))


def exchange_read_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user may read imported files and their signals.

    Signals are about people of every town, so only city-wide roles read them: those who
    import, and the auditor.
    """
    allowed = user.is_authenticated and (
        _city_assistance_staff(user) or (user.is_active and user.role == Role.AUDITOR)
    )
    if not allowed:
        raise PermissionDenied(_("只有市局管理员、市局社会救助人员和审计人员可以查看部门交换数据"))


def bank_account_reveal_allowed(user: User) -> bool:
    """Whether the bank file may carry accounts in clear for this user (the payroll staff)."""
    return bool(user.is_authenticated and _city_assistance_staff(user))
