"""Who may read the audit log: auditors and the city administrator (and superusers)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from minzheng.accounts.models import Role, User

AUDIT_LOG_READER_ROLES = {Role.AUDITOR, Role.CITY_ADMIN}


def can_read_audit_log(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.role in AUDIT_LOG_READER_ROLES


def audit_log_read_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user may browse and export the audit log."""
    if not can_read_audit_log(user):
        raise PermissionDenied(_("只有审计人员和市局管理员可以查看审计日志"))
