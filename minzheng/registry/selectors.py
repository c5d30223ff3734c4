"""Every read of the registry, already filtered by the acting user's jurisdiction."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl
from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from minzheng.accounts.jurisdiction import user_scope_prefix
from minzheng.accounts.models import CITY_CODE, User
from minzheng.audit.models import AuditEvent
from minzheng.registry.models import Division, DivisionKind, Household, Membership, Person

ID_NUMBER_LIKE = re.compile(r"^[0-9]{17}[0-9Xx]$")
AGE_BAND_YEARS = 5
AGE_BAND_COUNT = 21  # 0-4 ... 95-99, 100+


def _no_one() -> Q:
    return Q(pk__in=[])


def person_scope_filter(user: User) -> Q:
    """The persons a user may see: those living in the user's division (code prefix)."""
    prefix = user_scope_prefix(user)
    if prefix is None:
        return _no_one()
    return Q(residence_division__code__startswith=prefix)


def household_scope_filter(user: User) -> Q:
    prefix = user_scope_prefix(user)
    if prefix is None:
        return _no_one()
    return Q(division__code__startswith=prefix)


def _members_of(household_number: str) -> QuerySet[Membership]:
    """Ids of the current members of the household with this number (a subquery)."""
    return Membership.objects.filter(
        household__number=household_number, valid_to__isnull=True
    ).values("person_id")


def person_search(
    *,
    user: User,
    q: str = "",
    name: str = "",
    id_number: str = "",
    household_number: str = "",
    division_code: str = "",
    include_deceased: bool = True,
) -> QuerySet[Person]:
    """Search persons by name (prefix), id number (exact), household number or division prefix.

    `q` is one box for all: an id number is looked up exactly, anything else by name prefix or
    household number.
    """
    persons = Person.objects.filter(person_scope_filter(user))
    q = q.strip()
    if q:
        if ID_NUMBER_LIKE.match(q):
            persons = persons.with_id_number(q)
        else:
            persons = persons.filter(Q(name__startswith=q) | Q(pk__in=_members_of(q)))
    if name.strip():
        persons = persons.filter(name__startswith=name.strip())
    if id_number.strip():
        persons = persons.with_id_number(id_number)
    if household_number.strip():
        persons = persons.filter(pk__in=_members_of(household_number.strip()))
    if division_code.strip():
        persons = persons.filter(residence_division__code__startswith=division_code.strip())
    if not include_deceased:
        persons = persons.filter(death_date__isnull=True)
    return persons.select_related("residence_division").order_by("residence_division_id", "pk")


def person_get(*, user: User, person_id: int) -> Person:
    """Return a person the user may see; any other id answers 404, as a missing one does."""
    person = (
        Person.objects.filter(person_scope_filter(user), pk=person_id)
        .select_related("hukou_division", "residence_division")
        .first()
    )
    if person is None:
        raise Http404("no such person")
    return person


def person_memberships(*, person: Person) -> QuerySet[Membership]:
    """The person's household memberships over time, newest first."""
    return (
        Membership.objects.filter(person=person)
        .select_related("household")
        .order_by("-valid_from", "-pk")
    )


def person_current_household(*, person: Person) -> Household | None:
    membership = (
        Membership.objects.filter(person=person, valid_to__isnull=True)
        .select_related("household")
        .first()
    )
    return membership.household if membership else None


def household_search(
    *, user: User, number: str = "", division_code: str = "", address: str = ""
) -> QuerySet[Household]:
    households = Household.objects.filter(household_scope_filter(user))
    if number.strip():
        households = households.filter(number=number.strip())
    if division_code.strip():
        households = households.filter(division__code__startswith=division_code.strip())
    if address.strip():
        households = households.filter(address__contains=address.strip())
    return households.select_related("division", "head").order_by("division_id", "pk")


def household_get(*, user: User, household_id: int) -> Household:
    household = (
        Household.objects.filter(household_scope_filter(user), pk=household_id)
        .select_related("division", "division__parent", "head")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("person").order_by(
                    "valid_to", "valid_from", "pk"
                ),
            )
        )
        .first()
    )
    if household is None:
        raise Http404("no such household")
    return household


def history_for(*, target_type: str, target_ids: list[str]) -> QuerySet[AuditEvent]:
    """Audit events about these objects, newest first (the caller has checked it may see them)."""
    return AuditEvent.objects.filter(target_type=target_type, target_id__in=target_ids).order_by(
        "-occurred_at", "-pk"
    )


def person_history(*, person: Person) -> QuerySet[AuditEvent]:
    return history_for(target_type="registry.person", target_ids=[str(person.pk)])


def household_history(*, household: Household) -> QuerySet[AuditEvent]:
    return history_for(target_type="registry.household", target_ids=[str(household.pk)])


def divisions_visible(*, user: User, kinds: tuple[str, ...] | None = None) -> QuerySet[Division]:
    prefix = user_scope_prefix(user)
    if prefix is None:
        return Division.objects.none()
    divisions = Division.objects.filter(code__startswith=prefix)
    if kinds:
        divisions = divisions.filter(kind__in=kinds)
    return divisions.order_by("code")


def villages_visible(*, user: User) -> QuerySet[Division]:
    return divisions_visible(
        user=user, kinds=(DivisionKind.VILLAGE, DivisionKind.COMMUNITY)
    ).select_related("parent")


# ---------------------------------------------------------------------------------------------
# dashboard


@dataclass(frozen=True)
class TownPopulation:
    code: str
    name: str
    population: int
    aged_60_plus: int
    aged_80_plus: int

    @property
    def share_60_plus(self) -> float:
        return self.aged_60_plus / self.population if self.population else 0.0

    @property
    def share_80_plus(self) -> float:
        return self.aged_80_plus / self.population if self.population else 0.0


@dataclass(frozen=True)
class PopulationStats:
    as_of: dt.date
    towns: list[TownPopulation]
    # pyramid[band] = (male, female); band i covers ages 5i..5i+4, the last is 100+
    pyramid: list[tuple[int, int]]

    @property
    def population(self) -> int:
        return sum(town.population for town in self.towns)

    @property
    def aged_60_plus(self) -> int:
        return sum(town.aged_60_plus for town in self.towns)

    @property
    def aged_80_plus(self) -> int:
        return sum(town.aged_80_plus for town in self.towns)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def population_stats(*, user: User, as_of: dt.date) -> PopulationStats:
    """Living persons by town, by 5-year age band and sex, and aged 60+ and 80+, in scope."""
    living = Person.objects.filter(person_scope_filter(user), death_date__isnull=True).filter(
        birth_date__lte=as_of
    )
    # Someone born on or before this date has had that birthday by as_of.
    band = Case(
        *[
            When(
                birth_date__gt=years_before(as_of, AGE_BAND_YEARS * (index + 1)), then=Value(index)
            )
            for index in range(AGE_BAND_COUNT - 1)
        ],
        default=Value(AGE_BAND_COUNT - 1),
        output_field=IntegerField(),
    )
    # Grouping by village (a few hundred) lets PostgreSQL hash-aggregate; towns are summed here.
    rows = (
        living.annotate(band=band)
        .values("residence_division_id", "sex", "band")
        .annotate(count=Count("pk"))
        .order_by()
    )
    by_town: dict[str, list[int]] = {}
    pyramid = [[0, 0] for _ in range(AGE_BAND_COUNT)]
    for row in rows:
        totals = by_town.setdefault(row["residence_division_id"][:9], [0, 0, 0])
        totals[0] += row["count"]
        if row["band"] >= 60 // AGE_BAND_YEARS:
            totals[1] += row["count"]
        if row["band"] >= 80 // AGE_BAND_YEARS:
            totals[2] += row["count"]
        pyramid[row["band"]][0 if row["sex"] == "male" else 1] += row["count"]
    names = dict(Division.objects.filter(code__in=by_town).values_list("code", "name"))
    towns = [
        TownPopulation(
            code=code,
            name=names.get(code, code),
            population=totals[0],
            aged_60_plus=totals[1],
            aged_80_plus=totals[2],
        )
        for code, totals in sorted(by_town.items())
    ]
    return PopulationStats(
        as_of=as_of, towns=towns, pyramid=[(male, female) for male, female in pyramid]
    )


@dataclass(frozen=True)
class TownDivisions:
    town: Division
    villages: list[Division]

    @property
    def village_count(self) -> int:
        return sum(village.kind == DivisionKind.VILLAGE for village in self.villages)

    @property
    def community_count(self) -> int:
        return sum(village.kind == DivisionKind.COMMUNITY for village in self.villages)


def division_tree(*, user: User) -> list[TownDivisions]:
    """The towns in the user's scope, each with its villages and communities."""
    divisions = list(divisions_visible(user=user))
    towns = [d for d in divisions if len(d.code) == 9]
    villages: dict[str, list[Division]] = {}
    for division in divisions:
        if len(division.code) == 12:
            villages.setdefault(division.code[:9], []).append(division)
    prefix = user_scope_prefix(user) or ""
    if len(prefix) == 12:  # a village worker sees their own village under its town
        towns = list(Division.objects.filter(code=prefix[:9]))
    return [TownDivisions(town=town, villages=villages.get(town.code, [])) for town in towns]


def screening_frames(*, user: User, on: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The registry's households in the user's scope on a date, as frames for the rules."""
    return household_frames(prefix=user_scope_prefix(user), on=on)


def household_frames(*, prefix: str | None, on: dt.date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The registry's households under a division-code prefix on a date, as rules frames.

    Columns are those of the synthetic city that the registry holds (relation, birth date,
    hukou, death, disability certificate, serious illness), plus `person_id`; incomes, assets
    and the rest are not in the registry, so programmes that need them cannot be screened from
    it alone. One query. The caller has checked the prefix against its user (or is the
    nightly task, with the city's).
    """
    if prefix is None:
        rows: list[tuple[object, ...]] = []
    else:
        rows = list(
            Membership.objects.filter(
                household__division__code__startswith=prefix, valid_from__lte=on
            )
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
            .values_list(
                "household_id",
                "household__division_id",
                "person_id",
                "relation",
                "person__birth_date",
                "person__hukou_division_id",
                "person__death_date",
                "person__disability_category",
                "person__disability_grade",
                "person__disability_valid_to",
                "person__serious_illness",
                "person__ability_level",
            )
            .order_by("household_id", "pk")
        )
    frame = pl.DataFrame(
        rows,
        schema={
            "household_id": pl.Int64,
            "division": pl.String,
            "person_id": pl.Int64,
            "relation": pl.String,
            "birth_date": pl.Date,
            "hukou_division": pl.String,
            "death_date": pl.Date,
            "disability_category": pl.String,
            "disability_grade": pl.Int8,
            "disability_valid_to": pl.Date,
            "serious_illness": pl.Boolean,
            "ability_level": pl.Int8,
        },
        orient="row",
    ).with_columns(pl.col("household_id").cast(pl.String))
    persons = frame.drop("division").with_columns(
        pl.col("hukou_division").str.starts_with(CITY_CODE).alias("hukou_local"),
        (pl.col("death_date").is_not_null() & (pl.col("death_date") <= on)).alias("deceased"),
        pl.when(pl.col("disability_category") == "")
        .then(None)
        .otherwise(pl.col("disability_category"))
        .alias("disability_category"),
    )
    households = frame.select("household_id", "division").unique(
        "household_id", maintain_order=True
    )
    return persons, households
