"""The sources as declared: their codes, their kinds, the docs and the synthetic files agree."""

from __future__ import annotations

import re
from pathlib import Path

from minzheng.exchange.sources import SOURCES, all_kinds
from minzheng.registry.models import DisabilityCategory
from minzheng.synth.exchange import SOURCE_COLUMNS

DOC = Path(__file__).resolve().parents[2] / "docs" / "exchange.zh.md"


def test_there_is_one_source_per_department_file():
    assert list(SOURCES) == [
        "civil_registration",
        "unemployment",
        "medical",
        "disability",
        "vehicle",
        "real_estate",
        "wages",
        "pensions",
        "hospital_stay",
    ]


def test_signal_kinds_are_the_source_and_its_event():
    assert all_kinds() == (
        "civil_registration.birth",
        "civil_registration.death",
        "civil_registration.move_in",
        "civil_registration.move_out",
        "unemployment",
        "medical",
        "disability.issued",
        "disability.changed",
        "disability.revoked",
        "vehicle",
        "real_estate.acquired",
        "real_estate.sold",
        "wages",
        "pensions",
        "hospital_stay",
    )
    assert max(len(kind) for kind in all_kinds()) <= 40  # Signal.kind


def test_disability_categories_are_the_registry_ones():
    categories = SOURCES["disability"].column("category").choices
    assert [code for code, _ in categories] == list(DisabilityCategory.values)


def test_every_source_starts_with_the_id_number_and_names_columns_it_has():
    for source in SOURCES.values():
        names = [column.name for column in source.columns]
        labels = [column.label for column in source.columns]
        assert names[0] == "id_number"
        assert len(set(names)) == len(names)
        assert len(set(labels)) == len(labels)
        referenced = {source.on_column, *source.on_column_by_event.values()}
        referenced |= {name for names in source.required_when.values() for name in names}
        referenced |= {name for pair in source.ordered_dates for name in pair}
        for extra in (source.event_column, source.amount_column):
            if extra:
                referenced.add(extra)
        assert referenced <= set(names), source.code


def test_the_synthetic_files_have_the_declared_columns():
    assert {
        code: tuple(column.name for column in source.columns) for code, source in SOURCES.items()
    } == SOURCE_COLUMNS


def test_the_doc_names_every_source_and_every_column():
    text = DOC.read_text(encoding="utf-8")
    sections = re.split(r"^### ", text, flags=re.MULTILINE)
    for source in SOURCES.values():
        section = next(
            (part for part in sections if f"`{source.code}`" in part.splitlines()[0]), None
        )
        assert section is not None, f"no section for {source.code}"
        assert source.label in section
        for column in source.columns:
            assert f"`{column.name}`" in section, f"{source.code}.{column.name}"
            assert column.label in section, f"{source.code}.{column.label}"
