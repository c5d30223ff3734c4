"""Every read of the data exchange: imported files, their signals, the declared sources.

Signals concern people of every town, so only city-wide roles read them (those who import, and
the auditor); a batch is not filtered further by division.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import QuerySet
from django.http import Http404

from minzheng.accounts.jurisdiction import exchange_read_check
from minzheng.accounts.models import User
from minzheng.exchange.models import ExchangeBatch, Signal
from minzheng.exchange.sources import SOURCES, Source
from minzheng.registry.models import Membership, Person


def batch_list(user: User) -> QuerySet[ExchangeBatch]:
    """Imported files, newest first."""
    exchange_read_check(user=user)
    return ExchangeBatch.objects.select_related("imported_by").order_by("-imported_at", "-pk")


def batch_get(user: User, batch_id: int) -> ExchangeBatch:
    """One imported file; 404 when there is none with this id."""
    batch = batch_list(user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


def signals_of(batch: ExchangeBatch) -> QuerySet[Signal]:
    """The batch's signals in file order, with their persons (the caller read the batch)."""
    return batch.signals.select_related("person").order_by("pk")


def source_list() -> list[Source]:
    return list(SOURCES.values())


def registry_persons_frame(*, on: dt.date) -> pl.DataFrame:
    """The living registered persons as a frame for the synthetic department files.

    Columns: id_number (in clear), birth_date, sex, household_id, hukou_division,
    disability_category, disability_grade, disability_valid_from, serious_illness. Only for the
    `exchange synth --from-db` command, which the caller audits: it writes id numbers to files.
    """
    households = dict(
        Membership.objects.filter(valid_to__isnull=True).values_list("person_id", "household_id")
    )
    rows = [
        (
            person.id_number,
            person.birth_date,
            person.sex,
            str(households[person.pk]) if person.pk in households else None,
            person.hukou_division_id,
            person.disability_category or None,
            person.disability_grade,
            person.disability_valid_from,
            person.serious_illness,
        )
        for person in Person.objects.filter(death_date__isnull=True, birth_date__lte=on)
        .only(
            "id_number_encrypted",
            "birth_date",
            "sex",
            "hukou_division_id",
            "disability_category",
            "disability_grade",
            "disability_valid_from",
            "serious_illness",
        )
        .order_by("pk")
        .iterator(chunk_size=5000)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "id_number": pl.String,
            "birth_date": pl.Date,
            "sex": pl.String,
            "household_id": pl.String,
            "hukou_division": pl.String,
            "disability_category": pl.String,
            "disability_grade": pl.Int8,
            "disability_valid_from": pl.Date,
            "serious_illness": pl.Boolean,
        },
        orient="row",
    )
