"""The demo's department files: last month's synthetic file of every source, imported."""

from __future__ import annotations

import datetime as dt

import polars as pl

from minzheng.accounts.models import User
from minzheng.exchange.models import ExchangeBatch
from minzheng.exchange.services import exchange_import
from minzheng.synth.exchange import exchange_file_content, exchange_file_name, exchange_files


def demo_exchange_import(
    *,
    persons: pl.DataFrame,
    households: pl.DataFrame,
    acting_user: User,
    today: dt.date,
    seed: int,
) -> dict[str, int]:
    """Import the previous month's file of each source; a source already imported is skipped.

    Returns the rows imported per source (0 where skipped). The files come from the same
    synthetic city the demo loaded, so every id number is registered.
    """
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    imported = {}
    for source, frame in exchange_files(persons, households, month=month, seed=seed).items():
        if ExchangeBatch.objects.filter(source=source, period=month).exists():
            imported[source] = 0
            continue
        batch = exchange_import(
            acting_user=acting_user,
            source=source,
            period=month,
            file_name=exchange_file_name(source, month),
            content=exchange_file_content(frame),
        )
        imported[source] = batch.row_count
    return imported
