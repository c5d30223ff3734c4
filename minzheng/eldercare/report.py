"""Statistics of ageing and the ageing bulletin (老龄工作公报) as a Word document.

The figures are read in bulk: one grouped query per table (conditional counts by town and sex
for the population, one pass over the year's work orders, ...) and Polars where a "latest row
per person" is needed, so that the whole city (about 900,000 persons) takes seconds. The same
`Bulletin` feeds the page (tables and ECharts), the API (JSON) and the .docx (tables and charts
rendered as PNG images with matplotlib in a CJK font).

Each section of another part (entitlements, meals, care visits and alarms, institutions) is
guarded: when the part holds no data for the year, or its tables are not there yet, the section
says "本年度暂无数据" instead of failing.

Counting rules (统计口径): a person counts when born on or before 31 December of the year and
not dead by then; their age is their age in full years on 31 December (the year minus the birth
year); their town is that of their residence (居住地) in the registry.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import polars as pl
from django.apps import apps
from django.core.exceptions import FieldError, PermissionDenied
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from minzheng.accounts.models import CITY_CODE, BusinessLine, Role, User
from minzheng.audit.services import audit_record
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Assessment, Caregiver, Provider, Settlement, WorkOrder
from minzheng.registry.models import Division, DivisionKind, Person, Sex
from minzheng.rules.ability import LEVELS
from minzheng.rules.parameters import ParameterMissingError, parameters_at

logger = logging.getLogger(__name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NO_DATA = "本年度暂无数据"
FIRST_YEAR = 2000
TOWN_KINDS = (DivisionKind.TOWN, DivisionKind.STREET, DivisionKind.PARK)
# The age at which a society counts as "aged" in the international convention (老龄社会: 65+
# above 7 %, 深度老龄 above 14 %); a statistical threshold, not a policy figure.
AGED_SOCIETY_AGE = 65
BAND_WIDTH = 5
TOP_BAND = 100  # 100 周岁及以上: the last band
# Fonts with CJK glyphs, most preferred first (Debian fonts-noto-cjk, fonts-wqy-microhei).
CJK_FONTS = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
    "SimHei",
    "Microsoft YaHei",
)
FIND_FONT = "find"  # bulletin_docx: look for an installed CJK font
NO_FONT_NOTE = "说明：生成本文件的服务器未安装中文字体，统计图从略，各项数据见表格。"
REPORT_READER_ROLES = frozenset({Role.CITY_ADMIN, Role.AUDITOR})

Cell = str | int | Decimal


# --- the figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "headers": list(self.headers),
            "rows": [[_json_cell(cell) for cell in row] for row in self.rows],
        }


@dataclass(frozen=True)
class Chart:
    """A bar chart (grouped series), horizontal bars or a pie: drawn by ECharts on the page
    and by matplotlib into the Word document, from the same numbers."""

    key: str
    title: str
    kind: str  # "bar", "barh" or "pie"
    categories: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]
    unit: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "unit": self.unit,
            "categories": list(self.categories),
            "series": [{"name": name, "data": list(values)} for name, values in self.series],
        }


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    tables: tuple[Table, ...] = ()
    charts: tuple[Chart, ...] = ()
    has_data: bool = True

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "has_data": self.has_data,
            "paragraphs": list(self.paragraphs),
            "tables": [table.as_dict() for table in self.tables],
            "charts": [chart.as_dict() for chart in self.charts],
        }


@dataclass(frozen=True)
class Bulletin:
    year: int
    as_of: dt.date  # 31 December of the year: the moment the figures describe
    data_until: dt.date  # the last day whose data exists (today, for the current year)
    city_name: str
    sections: tuple[Section, ...]
    figures: dict[str, Cell] = field(default_factory=dict)  # the key figures, by name

    @property
    def title(self) -> str:
        return f"{self.city_name}{self.year}年老龄工作公报"

    @property
    def charts(self) -> list[Chart]:
        return [chart for section in self.sections for chart in section.charts]

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "data_until": self.data_until.isoformat(),
            "figures": {name: _json_cell(value) for name, value in self.figures.items()},
            "sections": [section.as_dict() for section in self.sections],
        }


def _json_cell(value: Cell) -> str | int:
    return str(value) if isinstance(value, Decimal) else value


def percent(part: int, whole: int) -> Decimal:
    """part / whole in per cent, two places, rounded half up (0 when whole is 0)."""
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def yuan(value: Decimal | None) -> Decimal:
    return (value or Decimal(0)).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- who may read, which year ---------------------------------------------------------------


def report_read_allowed(user: User) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.role in REPORT_READER_ROLES:
        return True
    return user.role == Role.CITY_STAFF and user.business_line == BusinessLine.ELDERCARE


def report_read_check(*, user: User) -> None:
    """Raise PermissionDenied unless the user may read the city's ageing statistics: the city's
    eldercare staff, the city administrator and the auditor. A town reads its own lists on
    the parts' pages; the bulletin is the city's."""
    if not report_read_allowed(user):
        raise PermissionDenied(
            _("只有市局养老服务人员、管理员和审计人员可以查看老龄工作统计和公报")
        )


def report_year(value: object, *, today: dt.date) -> int:
    """The year of a bulletin: a four-digit year from 2000 to this year, or EldercareError."""
    text = str(value).strip()
    year = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else 0
    if not FIRST_YEAR <= year <= today.year:
        raise EldercareError.one(
            "year",
            f"统计年度应为{FIRST_YEAR}年至{today.year}年之间的四位年份，收到“{text[:20]}”",
            f"the year must be a four-digit year from {FIRST_YEAR} to {today.year}, "
            f"got {text[:20]!r}",
        )
    return year


# --- the sections ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    year: int
    start: dt.date
    end: dt.date
    towns: dict[str, str]  # town code -> name, in code order
    elderly_age: int
    oldest_old_age: int


def _alive_at(end: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}birth_date__lte": end}) & (
        Q(**{f"{prefix}death_date__isnull": True}) | Q(**{f"{prefix}death_date__gt": end})
    )


def _born_by(year: int, age: int) -> dt.date:
    """The latest birth date of someone at least `age` full years old on 31 December."""
    return dt.date(year - age, 12, 31)


def bands(elderly_age: int) -> list[tuple[str, int, int | None]]:
    """(label, lowest age, highest age or None) of the age bands from the elderly age up."""
    result: list[tuple[str, int, int | None]] = [
        (f"{low}—{low + BAND_WIDTH - 1}岁", low, low + BAND_WIDTH - 1)
        for low in range(elderly_age, TOP_BAND, BAND_WIDTH)
    ]
    result.append((f"{TOP_BAND}岁及以上", TOP_BAND, None))
    return result


def _band_filter(year: int, low: int, high: int | None) -> Q:
    condition = Q(birth_date__lte=_born_by(year, low))
    if high is not None:
        condition &= Q(birth_date__gt=_born_by(year, high + 1))
    return condition


def _town_name(context: _Context, code: str) -> str:
    return context.towns.get(code, "其他")


def population_section(context: _Context) -> tuple[Section, dict[str, Cell]]:
    """Persons alive on 31 December by town, sex and age band: one grouped query."""
    year = context.year
    age_bands = bands(context.elderly_age)
    counts: dict[str, Any] = {"total": Count("pk")}
    for index, (_label, low, high) in enumerate(age_bands):
        counts[f"band{index}"] = Count("pk", filter=_band_filter(year, low, high))
    counts["aged"] = Count("pk", filter=Q(birth_date__lte=_born_by(year, AGED_SOCIETY_AGE)))
    counts["oldest"] = Count("pk", filter=Q(birth_date__lte=_born_by(year, context.oldest_old_age)))
    rows = list(
        Person.objects.filter(_alive_at(context.end))
        .annotate(town=Substr("residence_division_id", 1, 9))
        .values("town", "sex")
        .annotate(**counts)
        .order_by()
    )
    by_town: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_band = [[0, 0] for _ in age_bands]  # [male, female]
    for row in rows:
        town = by_town[row["town"]]
        elderly = sum(row[f"band{index}"] for index in range(len(age_bands)))
        town["total"] += row["total"]
        town["elderly"] += elderly
        town["aged"] += row["aged"]
        town["oldest"] += row["oldest"]
        town["centenarians"] += row[f"band{len(age_bands) - 1}"]
        town[f"elderly_{row['sex']}"] += elderly
        for index in range(len(age_bands)):
            by_band[index][0 if row["sex"] == Sex.MALE else 1] += row[f"band{index}"]
    total = sum(town["total"] for town in by_town.values())
    elderly = sum(town["elderly"] for town in by_town.values())
    aged = sum(town["aged"] for town in by_town.values())
    oldest = sum(town["oldest"] for town in by_town.values())
    centenarians = sum(town["centenarians"] for town in by_town.values())
    male = sum(town[f"elderly_{Sex.MALE}"] for town in by_town.values())
    female = sum(town[f"elderly_{Sex.FEMALE}"] for town in by_town.values())
    figures: dict[str, Cell] = {
        "population": total,
        "elderly": elderly,
        "elderly_share": percent(elderly, total),
        "aged": aged,
        "aged_share": percent(aged, total),
        "oldest_old": oldest,
        "oldest_old_share": percent(oldest, total),
        "centenarians": centenarians,
        "elderly_male": male,
        "elderly_female": female,
    }
    if not total:
        return Section("population", "一、老年人口", (NO_DATA,), has_data=False), figures
    elderly_age, oldest_age = context.elderly_age, context.oldest_old_age
    paragraphs = [
        f"截至{year}年底，全市登记人口{total:,}人，其中{elderly_age}周岁及以上老年人口"
        f"{elderly:,}人，占总人口的{figures['elderly_share']}%；{AGED_SOCIETY_AGE}周岁及以上"
        f"{aged:,}人，占{figures['aged_share']}%；{oldest_age}周岁及以上高龄老人{oldest:,}人，"
        f"占{figures['oldest_old_share']}%，占老年人口的{percent(oldest, elderly)}%；"
        f"{TOP_BAND}周岁及以上老人{centenarians:,}人。",
        f"老年人口中，男性{male:,}人，女性{female:,}人，女性占{percent(female, elderly)}%。",
    ]
    town_rows = []
    codes = [code for code in context.towns if code in by_town]
    codes += sorted(code for code in by_town if code not in context.towns)
    for code in codes:
        town = by_town[code]
        town_rows.append(
            (
                _town_name(context, code),
                town["total"],
                town["elderly"],
                percent(town["elderly"], town["total"]),
                town[f"elderly_{Sex.MALE}"],
                town[f"elderly_{Sex.FEMALE}"],
                town["aged"],
                town["oldest"],
                percent(town["oldest"], town["total"]),
            )
        )
    if town_rows:
        highest = max(town_rows, key=lambda row: row[3])
        paragraphs.append(f"分镇（街道）看，老年人口占比最高的是{highest[0]}（{highest[3]}%）。")
    town_rows.append(
        (
            "合计",
            total,
            elderly,
            figures["elderly_share"],
            male,
            female,
            aged,
            oldest,
            figures["oldest_old_share"],
        )
    )
    band_rows = [
        (
            label,
            by_band[index][0],
            by_band[index][1],
            sum(by_band[index]),
            percent(sum(by_band[index]), elderly),
        )
        for index, (label, _low, _high) in enumerate(age_bands)
    ]
    band_rows.append(("合计", male, female, elderly, percent(elderly, elderly)))
    tables = (
        Table(
            "population_bands",
            f"{year}年底老年人口年龄构成",
            ("年龄段", "男", "女", "合计", "占老年人口(%)"),
            tuple(band_rows),
        ),
        Table(
            "population_towns",
            f"{year}年底各镇（街道）老年人口",
            (
                "镇（街道）",
                "总人口",
                f"{elderly_age}岁及以上",
                "占比(%)",
                "其中男",
                "其中女",
                f"{AGED_SOCIETY_AGE}岁及以上",
                f"{oldest_age}岁及以上",
                f"{oldest_age}岁及以上占比(%)",
            ),
            tuple(town_rows),
        ),
    )
    charts = (
        Chart(
            "population_bands",
            "老年人口年龄构成（人）",
            "bar",
            tuple(label for label, _low, _high in age_bands),
            (
                ("男", tuple(float(row[1]) for row in band_rows[:-1])),
                ("女", tuple(float(row[2]) for row in band_rows[:-1])),
            ),
            "人",
        ),
        Chart(
            "population_towns",
            f"各镇（街道）{elderly_age}岁及以上人口占比（%）",
            "barh",
            tuple(str(row[0]) for row in town_rows[:-1]),
            (("老年人口占比", tuple(float(row[3]) for row in town_rows[:-1])),),
            "%",
        ),
    )
    section = Section("population", "一、老年人口", tuple(paragraphs), tables, charts)
    return section, figures


def ability_section(context: _Context) -> tuple[Section, dict[str, Cell]]:
    """The level of each living person's latest assessment on or before 31 December."""
    rows = (
        Assessment.objects.filter(assessed_on__lte=context.end)
        .filter(_alive_at(context.end, "person__"))
        .annotate(town=Substr("person__residence_division_id", 1, 9))
        .values_list("person_id", "assessed_on", "pk", "level", "town")
    )
    frame = pl.DataFrame(
        list(rows),
        schema={
            "person": pl.Int64,
            "assessed_on": pl.Date,
            "pk": pl.Int64,
            "level": pl.Int64,
            "town": pl.String,
        },
        orient="row",
    )
    latest = frame.sort(["person", "assessed_on", "pk"]).unique("person", keep="last")
    assessed = latest.height
    title = "二、老年人能力评估"
    if not assessed:
        return Section("ability", title, (NO_DATA,), has_data=False), {"assessed": 0}
    in_year = frame.filter(pl.col("assessed_on") >= context.start).height
    counts = {
        (town, level): count
        for town, level, count in latest.group_by(["town", "level"]).len().iter_rows()
    }
    levels = list(LEVELS)
    by_level = {level: sum(c for (_t, lv), c in counts.items() if lv == level) for level in levels}
    moderate_or_worse = sum(by_level[level] for level in levels if level >= 2)
    paragraphs = (
        f"{context.year}年完成老年人能力评估{in_year:,}人次。截至年底，按每人最近一次评估，"
        f"在册评估老人{assessed:,}人，其中能力完好{by_level[0]:,}人，"
        f"中度及以上失能{moderate_or_worse:,}人，占已评估老人的"
        f"{percent(moderate_or_worse, assessed)}%。",
    )
    level_rows: list[tuple[Cell, ...]] = [
        (LEVELS[level], by_level[level], percent(by_level[level], assessed)) for level in levels
    ]
    level_rows.append(("合计", assessed, Decimal("100.00")))
    codes = sorted(
        {town for town, _level in counts}, key=lambda code: (code not in context.towns, code)
    )
    town_rows: list[tuple[Cell, ...]] = [
        (
            _town_name(context, code),
            *(counts.get((code, level), 0) for level in levels),
            sum(counts.get((code, level), 0) for level in levels),
        )
        for code in codes
    ]
    town_rows.append(("合计", *(by_level[level] for level in levels), assessed))
    short = ("能力完好", "轻度失能", "中度失能", "重度失能", "完全失能")
    tables = (
        Table(
            "ability_levels",
            "老年人能力等级（最近一次评估）",
            ("能力等级", "人数", "占比(%)"),
            tuple(level_rows),
        ),
        Table(
            "ability_towns",
            "各镇（街道）老年人能力等级",
            ("镇（街道）", *short, "合计"),
            tuple(town_rows),
        ),
    )
    charts = (
        Chart(
            "ability_levels",
            "老年人能力等级分布（人）",
            "pie",
            short,
            (("人数", tuple(float(by_level[level]) for level in levels)),),
            "人",
        ),
    )
    figures: dict[str, Cell] = {
        "assessed": assessed,
        "assessments_in_year": in_year,
        "moderately_disabled_or_worse": moderate_or_worse,
    }
    return Section("ability", title, paragraphs, tables, charts), figures


def home_service_section(context: _Context) -> tuple[Section, dict[str, Cell]]:
    """Work orders done in the year by item category; the year's settlements."""
    title = "四、居家上门服务"
    done = WorkOrder.objects.filter(
        scheduled_on__gte=context.start, scheduled_on__lte=context.end, state="done"
    )
    categories = list(
        done.values("item__category")
        .annotate(
            orders=Count("pk"),
            elders=Count("person", distinct=True),
            amount=Sum("amount"),
        )
        .order_by()
    )
    # Most visits first; the same order on every database (collations differ).
    categories.sort(key=lambda row: (-row["orders"], row["item__category"] or ""))
    totals = done.aggregate(
        orders=Count("pk"), elders=Count("person", distinct=True), amount=Sum("amount")
    )
    refused = WorkOrder.objects.filter(
        scheduled_on__gte=context.start, scheduled_on__lte=context.end, state="refused"
    ).count()
    settled = Settlement.objects.filter(month__gte=context.start, month__lte=context.end).aggregate(
        settlements=Count("pk"),
        providers=Count("provider", distinct=True),
        paid=Sum("orders_paid"),
        held=Sum("orders_held"),
        amount=Sum("amount"),
    )
    if not totals["orders"] and not settled["settlements"]:
        return Section("home_service", title, (NO_DATA,), has_data=False), {"home_orders": 0}
    providers = Provider.objects.filter(active=True).count()
    caregivers = Caregiver.objects.filter(active=True).count()
    amount = yuan(totals["amount"])
    settled_amount = yuan(settled["amount"])
    paragraphs = (
        f"全市在约居家养老服务商{providers}家，在岗护理员{caregivers:,}人。{context.year}年完成"
        f"居家上门服务{totals['orders']:,}次，服务老人{totals['elders']:,}人，服务金额"
        f"{amount:,}元；经监管核实不予结算{refused:,}次。",
        f"全年办理服务商月度结算{settled['settlements']}笔（{settled['providers']}家服务商），"
        f"结算工单{settled['paid'] or 0:,}次、金额{settled_amount:,}元，"
        f"暂缓结算工单{settled['held'] or 0:,}次。",
    )
    rows: list[tuple[Cell, ...]] = [
        (row["item__category"] or "其他", row["orders"], row["elders"], yuan(row["amount"]))
        for row in categories
    ]
    rows.append(("合计", totals["orders"], totals["elders"], amount))
    tables = (
        Table(
            "home_service_categories",
            "居家上门服务（按服务类别）",
            ("服务类别", "完成服务(次)", "服务老人(人)", "服务金额(元)"),
            tuple(rows),
        ),
    )
    charts = (
        (
            Chart(
                "home_service_categories",
                "居家上门服务次数（按服务类别）",
                "bar",
                tuple(str(row[0]) for row in rows[:-1]),
                (("服务次数", tuple(float(row[1]) for row in rows[:-1])),),
                "次",
            ),
        )
        if categories
        else ()
    )
    figures: dict[str, Cell] = {
        "home_orders": totals["orders"],
        "home_elders": totals["elders"],
        "home_amount": amount,
        "home_settled_amount": settled_amount,
    }
    return Section("home_service", title, paragraphs, tables, charts), figures


# The sections of the other parts, each built from that part's tables when they exist.
PART_SECTIONS: dict[str, str] = {
    "entitlement": "三、老年福利补贴",
    "meal": "五、老年助餐",
    "care": "六、关爱巡访与紧急呼叫",
    "institution": "七、养老机构",
}


def _empty(key: str) -> tuple[Section, dict[str, Cell]]:
    return Section(key, PART_SECTIONS[key], (NO_DATA,), has_data=False), {}


def _models(*names: str) -> list[Any]:
    """Another part's models; LookupError (the section says 本年度暂无数据) while missing."""
    return [apps.get_model("eldercare", name) for name in names]


def _band_label(low: int, following: int | None) -> str:
    return f"{low}岁及以上" if following is None else f"{low}—{following - 1}岁"


def _months_in_year(start: dt.date, end: dt.date | None, year: int) -> int:
    """Months of `year` from the month of `start` to the month of `end` (open: December)."""
    first = max(start, dt.date(year, 1, 1))
    last = min(end or dt.date(year, 12, 31), dt.date(year, 12, 31))
    if last < first:
        return 0
    return (last.year - first.year) * 12 + last.month - first.month + 1


def entitlement_section(context: _Context) -> tuple[Section, dict[str, Cell]]:
    """Longevity allowance and home-service subsidy in December; family beds; amounts paid."""
    enrolment, town_list, subsidy, bed = _models(
        "LongevityEnrolment", "LongevityList", "ServiceSubsidy", "FamilyBed"
    )
    december = dt.date(context.year, 12, 1)
    in_december = Q(valid_from__lte=context.end) & (
        Q(valid_to__isnull=True) | Q(valid_to__gte=december)
    )
    longevity = list(
        enrolment.objects.filter(in_december)
        .values("min_age")
        .annotate(persons=Count("person", distinct=True), monthly=Sum("amount"))
        .order_by("min_age")
    )
    paid = town_list.objects.filter(
        month__gte=context.start, month__lte=context.end, state="confirmed"
    ).aggregate(total=Sum("total"), lists=Count("pk"))
    subsidies = list(
        subsidy.objects.filter(valid_from__lte=context.end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=context.start))
        .values_list("level", "amount", "valid_from", "valid_to")
    )
    beds = list(
        bed.objects.filter(applied_on__lte=context.end)
        .values("state")
        .annotate(count=Count("pk"))
        .order_by("state")
    )
    beds_new = bed.objects.filter(
        applied_on__gte=context.start, applied_on__lte=context.end
    ).count()
    if not (longevity or paid["lists"] or subsidies or beds):
        return _empty("entitlement")
    longevity_persons = sum(row["persons"] for row in longevity)
    longevity_monthly = yuan(sum((row["monthly"] or Decimal(0) for row in longevity), Decimal(0)))
    by_level: dict[int, list[Any]] = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for level, amount, valid_from, valid_to in subsidies:
        months = _months_in_year(valid_from, valid_to, context.year)
        if valid_from <= context.end and (valid_to is None or valid_to >= december):
            by_level[level][0] += 1
            by_level[level][1] += amount
        by_level[level][2] += amount * months
    subsidy_persons = sum(row[0] for row in by_level.values())
    subsidy_year = yuan(sum((row[2] for row in by_level.values()), Decimal(0)))
    from minzheng.eldercare.entitlement_workflows import FAMILY_BED

    in_service = sum(row["count"] for row in beds if row["state"] == "in_service")
    paragraphs = (
        f"{context.year}年12月，全市享受尊老金（高龄津贴）老人{longevity_persons:,}人，"
        f"月发放{longevity_monthly:,}元；全年各镇（街道）确认尊老金发放名单{paid['lists']}份，"
        f"合计{yuan(paid['total']):,}元。",
        f"享受居家养老服务补贴的经济困难失能老人{subsidy_persons:,}人，全年补贴"
        f"{subsidy_year:,}元（按核定月标准计）。",
        f"家庭养老床位：本年新申请{beds_new:,}张，年末服务中{in_service:,}张。",
    )
    by_band = {row["min_age"]: row for row in longevity}
    try:
        bands_in_force = parameters_at(f"{context.year}-12").get("longevity_allowance.bands").value
        ages = sorted({int(band["min_age"]) for band in bands_in_force} | set(by_band))
    except (ParameterMissingError, KeyError):
        ages = sorted(by_band)
    longevity_rows: list[tuple[Cell, ...]] = [
        (
            _band_label(age, ages[index + 1] if index + 1 < len(ages) else None),
            by_band[age]["persons"] if age in by_band else 0,
            yuan(by_band[age]["monthly"] if age in by_band else None),
        )
        for index, age in enumerate(ages)
    ]
    longevity_rows.append(("合计", longevity_persons, longevity_monthly))
    subsidy_rows: list[tuple[Cell, ...]] = [
        (LEVELS.get(level, str(level)), row[0], yuan(row[1]), yuan(row[2]))
        for level, row in sorted(by_level.items())
    ]
    subsidy_rows.append(
        (
            "合计",
            subsidy_persons,
            yuan(sum((row[1] for row in by_level.values()), Decimal(0))),
            subsidy_year,
        )
    )
    bed_rows: list[tuple[Cell, ...]] = [
        (FAMILY_BED.states.get(row["state"], row["state"] or "—"), row["count"]) for row in beds
    ]
    bed_rows.append(("合计", sum(row["count"] for row in beds)))
    tables = (
        Table(
            "longevity_bands",
            f"{context.year}年12月尊老金（高龄津贴）发放",
            ("年龄段", "人数", "月发放金额(元)"),
            tuple(longevity_rows),
        ),
        Table(
            "service_subsidy_levels",
            "居家养老服务补贴（按能力等级）",
            ("能力等级", "12月享受人数", "12月补贴(元)", "全年补贴(元)"),
            tuple(subsidy_rows),
        ),
        Table(
            "family_beds",
            "家庭养老床位（截至年底申请的床位，按当前状态）",
            ("状态", "床位数"),
            tuple(bed_rows),
        ),
    )
    charts = (
        (
            Chart(
                "longevity_bands",
                "尊老金享受人数（按年龄段）",
                "bar",
                tuple(str(row[0]) for row in longevity_rows[:-1]),
                (("人数", tuple(float(row[1]) for row in longevity_rows[:-1])),),
                "人",
            ),
        )
        if longevity
        else ()
    )
    figures: dict[str, Cell] = {
        "longevity_persons": longevity_persons,
        "longevity_paid": yuan(paid["total"]),
        "service_subsidy_persons": subsidy_persons,
        "service_subsidy_year": subsidy_year,
        "family_beds_in_service": in_service,
    }
    return Section("entitlement", PART_SECTIONS["entitlement"], paragraphs, tables, charts), figures


def _meal_category_labels(year: int) -> dict[str, str]:
    """The meal part's subsidy categories by code (its parameter), or none where not in force."""
    try:
        categories = parameters_at(f"{year}-12").get("meal.categories").value
    except (ParameterMissingError, KeyError):
        return {}
    return {row["code"]: row["label"] for row in categories}


def meal_section(context: _Context) -> tuple[Section, dict[str, Cell]]:
    """The year's meals by subsidy category and by month; meal points and settlements."""
    point, registration, record, settlement = _models(
        "MealPoint", "MealRegistration", "MealRecord", "MealSettlement"
    )
    meals = record.objects.filter(served_on__gte=context.start, served_on__lte=context.end)
    categories = list(
        meals.values("category")
        .annotate(
            meals=Count("pk"),
            persons=Count("person", distinct=True),
            subsidy=Sum("subsidy"),
            own=Sum("own_payment"),
        )
        .order_by()
    )
    if not categories:
        return _empty("meal")
    categories.sort(key=lambda row: (-row["meals"], row["category"] or ""))
    totals = meals.aggregate(
        meals=Count("pk"),
        persons=Count("person", distinct=True),
        subsidy=Sum("subsidy"),
        own=Sum("own_payment"),
        refused=Count("pk", filter=~Q(subsidy_status="subsidised")),
    )
    monthly = dict(
        meals.annotate(month=TruncMonth("served_on"))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("month", "count")
    )
    points = point.objects.filter(active=True).count()
    registered = (
        registration.objects.filter(valid_from__lte=context.end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=context.end))
        .values("person")
        .distinct()
        .count()
    )
    settled = settlement.objects.filter(month__gte=context.start, month__lte=context.end).aggregate(
        subsidy=Sum("subsidy_total")
    )
    paragraphs = (
        f"全市运营老年助餐点{points}个，年末登记助餐老人{registered:,}人。{context.year}年助餐"
        f"{totals['meals']:,}人次，服务老人{totals['persons']:,}人，助餐补贴{yuan(totals['subsidy']):,}元，"
        f"个人支付{yuan(totals['own']):,}元；重复或超出当日限额不予补贴{totals['refused']:,}餐次。"
        f"全年助餐点月度结算补贴{yuan(settled['subsidy']):,}元。",
    )
    labels = _meal_category_labels(context.year)
    rows: list[tuple[Cell, ...]] = [
        (
            labels.get(row["category"], row["category"] or "其他"),
            row["meals"],
            row["persons"],
            yuan(row["subsidy"]),
            yuan(row["own"]),
        )
        for row in categories
    ]
    rows.append(
        ("合计", totals["meals"], totals["persons"], yuan(totals["subsidy"]), yuan(totals["own"]))
    )
    months = [dt.date(context.year, month, 1) for month in range(1, 13)]
    counts = {
        (key.date() if isinstance(key, dt.datetime) else key): value
        for key, value in monthly.items()
    }
    tables = (
        Table(
            "meal_categories",
            "老年助餐（按补贴类别）",
            ("补贴类别", "助餐(人次)", "服务老人(人)", "补贴(元)", "个人支付(元)"),
            tuple(rows),
        ),
    )
    charts = (
        Chart(
            "meal_months",
            "各月助餐人次",
            "bar",
            tuple(f"{month.month}月" for month in months),
            (("助餐人次", tuple(float(counts.get(month, 0)) for month in months)),),
            "人次",
        ),
    )
    figures: dict[str, Cell] = {
        "meals": totals["meals"],
        "meal_persons": totals["persons"],
        "meal_subsidy": yuan(totals["subsidy"]),
    }
    return Section("meal", PART_SECTIONS["meal"], paragraphs, tables, charts), figures


def care_section(context: _Context) -> tuple[Section, dict[str, Cell]]:
    """Visit tiers at year end, the year's visits, devices in use, the year's alarms."""
    from minzheng.eldercare.care_models import CHANNELS, DEVICE_TYPES, TIER_LABELS

    tier, visit, device, alarm = _models("CareTier", "CareVisit", "Device", "Alarm")
    tiers = dict(
        tier.objects.filter(valid_from__lte=context.end)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=context.end))
        .values("tier")
        .annotate(persons=Count("person", distinct=True))
        .order_by()
        .values_list("tier", "persons")
    )
    visits = visit.objects.filter(visited_on__gte=context.start, visited_on__lte=context.end)
    channels = dict(
        visits.values("channel")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("channel", "count")
    )
    visit_totals = visits.aggregate(
        visits=Count("pk"),
        persons=Count("person", distinct=True),
        follow_up=Count("pk", filter=Q(follow_up=True)),
    )
    devices = dict(
        device.objects.filter(installed_on__lte=context.end)
        .filter(Q(deactivated_on__isnull=True) | Q(deactivated_on__gt=context.end))
        .values("device_type")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("device_type", "count")
    )
    zone = timezone.get_current_timezone()
    opened = (
        dt.datetime.combine(context.start, dt.time(), tzinfo=zone),
        dt.datetime.combine(context.end + dt.timedelta(days=1), dt.time(), tzinfo=zone),
    )
    alarms = {
        row["kind"]: row
        for row in alarm.objects.filter(opened_at__gte=opened[0], opened_at__lt=opened[1])
        .values("kind")
        .annotate(
            count=Count("pk"),
            closed=Count("pk", filter=Q(state="closed")),
            false_alarm=Count("pk", filter=Q(state="false_alarm")),
            arrived=Count("pk", filter=Q(arrived_at__isnull=False)),
            on_time=Count("pk", filter=Q(arrived_at__lte=F("arrive_by"))),
        )
        .order_by()
    }
    if not (tiers or visit_totals["visits"] or devices or alarms):
        return _empty("care")
    watched = sum(tiers.values())
    alarm_count = sum(row["count"] for row in alarms.values())
    arrived = sum(row["arrived"] for row in alarms.values())
    on_time = sum(row["on_time"] for row in alarms.values())
    paragraphs = (
        f"年末纳入关爱巡访的老人{watched:,}人，其中高风险{tiers.get('high', 0):,}人、"
        f"重点{tiers.get('key', 0):,}人、一般{tiers.get('general', 0):,}人。{context.year}年"
        f"开展探访{visit_totals['visits']:,}次，探访老人{visit_totals['persons']:,}人，"
        f"发现需跟进事项{visit_totals['follow_up']:,}次。",
        f"年末在用紧急呼叫和安全监测设备{sum(devices.values()):,}台；全年报警{alarm_count:,}起，"
        f"到场{arrived:,}起，其中按时到场{on_time:,}起（{percent(on_time, arrived)}%）。",
    )
    tier_rows: list[tuple[Cell, ...]] = [
        (label, tiers.get(code, 0)) for code, label in TIER_LABELS.items()
    ]
    tier_rows.append(("合计", watched))
    channel_rows: list[tuple[Cell, ...]] = [
        (label, channels[code]) for code, label in CHANNELS.items() if channels.get(code)
    ]
    channel_rows.append(("合计", visit_totals["visits"]))
    alarm_rows: list[tuple[Cell, ...]] = [
        (
            label,
            devices.get(code, 0),
            alarms[code]["count"] if code in alarms else 0,
            alarms[code]["closed"] if code in alarms else 0,
            alarms[code]["false_alarm"] if code in alarms else 0,
            alarms[code]["on_time"] if code in alarms else 0,
        )
        for code, label in DEVICE_TYPES.items()
    ]
    alarm_rows.append(
        (
            "合计",
            sum(devices.values()),
            alarm_count,
            sum(row["closed"] for row in alarms.values()),
            sum(row["false_alarm"] for row in alarms.values()),
            on_time,
        )
    )
    tables = (
        Table(
            "care_tiers", "关爱巡访对象（年末，按风险等级）", ("风险等级", "人数"), tuple(tier_rows)
        ),
        Table(
            "care_visits",
            f"{context.year}年探访（按探访方式）",
            ("探访方式", "次数"),
            tuple(channel_rows),
        ),
        Table(
            "care_alarms",
            "紧急呼叫和安全监测（按设备类型）",
            ("设备类型", "年末在用(台)", "报警(起)", "已处置", "误报", "按时到场"),
            tuple(alarm_rows),
        ),
    )
    charts = (
        (
            Chart(
                "care_alarms",
                "报警起数（按设备类型）",
                "barh",
                tuple(str(row[0]) for row in alarm_rows[:-1]),
                (("报警", tuple(float(row[2]) for row in alarm_rows[:-1])),),
                "起",
            ),
        )
        if alarm_count
        else ()
    )
    figures: dict[str, Cell] = {
        "care_watched": watched,
        "care_visits": visit_totals["visits"],
        "alarms": alarm_count,
        "alarms_on_time": on_time,
    }
    return Section("care", PART_SECTIONS["care"], paragraphs, tables, charts), figures


def institution_section(context: _Context) -> tuple[Section, dict[str, Cell]]:
    """Institutions and beds, residents at year end, prepaid fees held, the year's inspections."""
    from minzheng.eldercare.institution_models import Fund, HazardLevel, InstitutionKind

    institution, resident, staff, ledger, inspection, hazard = _models(
        "Institution", "Resident", "InstitutionStaff", "LedgerEntry", "Inspection", "Hazard"
    )
    kinds = {
        row["kind"]: row
        for row in institution.objects.filter(active=True)
        .values("kind")
        .annotate(count=Count("pk"), beds=Sum("beds_total"), nursing=Sum("nursing_beds"))
        .order_by()
    }
    if not kinds:
        return _empty("institution")
    residents = dict(
        resident.objects.filter(admitted_on__lte=context.end, institution__active=True)
        .filter(Q(discharged_on__isnull=True) | Q(discharged_on__gt=context.end))
        .values("institution__kind")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("institution__kind", "count")
    )
    staff_count = staff.objects.filter(active=True, institution__active=True).count()
    held = dict(
        ledger.objects.filter(on__lte=context.end)
        .values("fund")
        .annotate(
            held=Sum("amount", filter=Q(is_inflow=True), default=Decimal(0))
            - Sum("amount", filter=Q(is_inflow=False), default=Decimal(0))
        )
        .order_by()
        .values_list("fund", "held")
    )
    inspections = inspection.objects.filter(
        inspected_on__gte=context.start, inspected_on__lte=context.end
    ).count()
    hazards = hazard.objects.filter(
        inspection__inspected_on__gte=context.start, inspection__inspected_on__lte=context.end
    ).aggregate(
        count=Count("pk"),
        major=Count("pk", filter=Q(level=HazardLevel.MAJOR)),
        closed=Count("pk", filter=Q(state="closed")),
    )
    beds = sum(row["beds"] or 0 for row in kinds.values())
    nursing = sum(row["nursing"] or 0 for row in kinds.values())
    occupied = sum(residents.values())
    paragraphs = (
        f"全市在营养老机构{sum(row['count'] for row in kinds.values())}家，床位{beds:,}张，"
        f"其中护理型床位{nursing:,}张（占{percent(nursing, beds)}%）；"
        f"年末在住老人{occupied:,}人，床位使用率{percent(occupied, beds)}%；"
        f"在岗工作人员{staff_count:,}人。",
        f"年末机构预收押金余额{yuan(held.get(Fund.DEPOSIT)):,}元、会员费余额"
        f"{yuan(held.get(Fund.MEMBERSHIP)):,}元。{context.year}年开展安全检查{inspections:,}次，"
        f"发现隐患{hazards['count']:,}处（重大隐患{hazards['major']:,}处），"
        f"已复查通过{hazards['closed']:,}处。",
    )
    rows: list[tuple[Cell, ...]] = [
        (
            label,
            kinds[code]["count"],
            kinds[code]["beds"] or 0,
            kinds[code]["nursing"] or 0,
            residents.get(code, 0),
            percent(residents.get(code, 0), kinds[code]["beds"] or 0),
        )
        for code, label in InstitutionKind.choices
        if code in kinds
    ]
    rows.append(
        (
            "合计",
            sum(row["count"] for row in kinds.values()),
            beds,
            nursing,
            occupied,
            percent(occupied, beds),
        )
    )
    tables = (
        Table(
            "institution_kinds",
            "养老机构和床位（按机构性质）",
            ("机构性质", "机构(家)", "床位(张)", "护理型床位(张)", "年末在住(人)", "床位使用率(%)"),
            tuple(rows),
        ),
    )
    charts = (
        Chart(
            "institution_beds",
            "养老机构床位与在住老人（按机构性质）",
            "bar",
            tuple(str(row[0]) for row in rows[:-1]),
            (
                ("床位", tuple(float(row[2]) for row in rows[:-1])),
                ("在住老人", tuple(float(row[4]) for row in rows[:-1])),
            ),
            "张/人",
        ),
    )
    figures: dict[str, Cell] = {
        "institution_beds": beds,
        "institution_residents": occupied,
        "institution_occupancy": percent(occupied, beds),
    }
    return Section("institution", PART_SECTIONS["institution"], paragraphs, tables, charts), figures


SectionBuilder = Callable[[_Context], tuple[Section, dict[str, Cell]]]
SECTIONS: tuple[SectionBuilder, ...] = (
    population_section,
    ability_section,
    entitlement_section,
    home_service_section,
    meal_section,
    care_section,
    institution_section,
)
GUARDED = frozenset({entitlement_section, meal_section, care_section, institution_section})


def _guarded(builder: SectionBuilder, context: _Context) -> tuple[Section, dict[str, Cell]]:
    """Another part's section. Its models are looked up by name and its labels imported inside
    the builder, so that a part whose tables are missing or renamed leaves the bulletin whole:
    that section says 本年度暂无数据."""
    try:
        return builder(context)
    except (FieldError, LookupError, ImportError) as error:
        key = builder.__name__.removesuffix("_section")
        logger.warning("ageing bulletin: section %s left empty: %s", key, error)
        return _empty(key)


# --- the bulletin ---------------------------------------------------------------------------


def ageing_bulletin(*, user: User | None, year: int, today: dt.date) -> Bulletin:
    """The year's ageing statistics of the whole city. `user` None: the command line."""
    if user is not None:
        report_read_check(user=user)
    year = report_year(year, today=today)
    end = dt.date(year, 12, 31)
    parameters = parameters_at(f"{year}-12")
    context = _Context(
        year=year,
        start=dt.date(year, 1, 1),
        end=end,
        towns=dict(
            Division.objects.filter(kind__in=TOWN_KINDS)
            .order_by("code")
            .values_list("code", "name")
        ),
        elderly_age=int(parameters.get("eldercare_report.elderly_age").value),
        oldest_old_age=int(parameters.get("eldercare_report.oldest_old_age").value),
    )
    sections: list[Section] = []
    figures: dict[str, Cell] = {}
    for builder in SECTIONS:
        built = _guarded(builder, context) if builder in GUARDED else builder(context)
        sections.append(built[0])
        figures.update(built[1])
    city = Division.objects.filter(code=CITY_CODE).values_list("name", flat=True).first()
    return Bulletin(
        year=year,
        as_of=end,
        data_until=min(end, today),
        city_name=city or "全市",
        sections=_numbered(sections),
        figures=figures,
    )


def _numbered(sections: list[Section]) -> tuple[Section, ...]:
    """Number the tables (表1, 表2 ...) and charts (图1 ...) through the whole bulletin."""
    tables = charts = 0
    result = []
    for section in sections:
        numbered_tables = []
        for table in section.tables:
            tables += 1
            numbered_tables.append(replace(table, title=f"表{tables}  {table.title}"))
        numbered_charts = []
        for chart in section.charts:
            charts += 1
            numbered_charts.append(replace(chart, title=f"图{charts}  {chart.title}"))
        result.append(
            replace(section, tables=tuple(numbered_tables), charts=tuple(numbered_charts))
        )
    return tuple(result)


# --- charts ---------------------------------------------------------------------------------


@cache
def cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    for path in font_manager.findSystemFonts():
        if "CJK" in path or "wqy" in path.lower():
            font_manager.fontManager.addfont(path)
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def chart_png(chart: Chart, font: str) -> bytes:
    """The chart drawn by matplotlib (no pyplot: no global state, safe in a web worker)."""
    from matplotlib.figure import Figure

    categories = list(chart.categories)
    figure = Figure(figsize=(7.5, 3.8 if chart.kind != "barh" else 0.9 + 0.32 * len(categories)))
    axes = figure.subplots()
    text = {"fontfamily": font}
    if chart.kind == "pie":
        values = list(chart.series[0][1])
        shown = [(label, value) for label, value in zip(categories, values, strict=True) if value]
        wedges, _texts, _autotexts = axes.pie(
            [value for _label, value in shown],
            autopct="%1.1f%%",
            startangle=90,
            counterclock=False,
            textprops=text,
        )
        axes.legend(
            wedges,
            [label for label, _value in shown],
            prop={"family": font},
            loc="center left",
            bbox_to_anchor=(1.0, 0.5),
            frameon=False,
        )
        axes.set_aspect("equal")
    elif chart.kind == "barh":
        name, values = chart.series[0]
        positions = range(len(categories))
        axes.barh(positions, values, color="#3b7dd8")
        axes.set_yticks(list(positions), categories, **text)
        axes.invert_yaxis()
        axes.set_xlabel(chart.unit, **text)
        for position, value in zip(positions, values, strict=True):
            axes.text(value, position, f" {value:g}", va="center", fontsize=8, **text)
    else:
        count = len(chart.series)
        width = 0.8 / max(count, 1)
        for index, (name, values) in enumerate(chart.series):
            offsets = [
                position + (index - (count - 1) / 2) * width for position in range(len(categories))
            ]
            axes.bar(offsets, values, width=width, label=name)
        axes.set_xticks(list(range(len(categories))), categories, **text)
        if len(categories) > 6:
            for label in axes.get_xticklabels():
                label.set_rotation(30)
                label.set_horizontalalignment("right")
        axes.set_ylabel(chart.unit, **text)
        if count > 1:
            axes.legend(prop={"family": font}, frameon=False)
    axes.set_title(chart.title, fontfamily=font)
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, metadata={"Software": None})
    return buffer.getvalue()


# --- the Word document ----------------------------------------------------------------------


def _east_asian(run_or_style: Any, name: str, size: float | None = None) -> None:
    """Word takes CJK glyphs from the eastAsia font, which python-docx does not set."""
    if size is not None:
        run_or_style.font.size = Pt(size)
    properties = run_or_style.element.get_or_add_rPr()
    fonts = properties.find(qn("w:rFonts"))
    if fonts is None:
        fonts = properties.makeelement(qn("w:rFonts"), {})
        properties.append(fonts)
    fonts.set(qn("w:eastAsia"), name)


def _cell_text(value: Cell) -> str:
    if isinstance(value, Decimal):
        return f"{value:,}"
    if isinstance(value, int):
        return f"{value:,}"
    return value


def bulletin_docx(bulletin: Bulletin, *, font: str | None = FIND_FONT) -> bytes:
    """The bulletin as a Word document: headings, the key figures, tables and chart images.

    `font` is the CJK font the charts are drawn in (by default one found on the machine);
    with no such font (None) the document says so once and keeps the tables.
    """
    if font == FIND_FONT:
        font = cjk_font()
    document = Document()
    _east_asian(document.styles["Normal"], "宋体", 11)
    for level in (1, 2):
        _east_asian(document.styles[f"Heading {level}"], "黑体")
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _east_asian(title.add_run(bulletin.title), "黑体", 20)
    draft = document.add_paragraph()
    draft.alignment = WD_ALIGN_PARAGRAPH.CENTER
    stamp = f"（初稿）  统计时点：{bulletin.as_of.year}年12月31日"
    if bulletin.data_until < bulletin.as_of:
        stamp += f"；数据截至{bulletin.data_until:%Y年%m月%d日}"
    _east_asian(draft.add_run(stamp), "楷体", 11)
    if font is None and bulletin.charts:
        document.add_paragraph(NO_FONT_NOTE)
    for section in bulletin.sections:
        document.add_heading(section.title, level=1)
        for text in section.paragraphs:
            paragraph = document.add_paragraph(text)
            paragraph.paragraph_format.first_line_indent = Pt(22)
        for table in section.tables:
            caption = document.add_paragraph()
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _east_asian(caption.add_run(table.title), "黑体", 10.5)
            grid = document.add_table(rows=1, cols=len(table.headers))
            grid.style = "Table Grid"
            for cell, header in zip(grid.rows[0].cells, table.headers, strict=True):
                cell.text = ""
                run = cell.paragraphs[0].add_run(header)
                run.bold = True
            for row in table.rows:
                cells = grid.add_row().cells
                for index, (cell, value) in enumerate(zip(cells, row, strict=True)):
                    cell.text = _cell_text(value)
                    if index:
                        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            document.add_paragraph()
        if font is not None:
            for chart in section.charts:
                picture = document.add_paragraph()
                picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
                picture.add_run().add_picture(io.BytesIO(chart_png(chart, font)), width=Cm(15))
    document.add_heading("说明", level=1)
    for note in NOTES:
        document.add_paragraph(note)
    properties = document.core_properties
    properties.title = bulletin.title
    properties.author = "民政平台"
    moment = dt.datetime.combine(bulletin.data_until, dt.time(), tzinfo=dt.UTC)
    properties.created = properties.modified = moment
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


NOTES = (
    "1. 人口数为登记人口中统计时点在世的人员，按居住地所在镇（街道）统计；"
    "年龄按统计时点的周岁计算。",
    "2. 老年人指六十周岁以上的公民（《中华人民共和国老年人权益保障法》第二条）。",
    "3. 能力等级按《老年人能力评估规范》（GB/T 42195-2022），取每位老人截至统计时点最近一次评估。",
    "4. 本公报为系统生成的初稿，数据以各业务系统登记为准，发布前须经核对。",
)


@dataclass(frozen=True)
class BulletinFile:
    name: str
    content: bytes
    bulletin: Bulletin


def bulletin_export(*, user: User | None, year: int, today: dt.date) -> BulletinFile:
    """The year's bulletin as .docx; each export is audited (user None: the command line)."""
    bulletin = ageing_bulletin(user=user, year=year, today=today)
    content = bulletin_docx(bulletin)
    audit_record(
        actor=user,
        action="eldercare.report.export",
        target=None,
        data={"kind": "ageing", "year": bulletin.year, "bytes": len(content)},
        division_code=CITY_CODE,
    )
    return BulletinFile(f"ageing-bulletin-{bulletin.year}.docx", content, bulletin)
