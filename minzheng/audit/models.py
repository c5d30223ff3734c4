from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from minzheng.audit.chain import HASH_PATTERN
from minzheng.registry.labels import field_label, value_label

ACTION_LABELS = {
    "registry.person.create": _("新增人员"),
    "registry.person.update": _("修改人员信息"),
    "registry.person.move": _("迁移"),
    "registry.person.record_death": _("死亡登记"),
    "registry.person.export": _("导出人员"),
    "registry.person.reveal": _("查看完整信息"),
    "registry.person.bank_account": _("登记银行账号"),
    "registry.person.ability_level": _("更新老年人能力等级"),
    "registry.household.register": _("登记家庭"),
    "registry.household.add_member": _("添加成员"),
    "registry.household.set_head": _("变更户主"),
    "registry.household.update": _("修改家庭信息"),
    "registry.household.export": _("导出家庭"),
    "registry.divisions.load": _("载入区划"),
    "registry.city.load": _("批量载入"),
    "accounts.user.create": _("创建用户"),
    "accounts.token.issue": _("签发接口令牌"),
    # accounts and data keys (the security issue)
    "accounts.user.update": _("修改用户"),
    "accounts.user.deactivate": _("停用用户"),
    "accounts.user.reactivate": _("启用用户"),
    "accounts.user.password_reset": _("重置密码"),
    "accounts.user.two_factor_reset": _("重置双因素认证"),
    "accounts.user.unlock": _("解除登录锁定"),
    "accounts.two_factor.enrol": _("绑定身份验证器"),
    "accounts.two_factor.backup_code_used": _("使用备用验证码"),
    "keys.rotate": _("轮换数据密钥"),
    "keys.retire": _("停用旧数据密钥"),
    "audit.export": _("导出审计日志"),
    # rules and policies (the rules issue)
    "policies.screen.run": _("全市政策筛查"),
    # assistance casework (the assistance issue)
    "assistance.case.apply": _("救助申请"),
    "assistance.case.accept": _("受理救助申请"),
    "assistance.case.verify": _("家庭经济状况核对"),
    "assistance.case.visit": _("入户调查"),
    "assistance.case.notice": _("公示"),
    "assistance.case.approve": _("批准救助"),
    "assistance.case.reject": _("不予批准"),
    "assistance.case.terminate": _("终止救助"),
    "assistance.case.death_change": _("成员死亡调整救助金额"),
    "assistance.case.death_terminate": _("死亡停发救助"),
    "assistance.payroll.close": _("资金发放关账"),
    "assistance.payroll.export": _("导出发放文件"),
    "assistance.payroll.failures": _("导入银行失败记录"),
    "assistance.case.object": _("登记公示异议"),
    "assistance.case.resolve_objection": _("公示异议核实处理"),
    "assistance.case.deliberate": _("一事一议批准"),
    "assistance.case.refer_city": _("报市局审批"),
    "assistance.case.city_approve": _("市局批准"),
    "assistance.case.city_reject": _("市局不予批准"),
    "assistance.case.emergency": _("先行救助"),
    "assistance.case.complete": _("补齐审批手续"),
    "assistance.case.review": _("定期核查"),
    "assistance.case.change_amount": _("调整救助金额"),
    "assistance.case.gradual_exit": _("渐退"),
    "assistance.case.transfer": _("迁移转办"),
    "assistance.case.move_change": _("成员迁出调整救助金额"),
    "assistance.case.move_terminate": _("迁出停发救助"),
    "assistance.case.letter": _("下载决定书"),
    "assistance.online.submit": _("网上申请"),
    "assistance.online.convert": _("网上申请转为救助申请"),
    "assistance.online.decline": _("网上申请未予受理"),
    "assistance.online.reveal": _("查看网上申请完整信息"),
    "assistance.statistics.export": _("导出救助统计"),
    "registry.person.leave_city": _("迁出本市"),
    "alerts.raise": _("产生预警"),
    "alerts.escalate": _("超期预警上报市局"),
    "alerts.assistance.assign": _("分派预警"),
    "alerts.assistance.close": _("办结预警"),
    "exchange.import": _("导入部门数据"),
    "exchange.synth.registry_read": _("读取人口信息生成模拟数据"),
}


def action_labels_register(labels: dict[str, str]) -> None:
    """Add an app's action labels, from its AppConfig.ready()."""
    ACTION_LABELS.update(labels)


class AuditEvent(models.Model):
    """One write, reveal or export: who, when, from where, what, on which object. Append-only.

    Entries form a hash chain in `sequence` order (minzheng/audit/chain.py); database triggers
    refuse UPDATE and DELETE (migration 0005).
    """

    sequence = models.BigIntegerField(_("序号"), unique=True)
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
    previous_hash = models.CharField(_("上一条哈希"), max_length=64)
    entry_hash = models.CharField(_("本条哈希"), max_length=64)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
            models.Index(fields=["actor_username", "sequence"], name="audit_actor_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1), name="audit_sequence_gte_1"
            ),
            models.CheckConstraint(
                condition=models.Q(entry_hash__regex=HASH_PATTERN), name="audit_entry_hash_hex"
            ),
            models.CheckConstraint(
                condition=models.Q(previous_hash__regex=HASH_PATTERN),
                name="audit_previous_hash_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def target_label(self) -> str:
        """The object's kind in words (its model's verbose name), or the stored label."""
        return target_type_label(self.target_type)

    def summary_lines(self) -> list[str]:
        """The change summary as readable lines: `field: value`, or `field: before → after`."""
        data = dict(self.data)
        changes = data.pop("changes", {})
        lines = []
        for key, value in changes.items():
            if isinstance(value, list) and len(value) == 2:
                before, after = (_shown(value_label(key, item)) for item in value)
                lines.append(f"{field_label(key)}：{before} → {after}")
            else:
                lines.append(f"{field_label(key)}：{_shown(value)}")
        for key, value in data.items():
            lines.append(f"{field_label(key)}：{_shown(value)}")
        return lines


def target_type_label(target_type: str) -> str:
    if not target_type:
        return ""
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return target_type
    return str(model._meta.verbose_name)


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, dict):
        return "，".join(f"{field_label(k)} {_shown(value_label(k, v))}" for k, v in value.items())
    if isinstance(value, list):
        return "；".join(_shown(item) for item in value)
    return str(value)
