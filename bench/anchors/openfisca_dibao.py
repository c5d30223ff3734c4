"""OpenFisca anchor: Minzheng's dibao and dibao_edge rules as an OpenFisca tax-benefit system.

Run inside bench/anchors/.venv (made by bench/anchors/setup), never in the project's environment:

    bench/anchors/.venv/bin/python bench/anchors/openfisca_dibao.py \
        --population DIR --as-of 2026-01 --parameters PARAMS.json --out OUT.parquet [--repeat 3]

The rules are those of SPEC.md beside this file, formula for formula. The population is the
synthetic city's persons.parquet and households.parquet (docs/synthetic-city.md). Prints one JSON
object with the timings; writes one row per household, in households.parquet order.

Timings: `load_seconds` reads the Parquet files, derives the input arrays and builds the
tax-benefit system with its parameters (once); `build_seconds` is the best of `--repeat` builds
of a fresh simulation (SimulationBuilder from arrays, then `set_input` of every input);
`compute_seconds_*` time only the four `calculate` calls on each fresh simulation.

OpenFisca stores `float` variables as float32 (about 7 significant digits), which moves some
amounts by a fen against Minzheng's float64 arithmetic. By default this script switches float
variables to float64 before the variables are declared (the change openfisca-core PR #1378
proposes upstream); `--float-dtype float32` keeps OpenFisca's stock behaviour.
"""

# OpenFisca takes a variable's name from its class name and calls `formula(person, period,
# parameters)` without `self`: the naming rules for classes and methods cannot hold here.
# ruff: noqa: N801, N805

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import re
import sys
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from openfisca_core.entities import build_entity
from openfisca_core.indexed_enums import Enum
from openfisca_core.model_api import max_, min_, not_, select, where
from openfisca_core.parameters import ParameterNode
from openfisca_core.periods import DateUnit, Period, period
from openfisca_core.simulations import Simulation, SimulationBuilder
from openfisca_core.taxbenefitsystems import TaxBenefitSystem
from openfisca_core.variables import Variable, config

MONTH = DateUnit.MONTH
ETERNITY = DateUnit.ETERNITY

PARAMETER_NAMES = (
    "dibao.standard",
    "dibao.employment_cost_deduction_rate",
    "dibao.classified.special_uplift_rate",
    "dibao.classified.serious_illness_rate_of_standard",
    "dibao.assets.financial_months",
    "dibao.assets.max_private_cars",
    "dibao.assets.max_residential_homes",
    "dibao.assets.max_non_residential_homes",
    "dibao.assets.max_registered_businesses",
    "dibao.single_person.household_income_multiple",
    "dibao_edge.income_multiple",
    "dibao_edge.serious_illness_rate_of_standard",
)
COUNTED_INCOME = (
    "income_wages",
    "income_business",
    "income_property",
    "income_pension",
    "income_support_received",
    "income_other_transfers",
)
OUTPUTS = ("dibao_eligible", "dibao_amount", "dibao_edge_eligible", "dibao_edge_amount")
PRIVATE_CAR_KINDS = ("car", "truck", "engineering")
NON_RESIDENTIAL_USES = ("commercial", "office")
NO_EXPIRY = np.datetime64("9999-12-31", "D")  # a certificate without valid_to never expires


def round_fen(amount: np.ndarray) -> np.ndarray:
    """Round yuan half up to the fen, as SPEC.md states: floor(x * 100 + 0.5 + 1e-9) / 100."""
    return np.floor(amount * 100 + 0.5 + 1e-9) / 100


# Entities ---------------------------------------------------------------------------------------

Person = build_entity(
    key="person",
    plural="persons",
    label="A registered resident",
    is_person=True,
)
Household = build_entity(
    key="household",
    plural="households",
    label="A registered household (户)",
    roles=[
        {"key": "head", "label": "Head of household (户主)", "max": 1},
        {"key": "other", "plural": "others", "label": "Other members"},
    ],
)


# Enumerations -----------------------------------------------------------------------------------


class DisabilityCategory(Enum):
    none = "No disability certificate"
    visual = "Visual"
    hearing = "Hearing"
    speech = "Speech"
    physical = "Physical"
    intellectual = "Intellectual"
    mental = "Mental"
    multiple = "Multiple"


class Employment(Enum):
    employed = "Employed"
    self_employed = "Self-employed"
    farmer = "Farmer"
    unemployed_registered = "Registered unemployed"
    unemployed = "Unemployed"
    retired = "Retired"
    not_working = "Not working"


class Parents(Enum):
    not_applicable = "Adult (no entry)"
    both_present = "Both parents present"
    one_deceased_or_missing = "One parent deceased or missing"
    both_deceased_or_missing = "Both parents deceased or missing"
    unable_to_raise = "Parents unable to raise the child"


# Person inputs ----------------------------------------------------------------------------------


class birth_date(Variable):
    value_type = dt.date
    entity = Person
    definition_period = ETERNITY
    label = "Date of birth"


class hukou_local(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Household registration (户籍) in the city"


class deceased(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Deceased"


class disability_category(Variable):
    value_type = Enum
    possible_values = DisabilityCategory
    default_value = DisabilityCategory.none
    entity = Person
    definition_period = MONTH
    label = "Category on the disability certificate"


class disability_grade(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Grade on the disability certificate (1 most severe; 0 without certificate)"


class disability_valid_to(Variable):
    value_type = dt.date
    entity = Person
    definition_period = MONTH
    label = "Last day of validity of the disability certificate"


class serious_illness(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Serious illness recognised by medical assistance (重特大疾病)"


class employment(Variable):
    value_type = Enum
    possible_values = Employment
    default_value = Employment.not_working
    entity = Person
    definition_period = MONTH
    label = "Employment status"


class parents(Variable):
    value_type = Enum
    possible_values = Parents
    default_value = Parents.not_applicable
    entity = Person
    definition_period = MONTH
    label = "Situation of a minor's parents"


class capable_legal_supporter(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Has a legal supporter able to support (有法定赡养抚养扶养能力的人)"


class income_wages(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Wages, yuan per month"


class income_business(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Net business or farming income, yuan per month"


class income_property(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Property income, yuan per month"


class income_pension(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Pensions, yuan per month"


class income_support_received(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Support received from supporters living elsewhere, yuan per month"


class income_other_transfers(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Other counted transfers, yuan per month"


# Household inputs -------------------------------------------------------------------------------


class assets_financial(Variable):
    value_type = float
    entity = Household
    definition_period = MONTH
    label = "Deposits and securities, yuan"


class private_car_count(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Vehicles of purpose private and kind car, truck or engineering"


class residential_home_count(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Homes of use residential"


class non_residential_home_count(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Homes of use commercial or office"


class registered_businesses(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Registered businesses"


# Person formulas --------------------------------------------------------------------------------


class age(Variable):
    value_type = int
    entity = Person
    definition_period = MONTH
    label = "Age in whole years, counted in months up to the assessed month"

    def formula(person, period, parameters):
        birth = person("birth_date", period)
        birth_year = birth.astype("datetime64[Y]").astype(int) + 1970
        birth_month = birth.astype("datetime64[M]").astype(int) % 12 + 1
        months = (period.start.year * 12 + period.start.month) - (birth_year * 12 + birth_month)
        return months // 12


class alive(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Alive (deceased members count nowhere)"

    def formula(person, period, parameters):
        return not_(person("deceased", period))


class disability_certificate_valid(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Holds a disability certificate valid on the first day of the month"

    def formula(person, period, parameters):
        category = person("disability_category", period)
        valid_to = person("disability_valid_to", period)
        first_day = np.datetime64(period.start.date, "D")
        return (category != DisabilityCategory.none) * (valid_to >= first_day)


class counted_income(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Counted monthly income (income_excluded never counts)"

    def formula(person, period, parameters):
        total = sum(person(name, period) for name in COUNTED_INCOME)
        return where(person("alive", period), total, 0)


class employment_cost_deduction(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Employment cost deduction (就业成本扣减)"

    def formula(person, period, parameters):
        p = parameters(period).dibao
        status = person("employment", period)
        working = (status == Employment.employed) + (status == Employment.self_employed)
        earned = person("income_wages", period) + person("income_business", period)
        cap = p.employment_cost_deduction_rate * p.standard
        return where(person("alive", period) * working, min_(earned, cap), 0)


class severe_disability(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Severe disability (重度残疾)"

    def formula(person, period, parameters):
        valid = person("disability_certificate_valid", period)
        category = person("disability_category", period)
        grade = person("disability_grade", period)
        intellectual_or_mental = (category == DisabilityCategory.intellectual) + (
            category == DisabilityCategory.mental
        )
        return valid * ((grade == 1) + (grade == 2) + (grade == 3) * intellectual_or_mental)


class no_labour_capacity(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Without labour capacity (无劳动能力)"

    def formula(person, period, parameters):
        years = person("age", period)
        valid = person("disability_certificate_valid", period)
        category = person("disability_category", period)
        grade = person("disability_grade", period)
        intellectual_or_mental = (category == DisabilityCategory.intellectual) + (
            category == DisabilityCategory.mental
        )
        disabled = valid * (
            intellectual_or_mental * (grade <= 3)
            + (category == DisabilityCategory.physical) * (grade <= 2)
            + (category == DisabilityCategory.visual) * (grade == 1)
        )
        return (years >= 60) + (years < 16) + disabled


class orphan_candidate(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Minor who may be an orphan or de-facto orphan (孤儿、事实无人抚养儿童)"

    def formula(person, period, parameters):
        situation = person("parents", period)
        unprovided = (situation == Parents.both_deceased_or_missing) + (
            situation == Parents.unable_to_raise
        )
        return (person("age", period) < 18) * unprovided


class extreme_poverty_eligible(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Would be supported as extremely poor (特困人员)"

    def formula(person, period, parameters):
        standard = parameters(period).dibao.standard
        return (
            person("alive", period)
            * person("hukou_local", period)
            * person("no_labour_capacity", period)
            * (person("counted_income", period) < standard)
            * person.household("dibao_assets_ok", period)
            * not_(person("capable_legal_supporter", period))
            * not_(person("orphan_candidate", period))
        )


class dibao_member_amount(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Member's share of the household dibao (分类施保)"

    def formula(person, period, parameters):
        p = parameters(period).dibao
        standard = p.standard
        per_capita = person.household("dibao_income_per_capita", period)
        size = person.household("household_size", period)
        years = person("age", period)
        special = (years >= 60) + (years < 18) + (size == 1)
        amount = select(
            [person("serious_illness", period), special],
            [
                p.classified.serious_illness_rate_of_standard * standard,
                max_(0, (1 + p.classified.special_uplift_rate) * standard - per_capita),
            ],
            default=standard - per_capita,
        )
        paid = person("alive", period) * not_(person("extreme_poverty_eligible", period))
        return where(paid, round_fen(amount), 0)


class dibao_single_person(Variable):
    value_type = bool
    entity = Person
    definition_period = MONTH
    label = "Covered alone (单人户施保)"

    def formula(person, period, parameters):
        p = parameters(period).dibao
        standard = p.standard
        per_capita = person.household("dibao_income_per_capita", period)
        return (
            not_(person.household("dibao_household_eligible", period))
            * person.household("head_hukou_local", period)
            * person.household("dibao_assets_ok", period)
            * person("alive", period)
            * person("hukou_local", period)
            * (person("severe_disability", period) + person("serious_illness", period))
            * not_(person("extreme_poverty_eligible", period))
            * (per_capita >= standard)
            * (per_capita < p.single_person.household_income_multiple * standard)
            * (person("counted_income", period) < standard)
        )


class dibao_single_person_amount(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Dibao of a member covered alone"

    def formula(person, period, parameters):
        standard = parameters(period).dibao.standard
        amount = round_fen(standard - person("counted_income", period))
        return where(person("dibao_single_person", period), amount, 0)


class dibao_edge_member_amount(Variable):
    value_type = float
    entity = Person
    definition_period = MONTH
    label = "Living assistance of a seriously ill member of an edge household"

    def formula(person, period, parameters):
        p = parameters(period)
        line = p.dibao_edge.serious_illness_rate_of_standard * p.dibao.standard
        amount = round_fen(max_(0, line - person("counted_income", period)))
        counted = (
            person("alive", period)
            * person("serious_illness", period)
            * not_(person("dibao_single_person", period))
        )
        return where(counted, amount, 0)


# Household formulas -----------------------------------------------------------------------------


class household_size(Variable):
    value_type = int
    entity = Household
    definition_period = MONTH
    label = "Alive members"

    def formula(household, period, parameters):
        return household.sum(household.members("alive", period))


class dibao_income_per_capita(Variable):
    value_type = float
    entity = Household
    definition_period = MONTH
    label = "Per-capita counted income after employment cost deductions"

    def formula(household, period, parameters):
        income = household.sum(household.members("counted_income", period))
        deduction = household.sum(household.members("employment_cost_deduction", period))
        size = household("household_size", period)
        return where(size > 0, (income - deduction) / max_(size, 1), 0)


class dibao_assets_ok(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "Assets within the dibao limits"

    def formula(household, period, parameters):
        p = parameters(period).dibao
        limits = p.assets
        size = max_(household("household_size", period), 1)
        financial = household("assets_financial", period) / size
        return (
            (financial <= limits.financial_months * p.standard)
            * (household("private_car_count", period) <= limits.max_private_cars)
            * (household("residential_home_count", period) <= limits.max_residential_homes)
            * (household("non_residential_home_count", period) <= limits.max_non_residential_homes)
            * (household("registered_businesses", period) <= limits.max_registered_businesses)
        )


class head_hukou_local(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "The head's hukou is in the city"

    def formula(household, period, parameters):
        return household.head("hukou_local", period)


class has_member_outside_extreme_poverty(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "Some alive member would not be supported as extremely poor"

    def formula(household, period, parameters):
        outside = household.members("alive", period) * not_(
            household.members("extreme_poverty_eligible", period)
        )
        return household.any(outside)


class dibao_household_eligible(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "The household qualifies for dibao"

    def formula(household, period, parameters):
        standard = parameters(period).dibao.standard
        return (
            household("head_hukou_local", period)
            * household("dibao_assets_ok", period)
            * (household("dibao_income_per_capita", period) < standard)
            * household("has_member_outside_extreme_poverty", period)
        )


class dibao_household_amount(Variable):
    value_type = float
    entity = Household
    definition_period = MONTH
    label = "Dibao of a qualifying household"

    def formula(household, period, parameters):
        total = round_fen(household.sum(household.members("dibao_member_amount", period)))
        return where(household("dibao_household_eligible", period), total, 0)


class dibao_eligible(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "Dibao: the household or one of its members is covered"

    def formula(household, period, parameters):
        single = household.any(household.members("dibao_single_person", period))
        return household("dibao_household_eligible", period) + single


class dibao_amount(Variable):
    value_type = float
    entity = Household
    definition_period = MONTH
    label = "Dibao, yuan per month"

    def formula(household, period, parameters):
        single = household.sum(household.members("dibao_single_person_amount", period))
        return where(
            household("dibao_household_eligible", period),
            household("dibao_household_amount", period),
            round_fen(single),
        )


class dibao_edge_eligible(Variable):
    value_type = bool
    entity = Household
    definition_period = MONTH
    label = "Dibao edge household (低保边缘家庭)"

    def formula(household, period, parameters):
        p = parameters(period)
        standard = p.dibao.standard
        per_capita = household("dibao_income_per_capita", period)
        return (
            not_(household("dibao_household_eligible", period))
            * household("head_hukou_local", period)
            * household("dibao_assets_ok", period)
            * (per_capita >= standard)
            * (per_capita < p.dibao_edge.income_multiple * standard)
            * household("has_member_outside_extreme_poverty", period)
        )


class dibao_edge_amount(Variable):
    value_type = float
    entity = Household
    definition_period = MONTH
    label = "Living assistance of an edge household, yuan per month"

    def formula(household, period, parameters):
        total = round_fen(household.sum(household.members("dibao_edge_member_amount", period)))
        return where(household("dibao_edge_eligible", period), total, 0)


VARIABLES: tuple[type[Variable], ...] = tuple(
    value
    for value in list(globals().values())
    if isinstance(value, type) and issubclass(value, Variable) and value is not Variable
)


# Tax-benefit system -----------------------------------------------------------------------------


def parameter_node(values: dict[str, Any], as_of: str) -> ParameterNode:
    """Build the parameter tree from the flat JSON dict, each value in force from as_of."""
    missing = [name for name in PARAMETER_NAMES if name not in values]
    if missing:
        raise SystemExit(f"parameters file lacks {', '.join(missing)}")
    tree: dict[str, Any] = {}
    for name in PARAMETER_NAMES:
        value = values[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SystemExit(f"parameter {name} is not a number: {value!r}")
        *path, leaf = name.split(".")
        node = tree
        for part in path:
            node = node.setdefault(part, {})
        node[leaf] = {"values": {f"{as_of}-01": {"value": value}}}
    return ParameterNode("", data=tree)


def tax_benefit_system(values: dict[str, Any], as_of: str, float_dtype: str) -> TaxBenefitSystem:
    """Declare the entities, variables and parameters.

    Variables read their dtype from openfisca_core's VALUE_TYPES when the system instantiates
    them, so setting the float dtype here, before add_variables, decides it for this process.
    """
    config.VALUE_TYPES[float]["dtype"] = np.dtype(float_dtype).type
    system = TaxBenefitSystem([Person, Household])
    system.add_variables(*VARIABLES)
    system.parameters = parameter_node(values, as_of)
    return system


# Population -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    person_ids: np.ndarray
    person_household_ids: np.ndarray
    person_roles: np.ndarray  # "head" or "other"
    household_ids: np.ndarray
    persons: dict[str, np.ndarray]  # inputs of person variables
    households: dict[str, np.ndarray]  # inputs of household variables


def strings(column: pl.Series) -> np.ndarray:
    """A String column as a numpy unicode array (OpenFisca encodes enums from those)."""
    return column.to_numpy().astype(str)


def load_population(directory: Path) -> Population:
    """Read the two Parquet files and turn their columns into input arrays."""
    persons = pl.read_parquet(
        directory / "persons.parquet",
        columns=[
            "household_id",
            "person_id",
            "relation",
            "birth_date",
            "hukou_local",
            "deceased",
            "disability_category",
            "disability_grade",
            "disability_valid_to",
            "serious_illness",
            "employment",
            "parents",
            "capable_legal_supporter",
            *COUNTED_INCOME,
        ],
    )
    households = pl.read_parquet(
        directory / "households.parquet",
        columns=[
            "household_id",
            "assets_financial",
            "vehicles",
            "homes",
            "registered_businesses",
        ],
    )
    vehicle = pl.element().struct
    home_use = pl.element().struct.field("use")
    households = households.select(
        "household_id",
        "assets_financial",
        private_car_count=pl.col("vehicles")
        .list.eval(
            (vehicle.field("purpose") == "private") & vehicle.field("kind").is_in(PRIVATE_CAR_KINDS)
        )
        .list.sum(),
        residential_home_count=pl.col("homes").list.eval(home_use == "residential").list.sum(),
        non_residential_home_count=pl.col("homes")
        .list.eval(home_use.is_in(NON_RESIDENTIAL_USES))
        .list.sum(),
        registered_businesses="registered_businesses",
    )
    household_ids = households["household_id"].to_numpy()
    person_household_ids = persons["household_id"].to_numpy()
    if not np.array_equal(np.unique(household_ids), np.unique(person_household_ids)):
        raise SystemExit("persons.parquet and households.parquet name different households")
    person_inputs: dict[str, np.ndarray] = {
        "birth_date": persons["birth_date"].to_numpy().astype("datetime64[D]"),
        "hukou_local": persons["hukou_local"].to_numpy(),
        "deceased": persons["deceased"].to_numpy(),
        "disability_category": strings(persons["disability_category"].fill_null("none")),
        "disability_grade": persons["disability_grade"].fill_null(0).cast(pl.Int32).to_numpy(),
        "disability_valid_to": persons["disability_valid_to"].to_numpy().astype("datetime64[D]"),
        "serious_illness": persons["serious_illness"].to_numpy(),
        "employment": strings(persons["employment"]),
        "parents": strings(persons["parents"].fill_null("not_applicable")),
        "capable_legal_supporter": persons["capable_legal_supporter"].to_numpy(),
    }
    no_expiry = np.isnat(person_inputs["disability_valid_to"])
    person_inputs["disability_valid_to"][no_expiry] = NO_EXPIRY
    for name in COUNTED_INCOME:
        person_inputs[name] = persons[name].to_numpy()
    household_inputs = {
        name: households[name].cast(pl.Int32).to_numpy()
        for name in (
            "private_car_count",
            "residential_home_count",
            "non_residential_home_count",
            "registered_businesses",
        )
    }
    household_inputs["assets_financial"] = households["assets_financial"].to_numpy()
    return Population(
        person_ids=persons["person_id"].to_numpy(),
        person_household_ids=person_household_ids,
        person_roles=np.where(persons["relation"].to_numpy() == "head", "head", "other"),
        household_ids=household_ids,
        persons=person_inputs,
        households=household_inputs,
    )


def build_simulation(system: TaxBenefitSystem, population: Population, month: Period) -> Simulation:
    """A fresh simulation from arrays: declare the entities, join persons, set the inputs."""
    builder = SimulationBuilder()
    builder.create_entities(system)
    builder.declare_person_entity("person", population.person_ids)
    households = builder.declare_entity("household", population.household_ids)
    builder.join_with_persons(households, population.person_household_ids, population.person_roles)
    simulation = builder.build(system)
    for name, values in population.persons.items():
        simulation.set_input(name, ETERNITY if name == "birth_date" else month, values)
    for name, values in population.households.items():
        simulation.set_input(name, month, values)
    return simulation


# Command line -----------------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--population", type=Path, required=True, help="persons/households dir")
    parser.add_argument("--as-of", required=True, help="assessed month, YYYY-MM")
    parser.add_argument("--parameters", type=Path, required=True, help="flat JSON name -> number")
    parser.add_argument("--out", type=Path, required=True, help="result Parquet file")
    parser.add_argument("--repeat", type=int, default=3, help="fresh simulations to time")
    parser.add_argument(
        "--float-dtype",
        choices=("float64", "float32"),
        default="float64",
        help="dtype of float variables (float32 is OpenFisca's stock behaviour)",
    )
    arguments = parser.parse_args(argv)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", arguments.as_of):
        parser.error(f"--as-of must be YYYY-MM, not {arguments.as_of!r}")
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    return arguments


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    month = period(arguments.as_of)

    started = time.perf_counter()
    population = load_population(arguments.population)
    values = json.loads(arguments.parameters.read_text(encoding="utf-8"))
    system = tax_benefit_system(values, arguments.as_of, arguments.float_dtype)
    load_seconds = time.perf_counter() - started

    build_seconds: list[float] = []
    compute_seconds: list[float] = []
    results: dict[str, np.ndarray] = {}
    for _ in range(arguments.repeat):
        gc.collect()
        started = time.perf_counter()
        simulation = build_simulation(system, population, month)
        built = time.perf_counter()
        results = {name: simulation.calculate(name, month) for name in OUTPUTS}
        computed = time.perf_counter()
        build_seconds.append(built - started)
        compute_seconds.append(computed - built)
        del simulation

    pl.DataFrame(
        {
            "household_id": population.household_ids,
            "dibao_eligible": results["dibao_eligible"],
            "dibao_amount": results["dibao_amount"].astype(np.float64),
            "dibao_edge_eligible": results["dibao_edge_eligible"],
            "dibao_edge_amount": results["dibao_edge_amount"].astype(np.float64),
        }
    ).write_parquet(arguments.out)
    report = {
        "households": len(population.household_ids),
        "persons": len(population.person_ids),
        "load_seconds": round(load_seconds, 4),
        "build_seconds": round(min(build_seconds), 4),
        "compute_seconds_best": round(min(compute_seconds), 4),
        "compute_seconds_all": [round(seconds, 4) for seconds in compute_seconds],
        "openfisca_core": version("OpenFisca-Core"),
    }
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
