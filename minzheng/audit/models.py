from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "registry.person.create": _("新增人员"),
    "registry.person.update": _("修改人员信息"),
    "registry.person.move": _("迁移"),
    "registry.person.record_death": _("死亡登记"),
    "registry.person.export": _("导出人员"),
    "registry.household.register": _("登记家庭"),
    "registry.household.add_member": _("添加成员"),
    "registry.household.set_head": _("变更户主"),
    "registry.household.update": _("修改家庭信息"),
    "registry.household.export": _("导出家庭"),
    "registry.divisions.load": _("载入区划"),
    "registry.city.load": _("批量载入"),
    "accounts.user.create": _("创建用户"),
    "accounts.token.issue": _("签发接口令牌"),
}
FIELD_LABELS = {
    "name": _("姓名"),
    "id_number": _("公民身份号码"),
    "phone": _("联系电话"),
    "hukou_division_code": _("户籍地"),
    "residence_division_code": _("居住地"),
    "marital_status": _("婚姻状况"),
    "disability_category": _("残疾类别"),
    "disability_grade": _("残疾等级"),
    "disability_valid_from": _("残疾证有效期起"),
    "disability_valid_to": _("残疾证有效期止"),
    "serious_illness": _("患重特大疾病"),
    "death_date": _("死亡日期"),
    "number": _("户号"),
    "address": _("住址"),
    "division_code": _("区划代码"),
    "relation": _("与户主关系"),
    "members": _("成员"),
    "on": _("日期"),
    "valid_from": _("起始日期"),
    "household_id": _("家庭编号"),
    "from_household_id": _("原家庭编号"),
    "to_household_id": _("新家庭编号"),
    "person_id": _("人员编号"),
    "old_head_id": _("原户主编号"),
    "new_head_id": _("新户主编号"),
    "rows": _("行数"),
    "filters": _("条件"),
    "added": _("新增"),
    "codes": _("区划代码"),
}


class AuditEvent(models.Model):
    """One write, reveal or export: who, when, from where, what, on which object. Append-only."""

    occurred_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_username = models.CharField(_("操作人"), max_length=150)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=80, db_index=True)
    target_type = models.CharField(_("对象类型"), max_length=80)
    target_id = models.CharField(_("对象编号"), max_length=64)
    division_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    data = models.JSONField(_("变更摘要"), default=dict)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    def summary_lines(self) -> list[str]:
        """The change summary as readable lines: `field: value`, or `field: before → after`."""
        data = dict(self.data)
        changes = data.pop("changes", {})
        lines = []
        for key, value in changes.items():
            label = FIELD_LABELS.get(key, key)
            if isinstance(value, list) and len(value) == 2:
                lines.append(f"{label}：{_shown(value[0])} → {_shown(value[1])}")
            else:
                lines.append(f"{label}：{_shown(value)}")
        for key, value in data.items():
            lines.append(f"{FIELD_LABELS.get(key, key)}：{_shown(value)}")
        return lines


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, dict):
        return "，".join(f"{FIELD_LABELS.get(k, k)} {_shown(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "；".join(_shown(item) for item in value)
    return str(value)
