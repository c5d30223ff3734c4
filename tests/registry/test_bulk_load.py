from __future__ import annotations

import polars as pl
import pytest
from django.db import connection

from minzheng.audit.models import AuditEvent
from minzheng.registry.errors import RegistryError
from minzheng.registry.models import Division, Household, Membership, Person
from minzheng.registry.services import DivisionIn, city_load, divisions_load
from minzheng.synth.generate import AS_OF, generate


def city_rows(scale: float) -> tuple[pl.DataFrame, pl.DataFrame]:
    city = generate(scale=scale, seed=7)
    divisions_load(
        acting_user=None,
        rows=[
            DivisionIn(r["code"], r["name"], r["kind"], r["parent_code"])
            for r in city.divisions.iter_rows(named=True)
        ],
    )
    return city.persons, city.households


# Queries of one load, whatever its size: existence checks, max ids, inserts, sequence resets,
# the audit row. COPY on PostgreSQL runs on the raw cursor and is not counted there.
LOAD_QUERIES = {"sqlite": 12, "postgresql": 14}


@pytest.mark.parametrize("scale", [0.0002, 0.002])
def test_load_runs_the_same_number_of_queries_for_any_size(
    divisions, scale: float, django_assert_num_queries
) -> None:
    persons, households = city_rows(scale)
    with django_assert_num_queries(LOAD_QUERIES[connection.vendor]):
        result = city_load(acting_user=None, persons=persons, households=households, on=AS_OF)
    assert (result.persons_added, result.households_added) == (len(persons), len(households))


def test_loaded_city_matches_the_frames_and_a_second_load_adds_nothing(divisions) -> None:
    persons, households = city_rows(0.002)
    city_load(acting_user=None, persons=persons, households=households, on=AS_OF)
    again = city_load(acting_user=None, persons=persons, households=households, on=AS_OF)
    assert (again.persons_added, again.households_added) == (0, 0)
    assert again.households_skipped == len(households)
    assert Person.objects.count() == len(persons)
    assert Household.objects.count() == len(households)
    assert Membership.objects.filter(valid_to=None, valid_from=AS_OF).count() == len(persons)
    heads = {row["household_id"]: row for row in households.iter_rows(named=True)}
    ids = {row["person_id"]: row["id_number"] for row in persons.iter_rows(named=True)}
    sample = persons.row(5, named=True)
    person = Person.objects.with_id_number(sample["id_number"]).get()
    assert (person.name, person.birth_date, person.sex) == (
        sample["name"],
        sample["birth_date"],
        sample["sex"],
    )
    household = Household.objects.get(number=heads[sample["household_id"]]["number"])
    assert household.head.id_number == ids[heads[sample["household_id"]]["head_person_id"]]
    membership = Membership.objects.get(person=person)
    assert (membership.household_id, membership.relation) == (household.pk, sample["relation"])
    assert AuditEvent.objects.filter(action="registry.city.load").count() == 1
    # New rows after a bulk load get fresh ids: the sequences were reset.
    new = Household.objects.create(number="NEW1", address="a", division_id=household.division_id)
    assert new.pk == max(Household.objects.exclude(pk=new.pk).values_list("pk", flat=True)) + 1


def test_load_refuses_an_id_number_already_registered_elsewhere(family) -> None:
    persons, households = city_rows(0.0002)
    persons = persons.with_columns(
        id_number=pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit(family.head.id_number))
        .otherwise("id_number")
    )
    before = (Person.objects.count(), Household.objects.count())
    with pytest.raises(RegistryError) as error:
        city_load(acting_user=None, persons=persons, households=households, on=AS_OF)
    assert error.value.issues[0].field == "id_number"
    assert (Person.objects.count(), Household.objects.count()) == before


def test_divisions_load_checks_kind_length_and_parent(divisions) -> None:
    before = Division.objects.count()
    with pytest.raises(RegistryError) as error:
        divisions_load(
            acting_user=None,
            rows=[
                DivisionIn("32058210099", "短码村", "village", "320582100"),
                DivisionIn("320582999001", "无上级村", "village", "320582999"),
                DivisionIn("320582100300", "某村", "hamlet", "320582100"),
            ],
        )
    assert [(issue.row, issue.field) for issue in error.value.issues] == [
        (1, "code"),
        (2, "parent_code"),
        (3, "kind"),
    ]
    assert Division.objects.count() == before
