"""Synthetic monthly department files (数据交换) for the synthetic city, one frame per source.

Pure numpy and Polars like `generate.py` (openpyxl only to write .xlsx). The same (persons,
month, seed) always gives the same frames: every source draws from its own generator spawned
from `SeedSequence([seed, year, month])`. Column names are the codes of
`minzheng.exchange.sources` (a test keeps the two equal); this module does not import it, so
that the generator stays free of Django.

`persons` needs only `id_number` and `birth_date`. The synthetic city's other columns make the
files truer when present: `household_id`, `hukou_division`, `employment`, the counted incomes
(`income_wages`, `income_pension`, ...), `disability_*`, `serious_illness`, `deceased`. Without
incomes (persons read from the registry) wages and pensions are drawn by age and no household
is known to be poor.

Rates: every figure below is a synthetic assumption unless a source is named, chosen to be of
the right order for a Jiangsu county-level city of 0.92 M registered people that is old (about
30 % aged 60+):
- deaths by annual mortality per age band (China's life tables of the 2020 census, rounded;
  about 8 per 1000 a year overall in this population), births 3.8 per 1000 a year (3,495
  births in 2023 for 0.92 M people, population.md), moves out and in 4 per 1000 a year each,
  mostly of people aged 18-45;
- registered unemployment: the synthetic city's `unemployed_registered` (about 2 % of people
  aged 16-59, inside the 1-3 % band of registered unemployment), 8 % of them leaving the
  register in a month; without employment data 2.2 % of people aged 16-59;
- medical: a month's settlement with personal payment for 3.5-14 % of people by age, total cost
  log-normal (median 700 yuan, sigma 1.1: a long tail), 15-45 % paid out of pocket; people with
  a serious illness have a bill in half the months, median 15,000 yuan, marked serious;
- disability certificates: 1.8 new per 1000 people a year (more among the old), 2 % of holders
  changing category or grade and 1 % revoked a year; certificates run 10 years (第二代残疾人证);
- vehicles: 3 registrations per 1000 households a month (cars 78 %, trucks 5 %, motorcycles
  13 %, other 4 %); real estate: 1.5 acquisitions and 1 sale per 1000 households a month;
- wages: 45 % of the employed are paid by employers in the exchange (the tax bureau's withheld
  wages of local employers: others work elsewhere or for employers outside it), which gives
  about 150,000 rows at scale 1.0; a month's wage varies +-8 % around the person's monthly wage;
- pensions: everyone the synthetic city gives a pension (most people aged 60+, some women
  from 50), employee pensions at 1,500 yuan and above, resident pensions below; 征地保养金 and
  similar of the old without a pension as `other`;
- hospital stays: 1.5 % of people aged 60-74 admitted in a month, 2.5 % of those aged 75-84 and
  3.5 % of those aged 85+ (about a fifth to a third of the old a year), each staying 3-15 days
  from a day of the month; a stay that would end after the month's end has no discharge date
  (still in hospital when the file is made).
Every kind of row appears at least once a month (a small demo city still shows each kind of
signal), so at scale 0.01 a few counts are above their rate. A few rows hit low-income
households (per-capita counted income below 1.5 x the dibao standard) on purpose, at least one
per kind even in a small city, so that monitoring has something to find: a recipient who
registers a used car or buys a flat, is paid wages, starts drawing an employee pension, dies,
falls seriously ill, becomes disabled or unemployed, is admitted to hospital.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from minzheng.synth.generate import (
    COUNTED_INCOME_COLUMNS,
    DIBAO_EDGE_MULTIPLE,
    DIBAO_STANDARD_2025,
    DISABILITY_CATEGORIES,
    DISABILITY_CATEGORY_SHARES,
    DISABILITY_GRADE_SHARES,
    WAGE_FLOOR,
)
from minzheng.xlsx import workbook_bytes

# The columns of each source's file, in order (minzheng.exchange.sources declares them).
SOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "civil_registration": ("id_number", "event", "event_date", "division_code"),
    "unemployment": ("id_number", "registered_on", "ended_on"),
    "medical": ("id_number", "month", "total_cost", "out_of_pocket", "serious_illness"),
    "disability": ("id_number", "event", "category", "grade", "valid_from", "valid_to"),
    "vehicle": ("id_number", "registered_on", "vehicle_type", "plate", "value"),
    "real_estate": ("id_number", "registered_on", "use", "area_m2", "event"),
    "wages": ("id_number", "month", "employer", "amount"),
    "pensions": ("id_number", "month", "kind", "amount"),
    "hospital_stay": ("id_number", "admitted_on", "discharged_on"),
}
DATE_COLUMNS = {
    "event_date",
    "registered_on",
    "ended_on",
    "valid_from",
    "valid_to",
    "admitted_on",
    "discharged_on",
}

# --- Rates (synthetic unless noted; see the module docstring) -----------------------------------
# Annual probability of death at the start of each age band.
MORTALITY_BY_AGE = (
    (0, 0.0015), (1, 0.0002), (15, 0.0004), (30, 0.0008), (40, 0.0017), (50, 0.0040),
    (60, 0.0085), (70, 0.0230), (80, 0.0650), (90, 0.1700), (100, 0.3500),
)  # fmt: skip
BIRTHS_PER_PERSON_YEAR = 0.0038
MOVES_OUT_PER_PERSON_YEAR = 0.004
MOVES_IN_PER_PERSON_YEAR = 0.004
# Where people move out to: another county's town (9 digits) or a village of the city (12).
MOVE_OUT_OF_CITY_SHARE = 0.6
OTHER_COUNTY_TOWNS = (
    "320581100",  # 常熟市
    "320583100",  # 昆山市
    "320585100",  # 太仓市
    "320506100",  # 苏州市吴中区
    "320281100",  # 江阴市
    "310115100",  # 上海市浦东新区
)
UNEMPLOYED_SHARE_WITHOUT_DATA = 0.022
UNEMPLOYMENT_LEAVING_SHARE = 0.08
UNEMPLOYMENT_REGISTERED_WITHIN_DAYS = 720
MEDICAL_SHARE_BY_AGE = ((0, 0.04), (18, 0.035), (45, 0.06), (60, 0.10), (75, 0.14))
MEDICAL_MEDIAN, MEDICAL_SIGMA = 700.0, 1.1
MEDICAL_OUT_OF_POCKET = (0.15, 0.45)
SERIOUS_ILLNESS_BILL_SHARE = 0.5
SERIOUS_MEDIAN, SERIOUS_SIGMA = 15000.0, 0.9
SERIOUS_OUT_OF_POCKET = (0.25, 0.5)
DISABILITY_ISSUED_PER_PERSON_YEAR = 0.0018
DISABILITY_CHANGED_PER_HOLDER_YEAR = 0.02
DISABILITY_REVOKED_PER_HOLDER_YEAR = 0.01
CERTIFICATE_YEARS = 10
VEHICLES_PER_HOUSEHOLD_MONTH = 0.003
VEHICLE_TYPES = ("car", "truck", "motorcycle", "other")
VEHICLE_TYPE_SHARES = (0.78, 0.05, 0.13, 0.04)
VEHICLE_VALUE_MISSING_SHARE = 0.1
NEW_ENERGY_CAR_SHARE = 0.35
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I or O on plates
ACQUISITIONS_PER_HOUSEHOLD_MONTH = 0.0015
SALES_PER_HOUSEHOLD_MONTH = 0.001
ESTATE_USES = ("residential", "commercial", "other")
ESTATE_USE_SHARES = (0.85, 0.10, 0.05)
WAGES_COVERAGE = 0.45
WAGES_SHARE_WITHOUT_DATA = 0.33  # of people aged 18-59: about 0.74 employed x coverage
WAGE_MONTH_SIGMA = 0.08
WAGE_MEDIAN_WITHOUT_DATA, WAGE_SIGMA_WITHOUT_DATA = 7000.0, 0.45
EMPLOYEE_PENSION_FLOOR = 1500.0
PENSION_SHARE_WITHOUT_DATA = 0.93  # of people aged 60+
EMPLOYEE_PENSION_SHARE_WITHOUT_DATA = 0.65
EMPLOYEE_PENSION_WITHOUT_DATA = (3600.0, 0.3)  # median, sigma
RESIDENT_PENSION_WITHOUT_DATA = (650.0, 0.2)
HOSPITAL_SHARE_BY_AGE = ((60, 0.015), (75, 0.025), (85, 0.035))  # admitted in a month
HOSPITAL_STAY_DAYS = (3, 15)  # inclusive; a stay past the month's end is still open
# Monthly rates of the rows that hit low-income people on purpose (at least one row each).
LOW_INCOME_HIT_RATES = {
    "death": 0.002,
    "unemployment": 0.004,
    "medical": 0.01,
    "disability": 0.002,
    "vehicle": 0.004,
    "real_estate": 0.001,
    "wages": 0.01,
    "pensions": 0.003,
    "hospital_stay": 0.01,
}
MIN_HITS = 1
# Employers in the exchange (synthetic names), the first ones the largest.
EMPLOYERS = tuple(
    f"张家港{place}{trade}有限公司"
    for place, trade in (
        ("保税区", "钢铁"), ("经开区", "化工"), ("杨舍", "纺织"), ("塘桥", "机械"),
        ("锦丰", "冶金"), ("金港", "物流"), ("乐余", "电子"), ("凤凰", "服装"),
        ("南丰", "建材"), ("大新", "食品"), ("后塍", "五金"), ("德积", "港务"),
        ("保税区", "新能源"), ("经开区", "医药"), ("杨舍", "商贸"), ("塘桥", "印染"),
        ("锦丰", "船舶"), ("金港", "汽车部件"), ("乐余", "农业科技"), ("凤凰", "文旅"),
        ("城北", "物业管理"), ("城南", "餐饮管理"), ("暨阳", "信息技术"), ("沙洲", "包装"),
    )
)  # fmt: skip
MONEY_MAX = 999_999_999.99


def exchange_files(
    persons: pl.DataFrame,
    households: pl.DataFrame | None = None,
    *,
    month: dt.date,
    seed: int,
) -> dict[str, pl.DataFrame]:
    """One frame per source for the month: the rows each department would send."""
    month = month.replace(day=1)
    generators = np.random.SeedSequence([seed, month.year, month.month]).spawn(len(SOURCE_COLUMNS))
    streams = {
        code: np.random.default_rng(child)
        for code, child in zip(SOURCE_COLUMNS, generators, strict=True)
    }
    people = _People.of(persons, households, month)
    return {
        "civil_registration": _civil_registration(streams["civil_registration"], people),
        "unemployment": _unemployment(streams["unemployment"], people),
        "medical": _medical(streams["medical"], people),
        "disability": _disability(streams["disability"], people),
        "vehicle": _vehicle(streams["vehicle"], people),
        "real_estate": _real_estate(streams["real_estate"], people),
        "wages": _wages(streams["wages"], people),
        "pensions": _pensions(streams["pensions"], people),
        "hospital_stay": _hospital_stay(streams["hospital_stay"], people),
    }


def exchange_file_content(frame: pl.DataFrame, *, file_format: str = "csv") -> bytes:
    """A frame as a department's file: UTF-8 CSV with a BOM (for Excel), or .xlsx, all text."""
    text = frame.select(pl.all().cast(pl.String))
    if file_format == "csv":
        buffer = io.BytesIO()
        text.write_csv(buffer, include_bom=True)
        return buffer.getvalue()
    if file_format != "xlsx":
        raise ValueError("file_format is csv or xlsx")
    book = Workbook(write_only=True)
    sheet = book.create_sheet("数据")
    sheet.append(text.columns)
    for row in text.iter_rows():
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if value is not None:
                cell.data_type = "s"  # id numbers and amounts stay text
            cells.append(cell)
        sheet.append(cells)
    # Fixed metadata: the same frame gives the same bytes.
    return workbook_bytes(book, stamp=dt.datetime(2026, 1, 1))  # noqa: DTZ001


def exchange_file_name(source: str, month: dt.date, file_format: str = "csv") -> str:
    return f"{source}-{month:%Y-%m}.{file_format}"


def write_exchange_files(
    frames: dict[str, pl.DataFrame], out_dir: Path, *, month: dt.date, file_format: str = "csv"
) -> list[Path]:
    """Write one file per source, `<source>-<YYYY-MM>.csv` (or .xlsx); return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for source, frame in frames.items():
        path = out_dir / exchange_file_name(source, month, file_format)
        path.write_bytes(exchange_file_content(frame, file_format=file_format))
        paths.append(path)
    return paths


# --- The population of the month ---------------------------------------------------------------


class _People:
    """Arrays of the persons alive and born before the month, and the month's dates."""

    def __init__(
        self,
        frame: pl.DataFrame,
        newborn: pl.DataFrame,
        month: dt.date,
        low_income: np.ndarray,
        household_count: int,
    ) -> None:
        self.frame = frame
        self.newborn = newborn
        self.month = month
        self.next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        self.days = (self.next_month - month).days
        self.count = frame.height
        self.id_number = frame["id_number"]
        self.birth = frame["birth_date"].to_numpy().astype("datetime64[D]")
        start = np.datetime64(month, "D")
        self.age = (start - self.birth).astype(np.int64) / 365.25
        self.low_income = low_income
        self.household_count = household_count

    @staticmethod
    def of(persons: pl.DataFrame, households: pl.DataFrame | None, month: dt.date) -> _People:
        frame = persons
        if "deceased" in frame.columns:
            frame = frame.filter(~pl.col("deceased").fill_null(False))
        next_month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        newborn = frame.filter(
            (pl.col("birth_date") < next_month)
            & (pl.col("birth_date") > month.replace(year=month.year - 1))
        ).sort("birth_date", "id_number", descending=[True, False])
        frame = frame.filter(pl.col("birth_date") < month)
        low_income = _low_income(frame, households)
        if "household_id" in frame.columns:
            household_count = frame["household_id"].n_unique()
        else:
            household_count = max(1, round(frame.height / 2.56))
        return _People(frame, newborn, month, low_income, household_count)

    def column(self, name: str) -> np.ndarray | None:
        return self.frame[name].to_numpy() if name in self.frame.columns else None

    def dates(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Days of the month, uniformly."""
        return np.datetime64(self.month, "D") + rng.integers(0, self.days, count)


def _low_income(frame: pl.DataFrame, households: pl.DataFrame | None) -> np.ndarray:
    """Persons whose household's counted income per head is below 1.5 x the dibao standard."""
    if "household_id" not in frame.columns or not set(COUNTED_INCOME_COLUMNS) <= set(frame.columns):
        return np.zeros(frame.height, dtype=bool)
    income = frame.select("household_id", pl.sum_horizontal(COUNTED_INCOME_COLUMNS).alias("income"))
    totals = income.group_by("household_id").agg(pl.col("income").sum(), pl.len().alias("size"))
    if households is not None and "size" in households.columns:
        totals = totals.drop("size").join(
            households.select("household_id", pl.col("size").cast(pl.Int64)),
            on="household_id",
            how="left",
        )
    line = DIBAO_EDGE_MULTIPLE * DIBAO_STANDARD_2025
    per_head = totals.select(
        "household_id", (pl.col("income") / pl.col("size").clip(lower_bound=1) < line).alias("low")
    )
    return (
        income.join(per_head, on="household_id", how="left", maintain_order="left")["low"]
        .fill_null(False)
        .to_numpy()
    )


# --- Helpers -------------------------------------------------------------------------------------


def _rate_by_age(age: np.ndarray, bands: tuple[tuple[int, float], ...]) -> np.ndarray:
    starts = np.asarray([start for start, _ in bands])
    rates = np.asarray([rate for _, rate in bands])
    return rates[np.searchsorted(starts, age, side="right") - 1]


def _choose(
    rng: np.random.Generator, candidates: np.ndarray, count: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """Draw `count` distinct rows among the candidate rows (a boolean mask), sorted."""
    rows = np.flatnonzero(candidates)
    count = min(count, len(rows))
    if count <= 0:
        return np.zeros(0, dtype=np.int64)
    p = None
    if weights is not None:
        w = weights[rows].astype(np.float64)
        p = w / w.sum() if w.sum() > 0 else None
    return np.sort(rng.choice(rows, size=count, replace=False, p=p))


def _hits(rng: np.random.Generator, people: _People, kind: str, candidates: np.ndarray) -> int:
    """How many rows hit low-income people on purpose: the rate's draw, at least MIN_HITS."""
    pool = int((candidates & people.low_income).sum())
    return min(pool, max(MIN_HITS, int(rng.poisson(LOW_INCOME_HIT_RATES[kind] * pool))))


def _count(rng: np.random.Generator, expected: float) -> int:
    """A month's count of a kind of row: Poisson around its rate, at least one."""
    return max(1, int(rng.poisson(expected)))


def _lognormal(rng: np.random.Generator, median: float, sigma: float, count: int) -> np.ndarray:
    return median * np.exp(rng.normal(0.0, sigma, count))


def _money(values: np.ndarray) -> pl.Series:
    """Yuan as text with two decimals ("1234.50"), from whole fen."""
    fen = pl.Series(np.rint(np.clip(values, 0.0, MONEY_MAX) * 100).astype(np.int64))
    return pl.select(
        pl.concat_str(
            (pl.lit(fen) // 100).cast(pl.String),
            pl.lit("."),
            (pl.lit(fen) % 100).cast(pl.String).str.zfill(2),
        )
    ).to_series()


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype("datetime64[D]")).cast(pl.Date)


def _frame(source: str, columns: dict[str, object], rows: int) -> pl.DataFrame:
    """The source's frame in its column order; a missing column is empty."""
    data = {}
    for name in SOURCE_COLUMNS[source]:
        value = columns.get(name)
        dtype = pl.Date if name in DATE_COLUMNS else pl.String
        if value is None:
            data[name] = pl.Series(name, [None] * rows, dtype=dtype)
        elif isinstance(value, str):
            data[name] = pl.Series(name, [value] * rows, dtype=dtype)
        else:
            data[name] = pl.Series(name, value).cast(dtype)
    return pl.DataFrame(data)


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(frames, how="vertical")


def _month_text(people: _People) -> str:
    return f"{people.month:%Y-%m}"


def _working_age(people: _People, low: int = 18, high: int = 60) -> np.ndarray:
    return (people.age >= low) & (people.age < high)


# --- Sources -------------------------------------------------------------------------------------


def _civil_registration(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    n = people.count
    # Deaths: each person by the monthly probability of their age band.
    monthly = 1.0 - (1.0 - _rate_by_age(people.age, MORTALITY_BY_AGE)) ** (1 / 12)
    dies = rng.random(n) < monthly
    elderly = ~dies & (people.age >= 60)
    dies[_choose(rng, people.low_income & elderly, _hits(rng, people, "death", elderly))] = True
    deaths = np.flatnonzero(dies)
    # Moves: mostly young adults; never the people who die.
    mover_weight = np.select(
        [people.age < 16, people.age < 18, people.age < 46, people.age < 60],
        [0.3, 0.5, 2.0, 0.6],
        0.2,
    )
    moves_out = _choose(rng, ~dies, _count(rng, MOVES_OUT_PER_PERSON_YEAR * n / 12), mover_weight)
    moved = dies.copy()
    moved[moves_out] = True
    moves_in = _choose(rng, ~moved, _count(rng, MOVES_IN_PER_PERSON_YEAR * n / 12), mover_weight)
    hukou = (
        people.frame["hukou_division"].fill_null("320582").to_numpy().astype(str)
        if "hukou_division" in people.frame.columns
        else None
    )
    villages = np.unique(hukou[np.char.str_len(hukou) == 12]) if hukou is not None else []
    outside = rng.random(len(moves_out)) < MOVE_OUT_OF_CITY_SHARE
    if len(villages) == 0:
        outside[:] = True
    out_codes = np.where(
        outside,
        rng.choice(np.asarray(OTHER_COUNTY_TOWNS), len(moves_out)),
        rng.choice(villages, len(moves_out)) if len(villages) else "",
    )
    in_codes = (
        np.where(np.char.str_len(hukou[moves_in]) >= 9, hukou[moves_in], "320582100")
        if hukou is not None
        else np.full(len(moves_in), "320582100")
    )
    # Births: the newborn of the month, else (a month the population does not reach) the
    # youngest, registered late; their date is their birth date.
    newborn = people.newborn
    expected = _count(rng, BIRTHS_PER_PERSON_YEAR * n / 12)
    born = newborn.head(min(expected, newborn.height))
    born_dates = born["birth_date"].to_numpy().astype("datetime64[D]")
    id_number = people.id_number
    parts = [
        _frame(
            "civil_registration",
            {
                "id_number": born["id_number"],
                "event": "birth",
                "event_date": _dates(born_dates),
            },
            born.height,
        ),
        _frame(
            "civil_registration",
            {
                "id_number": id_number.gather(deaths),
                "event": "death",
                "event_date": _dates(people.dates(rng, len(deaths))),
            },
            len(deaths),
        ),
        _frame(
            "civil_registration",
            {
                "id_number": id_number.gather(moves_in),
                "event": "move_in",
                "event_date": _dates(people.dates(rng, len(moves_in))),
                "division_code": pl.Series(in_codes.tolist(), dtype=pl.String),
            },
            len(moves_in),
        ),
        _frame(
            "civil_registration",
            {
                "id_number": id_number.gather(moves_out),
                "event": "move_out",
                "event_date": _dates(people.dates(rng, len(moves_out))),
                "division_code": pl.Series(out_codes.astype(str).tolist(), dtype=pl.String),
            },
            len(moves_out),
        ),
    ]
    return _concat(parts)


def _unemployment(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    employment = people.column("employment")
    working = _working_age(people, 16, 60)
    if employment is not None:
        registered = (employment == "unemployed_registered") & working
    else:
        registered = working & (rng.random(people.count) < UNEMPLOYED_SHARE_WITHOUT_DATA)
    hits = _choose(
        rng,
        people.low_income & working & ~registered,
        _hits(rng, people, "unemployment", working & ~registered),
    )
    stock = np.flatnonzero(registered)
    month_end = np.datetime64(people.next_month, "D") - 1
    adult = people.birth + np.timedelta64(16 * 366, "D")
    registered_on = np.maximum(
        month_end - rng.integers(0, UNEMPLOYMENT_REGISTERED_WITHIN_DAYS, len(stock)), adult[stock]
    )
    leaving = rng.random(len(stock)) < UNEMPLOYMENT_LEAVING_SHARE
    ended_on = np.maximum(people.dates(rng, len(stock)), registered_on)
    ended = pl.Series(ended_on.astype("datetime64[D]")).cast(pl.Date)
    ended = pl.select(pl.when(pl.lit(pl.Series(leaving))).then(pl.lit(ended))).to_series()
    new_on = np.maximum(people.dates(rng, len(hits)), adult[hits])
    return _concat(
        [
            _frame(
                "unemployment",
                {
                    "id_number": people.id_number.gather(stock),
                    "registered_on": _dates(registered_on),
                    "ended_on": ended,
                },
                len(stock),
            ),
            _frame(
                "unemployment",
                {"id_number": people.id_number.gather(hits), "registered_on": _dates(new_on)},
                len(hits),
            ),
        ]
    )


def _medical(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    n = people.count
    ill_column = people.column("serious_illness")
    ill = ill_column.astype(bool) if ill_column is not None else np.zeros(n, dtype=bool)
    serious = ill & (rng.random(n) < SERIOUS_ILLNESS_BILL_SHARE)
    ordinary = ~ill & (rng.random(n) < _rate_by_age(people.age, MEDICAL_SHARE_BY_AGE))
    hits = _choose(
        rng,
        people.low_income & ~serious & ~ordinary,
        _hits(rng, people, "medical", ~serious & ~ordinary),
    )
    serious[hits] = True
    total = np.where(
        serious,
        _lognormal(rng, SERIOUS_MEDIAN, SERIOUS_SIGMA, n),
        _lognormal(rng, MEDICAL_MEDIAN, MEDICAL_SIGMA, n),
    )
    total = np.maximum(total, 10.0)
    share = np.where(
        serious, rng.uniform(*SERIOUS_OUT_OF_POCKET, n), rng.uniform(*MEDICAL_OUT_OF_POCKET, n)
    )
    rows = np.flatnonzero(serious | ordinary)
    total_cost = np.round(total[rows], 2)
    return _frame(
        "medical",
        {
            "id_number": people.id_number.gather(rows),
            "month": _month_text(people),
            "total_cost": _money(total_cost),
            "out_of_pocket": _money(np.round(total_cost * share[rows], 2)),
            "serious_illness": pl.Series(np.where(serious[rows], "yes", "no").tolist()),
        },
        len(rows),
    )


def _disability(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    n = people.count
    category = people.column("disability_category")
    holder = (
        np.asarray([value is not None for value in category], dtype=bool)
        if category is not None
        else np.zeros(n, dtype=bool)
    )
    age_weight = np.select(
        [people.age < 18, people.age < 60, people.age < 80], [0.3, 1.0, 3.0], 6.0
    )
    issued = _choose(
        rng, ~holder, _count(rng, DISABILITY_ISSUED_PER_PERSON_YEAR * n / 12), age_weight
    )
    taken = np.zeros(n, dtype=bool)
    taken[issued] = True
    hits = _choose(
        rng,
        people.low_income & ~holder & ~taken,
        _hits(rng, people, "disability", ~holder & ~taken),
    )
    issued = np.sort(np.concatenate([issued, hits]))
    holders = int(holder.sum())
    changed = _choose(rng, holder, _count(rng, DISABILITY_CHANGED_PER_HOLDER_YEAR * holders / 12))
    taken[changed] = True
    valid_from_column = people.column("disability_valid_from")
    start = np.datetime64(people.month, "D")
    if valid_from_column is not None:
        existing_from = valid_from_column.astype("datetime64[D]")
        revocable = holder & ~taken & ~np.isnat(existing_from) & (existing_from < start)
    else:
        existing_from = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
        revocable = holder & ~taken
    revoked = _choose(
        rng, revocable, _count(rng, DISABILITY_REVOKED_PER_HOLDER_YEAR * holders / 12)
    )
    # Categories of new certificates by age group, grades by their shares.
    group = np.select([people.age < 18, people.age < 60], [0, 1], 2)[issued]
    shares = np.asarray(DISABILITY_CATEGORY_SHARES)[group]
    cumulative = np.cumsum(shares, axis=1)
    picked = np.minimum(
        (cumulative < rng.random(len(issued))[:, None] * cumulative[:, -1:]).sum(axis=1), 6
    )
    new_category = np.asarray(DISABILITY_CATEGORIES)[picked]
    grade_cumulative = np.cumsum(DISABILITY_GRADE_SHARES) / np.sum(DISABILITY_GRADE_SHARES)
    new_grade = np.searchsorted(grade_cumulative, rng.random(len(issued)), side="right") + 1
    grade_column = people.column("disability_grade")
    old_grade = (
        np.asarray([4 if value is None else int(value) for value in grade_column[changed]])
        if grade_column is not None
        else np.full(len(changed), 4)
    )
    changed_grade = np.maximum(old_grade - 1, 1)  # a worse grade after a new assessment
    changed_category = (
        np.where(rng.random(len(changed)) < 0.1, "multiple", category[changed].astype(str))
        if category is not None
        else np.full(len(changed), "multiple")
    )
    revoked_grade = (
        np.asarray([4 if value is None else int(value) for value in grade_column[revoked]])
        if grade_column is not None
        else np.full(len(revoked), 4)
    )

    def dated(rows: np.ndarray) -> tuple[pl.Series, pl.Series]:
        days = people.dates(rng, len(rows))
        valid_from = _dates(days)
        return valid_from, valid_from.dt.offset_by(f"{CERTIFICATE_YEARS}y")

    issued_from, issued_to = dated(issued)
    changed_from, changed_to = dated(changed)
    return _concat(
        [
            _frame(
                "disability",
                {
                    "id_number": people.id_number.gather(issued),
                    "event": "issued",
                    "category": pl.Series(new_category.tolist(), dtype=pl.String),
                    "grade": pl.Series(new_grade.astype(str).tolist()),
                    "valid_from": issued_from,
                    "valid_to": issued_to,
                },
                len(issued),
            ),
            _frame(
                "disability",
                {
                    "id_number": people.id_number.gather(changed),
                    "event": "changed",
                    "category": pl.Series(changed_category.astype(str).tolist(), dtype=pl.String),
                    "grade": pl.Series(changed_grade.astype(str).tolist()),
                    "valid_from": changed_from,
                    "valid_to": changed_to,
                },
                len(changed),
            ),
            _frame(
                "disability",
                {
                    "id_number": people.id_number.gather(revoked),
                    "event": "revoked",
                    "category": pl.Series(
                        category[revoked].astype(str).tolist() if category is not None else [],
                        dtype=pl.String,
                    ),
                    "grade": pl.Series(revoked_grade.astype(str).tolist()),
                    "valid_from": _dates(existing_from[revoked]),
                    "valid_to": _dates(people.dates(rng, len(revoked))),
                },
                len(revoked),
            ),
        ]
    )


def _plates(rng: np.random.Generator, kinds: np.ndarray) -> list[str]:
    letters = np.asarray(list(PLATE_LETTERS))
    count = len(kinds)
    first = letters[rng.integers(0, len(letters), count)]
    digits = rng.integers(0, 10_000, count)
    new_energy = (kinds == "car") & (rng.random(count) < NEW_ENERGY_CAR_SHARE)
    energy_letter = np.where(rng.random(count) < 0.8, "D", "F")
    digits5 = rng.integers(0, 100_000, count)
    return [
        f"苏E{energy}{five:05d}" if is_new else f"苏E{letter}{four:04d}"
        for is_new, energy, five, letter, four in zip(
            new_energy, energy_letter, digits5, first, digits, strict=True
        )
    ]


def _vehicle(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    adult = (people.age >= 18) & (people.age < 76)
    weight = np.select([people.age < 25, people.age < 56], [1.0, 2.0], 0.7)
    owners = _choose(
        rng,
        adult & ~people.low_income,
        _count(rng, VEHICLES_PER_HOUSEHOLD_MONTH * people.household_count),
        weight,
    )
    kinds = np.asarray(VEHICLE_TYPES)[
        np.searchsorted(
            np.cumsum(VEHICLE_TYPE_SHARES) / np.sum(VEHICLE_TYPE_SHARES),
            rng.random(len(owners)),
            side="right",
        ).clip(max=len(VEHICLE_TYPES) - 1)
    ]
    value = np.select(
        [kinds == "car", kinds == "truck", kinds == "motorcycle"],
        [
            _lognormal(rng, 150000.0, 0.5, len(owners)),
            _lognormal(rng, 180000.0, 0.5, len(owners)),
            rng.uniform(3000, 12000, len(owners)),
        ],
        rng.uniform(2000, 20000, len(owners)),
    )
    values = _money(value)
    values = pl.select(
        pl.when(pl.lit(pl.Series(rng.random(len(owners)) >= VEHICLE_VALUE_MISSING_SHARE))).then(
            pl.lit(values)
        )
    ).to_series()
    # Low-income people registering a used car.
    hits = _choose(
        rng,
        adult & people.low_income & (people.age < 71),
        _hits(rng, people, "vehicle", adult & (people.age < 71)),
    )
    hit_kinds = np.full(len(hits), "car")
    return _concat(
        [
            _frame(
                "vehicle",
                {
                    "id_number": people.id_number.gather(owners),
                    "registered_on": _dates(people.dates(rng, len(owners))),
                    "vehicle_type": pl.Series(kinds.tolist(), dtype=pl.String),
                    "plate": pl.Series(_plates(rng, kinds), dtype=pl.String),
                    "value": values,
                },
                len(owners),
            ),
            _frame(
                "vehicle",
                {
                    "id_number": people.id_number.gather(hits),
                    "registered_on": _dates(people.dates(rng, len(hits))),
                    "vehicle_type": pl.Series(hit_kinds.tolist(), dtype=pl.String),
                    "plate": pl.Series(_plates(rng, hit_kinds), dtype=pl.String),
                    "value": _money(rng.uniform(25000, 80000, len(hits))),
                },
                len(hits),
            ),
        ]
    )


def _real_estate(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    adult = (people.age >= 25) & (people.age < 81)
    households = people.household_count
    buyers = _choose(
        rng, adult & ~people.low_income, _count(rng, ACQUISITIONS_PER_HOUSEHOLD_MONTH * households)
    )
    taken = np.zeros(people.count, dtype=bool)
    taken[buyers] = True
    sellers = _choose(
        rng,
        adult & ~people.low_income & ~taken,
        _count(rng, SALES_PER_HOUSEHOLD_MONTH * households),
    )
    hits = _choose(rng, adult & people.low_income, _hits(rng, people, "real_estate", adult))
    rows = np.concatenate([buyers, sellers, hits])
    events = np.concatenate(
        [
            np.full(len(buyers), "acquired"),
            np.full(len(sellers), "sold"),
            np.full(len(hits), "acquired"),
        ]
    )
    uses = np.asarray(ESTATE_USES)[
        np.searchsorted(
            np.cumsum(ESTATE_USE_SHARES) / np.sum(ESTATE_USE_SHARES),
            rng.random(len(rows)),
            side="right",
        ).clip(max=len(ESTATE_USES) - 1)
    ]
    uses[len(buyers) + len(sellers) :] = "residential"
    area = np.select(
        [uses == "residential", uses == "commercial"],
        [rng.uniform(60, 180, len(rows)), _lognormal(rng, 80.0, 0.6, len(rows))],
        rng.uniform(8, 40, len(rows)),
    )
    return _frame(
        "real_estate",
        {
            "id_number": people.id_number.gather(rows),
            "registered_on": _dates(people.dates(rng, len(rows))),
            "use": pl.Series(uses.tolist(), dtype=pl.String),
            "area_m2": _money(area),
            "event": pl.Series(events.tolist(), dtype=pl.String),
        },
        len(rows),
    )


def _wages(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    n = people.count
    wages = people.column("income_wages")
    employment = people.column("employment")
    working = _working_age(people, 16, 65)
    if wages is not None and employment is not None:
        employed = (employment == "employed") & (wages > 0)
        covered = employed & (rng.random(n) < WAGES_COVERAGE)
        amount = np.maximum(wages * np.exp(rng.normal(0.0, WAGE_MONTH_SIGMA, n)), WAGE_FLOOR)
    else:
        covered = _working_age(people) & (rng.random(n) < WAGES_SHARE_WITHOUT_DATA)
        amount = np.maximum(
            _lognormal(rng, WAGE_MEDIAN_WITHOUT_DATA, WAGE_SIGMA_WITHOUT_DATA, n), WAGE_FLOOR
        )
    hits = _choose(
        rng, people.low_income & working & ~covered, _hits(rng, people, "wages", working & ~covered)
    )
    amount[hits] = rng.uniform(3500, 7000, len(hits))
    covered[hits] = True
    rows = np.flatnonzero(covered)
    employer_weight = 1.0 / np.arange(1, len(EMPLOYERS) + 1)
    employer = rng.choice(
        np.asarray(EMPLOYERS), len(rows), p=employer_weight / employer_weight.sum()
    )
    return _frame(
        "wages",
        {
            "id_number": people.id_number.gather(rows),
            "month": _month_text(people),
            "employer": pl.Series(employer.tolist(), dtype=pl.String),
            "amount": _money(amount[rows]),
        },
        len(rows),
    )


def _pensions(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    n = people.count
    pension = people.column("income_pension")
    old = people.age >= 60
    if pension is not None:
        amount = pension.astype(np.float64)
        kind = np.where(amount >= EMPLOYEE_PENSION_FLOOR, "employee", "resident")
        paid = amount > 0
        transfers = people.column("income_other_transfers")
        if transfers is not None:
            other = old & ~paid & (transfers > 0)
            amount = np.where(other, transfers, amount)
            kind = np.where(other, "other", kind)
            paid = paid | other
    else:
        paid = old & (rng.random(n) < PENSION_SHARE_WITHOUT_DATA)
        employee = rng.random(n) < EMPLOYEE_PENSION_SHARE_WITHOUT_DATA
        amount = np.where(
            employee,
            _lognormal(rng, *EMPLOYEE_PENSION_WITHOUT_DATA, n),
            _lognormal(rng, *RESIDENT_PENSION_WITHOUT_DATA, n),
        )
        kind = np.where(employee, "employee", "resident")
    # Low-income people aged 60+ starting to draw an employee pension.
    hits = _choose(
        rng, people.low_income & old & ~paid, _hits(rng, people, "pensions", old & ~paid)
    )
    amount = amount.copy()
    kind = kind.copy()
    amount[hits] = rng.uniform(2500, 4000, len(hits))
    kind[hits] = "employee"
    paid = paid.copy()
    paid[hits] = True
    rows = np.flatnonzero(paid)
    return _frame(
        "pensions",
        {
            "id_number": people.id_number.gather(rows),
            "month": _month_text(people),
            "kind": pl.Series(kind[rows].astype(str).tolist(), dtype=pl.String),
            "amount": _money(amount[rows]),
        },
        len(rows),
    )


def _hospital_stay(rng: np.random.Generator, people: _People) -> pl.DataFrame:
    old = people.age >= 60
    rate = np.where(old, _rate_by_age(np.maximum(people.age, 60), HOSPITAL_SHARE_BY_AGE), 0.0)
    admitted = rng.random(people.count) < rate
    # Low-income people aged 60+ admitted on purpose; and every kind of row once a month.
    admitted[
        _choose(
            rng,
            people.low_income & old & ~admitted,
            _hits(rng, people, "hospital_stay", old & ~admitted),
        )
    ] = True
    if not admitted.any():
        admitted[_choose(rng, old, 1)] = True
    rows = np.flatnonzero(admitted)
    admitted_on = people.dates(rng, len(rows))
    low, high = HOSPITAL_STAY_DAYS
    discharged_on = admitted_on + rng.integers(low, high + 1, len(rows))
    still_in = discharged_on >= np.datetime64(people.next_month, "D")
    discharged = pl.select(
        pl.when(~pl.lit(pl.Series(still_in))).then(pl.lit(_dates(discharged_on)))
    ).to_series()
    return _frame(
        "hospital_stay",
        {
            "id_number": people.id_number.gather(rows),
            "admitted_on": _dates(admitted_on),
            "discharged_on": discharged,
        },
        len(rows),
    )
