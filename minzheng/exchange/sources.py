"""The departments' files, declared as data: one Source per file, its columns and its signals.

A file's header may name a column by its code (`id_number`) or by its Chinese label
(`公民身份号码`); both are accepted, codes in any letter case. A column the source does not declare
is refused, so that a misspelt optional column is reported rather than silently dropped. Each
row becomes one signal: its kind is `<source>.<event>` when the source has an event column
(`civil_registration.death`), else the source's code (`wages`); its date is the row's event date
or the first day of its month; its amount is the row's money where the source has one.

Labels are plain Chinese strings, not translated: they are the names departments write in their
headers, and a header must mean the same whatever language the page is shown in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from minzheng.registry.models import DisabilityCategory

ColumnKind = Literal["id_number", "date", "month", "money", "number", "text", "choice"]

KIND_LABELS: dict[str, str] = {
    "id_number": "18位公民身份号码",
    "date": "日期 YYYY-MM-DD",
    "month": "月份 YYYY-MM",
    "money": "金额（元，最多两位小数，不小于0）",
    "number": "数值（不小于0）",
    "text": "文字",
    "choice": "可选值",
}


@dataclass(frozen=True)
class Column:
    """One column of a department's file.

    `choices` are (code, Chinese label) pairs; a cell may hold either. A date column whose value
    may lie after the period (a certificate's expiry) says `future_allowed`. `pattern` is a
    regular expression a text cell must match, `pattern_label` says what it means.
    """

    name: str
    label: str
    kind: ColumnKind
    required: bool = True
    choices: tuple[tuple[str, str], ...] | None = None
    future_allowed: bool = False
    pattern: str | None = None
    pattern_label: str = ""

    def __post_init__(self) -> None:
        if (self.kind == "choice") != (self.choices is not None):
            raise ValueError(f"column {self.name}: choices go with the kind 'choice' only")


@dataclass(frozen=True)
class Source:
    """A department's monthly file and how each of its rows becomes a signal.

    - `event_column`: the choice column whose code ends the signal's kind, or None;
    - `on_column`: the date (or month) column that gives the signal's date; `on_column_by_event`
      overrides it for some events (a revoked certificate's date is its end of validity);
    - `amount_column`: the money column copied to the signal's amount, or None;
    - `required_when`: columns that become required for some events;
    - `ordered_dates`: (earlier, later) date columns that must not be out of order.
    """

    code: str
    label: str
    department: str
    description: str
    columns: tuple[Column, ...]
    on_column: str
    event_column: str | None = None
    amount_column: str | None = None
    on_column_by_event: dict[str, str] = field(default_factory=dict)
    required_when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ordered_dates: tuple[tuple[str, str], ...] = ()

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Every signal kind this source's rows may become."""
        if self.event_column is None:
            return (self.code,)
        choices = self.column(self.event_column).choices or ()
        return tuple(f"{self.code}.{code}" for code, _ in choices)

    def kind_of(self, event: str | None) -> str:
        """The signal kind of a row whose event column holds `event` (a code)."""
        return self.code if self.event_column is None else f"{self.code}.{event}"

    def on_column_of(self, event: str | None) -> str:
        return self.on_column_by_event.get(event or "", self.on_column)

    def required_for(self, name: str) -> tuple[str, ...]:
        """The event labels for which an optional column is required."""
        if self.event_column is None:
            return ()
        labels = dict(self.column(self.event_column).choices or ())
        return tuple(labels[event] for event, names in self.required_when.items() if name in names)

    def required_text(self, column: Column) -> str:
        """必填, 选填, or when it is required (Chinese, for the sources page and the docs)."""
        if column.required:
            return "必填"
        events = self.required_for(column.name)
        if events:
            label = self.column(self.event_column).label  # type: ignore[arg-type]
            return f"{label}为{'、'.join(events)}时必填"
        return "选填"


ID_NUMBER = Column("id_number", "公民身份号码", "id_number")
DIVISION_CODE_PATTERN = r"^[0-9]{9}([0-9]{3})?$"
YES_NO = (("yes", "是"), ("no", "否"))
# The registry's categories (the codes are DisabilityCategory's values), labelled in Chinese as
# on the certificate; not its lazy translated labels, which a header must not depend on.
DISABILITY_LABELS = {
    "visual": "视力残疾",
    "hearing": "听力残疾",
    "speech": "言语残疾",
    "physical": "肢体残疾",
    "intellectual": "智力残疾",
    "mental": "精神残疾",
    "multiple": "多重残疾",
}

SOURCES: dict[str, Source] = {
    source.code: source
    for source in (
        Source(
            code="civil_registration",
            label="公安户籍变动",
            department="市公安局",
            description="户籍人口的出生、死亡、迁入、迁出登记。",
            columns=(
                ID_NUMBER,
                Column(
                    "event",
                    "变动类型",
                    "choice",
                    choices=(
                        ("birth", "出生"),
                        ("death", "死亡"),
                        ("move_in", "迁入"),
                        ("move_out", "迁出"),
                    ),
                ),
                Column("event_date", "变动日期", "date"),
                Column(
                    "division_code",
                    "迁入或迁出地区划代码",
                    "text",
                    required=False,
                    pattern=DIVISION_CODE_PATTERN,
                    pattern_label="9位镇(街道)或12位村(社区)区划代码",
                ),
            ),
            event_column="event",
            on_column="event_date",
            required_when={"move_in": ("division_code",), "move_out": ("division_code",)},
        ),
        Source(
            code="unemployment",
            label="失业登记",
            department="市人力资源和社会保障局",
            description="本月在册的失业登记人员，及本月终止登记的人员（填写终止日期）。",
            columns=(
                ID_NUMBER,
                Column("registered_on", "失业登记日期", "date"),
                Column("ended_on", "登记终止日期", "date", required=False),
            ),
            on_column="registered_on",
            ordered_dates=(("registered_on", "ended_on"),),
        ),
        Source(
            code="medical",
            label="医保个人自付费用",
            department="市医疗保障局",
            description="本月医保结算中的医疗总费用和个人自付费用，标明是否属重特大疾病。",
            columns=(
                ID_NUMBER,
                Column("month", "费用月份", "month"),
                Column("total_cost", "医疗总费用", "money"),
                Column("out_of_pocket", "个人自付费用", "money"),
                Column("serious_illness", "是否重特大疾病", "choice", choices=YES_NO),
            ),
            on_column="month",
            amount_column="out_of_pocket",
        ),
        Source(
            code="disability",
            label="残疾人证",
            department="市残疾人联合会",
            description="本月新办、变更（类别或等级）、注销的残疾人证；注销的有效期止为注销日期。",
            columns=(
                ID_NUMBER,
                Column(
                    "event",
                    "业务类型",
                    "choice",
                    choices=(("issued", "新办"), ("changed", "变更"), ("revoked", "注销")),
                ),
                Column(
                    "category",
                    "残疾类别",
                    "choice",
                    choices=tuple(
                        (value, DISABILITY_LABELS[value]) for value in DisabilityCategory.values
                    ),
                ),
                Column(
                    "grade",
                    "残疾等级",
                    "choice",
                    choices=(("1", "一级"), ("2", "二级"), ("3", "三级"), ("4", "四级")),
                ),
                Column("valid_from", "有效期起", "date"),
                Column("valid_to", "有效期止", "date", required=False, future_allowed=True),
            ),
            event_column="event",
            on_column="valid_from",
            on_column_by_event={"revoked": "valid_to"},
            required_when={"revoked": ("valid_to",)},
            ordered_dates=(("valid_from", "valid_to"),),
        ),
        Source(
            code="vehicle",
            label="车辆登记",
            department="市公安局交通警察大队（车辆管理所）",
            description="本月新登记（含过户转入）的机动车及其所有人。",
            columns=(
                ID_NUMBER,
                Column("registered_on", "登记日期", "date"),
                Column(
                    "vehicle_type",
                    "车辆类型",
                    "choice",
                    choices=(
                        ("car", "汽车"),
                        ("truck", "货车"),
                        ("motorcycle", "摩托车"),
                        ("other", "其他"),
                    ),
                ),
                Column("plate", "号牌号码", "text"),
                Column("value", "车辆价值", "money", required=False),
            ),
            on_column="registered_on",
            amount_column="value",
        ),
        Source(
            code="real_estate",
            label="不动产登记",
            department="市自然资源和规划局（不动产登记中心）",
            description="本月取得或转出的房屋等不动产。",
            columns=(
                ID_NUMBER,
                Column("registered_on", "登记日期", "date"),
                Column(
                    "use",
                    "用途",
                    "choice",
                    choices=(("residential", "住宅"), ("commercial", "商业"), ("other", "其他")),
                ),
                Column("area_m2", "建筑面积（平方米）", "number"),
                Column(
                    "event", "登记类型", "choice", choices=(("acquired", "取得"), ("sold", "转出"))
                ),
            ),
            event_column="event",
            on_column="registered_on",
        ),
        Source(
            code="wages",
            label="工资收入",
            department="市税务局（工资薪金代扣代缴）",
            description="本月由本市单位发放的工资薪金，每个发放单位一行。",
            columns=(
                ID_NUMBER,
                Column("month", "工资月份", "month"),
                Column("employer", "发放单位", "text"),
                Column("amount", "应发工资", "money"),
            ),
            on_column="month",
            amount_column="amount",
        ),
        Source(
            code="pensions",
            label="养老金",
            department="市人力资源和社会保障局（社会保险基金管理中心）",
            description="本月发放的基本养老金及其他养老待遇。",
            columns=(
                ID_NUMBER,
                Column("month", "发放月份", "month"),
                Column(
                    "kind",
                    "养老金类别",
                    "choice",
                    choices=(
                        ("employee", "城镇职工基本养老金"),
                        ("resident", "城乡居民基本养老金"),
                        ("other", "其他养老待遇"),
                    ),
                ),
                Column("amount", "发放金额", "money"),
            ),
            on_column="month",
            amount_column="amount",
        ),
        Source(
            code="hospital_stay",
            label="住院记录",
            department="市医疗保障局",
            description="本月医保结算的住院记录；未出院的不填出院日期。",
            columns=(
                ID_NUMBER,
                Column("admitted_on", "入院日期", "date"),
                Column("discharged_on", "出院日期", "date", required=False),
            ),
            on_column="admitted_on",
            ordered_dates=(("admitted_on", "discharged_on"),),
        ),
    )
}


def source_get(code: str) -> Source | None:
    return SOURCES.get(code)


def all_kinds() -> tuple[str, ...]:
    """Every signal kind of every source, in declaration order."""
    return tuple(kind for source in SOURCES.values() for kind in source.kinds)
