"""Care visits and alarms (关爱巡访, 人防+技防): visit tiers, visit records, devices, alarms.

- `CareTier`: an elder's visit tier over time (effective-dated; the rules assign it in bulk,
  the office may override it with a reason). `ElderProfile.risk_tier` mirrors the current one.
- `CareVisit`: one visit with its checklist (health, economy, family support, safety, needs).
- `Device`: an emergency-call or sensor device at an elder's home, kept by a provider.
- `DeviceEvent`: what a device platform sent; each alarm event opens or joins an `Alarm`.
- `Alarm`: open -> dispatched -> arrived -> closed (or false alarm), the workflow `ALARM`,
  changed only through `transition_perform`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from minzheng.accounts.models import BusinessLine, Role
from minzheng.workflow.definitions import Transition, Workflow

__all__ = [
    "ALARM",
    "Alarm",
    "CareTier",
    "CareVisit",
    "Device",
    "DeviceEvent",
]

TIER_LABELS = {"high": "高风险", "key": "重点", "general": "一般"}

CHANNELS = {
    "home": "上门走访",
    "phone": "电话探访",
    "video": "视频探访",
    "third_party": "委托第三方探访",
    "volunteer": "党员志愿者结对探访",
    "neighbour": "亲属邻里探访",
}

CHECK_RESULTS = {"ok": "正常", "concern": "有问题"}

# What the visitor asks about (唐山海港 list, reference §2.4): each answered ok / concern.
CHECKLIST = {
    "health": "健康状况（表达、行动、反应、疾病、精神状态）",
    "economy": "经济状况（衣食住行医困难、保障待遇）",
    "family_support": "家庭赡养（子女是否看望、问候）",
    "safety": "居住安全（房屋、水电气暖）",
}

NEEDS = {
    "daily_care": "生活照料",
    "rehabilitation": "康复护理",
    "comfort": "精神慰藉",
    "adaptation": "居家适老化改造",
    "meal": "助餐",
    "medical": "助医",
}

DEVICE_TYPES = {
    "sos": "紧急呼叫（一键呼）",
    "smoke": "烟雾报警器",
    "gas": "燃气报警器",
    "water": "溢水报警器",
    "inactivity": "无活动监测（红外/雷达）",
    "door": "门磁",
}


def _alarm_party(user: object, alarm: object) -> bool:
    """A provider's staff act on the alarms of the devices their provider keeps."""
    from minzheng.eldercare.access import provider_of

    provider = provider_of(user)
    return provider is not None and alarm.provider_id == provider.pk


TOWN = frozenset({Role.TOWN_CLERK, Role.TOWN_APPROVER})
CITY = frozenset({Role.CITY_STAFF, Role.CITY_ADMIN})
RESPONDERS = TOWN | CITY | {Role.VILLAGE_WORKER, Role.PROVIDER}

ALARM = Workflow(
    name="eldercare.alarm",
    business_line=BusinessLine.ELDERCARE,
    states={
        "open": "待派单",
        "dispatched": "已派单",
        "arrived": "已到场",
        "closed": "已处置",
        "false_alarm": "误报",
    },
    final=frozenset({"closed", "false_alarm"}),
    transitions=(
        # Opened by a device event, sent by the provider's platform or by the city.
        Transition("open", "设备报警", ("",), "open", CITY | {Role.PROVIDER}, manual=False),
        # A repeat event of the device within the window joins the alarm (on its timeline).
        Transition(
            "repeat_open",
            "同一设备再次报警",
            ("open",),
            "open",
            CITY | {Role.PROVIDER},
            manual=False,
        ),
        Transition(
            "repeat_dispatched",
            "同一设备再次报警",
            ("dispatched",),
            "dispatched",
            CITY | {Role.PROVIDER},
            manual=False,
        ),
        Transition(
            "repeat_arrived",
            "同一设备再次报警",
            ("arrived",),
            "arrived",
            CITY | {Role.PROVIDER},
            manual=False,
        ),
        Transition("dispatch", "派单", ("open", "dispatched"), "dispatched", RESPONDERS),
        Transition("arrive", "到场", ("dispatched",), "arrived", RESPONDERS),
        Transition("close", "处置完毕", ("arrived",), "closed", RESPONDERS),
        Transition(
            "false_alarm", "确认误报", ("open", "dispatched", "arrived"), "false_alarm", RESPONDERS
        ),
        # A death closes what is still open: made by the after-death service only.
        Transition(
            "stop",
            "老人去世，关闭报警",
            ("open", "dispatched", "arrived"),
            "closed",
            TOWN | CITY | {Role.VILLAGE_WORKER},
            manual=False,
        ),
    ),
    party_check=_alarm_party,
)


class CareTier(models.Model):
    """An elder's visit tier from `valid_from` to `valid_to` (open: in force). Never edited but
    to end it: a new tier is a new row. `is_override`: set by the office, with its reason; the
    bulk assignment leaves an override in force."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="care_tiers"
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    tier = models.CharField(_("巡访风险等级"), max_length=10, choices=list(TIER_LABELS.items()))
    reasons = models.JSONField(_("依据"), default=list, blank=True)
    valid_from = models.DateField(_("起始日期"))
    valid_to = models.DateField(_("终止日期"), null=True, blank=True)
    is_override = models.BooleanField(_("人工调整"), default=False)
    override_reason = models.TextField(_("调整理由"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("巡访风险等级")
        verbose_name_plural = _("巡访风险等级")
        ordering = ["person", "-valid_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(valid_to__isnull=True),
                name="care_tier_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="care_tier_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(is_override=False) | ~models.Q(override_reason=""),
                name="care_tier_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {TIER_LABELS.get(self.tier, self.tier)} {self.valid_from}"

    @property
    def tier_label(self) -> str:
        return TIER_LABELS.get(self.tier, self.tier)


class CareVisit(models.Model):
    """One 关爱巡访 visit. Never edited: a correction is a new visit."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="care_visits"
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    visited_on = models.DateField(_("探访日期"))
    channel = models.CharField(_("探访方式"), max_length=12, choices=list(CHANNELS.items()))
    visitor = models.CharField(_("探访人"), max_length=50)
    health = models.CharField(_("健康状况"), max_length=8, choices=list(CHECK_RESULTS.items()))
    economy = models.CharField(_("经济状况"), max_length=8, choices=list(CHECK_RESULTS.items()))
    family_support = models.CharField(
        _("家庭赡养"), max_length=8, choices=list(CHECK_RESULTS.items())
    )
    safety = models.CharField(_("居住安全"), max_length=8, choices=list(CHECK_RESULTS.items()))
    needs = models.JSONField(_("服务需求"), default=list, blank=True)
    findings = models.TextField(_("探访情况"), blank=True)
    follow_up = models.BooleanField(_("需要跟进"), default=False)
    follow_up_note = models.TextField(_("跟进事项"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("关爱巡访记录")
        verbose_name_plural = _("关爱巡访记录")
        ordering = ["-visited_on", "-pk"]
        indexes = [models.Index(fields=["person", "-visited_on"], name="care_visit_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.visited_on}"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:care_visit_detail", args=[self.pk])

    @property
    def concerns(self) -> list[str]:
        return [label for code, label in CHECKLIST.items() if getattr(self, code) == "concern"]

    @property
    def needs_labels(self) -> list[str]:
        return [NEEDS.get(code, code) for code in self.needs]


class Device(models.Model):
    """An emergency-call or sensor device installed at an elder's home, kept by a provider."""

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="care_devices"
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    device_type = models.CharField(_("设备类型"), max_length=12, choices=list(DEVICE_TYPES.items()))
    serial = models.CharField(_("设备编号"), max_length=40, unique=True)
    installed_on = models.DateField(_("安装日期"))
    provider = models.ForeignKey(
        "eldercare.Provider",
        on_delete=models.PROTECT,
        related_name="devices",
        verbose_name=_("运维服务商"),
    )
    active = models.BooleanField(_("在用"), default=True)
    deactivated_on = models.DateField(_("停用日期"), null=True, blank=True)
    deactivation_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("智能设备")
        verbose_name_plural = _("智能设备")
        ordering = ["serial"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(active=True, deactivated_on__isnull=True)
                | models.Q(active=False, deactivated_on__isnull=False),
                name="care_device_deactivated_on_when_inactive",
            ),
        ]

    def __str__(self) -> str:
        return self.serial

    def get_absolute_url(self) -> str:
        return reverse("eldercare:device_detail", args=[self.pk])

    @property
    def type_label(self) -> str:
        return DEVICE_TYPES.get(self.device_type, self.device_type)


class Alarm(models.Model):
    """An alarm raised by a device: dispatched to a responder who must arrive by `arrive_by`
    (the arrival target), then closed with notes. Repeated events of the device join it."""

    number = models.CharField(_("报警编号"), max_length=24, unique=True)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="alarms")
    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("老人")
    )
    provider = models.ForeignKey(
        "eldercare.Provider", on_delete=models.PROTECT, related_name="alarms"
    )
    division_code = models.CharField(_("所在村(社区)"), max_length=12, db_index=True)
    kind = models.CharField(_("报警类型"), max_length=12, choices=list(DEVICE_TYPES.items()))
    state = models.CharField(_("状态"), max_length=12, choices=list(ALARM.states.items()))
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    opened_at = models.DateTimeField(_("报警时间"))
    arrive_by = models.DateTimeField(_("应到场时间"))
    last_event_at = models.DateTimeField(_("最近一次报警"))
    event_count = models.PositiveIntegerField(_("报警次数"), default=1)
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处置人"),
    )
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("到场时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    notes = models.TextField(_("处置情况"), blank=True)
    overdue_alerted_on = models.DateField(_("超时预警日期"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("设备报警")
        verbose_name_plural = _("设备报警")
        ordering = ["-opened_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "arrive_by"], name="care_alarm_state_idx"),
            models.Index(fields=["device", "-last_event_at"], name="care_alarm_device_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(arrived_at__isnull=True)
                | models.Q(arrived_at__gte=models.F("opened_at")),
                name="care_alarm_arrived_after_opened",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("eldercare:alarm_detail", args=[self.pk])

    def inbox_subject(self) -> str:
        return f"{self.get_kind_display()} · {self.person.name}"

    @property
    def state_label(self) -> str:
        return ALARM.states.get(self.state, self.state)

    @property
    def is_open(self) -> bool:
        return self.state not in ALARM.final

    @property
    def arrived_in_time(self) -> bool | None:
        if self.arrived_at is None:
            return None
        return self.arrived_at <= self.arrive_by


class DeviceEvent(models.Model):
    """One event a device platform sent; a platform's retry of the same event is kept once."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="events")
    alarm = models.ForeignKey(
        Alarm, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    event_type = models.CharField(_("事件类型"), max_length=12, choices=list(DEVICE_TYPES.items()))
    at = models.DateTimeField(_("发生时间"))
    data = models.JSONField(_("设备数据"), default=dict, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("设备事件")
        verbose_name_plural = _("设备事件")
        ordering = ["-at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["device", "event_type", "at"], name="care_device_event_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.event_type} {self.at:%Y-%m-%d %H:%M}"
