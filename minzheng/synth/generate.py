"""Generate a deterministic synthetic registered population (户籍人口) of Zhangjiagang (张家港市).

Pure numpy and Polars: no Django and nothing of minzheng except the id-number helpers. Every figure
the generator is calibrated on is a named constant below, with its source (population.md, the
policy README) or the word *synthetic* when it is an assumption. docs/synthetic-city.md documents
every column. The same (scale, seed) always gives the same frames.

How it works, in four vectorised passes (loops only over household types and ages):
1. households are drawn by type (elderly alone, couple with children, three generations ...); each
   type places its members with ages consistent with their relation to the head;
2. households are placed in synthetic villages and communities under the 11 real town-level units;
3. person attributes follow from age, sex and place: disability, illness, ability, schooling,
   employment, incomes, phones, names and id numbers;
4. household incomes are adjusted to give a low-income tail of the intended size, then assets,
   vehicles, homes, rigid expenses and emergencies are drawn by income class.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl

from minzheng.rules.id_number import check_characters

AS_OF = dt.date(2026, 1, 1)  # the reference date ages and incomes refer to
# yuan/person/month from 2025-07-01; source: 苏州市人民政府办公室 notice of 2025-08-05
# (policy README section 1, S1)
DIBAO_STANDARD_2025 = 1208.0
# 低保边缘: household per-capita income below 1.5 x the dibao standard (policy README section 2)
DIBAO_EDGE_MULTIPLE = 1.5

DIVISIONS_CSV = Path(__file__).resolve().parent.parent / "registry" / "data" / "divisions.csv"
CITY_CODE = "320582"

# --- Size (population.md) ------------------------------------------------------------------------
# Registered population 0.92 million in about 0.36 million households at end-2023 (statistical
# bulletin, medium confidence); the household-type shares below give a mean size of about 2.56.
HOUSEHOLDS_AT_SCALE_1 = 360_000

# --- Divisions -----------------------------------------------------------------------------------
# Villages (村委会) and communities (居委会) per town-level unit: 153 villages and 144
# communities in the whole city (end-2018, Suzhou yearbook, low-medium confidence), split roughly
# as 297 x the population weight. Synthetic assumption, except that 杨舍镇 has the most
# communities (45 communities and 19 villages in 2021). Weight = share of the registered
# population living in the unit (synthetic; 杨舍镇 is the city centre and the largest).
TOWN_LAYOUT: dict[str, tuple[float, int, int]] = {
    # code: (population weight, communities, villages)
    "320582001": (0.11, 16, 17),  # 金港街道
    "320582002": (0.07, 8, 13),  # 后塍街道
    "320582003": (0.05, 6, 9),  # 德积街道
    "320582100": (0.30, 61, 28),  # 杨舍镇
    "320582101": (0.11, 13, 20),  # 塘桥镇
    "320582103": (0.10, 12, 18),  # 锦丰镇
    "320582104": (0.07, 7, 14),  # 乐余镇
    "320582105": (0.08, 9, 15),  # 凤凰镇
    "320582106": (0.05, 6, 9),  # 南丰镇
    "320582107": (0.05, 5, 8),  # 大新镇
    "320582400": (0.01, 1, 2),  # 常阴沙现代农业示范园区
}
FIRST_COMMUNITY_NUMBER = 1  # 12-digit codes: 001-199 居委会 (community) ...
FIRST_VILLAGE_NUMBER = 200  # ... 200-399 村委会 (village), the national convention
UNIT_SIZE_SIGMA = 0.35  # synthetic: log-normal spread of unit sizes within a town
# Share of households registered in one unit but living in another unit of the city (synthetic).
HOUSEHOLD_MOVED_SHARE = 0.03
# Share of non-head adults aged 18-39 living alone elsewhere in the city (work, study; synthetic).
PERSON_MOVED_SHARE = 0.04

# --- Ages ----------------------------------------------------------------------------------------
MAX_AGE = 105
MAX_DEPENDENT_AGE = 103  # parents placed by age gaps are capped here
# Registered persons per single year of age (relative) at the start of each 5-year band. Synthetic,
# shaped on China's birth cohorts: the 1962-1975 and 1985-1990 booms, low fertility since 2000,
# the 2016-2020 two-child bump and 3,495 births in 2023 (population.md). Household types draw most
# ages from these weights, so the pyramid that comes out is close to them.
AGE_BAND_WEIGHTS: tuple[tuple[int, float], ...] = (
    (0, 4.0), (5, 7.0), (10, 7.0), (15, 6.5), (20, 7.0), (25, 8.5), (30, 11.0), (35, 14.0),
    (40, 11.5), (45, 10.5), (50, 15.0), (55, 17.5), (60, 14.5), (65, 11.5), (70, 11.0),
    (75, 8.0), (80, 4.8), (85, 2.8), (90, 1.0), (95, 0.25), (100, 0.01), (105, 0.001),
)  # fmt: skip
# Children still registered with their parents: all minors, fewer and fewer adults up to 32.
CHILD_AT_HOME_FULL_UNTIL = 18
CHILD_AT_HOME_UNTIL = 32
CHILD_AT_HOME_FLOOR = 0.1  # relative weight at 32

# Household types: (name, share of households, preference for villages over communities).
# Synthetic, tuned to give the targets of population.md: mean size about 2.56, about 30 % aged
# 60+ and 5 % aged 80+, elderly living alone about 1.5-2 % of households (the brief's figure).
HOUSEHOLD_TYPES: tuple[tuple[str, float, float], ...] = (
    ("elderly_alone", 0.018, 1.3),
    ("single_adult", 0.160, 0.8),
    ("elderly_couple", 0.225, 1.3),
    ("couple", 0.080, 0.8),
    ("couple_with_children", 0.235, 1.0),
    ("single_parent", 0.030, 1.0),
    ("three_generations_parents", 0.065, 1.2),
    ("three_generations_grandchildren", 0.065, 1.3),
    ("elderly_with_adult_child", 0.080, 1.2),
    ("siblings_or_other", 0.016, 1.0),
    ("young_with_grandparent", 0.004, 1.0),
    ("grandparents_with_grandchildren", 0.0008, 1.3),
)

# --- Enumerations (the household contract's values) ----------------------------------------------
RELATIONS = (
    "head", "spouse", "child", "parent", "parent_in_law", "grandparent", "grandchild", "sibling",
    "child_in_law", "other",
)  # fmt: skip
(HEAD, SPOUSE, CHILD, PARENT, PARENT_IN_LAW, GRANDPARENT, GRANDCHILD, SIBLING, CHILD_IN_LAW,
 OTHER) = range(len(RELATIONS))  # fmt: skip
MARITAL_STATUSES = ("unmarried", "married", "divorced", "widowed")
UNMARRIED, MARRIED, DIVORCED, WIDOWED = range(4)
PARENTS_SITUATIONS = (
    "both_present", "one_deceased_or_missing", "both_deceased_or_missing", "unable_to_raise",
)  # fmt: skip
BOTH_PRESENT, ONE_MISSING, BOTH_MISSING, UNABLE_TO_RAISE = range(4)
NO_VALUE = -1
DISABILITY_CATEGORIES = (
    "visual", "hearing", "speech", "physical", "intellectual", "mental", "multiple",
)  # fmt: skip
VISUAL, HEARING, SPEECH, PHYSICAL, INTELLECTUAL, MENTAL, MULTIPLE = range(7)
STUDENT_KINDS = ("none", "compulsory", "high_school", "vocational", "undergraduate", "postgraduate")
NOT_STUDENT, COMPULSORY, HIGH_SCHOOL, VOCATIONAL, UNDERGRADUATE, POSTGRADUATE = range(6)
EMPLOYMENTS = (
    "employed", "self_employed", "farmer", "unemployed_registered", "unemployed", "retired",
    "not_working",
)  # fmt: skip
EMPLOYED, SELF_EMPLOYED, FARMER, UNEMPLOYED_REGISTERED, UNEMPLOYED, RETIRED, NOT_WORKING = range(7)
EMERGENCY_KINDS = (
    "fire_or_accident", "natural_disaster", "major_illness", "death_of_earner", "other",
)  # fmt: skip

# --- Health (synthetic, shaped on China's disability and ageing surveys) -------------------------
# Disability certificate holders by age (band start, share): about 5 % of people overall.
DISABILITY_RATE_BY_AGE = (
    (0, 0.009), (18, 0.025), (45, 0.05), (60, 0.078), (70, 0.11), (80, 0.16), (90, 0.21),
)  # fmt: skip
# Certificate categories by age group (children, working age, 60+), order of DISABILITY_CATEGORIES.
DISABILITY_CATEGORY_SHARES = (
    (0.05, 0.10, 0.05, 0.20, 0.35, 0.10, 0.15),
    (0.10, 0.08, 0.02, 0.45, 0.12, 0.14, 0.09),
    (0.16, 0.20, 0.01, 0.45, 0.03, 0.04, 0.11),
)
DISABILITY_GRADE_SHARES = (0.12, 0.22, 0.30, 0.36)  # grades 1 (most severe) to 4
CERTIFICATE_VALID_YEARS = 10  # 第二代残疾人证; certificates issued more than 10 years ago expired
CERTIFICATE_ISSUED_WITHIN_YEARS = 10.6  # issue dates spread over this many years before as_of
# Serious illness (重特大疾病) by age: about 1.5 % of people.
SERIOUS_ILLNESS_RATE_BY_AGE = ((0, 0.003), (18, 0.006), (45, 0.015), (60, 0.025), (75, 0.035))
# GB/T 42195-2022 ability level 0-4 for people aged 60+, by age band (synthetic).
ABILITY_LEVEL_SHARES_BY_AGE = (
    (60, (0.90, 0.06, 0.025, 0.01, 0.005)),
    (70, (0.80, 0.11, 0.05, 0.025, 0.015)),
    (80, (0.58, 0.20, 0.11, 0.06, 0.05)),
    (90, (0.35, 0.25, 0.17, 0.11, 0.12)),
)

# --- Schooling by age (band start, shares of STUDENT_KINDS); synthetic ---------------------------
STUDENT_SHARES_BY_AGE = (
    (0, (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)),
    (6, (0.0, 1.0, 0.0, 0.0, 0.0, 0.0)),
    (15, (0.0, 0.3, 0.4, 0.3, 0.0, 0.0)),
    (16, (0.07, 0.0, 0.55, 0.38, 0.0, 0.0)),
    (18, (0.25, 0.0, 0.2, 0.1, 0.45, 0.0)),
    (19, (0.42, 0.0, 0.0, 0.03, 0.55, 0.0)),
    (22, (0.67, 0.0, 0.0, 0.0, 0.25, 0.08)),
    (23, (0.88, 0.0, 0.0, 0.0, 0.0, 0.12)),
    (25, (0.95, 0.0, 0.0, 0.0, 0.0, 0.05)),
    (28, (1.0, 0.0, 0.0, 0.0, 0.0, 0.0)),
)

# --- Work and income (monthly yuan; synthetic, shaped on Suzhou wage and pension levels) ---------
# Employment of people aged 16-59 who are not students, (urban, rural), order of EMPLOYMENTS.
WORKING_AGE_EMPLOYMENT = (
    (0.74, 0.09, 0.00, 0.03, 0.03, 0.0, 0.11),
    (0.62, 0.10, 0.10, 0.02, 0.04, 0.0, 0.12),
)
# Retirement before 60 (women at 50/55, some men at 55), (urban, rural).
RETIRED_WOMEN_50_54 = (0.55, 0.30)
RETIRED_WOMEN_55_59 = (0.80, 0.45)
RETIRED_MEN_55_59 = (0.08, 0.04)
# People aged 60+ drawing an employee pension (城镇职工养老金), (urban, rural); the others draw the
# small 城乡居民 pension.
EMPLOYEE_PENSION_SHARE_60_PLUS = (0.85, 0.50)
STILL_WORKING_60_64 = 0.05
WAGE_MEDIAN = (7000.0, 5800.0)  # (urban, rural)
WAGE_SIGMA = 0.45
WAGE_FLOOR = 2000.0
BUSINESS_MEDIAN = 7500.0
BUSINESS_SIGMA = 0.7
FARM_INCOME_MEDIAN = 1500.0  # net farming income of a working-age farmer
EMPLOYEE_PENSION_MEDIAN = (3900.0, 3200.0)  # (urban, rural)
EMPLOYEE_PENSION_SIGMA = 0.3
RESIDENT_PENSION_MEDIAN = 650.0  # 城乡居民基本养老金, synthetic (no Zhangjiagang figure in sources)
RESIDENT_PENSION_SIGMA = 0.2
LAND_COMPENSATION_SHARE = 0.35  # rural elderly without employee pension drawing 征地保养金
LAND_COMPENSATION_MEDIAN = 900.0  # counted as other transfers
UNEMPLOYMENT_BENEFIT = 2100.0  # 失业保险金 for registered unemployed, counted as other transfers
PROPERTY_INCOME_SHARE = 0.18  # households with rent, interest or dividends
PROPERTY_INCOME_MEDIAN = 1000.0
VILLAGE_DIVIDEND_SHARE = 0.35  # village households with 村集体分红 / land rent
VILLAGE_DIVIDEND_MEDIAN = 150.0
SUPPORT_RECEIVED_SHARE = 0.6  # elderly without earners in the household who get 赡养费
SUPPORT_RECEIVED_MEDIAN = 600.0
# Excluded income (reported, never counted): 尊老金 by age, Suzhou minimums (policy README 8.1,
# low confidence), 优抚金 for a few old men, scholarships for a few students.
LONGEVITY_ALLOWANCE_BY_AGE = ((80, 50.0), (90, 100.0), (100, 300.0))
VETERAN_SHARE_MEN_70_PLUS = 0.01
VETERAN_ALLOWANCE = 1500.0
SCHOLARSHIP_SHARE = 0.05
SCHOLARSHIP = 400.0

# --- Low-income tail (population.md: dibao recipients about 0.5 % of people, other low-income ----
# groups about as many again). Households are chosen with weights favouring disability, serious
# illness, old age, single parents, unemployment and missing supporters, then their counted income
# is set in the band; every other household below EDGE_FLOOR_MARGIN x 1.5 x standard is lifted.
POOR_PERSON_SHARE = 0.005  # persons in households below the dibao standard
EDGE_PERSON_SHARE = 0.005  # persons in households in [standard, 1.5 x standard)
EDGE_FLOOR_MARGIN = 1.01  # other households end at least 1 % above 1.5 x standard
# Lifted households end at floor + an exponential amount per capita (mean, cut at the maximum).
LIFT_MEAN_ABOVE_FLOOR = 800.0
LIFT_MAX_ABOVE_FLOOR = 3000.0

# --- Assets and spending (synthetic) -------------------------------------------------------------
POOR_FINANCIAL_PER_PERSON = 3000.0  # upper bound, yuan per person
EDGE_FINANCIAL_PER_PERSON = 12000.0
FINANCIAL_YEARS_OF_INCOME_LOG_MEAN = 0.4  # regular households: annual income x lognormal(0.4, 0.9)
FINANCIAL_YEARS_OF_INCOME_SIGMA = 0.9
CAR_MEDIAN_VALUE = 90000.0
EMERGENCY_SHARE = (0.003, 0.03)  # (regular, poor or edge) households with an emergency
EMERGENCY_KIND_SHARES = (0.3, 0.1, 0.35, 0.1, 0.15)  # order of EMERGENCY_KINDS
# Yearly education spending per student by kind (order of STUDENT_KINDS) and for kindergarten.
STUDENT_YEARLY_COST = (0.0, 2500.0, 5000.0, 4000.0, 16000.0, 15000.0)
KINDERGARTEN_YEARLY_COST = 8000.0

SURNAMES: tuple[tuple[str, float], ...] = (
    # Shares (%) of China's registered population by surname, approximately as in the Ministry of
    # Public Security's 2020 ranking, re-weighted for southern Jiangsu (吴语区: more 陈 徐 朱 陆 顾
    # 沈 钱 施 季, fewer southern and northern surnames). Synthetic assumption.
    ("王", 6.0), ("张", 5.5), ("陈", 6.5), ("李", 3.5), ("刘", 2.5), ("徐", 3.5), ("朱", 2.8),
    ("周", 2.6), ("吴", 2.6), ("黄", 2.4), ("杨", 2.0), ("钱", 1.6), ("陆", 1.8), ("顾", 1.8),
    ("沈", 1.6), ("施", 1.4), ("季", 1.3), ("蒋", 1.1), ("孙", 1.4), ("赵", 1.2), ("胡", 1.0),
    ("郭", 0.6), ("何", 0.7), ("高", 0.8), ("马", 0.6), ("许", 1.0), ("曹", 0.9), ("蔡", 0.8),
    ("宋", 0.6), ("唐", 0.7), ("冯", 0.6), ("董", 0.6), ("袁", 0.6), ("潘", 0.6), ("姚", 0.6),
    ("丁", 0.6), ("缪", 0.5), ("瞿", 0.4), ("浦", 0.3), ("殷", 0.4), ("葛", 0.4), ("郁", 0.3),
    ("邢", 0.3), ("戴", 0.5), ("严", 0.4), ("钟", 0.3), ("汪", 0.4), ("范", 0.4), ("金", 0.5),
    ("夏", 0.5), ("邹", 0.4), ("秦", 0.4), ("江", 0.3), ("薛", 0.3), ("史", 0.3), ("陶", 0.4),
    ("毛", 0.3), ("邵", 0.4), ("龚", 0.4), ("倪", 0.4), ("谢", 0.5), ("郑", 0.5), ("叶", 0.4),
    ("程", 0.3), ("吕", 0.3), ("任", 0.3), ("卢", 0.3), ("孟", 0.2), ("侯", 0.2), ("万", 0.2),
)  # fmt: skip
# Given-name characters by sex and birth period (born before 1960, 1960-1984, 1985-2004, 2005+).
GIVEN_NAME_CHARACTERS: dict[tuple[bool, int], str] = {
    (True, 0): "根福宝金林生明国华荣兴发德才富忠祥泉元庆海清良山春保寿炳祖洪",
    (False, 0): "英珍秀兰凤娣妹芬梅宝琴娟金菊玉花美仙月香素彩云芳红招娥银",
    (True, 1): "建国军伟勇华明平峰强斌东林刚杰健春忠新德卫民荣辉兵锋红海良中",
    (False, 1): "芳红丽萍霞燕玲娟静敏英华琴芬梅艳群凤平洁慧君雪琳蓉晓亚娣秋珍",
    (True, 2): "浩磊杰伟强超鹏飞涛俊斌亮健明晨宇帆航阳峰凯昊博文栋翔勇韬彬",
    (False, 2): "婷雪静丽洁燕敏佳怡颖倩琳晶慧露莹蕾雯瑶欣丹悦娜蓉菲薇璐萍晓",
    (True, 3): "子轩浩宇梓睿泽辰俊博航铭逸杰宸奕瑞涵皓骏煜昊恒锦熙然诚阳",
    (False, 3): "梓涵欣怡诗雨若语可馨琪萱彤悦思佳依雅沐一紫晨妍嘉汐桐婉瑶茜心",
}
NAME_PERIOD_STARTS = (1960, 1985, 2005)  # birth years where the given-name pools change
SINGLE_CHARACTER_GIVEN_NAME_SHARE = 0.25
CHILD_TAKES_FATHER_SURNAME = 0.95
# Phone prefixes (13x 15x 17x 18x 19x) and their shares; synthetic.
PHONE_PREFIXES = (("13", 0.35), ("15", 0.25), ("17", 0.10), ("18", 0.20), ("19", 0.10))
PHONE_MIN_AGE = 12
NO_PHONE_SHARE_60_79 = 0.08
NO_PHONE_SHARE_80_PLUS = 0.30

PERSON_COLUMNS = (
    "household_id", "person_id", "relation", "name", "id_number", "sex", "birth_date",
    "hukou_division", "residence_division", "hukou_local", "phone", "marital_status", "deceased",
    "disability_category", "disability_grade", "disability_valid_from", "disability_valid_to",
    "serious_illness", "ability_level", "student", "employment", "income_wages", "income_business",
    "income_property", "income_pension", "income_support_received", "income_other_transfers",
    "income_excluded", "capable_legal_supporter", "parents", "lives_alone",
)  # fmt: skip
HOUSEHOLD_COLUMNS = (
    "household_id", "number", "division", "address", "head_person_id", "size", "assets_financial",
    "vehicles", "homes", "registered_businesses", "expense_medical", "expense_education",
    "expense_disability_rehabilitation", "expense_other_rigid", "emergency_kind", "emergency_loss",
)  # fmt: skip
COUNTED_INCOME_COLUMNS = (
    "income_wages", "income_business", "income_property", "income_pension",
    "income_support_received", "income_other_transfers",
)  # fmt: skip
WAGES, BUSINESS, PROPERTY, PENSION, SUPPORT, TRANSFERS = range(6)
VEHICLE_DTYPE = pl.List(pl.Struct({"kind": pl.String, "value": pl.Float64, "purpose": pl.String}))
HOME_DTYPE = pl.List(pl.Struct({"use": pl.String, "area_m2": pl.Float64}))


@dataclasses.dataclass(frozen=True)
class SyntheticCity:
    """The three frames of the synthetic city; docs/synthetic-city.md documents every column."""

    divisions: pl.DataFrame
    persons: pl.DataFrame
    households: pl.DataFrame


def generate(*, scale: float = 0.01, seed: int = 1, as_of: dt.date = AS_OF) -> SyntheticCity:
    """Generate the synthetic city; scale 1.0 is about 920,000 people in 360,000 households."""
    if not scale > 0:
        raise ValueError("scale must be positive")
    streams = _streams(seed)
    divisions, units = _divisions(streams["divisions"])
    household_count = max(len(HOUSEHOLD_TYPES), round(HOUSEHOLDS_AT_SCALE_1 * scale))
    members, household_type = _members(streams["members"], household_count)
    hukou_unit, residence_unit = _place_households(streams["places"], household_type, units)
    # Households are numbered by the unit they live in, in random order within it; members
    # follow their household, the head first.
    order = np.lexsort((streams["places"].random(household_count), residence_unit))
    rank = np.empty(household_count, dtype=np.int64)
    rank[order] = np.arange(household_count)
    household_type, hukou_unit, residence_unit = (
        household_type[order],
        hukou_unit[order],
        residence_unit[order],
    )
    household = rank[members["household"]]
    person_order = np.lexsort((members["order"], household))
    members = {key: value[person_order] for key, value in members.items()}
    size = np.bincount(rank[members["household"]], minlength=household_count)
    people = _People(
        household=rank[members["household"]],
        relation=members["relation"],
        male=members["male"],
        age=members["age"],
        marital=members["marital"],
        parents=members["parents"],
        supported=members["supported"],
        size=size,
        head_index=np.concatenate(([0], np.cumsum(size)[:-1])),
        household_type=household_type,
        rural=(units["kind"] == "village").to_numpy()[hukou_unit],
    )
    persons, health, work, income_class = _person_frame(
        streams, people, units, hukou_unit, residence_unit, as_of
    )
    households = _household_frame(
        streams, people, persons, health, work, income_class, units, hukou_unit, residence_unit
    )
    return SyntheticCity(
        divisions=divisions,
        persons=persons.select(PERSON_COLUMNS),
        households=households.select(HOUSEHOLD_COLUMNS),
    )


def write_parquet(city: SyntheticCity, out_dir: Path) -> None:
    """Write persons.parquet, households.parquet and divisions.parquet into out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    city.persons.write_parquet(out_dir / "persons.parquet")
    city.households.write_parquet(out_dir / "households.parquet")
    city.divisions.write_parquet(out_dir / "divisions.parquet")


# --- Random streams ------------------------------------------------------------------------------

STREAM_NAMES = (
    "divisions", "members", "places", "health", "work", "income", "tail", "assets", "names",
    "ids", "contact",
)  # fmt: skip


def _streams(seed: int) -> dict[str, np.random.Generator]:
    """Return one independent generator per part, so tuning one part leaves the others alone."""
    children = np.random.SeedSequence(seed).spawn(len(STREAM_NAMES))
    return {
        name: np.random.default_rng(child)
        for name, child in zip(STREAM_NAMES, children, strict=True)
    }


# --- Small vectorised helpers --------------------------------------------------------------------


def _pick(rng: np.random.Generator, shares: np.ndarray) -> np.ndarray:
    """Draw one category for each row of shares (n, k)."""
    cumulative = np.cumsum(shares, axis=1)
    cumulative = cumulative / cumulative[:, -1:]
    draws = rng.random(cumulative.shape[0])
    return np.minimum((cumulative < draws[:, None]).sum(axis=1), cumulative.shape[1] - 1)


def _pick_n(rng: np.random.Generator, n: int, shares: tuple[float, ...]) -> np.ndarray:
    """Draw n categories with the given shares."""
    cumulative = np.cumsum(shares) / np.sum(shares)
    return np.minimum(np.searchsorted(cumulative, rng.random(n), side="right"), len(shares) - 1)


def _by_band(values: np.ndarray, bands: tuple[tuple[int, object], ...]) -> np.ndarray:
    """Return the index of the band (by start value) each value falls in."""
    starts = np.asarray([start for start, _ in bands])
    return np.searchsorted(starts, values, side="right") - 1


def _rate_by_band(values: np.ndarray, bands: tuple[tuple[int, float], ...]) -> np.ndarray:
    return np.asarray([rate for _, rate in bands])[_by_band(values, bands)]


def _gap(
    rng: np.random.Generator, n: int, mean: float, sd: float, low: int, high: int
) -> np.ndarray:
    """Draw integer age gaps, normal and clipped to [low, high]."""
    return np.clip(np.rint(rng.normal(mean, sd, n)), low, high).astype(np.int64)


def _lognormal(
    rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int
) -> np.ndarray:
    """Draw n log-normal amounts around the median (per row or one for all)."""
    return np.asarray(median) * np.exp(rng.normal(0.0, sigma, n))


def _age_weights() -> np.ndarray:
    """Relative number of registered persons at each age 0..MAX_AGE."""
    ages = np.arange(MAX_AGE + 1)
    starts = np.asarray([start for start, _ in AGE_BAND_WEIGHTS], dtype=float)
    weights = np.asarray([weight for _, weight in AGE_BAND_WEIGHTS])
    return np.interp(ages, starts + 2.0, weights)


def _at_home_weights() -> np.ndarray:
    """Age weights of children still registered with their parents."""
    ages = np.arange(MAX_AGE + 1)
    factor = np.interp(
        ages, [CHILD_AT_HOME_FULL_UNTIL - 1, CHILD_AT_HOME_UNTIL], [1.0, CHILD_AT_HOME_FLOOR]
    )
    factor[ages > CHILD_AT_HOME_UNTIL] = 0.0
    return _age_weights() * factor


def _draw_age(
    rng: np.random.Generator,
    n: int,
    low: np.ndarray | int,
    high: np.ndarray | int,
    weights: np.ndarray,
) -> np.ndarray:
    """Draw n integer ages in [low, high] (per row) with the given weights by age."""
    cumulative = np.concatenate(([0.0], np.cumsum(weights)))
    low = np.broadcast_to(np.asarray(low, dtype=np.int64), (n,))
    high = np.broadcast_to(np.asarray(high, dtype=np.int64), (n,))
    start = cumulative[low]
    target = start + rng.random(n) * (cumulative[high + 1] - start)
    ages = np.searchsorted(cumulative, target, side="right") - 1
    return np.clip(ages, low, high)


# --- Divisions -----------------------------------------------------------------------------------


def _divisions(rng: np.random.Generator) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the divisions frame and the village-level units with their population weights."""
    real = pl.read_csv(DIVISIONS_CSV, infer_schema=False).select(
        "code", "name", "kind", "parent_code"
    )
    towns = real.filter(pl.col("parent_code") == CITY_CODE)
    if set(towns["code"]) != set(TOWN_LAYOUT):
        raise ValueError("divisions.csv town-level units differ from TOWN_LAYOUT")
    rows: list[pl.DataFrame] = []
    for town_index, (town_code, town_name) in enumerate(towns.select("code", "name").iter_rows()):
        weight, communities, villages = TOWN_LAYOUT[town_code]
        numbers = np.concatenate(
            (
                np.arange(FIRST_COMMUNITY_NUMBER, FIRST_COMMUNITY_NUMBER + communities),
                np.arange(FIRST_VILLAGE_NUMBER, FIRST_VILLAGE_NUMBER + villages),
            )
        )
        is_village = numbers >= FIRST_VILLAGE_NUMBER
        ordinal = np.where(is_village, numbers - FIRST_VILLAGE_NUMBER + 1, numbers)
        sizes = np.exp(rng.normal(0.0, UNIT_SIZE_SIGMA, len(numbers)))
        rows.append(
            pl.DataFrame(
                {
                    "code": [f"{town_code}{number:03d}" for number in numbers],
                    "name": [
                        f"{town_name}合成{'村' if village else '社区'}{k:02d}"
                        for village, k in zip(is_village, ordinal, strict=True)
                    ],
                    "kind": np.where(is_village, "village", "community").tolist(),
                    "parent_code": [town_code] * len(numbers),
                    "town_index": [town_index] * len(numbers),
                    "weight": weight * sizes / sizes.sum(),
                }
            )
        )
    units = pl.concat(rows)
    divisions = pl.concat([real, units.select("code", "name", "kind", "parent_code")])
    return divisions, units


def _place_households(
    rng: np.random.Generator, household_type: np.ndarray, units: pl.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Return the hukou unit and the residence unit (indices into units) of each household."""
    weight = units["weight"].to_numpy()
    is_village = (units["kind"] == "village").to_numpy()
    hukou = np.empty(len(household_type), dtype=np.int64)
    for type_index, (_, _, village_preference) in enumerate(HOUSEHOLD_TYPES):
        rows = np.flatnonzero(household_type == type_index)
        type_weight = weight * np.where(is_village, village_preference, 1.0)
        hukou[rows] = rng.choice(len(weight), size=len(rows), p=type_weight / type_weight.sum())
    # Households that moved go mostly to communities (flats in town).
    moved = rng.random(len(hukou)) < HOUSEHOLD_MOVED_SHARE
    destination_weight = weight * np.where(is_village, 0.5, 2.0)
    destination = rng.choice(
        len(weight), size=len(hukou), p=destination_weight / destination_weight.sum()
    )
    residence = np.where(moved & (destination != hukou), destination, hukou)
    return hukou, residence


# --- Household members ---------------------------------------------------------------------------


class _Members:
    """Collect member slots of many households, one numpy array per attribute and slot."""

    FIELDS = ("household", "order", "relation", "male", "age", "marital", "parents", "supported")

    def __init__(self) -> None:
        self.parts: dict[str, list[np.ndarray]] = {field: [] for field in self.FIELDS}

    def add(
        self,
        household: np.ndarray,
        order: int,
        relation: int | np.ndarray,
        male: bool | np.ndarray,
        age: np.ndarray,
        marital: int | np.ndarray,
        *,
        present: np.ndarray | None = None,
        parents: int | np.ndarray = NO_VALUE,
        supported: bool | np.ndarray = True,
    ) -> None:
        n = len(household)
        keep = np.ones(n, dtype=bool) if present is None else present
        values = {
            "household": household,
            "order": order,
            "relation": relation,
            "male": male,
            "age": age,
            "marital": marital,
            "parents": parents,
            "supported": supported,
        }
        for field, value in values.items():
            self.parts[field].append(np.broadcast_to(np.asarray(value), (n,))[keep])

    def arrays(self) -> dict[str, np.ndarray]:
        dtypes = {"male": bool, "supported": bool}
        return {
            field: np.concatenate(parts).astype(dtypes.get(field, np.int64))
            for field, parts in self.parts.items()
        }


def _wife_age(rng: np.random.Generator, husband: np.ndarray) -> np.ndarray:
    """Wives are mostly 0-5 years younger than their husbands; both married at legal age."""
    wife = husband - _gap(rng, len(husband), 2.5, 2.5, -4, 10)
    return np.clip(wife, 20, MAX_DEPENDENT_AGE)


def _children(
    rng: np.random.Generator, counts: np.ndarray, eldest_high: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return children's ages (n, 3; -1 when absent), the mother's and the father's ages."""
    n = len(counts)
    eldest = _draw_age(rng, n, 2 * np.maximum(counts - 1, 0), eldest_high, _at_home_weights())
    mother = eldest + _gap(rng, n, 27.5, 4.0, 20, 42)
    ages = np.full((n, 3), -1, dtype=np.int64)
    ages[:, 0] = eldest
    previous = eldest
    for k in (1, 2):
        younger = np.maximum(previous - rng.integers(1, 8, n), np.maximum(mother - 44, 0))
        ages[:, k] = np.where(counts > k, younger, -1)
        previous = younger
    youngest = ages[np.arange(n), np.maximum(counts - 1, 0)]
    father = mother + _gap(rng, n, 2.0, 2.5, -5, 10)
    father = np.clip(father, np.maximum(eldest + 20, 22), youngest + 45)
    return ages, mother, father


def _elder_parents(
    rng: np.random.Generator, child_age: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the ages of the mother and the father of people of child_age."""
    n = len(child_age)
    mother = np.minimum(child_age + _gap(rng, n, 27.5, 4.0, 20, 42), MAX_DEPENDENT_AGE)
    father = mother + _gap(rng, n, 2.0, 2.5, -3, 8)
    father = np.minimum(np.clip(father, child_age + 20, child_age + 45), MAX_DEPENDENT_AGE)
    return mother, father


def _add_children(
    members: _Members,
    household: np.ndarray,
    ages: np.ndarray,
    relation: int,
    first_order: int,
    rng: np.random.Generator,
    parents: int | np.ndarray,
    supported: bool | np.ndarray = True,
) -> None:
    for k in range(ages.shape[1]):
        members.add(
            household,
            first_order + k,
            relation,
            rng.random(len(household)) < 0.515,  # sex ratio at birth about 106-107
            ages[:, k],
            UNMARRIED,
            present=ages[:, k] >= 0,
            parents=np.where(ages[:, k] < 18, parents, NO_VALUE),
            supported=supported,
        )


def _elderly_alone(members: _Members, rng: np.random.Generator, household: np.ndarray) -> None:
    n = len(household)
    # The older, the more likely to live alone (widowhood).
    weights = _age_weights() * np.clip((np.arange(MAX_AGE + 1) - 55) / 10.0, 0.0, 4.0)
    age = _draw_age(rng, n, 60, MAX_AGE, weights)
    marital = _pick_n(rng, n, (0.14, 0.0, 0.08, 0.78))  # unmarried, married, divorced, widowed
    childless = (marital == UNMARRIED) | (rng.random(n) < 0.08)
    members.add(household, 0, HEAD, rng.random(n) < 0.35, age, marital, supported=~childless)


def _single_adult(members: _Members, rng: np.random.Generator, household: np.ndarray) -> None:
    n = len(household)
    age = _draw_age(rng, n, 20, 59, _age_weights())
    shares = np.asarray([(0.95, 0.0, 0.05, 0.0), (0.55, 0.0, 0.40, 0.05), (0.30, 0.0, 0.55, 0.15)])[
        np.searchsorted([30, 45], age, side="right")
    ]
    members.add(household, 0, HEAD, rng.random(n) < 0.6, age, _pick(rng, shares))


def _elderly_couple(members: _Members, rng: np.random.Generator, household: np.ndarray) -> None:
    n = len(household)
    husband = _draw_age(rng, n, 60, MAX_AGE - 2, _age_weights())
    wife = np.maximum(_wife_age(rng, husband), 52)
    _add_couple(members, rng, household, husband, wife, head_male_share=0.9)


def _add_couple(
    members: _Members,
    rng: np.random.Generator,
    household: np.ndarray,
    husband: np.ndarray,
    wife: np.ndarray,
    head_male_share: float,
) -> np.ndarray:
    """Add a married couple as head and spouse; return whether the head is the husband."""
    head_male = rng.random(len(household)) < head_male_share
    members.add(household, 0, HEAD, head_male, np.where(head_male, husband, wife), MARRIED)
    members.add(household, 1, SPOUSE, ~head_male, np.where(head_male, wife, husband), MARRIED)
    return head_male


def _couple(members: _Members, rng: np.random.Generator, household: np.ndarray) -> None:
    n = len(household)
    husband = _draw_age(rng, n, 22, 59, _age_weights())
    _add_couple(members, rng, household, husband, _wife_age(rng, husband), head_male_share=0.85)


def _couple_with_children(
    members: _Members, rng: np.random.Generator, household: np.ndarray
) -> None:
    counts = _pick_n(rng, len(household), (0.0, 0.64, 0.33, 0.03))
    ages, mother, father = _children(rng, counts, CHILD_AT_HOME_UNTIL)
    _add_couple(members, rng, household, father, mother, head_male_share=0.88)
    _add_children(members, household, ages, CHILD, 2, rng, BOTH_PRESENT)


def _single_parent(members: _Members, rng: np.random.Generator, household: np.ndarray) -> None:
    n = len(household)
    counts = _pick_n(rng, n, (0.0, 0.7, 0.3))
    ages, mother, father = _children(rng, counts, 28)
    male = rng.random(n) < 0.3
    widowed = rng.random(n) < 0.35
    members.add(
        household,
        0,
        HEAD,
        male,
        np.where(male, father, mother),
        np.where(widowed, WIDOWED, DIVORCED),
    )
    parents = np.where(widowed, ONE_MISSING, BOTH_PRESENT)
    _add_children(members, household, ages, CHILD, 2, rng, parents)


def _three_generations_parents(
    members: _Members, rng: np.random.Generator, household: np.ndarray
) -> None:
    """A couple with 0-2 children and one or both parents of the head or of the spouse."""
    n = len(household)
    counts = _pick_n(rng, n, (0.25, 0.5, 0.25))
    ages, mother, father = _children(rng, counts, 25)
    head_male = _add_couple(members, rng, household, father, mother, head_male_share=0.88)
    _add_children(
        members, household, np.where(counts[:, None] > 0, ages, -1), CHILD, 5, rng, BOTH_PRESENT
    )
    heads_parents = rng.random(n) < 0.75
    relation = np.where(heads_parents, PARENT, PARENT_IN_LAW)
    # The elders are the parents of the head (relation parent) or of the spouse (parent_in_law).
    of_husband = heads_parents == head_male
    elder_mother, elder_father = _elder_parents(rng, np.where(of_husband, father, mother))
    both = rng.random(n) < 0.5
    father_alone = ~both & (rng.random(n) < 0.35)
    members.add(
        household,
        2,
        relation,
        True,
        elder_father,
        np.where(both, MARRIED, WIDOWED),
        present=both | father_alone,
    )
    members.add(
        household,
        3,
        relation,
        False,
        elder_mother,
        np.where(both, MARRIED, WIDOWED),
        present=~father_alone,
    )


def _three_generations_grandchildren(
    members: _Members, rng: np.random.Generator, household: np.ndarray
) -> None:
    """An elder head (and spouse), a married child with spouse, and 1-2 grandchildren."""
    n = len(household)
    counts = _pick_n(rng, n, (0.0, 0.6, 0.4))
    ages, mother, father = _children(rng, counts, 22)
    daughter_line = rng.random(n) < 0.2
    middle = np.where(daughter_line, mother, father)
    in_law = np.where(daughter_line, father, mother)
    elder_mother, elder_father = _elder_parents(rng, middle)
    couple = rng.random(n) < 0.75
    head_male = np.where(couple, rng.random(n) < 0.85, rng.random(n) < 0.4)
    members.add(
        household,
        0,
        HEAD,
        head_male,
        np.where(head_male, elder_father, elder_mother),
        np.where(couple, MARRIED, WIDOWED),
    )
    members.add(
        household,
        1,
        SPOUSE,
        ~head_male,
        np.where(head_male, elder_mother, elder_father),
        MARRIED,
        present=couple,
    )
    members.add(household, 2, CHILD, ~daughter_line, middle, MARRIED)
    members.add(household, 3, CHILD_IN_LAW, daughter_line, in_law, MARRIED)
    _add_children(members, household, ages, GRANDCHILD, 4, rng, BOTH_PRESENT)


def _elderly_with_adult_child(
    members: _Members, rng: np.random.Generator, household: np.ndarray
) -> None:
    """One elder or an elderly couple with an unmarried or divorced adult child."""
    n = len(household)
    head = _draw_age(rng, n, 62, MAX_AGE - 2, _age_weights())
    couple = rng.random(n) < 0.3
    head_male = np.where(couple, rng.random(n) < 0.9, rng.random(n) < 0.35)
    spouse = np.where(
        head_male, np.maximum(_wife_age(rng, head), 55), head + _gap(rng, n, 2.5, 2.5, -4, 10)
    )
    spouse = np.minimum(spouse, MAX_DEPENDENT_AGE)
    youngest_parent = np.where(couple, np.minimum(head, spouse), head)
    child = youngest_parent - _gap(rng, n, 29.0, 4.5, 20, 42)
    child = np.clip(child, np.maximum(22, head - 45), youngest_parent - 20)
    members.add(household, 0, HEAD, head_male, head, np.where(couple, MARRIED, WIDOWED))
    members.add(household, 1, SPOUSE, ~head_male, spouse, MARRIED, present=couple)
    child_marital = np.where(rng.random(n) < 0.6, UNMARRIED, DIVORCED)
    members.add(household, 2, CHILD, rng.random(n) < 0.6, child, child_marital)


def _siblings_or_other(members: _Members, rng: np.random.Generator, household: np.ndarray) -> None:
    n = len(household)
    head = _draw_age(rng, n, 25, 85, _age_weights())
    head_marital = _pick_n(rng, n, (0.7, 0.0, 0.2, 0.1))
    members.add(
        household,
        0,
        HEAD,
        rng.random(n) < 0.6,
        head,
        head_marital,
        supported=(head_marital != UNMARRIED) | (head < 60),
    )
    is_sibling = rng.random(n) < 0.85
    sibling = np.clip(head + rng.integers(-10, 11, n), 18, MAX_DEPENDENT_AGE)
    other = _draw_age(rng, n, 18, 90, _age_weights())
    second = np.where(is_sibling, sibling, other)
    second_marital = np.where(second < 22, UNMARRIED, _pick_n(rng, n, (0.8, 0.0, 0.15, 0.05)))
    members.add(
        household,
        1,
        np.where(is_sibling, SIBLING, OTHER),
        rng.random(n) < 0.5,
        second,
        second_marital,
        # Unmarried elders have no spouse or children to support them.
        supported=(second_marital != UNMARRIED) | (second < 60),
    )


def _young_with_grandparent(
    members: _Members, rng: np.random.Generator, household: np.ndarray
) -> None:
    n = len(household)
    head = _draw_age(rng, n, 20, 35, _age_weights())
    members.add(household, 0, HEAD, rng.random(n) < 0.55, head, UNMARRIED)
    grandmother = head + _gap(rng, n, 52.0, 4.0, 44, 62)
    grandfather = np.minimum(grandmother + _gap(rng, n, 2.5, 2.5, -4, 10), MAX_DEPENDENT_AGE)
    both = rng.random(n) < 0.3
    father_alone = ~both & (rng.random(n) < 0.3)
    marital = np.where(both, MARRIED, WIDOWED)
    members.add(household, 1, GRANDPARENT, True, grandfather, marital, present=both | father_alone)
    members.add(household, 2, GRANDPARENT, False, grandmother, marital, present=~father_alone)


def _grandparents_with_grandchildren(
    members: _Members, rng: np.random.Generator, household: np.ndarray
) -> None:
    """Skip-generation households: grandparents raising grandchildren whose parents are gone."""
    n = len(household)
    counts = _pick_n(rng, n, (0.0, 0.7, 0.3))
    eldest = _draw_age(rng, n, 2 * (counts - 1), 17, _age_weights())
    ages = np.full((n, 2), -1, dtype=np.int64)
    ages[:, 0] = eldest
    ages[:, 1] = np.where(counts > 1, np.maximum(eldest - rng.integers(1, 6, n), 0), -1)
    grandmother = np.minimum(eldest + _gap(rng, n, 52.0, 6.0, 40, 75), MAX_DEPENDENT_AGE)
    grandfather = np.minimum(grandmother + _gap(rng, n, 2.5, 2.5, -4, 10), MAX_DEPENDENT_AGE)
    couple = rng.random(n) < 0.7
    head_male = np.where(couple, rng.random(n) < 0.7, rng.random(n) < 0.35)
    members.add(
        household,
        0,
        HEAD,
        head_male,
        np.where(head_male, grandfather, grandmother),
        np.where(couple, MARRIED, WIDOWED),
    )
    members.add(
        household,
        1,
        SPOUSE,
        ~head_male,
        np.where(head_male, grandmother, grandfather),
        MARRIED,
        present=couple,
    )
    situation = _pick_n(rng, n, (0.0, 0.3, 0.4, 0.3))  # one missing, both missing, unable
    supported = situation == ONE_MISSING
    _add_children(members, household, ages, GRANDCHILD, 2, rng, situation, supported=supported)


HOUSEHOLD_BUILDERS: dict[str, Callable[[_Members, np.random.Generator, np.ndarray], None]] = {
    "elderly_alone": _elderly_alone,
    "single_adult": _single_adult,
    "elderly_couple": _elderly_couple,
    "couple": _couple,
    "couple_with_children": _couple_with_children,
    "single_parent": _single_parent,
    "three_generations_parents": _three_generations_parents,
    "three_generations_grandchildren": _three_generations_grandchildren,
    "elderly_with_adult_child": _elderly_with_adult_child,
    "siblings_or_other": _siblings_or_other,
    "young_with_grandparent": _young_with_grandparent,
    "grandparents_with_grandchildren": _grandparents_with_grandchildren,
}


def _largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    """Split total into integer parts proportional to shares."""
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(np.int64)
    remainder = total - counts.sum()
    counts[np.argsort(-(exact - counts), kind="stable")[:remainder]] += 1
    return counts


def _members(
    rng: np.random.Generator, household_count: int
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Build the members of every household, type by type; return members and household types."""
    counts = _largest_remainder(
        household_count, np.asarray([share for _, share, _ in HOUSEHOLD_TYPES])
    )
    members = _Members()
    household_type = np.repeat(np.arange(len(HOUSEHOLD_TYPES)), counts)
    start = 0
    for (name, _, _), count in zip(HOUSEHOLD_TYPES, counts, strict=True):
        HOUSEHOLD_BUILDERS[name](members, rng, np.arange(start, start + count))
        start += count
    return members.arrays(), household_type


# --- Persons -------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _People:
    """Person arrays (ordered by household, head first) and the household arrays they refer to."""

    household: np.ndarray
    relation: np.ndarray
    male: np.ndarray
    age: np.ndarray
    marital: np.ndarray
    parents: np.ndarray
    supported: np.ndarray
    size: np.ndarray  # per household
    head_index: np.ndarray  # per household: the row of its head
    household_type: np.ndarray  # per household
    rural: np.ndarray  # per household: registered in a village (not a community)

    def total(self, values: np.ndarray) -> np.ndarray:
        """Sum values over the members of each household."""
        return np.bincount(self.household, weights=values, minlength=len(self.size))

    def any(self, mask: np.ndarray) -> np.ndarray:
        """Whether any member of each household has mask set."""
        return self.total(mask) > 0


@dataclasses.dataclass(frozen=True)
class _Health:
    disabled: np.ndarray
    category: np.ndarray  # NO_VALUE without a certificate
    grade: np.ndarray  # NO_VALUE without a certificate
    issued: np.ndarray  # certificate issue day (days since 1970-01-01)
    ill: np.ndarray
    ability: np.ndarray  # NO_VALUE under 60

    @property
    def severe(self) -> np.ndarray:
        return self.disabled & (self.grade <= 2)


@dataclasses.dataclass(frozen=True)
class _Work:
    student: np.ndarray
    employment: np.ndarray
    employee_pension: np.ndarray
    resident_pension: np.ndarray
    retired_early: np.ndarray


def _health(
    rng: np.random.Generator, people: _People, birth_day: np.ndarray, as_of_day: int
) -> _Health:
    """Draw disability certificates, serious illness and the ability level of the elderly."""
    age = people.age
    n = len(age)
    disabled = rng.random(n) < _rate_by_band(age, DISABILITY_RATE_BY_AGE)
    age_group = np.where(age < 18, 0, np.where(age < 60, 1, 2))
    category = _pick(rng, np.asarray(DISABILITY_CATEGORY_SHARES)[age_group])
    grade = _pick_n(rng, n, DISABILITY_GRADE_SHARES) + 1
    # Intellectual, mental and multiple disabilities are more often severe.
    worse = np.isin(category, (INTELLECTUAL, MENTAL, MULTIPLE)) & (rng.random(n) < 0.3)
    grade = np.where(worse, np.maximum(grade - 1, 1), grade)
    # Certificates issued over the last CERTIFICATE_ISSUED_WITHIN_YEARS, never before birth.
    issued = as_of_day - np.floor(rng.random(n) * CERTIFICATE_ISSUED_WITHIN_YEARS * 365.25)
    issued = np.maximum(issued, birth_day + 30 + np.floor(rng.random(n) * 300))
    issued = np.minimum(issued, as_of_day - 1).astype(np.int64)
    ill = rng.random(n) < _rate_by_band(age, SERIOUS_ILLNESS_RATE_BY_AGE)
    ability_shares = np.asarray([shares for _, shares in ABILITY_LEVEL_SHARES_BY_AGE])
    band = _by_band(np.maximum(age, 60), ABILITY_LEVEL_SHARES_BY_AGE)
    ability = _pick(rng, ability_shares[band])
    severe = disabled & (grade <= 2)
    ability = np.minimum(ability + (severe | ill), 4)
    # Few people who live alone are completely dependent.
    alone = people.size[people.household] == 1
    ability = np.where(alone & (rng.random(n) < 0.8), np.minimum(ability, 2), ability)
    return _Health(
        disabled=disabled,
        category=np.where(disabled, category, NO_VALUE),
        grade=np.where(disabled, grade, NO_VALUE),
        issued=issued,
        ill=ill,
        ability=np.where(age >= 60, ability, NO_VALUE),
    )


def _work(rng: np.random.Generator, people: _People, health: _Health) -> _Work:
    """Draw schooling by age, then employment and pension rights by age, sex, place and health."""
    age, male = people.age, people.male
    n = len(age)
    rural = people.rural[people.household].astype(np.int64)
    student_shares = np.asarray([shares for _, shares in STUDENT_SHARES_BY_AGE])
    student = _pick(rng, student_shares[_by_band(age, STUDENT_SHARES_BY_AGE)])

    working_age = (age >= 16) & (age < 60) & (student == NOT_STUDENT)
    drawn = _pick(rng, np.asarray(WORKING_AGE_EMPLOYMENT)[rural])
    employment = np.where(working_age, drawn, NOT_WORKING)
    employment = np.where(working_age & (age < 18) & (drawn != EMPLOYED), UNEMPLOYED, employment)
    unable = health.severe | np.isin(health.category, (INTELLECTUAL, MENTAL)) | health.ill
    employment = np.where(working_age & unable & (rng.random(n) < 0.7), NOT_WORKING, employment)
    retire_share = np.select(
        [~male & (age >= 50) & (age < 55), ~male & (age >= 55), male & (age >= 55)],
        [
            np.asarray(RETIRED_WOMEN_50_54)[rural],
            np.asarray(RETIRED_WOMEN_55_59)[rural],
            np.asarray(RETIRED_MEN_55_59)[rural],
        ],
        0.0,
    )
    retired_early = working_age & (rng.random(n) < retire_share)
    employment = np.where(retired_early, RETIRED, employment)

    elder = age >= 60
    # Older cohorts were less often covered by the employee pension.
    covered = np.asarray(EMPLOYEE_PENSION_SHARE_60_PLUS)[rural] * np.where(age >= 85, 0.8, 1.0)
    employee_pension = retired_early | (elder & (rng.random(n) < covered))
    resident_pension = elder & ~employee_pension & (rng.random(n) < 0.97)
    farming = elder & ~employee_pension & (rural == 1) & (age < 75) & (rng.random(n) < 0.4)
    still_working = elder & (age < 65) & (rng.random(n) < STILL_WORKING_60_64)
    employment = np.where(elder, np.where(employee_pension, RETIRED, NOT_WORKING), employment)
    employment = np.where(farming, FARMER, employment)
    employment = np.where(still_working, EMPLOYED, employment)
    return _Work(
        student=student,
        employment=employment,
        employee_pension=employee_pension,
        resident_pension=resident_pension,
        retired_early=retired_early,
    )


def _incomes(
    rng: np.random.Generator, people: _People, work: _Work
) -> tuple[np.ndarray, np.ndarray]:
    """Return natural monthly counted incomes (n, 6) and excluded income (n,)."""
    age, male, employment = people.age, people.male, work.employment
    n = len(age)
    household_count = len(people.size)
    rural = people.rural[people.household].astype(np.int64)
    counted = np.zeros((n, len(COUNTED_INCOME_COLUMNS)))

    age_factor = np.select(
        [age < 18, age < 25, age < 35, age < 50, age < 60], [0.45, 0.7, 1.0, 1.1, 0.95], 0.6
    )
    wage_median = np.asarray(WAGE_MEDIAN)[rural] * age_factor * np.where(male, 1.0, 0.85)
    wages = np.maximum(_lognormal(rng, wage_median, WAGE_SIGMA, n), WAGE_FLOOR)
    counted[:, WAGES] = np.where(employment == EMPLOYED, wages, 0.0)

    business = _lognormal(rng, BUSINESS_MEDIAN, BUSINESS_SIGMA, n)
    farm = _lognormal(rng, np.where(age >= 60, 0.4, 1.0) * FARM_INCOME_MEDIAN, 0.5, n)
    counted[:, BUSINESS] = np.select(
        [employment == SELF_EMPLOYED, employment == FARMER], [business, farm], 0.0
    )

    age_discount = np.clip(1.0 - 0.004 * (age - 60), 0.8, 1.0)
    pension_median = np.asarray(EMPLOYEE_PENSION_MEDIAN)[rural] * np.where(
        work.retired_early, 0.8, age_discount
    )
    employee = _lognormal(rng, pension_median, EMPLOYEE_PENSION_SIGMA, n)
    resident = np.maximum(_lognormal(rng, RESIDENT_PENSION_MEDIAN, RESIDENT_PENSION_SIGMA, n), 400)
    counted[:, PENSION] = np.select(
        [work.employee_pension, work.resident_pension], [employee, resident], 0.0
    )

    land = work.resident_pension & (rural == 1) & (rng.random(n) < LAND_COMPENSATION_SHARE)
    counted[:, TRANSFERS] = np.where(land, _lognormal(rng, LAND_COMPENSATION_MEDIAN, 0.2, n), 0.0)
    counted[:, TRANSFERS] += np.where(
        employment == UNEMPLOYED_REGISTERED, UNEMPLOYMENT_BENEFIT, 0.0
    )

    # Property income is the household's; it is booked on the head.
    property_median = PROPERTY_INCOME_MEDIAN * np.where(people.rural, 0.6, 1.0)
    property_income = np.where(
        rng.random(household_count) < PROPERTY_INCOME_SHARE,
        _lognormal(rng, property_median, 1.0, household_count),
        0.0,
    )
    property_income += np.where(
        people.rural & (rng.random(household_count) < VILLAGE_DIVIDEND_SHARE),
        _lognormal(rng, VILLAGE_DIVIDEND_MEDIAN, 0.6, household_count),
        0.0,
    )
    counted[people.head_index, PROPERTY] = property_income

    # Support from children living elsewhere, for elders in households without an earner.
    has_earner = people.any(np.isin(employment, (EMPLOYED, SELF_EMPLOYED)))
    gets_support = (age >= 60) & ~has_earner[people.household] & people.supported
    gets_support &= rng.random(n) < SUPPORT_RECEIVED_SHARE
    counted[:, SUPPORT] = np.where(
        gets_support, _lognormal(rng, SUPPORT_RECEIVED_MEDIAN, 0.6, n), 0.0
    )

    excluded = np.where(
        age >= 80, _rate_by_band(np.maximum(age, 80), LONGEVITY_ALLOWANCE_BY_AGE), 0.0
    )
    veteran = male & (age >= 70) & (rng.random(n) < VETERAN_SHARE_MEN_70_PLUS)
    excluded += np.where(veteran, VETERAN_ALLOWANCE, 0.0)
    scholar = (work.student >= UNDERGRADUATE) & (rng.random(n) < SCHOLARSHIP_SHARE)
    excluded += np.where(scholar, SCHOLARSHIP, 0.0)
    return counted, excluded


# --- Low-income tail -----------------------------------------------------------------------------

REGULAR, POOR, EDGE = 0, 1, 2


def _income_tail(
    rng: np.random.Generator,
    people: _People,
    health: _Health,
    work: _Work,
    counted: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Choose the poor and edge households and set their income; lift the others above the edge.

    Return the income class of each household, the adjusted counted incomes rounded to fen and
    the employment of each person (some people in lifted households take a job).
    """
    size = people.size
    household_count = len(size)
    edge_line = DIBAO_EDGE_MULTIPLE * DIBAO_STANDARD_2025
    total = people.total(counted.sum(axis=1))
    per_capita = total / size
    unemployed = np.isin(work.employment, (UNEMPLOYED, UNEMPLOYED_REGISTERED))
    log_weight = (
        1.3 * people.any(health.severe)
        + 0.7 * people.any(health.disabled)
        + 1.5 * people.any(health.ill)
        + 1.6 * (people.total(people.age >= 60) == size)
        + 1.0 * (people.household_type == _type_index("single_parent"))
        + 1.0 * people.any(unemployed)
        + 0.3 * people.rural
        + 2.0 * people.any(~people.supported)
        + 0.5 * (size == 1)
    )
    weight = np.exp(log_weight) * (edge_line / np.maximum(per_capita, 200.0)) ** 1.5
    # Weighted sampling without replacement (Efraimidis-Spirakis keys); households are taken in
    # key order until the person targets are met.
    key = np.log(rng.random(household_count)) / weight
    order = np.argsort(-key, kind="stable")
    reached = np.cumsum(size[order])
    poor_count = np.searchsorted(reached, POOR_PERSON_SHARE * size.sum()) + 1
    edge_count = np.searchsorted(reached, (POOR_PERSON_SHARE + EDGE_PERSON_SHARE) * size.sum()) + 1
    income_class = np.full(household_count, REGULAR)
    income_class[order[:poor_count]] = POOR
    income_class[order[poor_count:edge_count]] = EDGE

    poor, edge = income_class == POOR, income_class == EDGE
    floor = edge_line * EDGE_FLOOR_MARGIN
    lifted = (income_class == REGULAR) & (per_capita < floor)
    target = per_capita.copy()
    target[poor] = DIBAO_STANDARD_2025 * (0.15 + 0.82 * rng.beta(2.5, 1.5, poor.sum()))
    target[edge] = DIBAO_STANDARD_2025 * rng.uniform(1.01, DIBAO_EDGE_MULTIPLE - 0.01, edge.sum())
    lift = rng.exponential(LIFT_MEAN_ABOVE_FLOOR, lifted.sum())
    target[lifted] = floor + np.minimum(lift, LIFT_MAX_ABOVE_FLOOR)
    # Households above their target lose the same share of every counted component.
    lowered = (poor | edge) & (target < per_capita)
    factor = np.where(lowered, target / np.where(lowered, per_capita, 1.0), 1.0)
    counted = counted * factor[people.household][:, None]
    # Lifted households where someone of working age could work: that person takes a job paying
    # what is missing (at least WAGE_FLOOR).
    employment = work.employment.copy()
    idle = np.isin(employment, (UNEMPLOYED, UNEMPLOYED_REGISTERED, NOT_WORKING))
    idle &= (people.age >= 18) & (people.age < 60) & (work.student == NOT_STUDENT)
    idle &= ~health.severe & ~health.ill & lifted[people.household]
    idle_rows = np.flatnonzero(idle)
    first = idle_rows[np.unique(people.household[idle_rows], return_index=True)[1]]
    employment[first] = EMPLOYED
    counted[first, TRANSFERS] = 0.0  # no more unemployment benefit
    missing = target * size - people.total(counted.sum(axis=1))
    counted[first, WAGES] = np.maximum(missing[people.household[first]], WAGE_FLOOR)
    # Everyone else below target: the head receives the rest as support (赡养费, help from
    # relatives living elsewhere).
    missing = target * size - people.total(counted.sum(axis=1))
    raised = (poor | edge | lifted) & (missing > 0)
    counted[people.head_index[raised], SUPPORT] += missing[raised]
    counted = np.round(counted, 2)

    final = people.total(counted.sum(axis=1)) / size
    in_band = np.select(
        [poor, edge],
        [final < DIBAO_STANDARD_2025, (final >= DIBAO_STANDARD_2025) & (final < edge_line)],
        final >= edge_line,
    )
    if not in_band.all():
        raise RuntimeError("income tail adjustment missed its bands")
    return income_class, counted, employment


def _type_index(name: str) -> int:
    return [type_name for type_name, _, _ in HOUSEHOLD_TYPES].index(name)


# --- Identity: birth dates, id numbers, names, phones --------------------------------------------


def _birth_days(rng: np.random.Generator, age: np.ndarray, as_of: dt.date) -> np.ndarray:
    """Draw birth dates (days since 1970-01-01) giving exactly `age` whole years at as_of."""
    epoch = dt.date(1970, 1, 1)

    def years_before(years: int) -> dt.date:
        try:
            return as_of.replace(year=as_of.year - years)
        except ValueError:  # 29 February
            return as_of.replace(year=as_of.year - years, day=28)

    ages = range(MAX_AGE + 1)
    earliest = np.asarray([(years_before(a + 1) - epoch).days + 1 for a in ages])
    latest = np.asarray([(years_before(a) - epoch).days for a in ages])
    latest[0] -= 1  # nobody is born on the reference date itself
    span = latest[age] - earliest[age] + 1
    return earliest[age] + np.floor(rng.random(len(age)) * span).astype(np.int64)


def _date_parts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split days since 1970-01-01 into year, month and day arrays."""
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]")
    year = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, day


def _digits_text(values: np.ndarray, width: int) -> pl.Expr:
    return pl.lit(pl.Series(values)).cast(pl.String).str.zfill(width)


def _id_numbers(rng: np.random.Generator, birth_day: np.ndarray, male: np.ndarray) -> pl.Series:
    """Return unique id numbers: 320582, YYYYMMDD, a sequence ranked within (birth date, sex)."""
    n = len(birth_day)
    order = np.lexsort((rng.random(n), male, birth_day))
    sorted_day, sorted_male = birth_day[order], male[order]
    starts_group = np.ones(n, dtype=bool)
    starts_group[1:] = (sorted_day[1:] != sorted_day[:-1]) | (sorted_male[1:] != sorted_male[:-1])
    position = np.arange(n)
    group_start = np.maximum.accumulate(np.where(starts_group, position, 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = position - group_start
    sequence = np.where(male, 2 * rank + 1, 2 * rank + 2)  # odd for men, even for women
    if n and sequence.max() > 999:
        raise ValueError("scale too large: more than 499 people of one sex born on one day")
    year, month, day = _date_parts(birth_day)
    digits = np.empty((n, 17), dtype=np.int64)
    digits[:, :6] = [int(character) for character in CITY_CODE]
    column = 6
    for value, width in ((year, 4), (month, 2), (day, 2), (sequence, 3)):
        for k in range(width):
            digits[:, column] = value // 10 ** (width - 1 - k) % 10
            column += 1
    return pl.select(
        pl.concat_str(
            pl.lit(CITY_CODE),
            _digits_text(year, 4),
            _digits_text(month, 2),
            _digits_text(day, 2),
            _digits_text(sequence, 3),
            pl.lit(pl.Series(check_characters(digits))),
        ).alias("id_number")
    ).to_series()


def _surnames(rng: np.random.Generator, people: _People) -> np.ndarray:
    """Return surname indices: wives keep theirs, children take the father's mostly."""
    household, relation, male = people.household, people.relation, people.male
    n, household_count = len(household), len(people.size)
    shares = tuple(share for _, share in SURNAMES)
    own = _pick_n(rng, n, shares)
    head = own[people.head_index]

    def of_household(rows: np.ndarray, default: np.ndarray) -> np.ndarray:
        values = default.copy()
        values[household[rows]] = own[rows]
        return values

    spouse = of_household(np.flatnonzero(relation == SPOUSE), np.full(household_count, -1))
    # The family line is the head's surname when the head is a man, else the husband's (the
    # spouse), else an absent father's (a fresh draw).
    line = np.where(
        male[people.head_index],
        head,
        np.where(spouse >= 0, spouse, _pick_n(rng, household_count, shares)),
    )
    # Grandchildren take their father's: a son of the head (the line) or a son-in-law.
    son_in_law = np.flatnonzero((relation == CHILD_IN_LAW) & male)
    grandchild_father = of_household(son_in_law, line)
    takes_father = rng.random(n) < CHILD_TAKES_FATHER_SURNAME
    head_line = (relation == HEAD) | (relation == SIBLING)
    head_line |= ((relation == PARENT) | (relation == GRANDPARENT)) & male
    return np.select(
        [
            head_line,
            (relation == SPOUSE) & male,
            (relation == CHILD) & takes_father,
            (relation == GRANDCHILD) & takes_father,
            (relation == PARENT_IN_LAW) & male & (spouse[household] >= 0),
        ],
        [
            head[household],
            line[household],
            line[household],
            grandchild_father[household],
            spouse[household],
        ],
        own,
    )


def _names(rng: np.random.Generator, people: _People, birth_year: np.ndarray) -> pl.Series:
    """Return Chinese names of 2-3 characters, given names by sex and birth period."""
    n = len(people.age)
    surname = _surnames(rng, people)
    pools = [GIVEN_NAME_CHARACTERS[(male, period)] for male in (False, True) for period in range(4)]
    offsets = np.cumsum([0] + [len(pool) for pool in pools])[:-1]
    lengths = np.asarray([len(pool) for pool in pools])
    period = np.searchsorted(NAME_PERIOD_STARTS, birth_year, side="right")
    pool = people.male.astype(np.int64) * 4 + period
    characters = pl.Series(list("".join(pools)))
    first = offsets[pool] + np.floor(rng.random(n) * lengths[pool]).astype(np.int64)
    second = offsets[pool] + np.floor(rng.random(n) * lengths[pool]).astype(np.int64)
    single = rng.random(n) < SINGLE_CHARACTER_GIVEN_NAME_SHARE
    return pl.select(
        pl.concat_str(
            pl.lit(pl.Series([surname for surname, _ in SURNAMES]).gather(surname)),
            pl.lit(characters.gather(first)),
            pl.when(pl.lit(pl.Series(single)))
            .then(pl.lit(""))
            .otherwise(pl.lit(characters.gather(second))),
        ).alias("name")
    ).to_series()


def _phones(rng: np.random.Generator, age: np.ndarray) -> pl.Series:
    """Return unique 11-digit mobile numbers, null for children and some old people."""
    n = len(age)
    prefixes = pl.Series([prefix for prefix, _ in PHONE_PREFIXES])
    prefix = prefixes.gather(_pick_n(rng, n, tuple(share for _, share in PHONE_PREFIXES)))
    # An affine map of the row number modulo 10**9 with a multiplier prime to 10 is a
    # permutation, so the last nine digits are unique across the city.
    multiplier, offset = 387_420_489, int(rng.integers(0, 10**9))
    rest = (np.arange(n, dtype=np.int64) * multiplier + offset) % 10**9
    has_phone = age >= PHONE_MIN_AGE
    has_phone &= ~((age >= 60) & (age < 80) & (rng.random(n) < NO_PHONE_SHARE_60_79))
    has_phone &= ~((age >= 80) & (rng.random(n) < NO_PHONE_SHARE_80_PLUS))
    return pl.select(
        pl.when(pl.lit(pl.Series(has_phone)))
        .then(pl.concat_str(pl.lit(prefix), _digits_text(rest, 9)))
        .alias("phone")
    ).to_series()


def _residence(
    rng: np.random.Generator, people: _People, residence_unit: np.ndarray, unit_count: int
) -> np.ndarray:
    """Return each person's residence unit: the household's, or elsewhere for some young adults."""
    n = len(people.age)
    moves = (people.relation != HEAD) & (people.age >= 18) & (people.age < 40)
    moves &= rng.random(n) < PERSON_MOVED_SHARE
    return np.where(moves, rng.integers(0, unit_count, n), residence_unit[people.household])


def _labels(codes: np.ndarray, values: tuple[str, ...]) -> pl.Series:
    """Map integer codes to their labels; NO_VALUE gives null."""
    index = pl.Series(codes).cast(pl.Int64)
    index = pl.select(pl.when(index >= 0).then(index)).to_series()
    return pl.Series(values, dtype=pl.String).gather(index)


def _small_ints(codes: np.ndarray, dtype: pl.DataType) -> pl.Series:
    """Return codes as a small integer series; NO_VALUE gives null."""
    values = pl.Series(np.where(codes >= 0, codes, 0)).cast(dtype)
    return pl.select(pl.when(pl.lit(pl.Series(codes >= 0))).then(pl.lit(values))).to_series()


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    return pl.select(pl.concat_str(pl.lit(prefix), _digits_text(numbers, width))).to_series()


def _person_frame(
    streams: dict[str, np.random.Generator],
    people: _People,
    units: pl.DataFrame,
    hukou_unit: np.ndarray,
    residence_unit: np.ndarray,
    as_of: dt.date,
) -> tuple[pl.DataFrame, _Health, _Work, np.ndarray]:
    """Draw every person attribute; return the persons frame, health, work and income classes."""
    n = len(people.age)
    as_of_day = (as_of - dt.date(1970, 1, 1)).days
    birth_day = _birth_days(streams["ids"], people.age, as_of)
    health = _health(streams["health"], people, birth_day, as_of_day)
    work = _work(streams["work"], people, health)
    natural, excluded = _incomes(streams["income"], people, work)
    income_class, counted, employment = _income_tail(streams["tail"], people, health, work, natural)
    work = dataclasses.replace(work, employment=employment)
    unit_codes = units["code"]
    residence = _residence(streams["places"], people, residence_unit, len(unit_codes))
    issued = pl.Series(health.issued.astype(np.int32)).cast(pl.Date)
    frame = pl.DataFrame(
        {
            "household_id": _ids("H", people.household + 1, 8),
            "person_id": _ids("P", np.arange(1, n + 1), 9),
            "relation": _labels(people.relation, RELATIONS),
            "name": _names(streams["names"], people, _date_parts(birth_day)[0]),
            "id_number": _id_numbers(streams["ids"], birth_day, people.male),
            "sex": _labels(np.where(people.male, 0, 1), ("male", "female")),
            "birth_date": pl.Series(birth_day.astype(np.int32)).cast(pl.Date),
            "hukou_division": unit_codes.gather(hukou_unit[people.household]),
            "residence_division": unit_codes.gather(residence),
            "hukou_local": np.ones(n, dtype=bool),
            "phone": _phones(streams["contact"], people.age),
            "marital_status": _labels(people.marital, MARITAL_STATUSES),
            "deceased": np.zeros(n, dtype=bool),
            "disability_category": _labels(health.category, DISABILITY_CATEGORIES),
            "disability_grade": _small_ints(health.grade, pl.Int8),
            "disability_valid_from": issued,
            "disability_valid_to": issued.dt.offset_by(f"{CERTIFICATE_VALID_YEARS}y"),
            "serious_illness": health.ill,
            "ability_level": _small_ints(health.ability, pl.Int8),
            "student": _labels(work.student, STUDENT_KINDS),
            "employment": _labels(work.employment, EMPLOYMENTS),
            **{column: counted[:, k] for k, column in enumerate(COUNTED_INCOME_COLUMNS)},
            "income_excluded": np.round(excluded, 2),
            "capable_legal_supporter": people.supported,
            "parents": _labels(
                np.where(people.age < 18, people.parents, NO_VALUE), PARENTS_SITUATIONS
            ),
            "lives_alone": people.size[people.household] == 1,
        }
    )
    frame = frame.with_columns(
        pl.when(pl.lit(pl.Series(health.disabled))).then(pl.col(column)).alias(column)
        for column in ("disability_valid_from", "disability_valid_to")
    )
    return frame, health, work, income_class


# --- Households ----------------------------------------------------------------------------------


def _rows_frame(
    parts: list[tuple[np.ndarray, dict[str, object]]], schema: dict[str, pl.DataType]
) -> pl.DataFrame:
    """Concatenate (household rows, constant or per-row field values) parts into one frame."""
    frames = []
    for rows, fields in parts:
        columns: dict[str, object] = {"household": rows}
        for name, value in fields.items():
            columns[name] = value if isinstance(value, np.ndarray) else [value] * len(rows)
        frames.append(pl.DataFrame(columns, schema={"household": pl.Int64, **schema}))
    return pl.concat(frames)


def _list_column(
    household_count: int, rows: pl.DataFrame, name: str, dtype: pl.DataType
) -> pl.Series:
    """Gather rows (household, fields...) into one list of structs per household, empty if none."""
    fields = [column for column in rows.columns if column != "household"]
    grouped = (
        rows.sort("household", maintain_order=True)
        .group_by("household", maintain_order=True)
        .agg(pl.struct(fields).alias(name))
    )
    return (
        pl.DataFrame({"household": np.arange(household_count)})
        .join(grouped, on="household", how="left", maintain_order="left")
        .get_column(name)
        .cast(dtype)
        .fill_null(pl.lit([], dtype=dtype))
    )


@dataclasses.dataclass(frozen=True)
class _HouseholdFacts:
    """Household arrays the asset and spending draws depend on."""

    regular: np.ndarray
    poor: np.ndarray
    edge: np.ndarray
    village: np.ndarray  # lives in a village
    per_capita: np.ndarray  # counted income, monthly
    head_age: np.ndarray
    self_employed: np.ndarray  # count of self-employed members
    farmer: np.ndarray
    physical_disability: np.ndarray


def _vehicles(rng: np.random.Generator, facts: _HouseholdFacts) -> pl.Series:
    """Draw vehicles: cars by income and the head's age, working vehicles, disability aids."""
    count = len(facts.regular)

    def draw(share: float | np.ndarray) -> np.ndarray:
        return rng.random(count) < share

    def rows(
        mask: np.ndarray, kind: str, value: np.ndarray, purpose: str
    ) -> tuple[np.ndarray, dict[str, object]]:
        index = np.flatnonzero(mask)
        return index, {"kind": kind, "value": np.round(value[index], 2), "purpose": purpose}

    car_share = np.select([facts.head_age < 65, facts.head_age < 75], [0.72, 0.35], 0.08)
    car_share = car_share * np.where(facts.per_capita > 3000, 1.0, 0.6)
    car = facts.regular & draw(car_share)
    second_car = car & (facts.per_capita > 4000) & draw(0.25)
    business = facts.regular & (facts.self_employed > 0)
    motorcycle_value = np.where(
        facts.poor, rng.uniform(500, 3000, count), rng.uniform(2000, 8000, count)
    )
    parts = [
        rows(car, "car", _lognormal(rng, CAR_MEDIAN_VALUE, 0.6, count), "private"),
        rows(second_car, "car", _lognormal(rng, 60000.0, 0.6, count), "private"),
        rows(facts.edge & draw(0.08), "car", rng.uniform(15000, 45000, count), "private"),
        rows(business & draw(0.10), "truck", _lognormal(rng, 120000.0, 0.5, count), "livelihood"),
        rows(
            business & draw(0.01),
            "engineering",
            _lognormal(rng, 350000.0, 0.5, count),
            "livelihood",
        ),
        rows(
            draw(np.where(facts.poor, 0.05, np.where(facts.village, 0.12, 0.08))),
            "motorcycle",
            motorcycle_value,
            "private",
        ),
        # 三轮车 and similar for farming households.
        rows(facts.farmer & draw(0.05), "other", rng.uniform(1500, 6000, count), "livelihood"),
        # 残疾人机动轮椅车 and adapted vehicles.
        rows(
            facts.physical_disability & draw(0.10),
            "other",
            rng.uniform(3000, 15000, count),
            "disability_aid",
        ),
    ]
    schema = {"kind": pl.String, "value": pl.Float64, "purpose": pl.String}
    return _list_column(count, _rows_frame(parts, schema), "vehicles", VEHICLE_DTYPE)


def _homes(rng: np.random.Generator, facts: _HouseholdFacts) -> pl.Series:
    """Draw homes: a rural house or a flat, second flats, shops and offices of the self-employed."""
    count = len(facts.regular)
    village = facts.village

    def draw(share: float | np.ndarray) -> np.ndarray:
        return rng.random(count) < share

    def rows(mask: np.ndarray, use: str, area: np.ndarray) -> tuple[np.ndarray, dict[str, object]]:
        index = np.flatnonzero(mask)
        return index, {"use": use, "area_m2": np.round(area[index], 1)}

    def area(
        village_low: float, village_high: float, town_low: float, town_high: float
    ) -> np.ndarray:
        return np.where(
            village,
            rng.uniform(village_low, village_high, count),
            rng.uniform(town_low, town_high, count),
        )

    own_area = np.select(
        [facts.poor, facts.edge],
        [area(60, 160, 30, 70), area(100, 220, 40, 90)],
        area(140, 300, 50, 150),
    )
    has_home = draw(np.select([facts.poor, facts.edge], [0.85, 0.9], 0.96))
    second = facts.regular & has_home & draw(np.where(village, 0.30, 0.25))
    third = second & ~village & draw(0.2)
    business = facts.regular & (facts.self_employed > 0)
    parts = [
        rows(has_home, "residential", own_area),
        rows(second, "residential", rng.uniform(60, 150, count)),
        rows(third, "residential", rng.uniform(60, 150, count)),
        rows(business & draw(0.25), "commercial", _lognormal(rng, 80.0, 0.6, count)),
        rows(business & draw(0.02), "office", rng.uniform(50, 300, count)),
        rows(facts.regular & draw(0.06), "other", rng.uniform(8, 30, count)),  # garages, sheds
    ]
    schema = {"use": pl.String, "area_m2": pl.Float64}
    return _list_column(count, _rows_frame(parts, schema), "homes", HOME_DTYPE)


def _addresses(
    rng: np.random.Generator, units: pl.DataFrame, residence_unit: np.ndarray
) -> pl.Series:
    """Return addresses: building and room in a community, group and number in a village."""
    count = len(residence_unit)
    village = (units["kind"] == "village").to_numpy()[residence_unit]
    unit_name = pl.lit(units["name"].gather(residence_unit))

    def number(low: int, high: int) -> pl.Expr:
        return pl.lit(pl.Series(rng.integers(low, high + 1, count))).cast(pl.String)

    building, floor, room = number(1, 40), number(1, 18), number(1, 4).str.zfill(2)
    group, house = number(1, 25), number(1, 80)
    return pl.select(
        pl.when(pl.lit(pl.Series(village)))
        .then(pl.concat_str(unit_name, pl.lit(" 第"), group, pl.lit("组"), house, pl.lit("号")))
        .otherwise(
            pl.concat_str(
                unit_name, pl.lit(" 第"), building, pl.lit("幢"), floor, room, pl.lit("室")
            )
        )
        .alias("address")
    ).to_series()


def _household_numbers(units: pl.DataFrame, hukou_unit: np.ndarray) -> pl.Series:
    """Return 户号: ZJG, the hukou town's 2-digit ordinal, a 7-digit sequence within the town."""
    town = pl.Series(units["town_index"].to_numpy()[hukou_unit] + 1)
    frame = pl.DataFrame({"town": town}).with_columns(
        sequence=pl.int_range(1, pl.len() + 1).over("town")
    )
    if frame["sequence"].max() > 9_999_999:
        raise ValueError("scale too large for 7-digit household numbers within a town")
    return frame.select(
        pl.concat_str(
            pl.lit("ZJG"),
            pl.col("town").cast(pl.String).str.zfill(2),
            pl.col("sequence").cast(pl.String).str.zfill(7),
        )
    ).to_series()


def _household_frame(
    streams: dict[str, np.random.Generator],
    people: _People,
    persons: pl.DataFrame,
    health: _Health,
    work: _Work,
    income_class: np.ndarray,
    units: pl.DataFrame,
    hukou_unit: np.ndarray,
    residence_unit: np.ndarray,
) -> pl.DataFrame:
    """Draw assets, spending and emergencies by income class; return the households frame."""
    rng = streams["assets"]
    size = people.size
    count = len(size)
    n = len(people.age)
    age = people.age
    monthly = people.total(persons.select(COUNTED_INCOME_COLUMNS).sum_horizontal().to_numpy())
    poor, edge = income_class == POOR, income_class == EDGE
    facts = _HouseholdFacts(
        regular=income_class == REGULAR,
        poor=poor,
        edge=edge,
        village=(units["kind"] == "village").to_numpy()[residence_unit],
        per_capita=monthly / size,
        head_age=age[people.head_index],
        self_employed=people.total(work.employment == SELF_EMPLOYED),
        farmer=people.any(work.employment == FARMER),
        physical_disability=people.any(np.isin(health.category, (PHYSICAL, MULTIPLE))),
    )

    # Financial assets: regular households hold savings of a year or two of income.
    savings = (
        12.0
        * monthly
        * np.exp(
            rng.normal(FINANCIAL_YEARS_OF_INCOME_LOG_MEAN, FINANCIAL_YEARS_OF_INCOME_SIGMA, count)
        )
    )
    savings += size * rng.uniform(0, 20000, count)
    financial = np.select(
        [poor, edge],
        [
            size * rng.uniform(0, POOR_FINANCIAL_PER_PERSON, count),
            size * rng.uniform(0, EDGE_FINANCIAL_PER_PERSON, count),
        ],
        savings,
    )
    businesses = np.select(
        [facts.regular, edge],
        [
            np.floor(facts.self_employed * 0.8 + rng.random(count)) + (rng.random(count) < 0.01),
            (facts.self_employed > 0) & (rng.random(count) < 0.2),
        ],
        0,
    )

    # Rigid spending over the last 12 months (yuan), out of pocket.
    medical = np.select([age < 18, age < 60, age < 80], [400.0, 600.0, 2500.0], 4500.0)
    medical = medical * np.exp(rng.normal(0.0, 0.8, n))
    medical += np.where(health.ill, _lognormal(rng, 40000.0, 0.7, n), 0.0)
    medical += np.where(health.severe, 3000.0, 0.0)
    tuition = np.asarray(STUDENT_YEARLY_COST)[work.student]
    tuition += np.where((age >= 3) & (age <= 5), KINDERGARTEN_YEARLY_COST, 0.0)
    education = tuition * np.exp(rng.normal(0.0, 0.4, n))
    rehabilitation = np.where(
        health.disabled & (rng.random(n) < 0.2),
        _lognormal(rng, np.where(age < 18, 20000.0, 3000.0), 0.6, n),
        0.0,
    )
    other_rigid = np.where(
        rng.random(count) < np.where(facts.regular, 0.08, 0.15),
        _lognormal(rng, 12000.0, 0.7, count),
        0.0,
    )
    emergency = rng.random(count) < np.where(facts.regular, *EMERGENCY_SHARE)
    emergency_kind = np.where(emergency, _pick_n(rng, count, EMERGENCY_KIND_SHARES), NO_VALUE)
    loss_median = np.where(
        emergency_kind == EMERGENCY_KINDS.index("major_illness"), 60000.0, 20000.0
    )
    emergency_loss = np.round(_lognormal(rng, loss_median, 0.9, count), 2)

    head_rows = pl.Series(people.head_index)
    frame = pl.DataFrame(
        {
            "household_id": persons["household_id"].gather(head_rows),
            "number": _household_numbers(units, hukou_unit),
            "division": persons["residence_division"].gather(head_rows),
            "address": _addresses(rng, units, residence_unit),
            "head_person_id": persons["person_id"].gather(head_rows),
            "size": pl.Series(size).cast(pl.Int16),
            "assets_financial": np.round(financial, 2),
            "vehicles": _vehicles(rng, facts),
            "homes": _homes(rng, facts),
            "registered_businesses": pl.Series(businesses).cast(pl.Int16),
            "expense_medical": np.round(people.total(medical), 2),
            "expense_education": np.round(people.total(education), 2),
            "expense_disability_rehabilitation": np.round(people.total(rehabilitation), 2),
            "expense_other_rigid": np.round(other_rigid, 2),
            "emergency_kind": _labels(emergency_kind, EMERGENCY_KINDS),
            "emergency_loss": emergency_loss,
        }
    )
    return frame.with_columns(
        pl.when(pl.col("emergency_kind").is_not_null())
        .then("emergency_loss")
        .alias("emergency_loss")
    )
