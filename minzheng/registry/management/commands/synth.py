from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.registry.errors import RegistryError
from minzheng.registry.services import DivisionIn, city_load, divisions_load
from minzheng.synth.generate import AS_OF, generate, write_parquet


class Command(BaseCommand):
    help = (
        "生成合成城市 Generate the synthetic city to Parquet (--out) and/or the database (--load)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=0.01, help="1.0 = about 0.92 M people")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", type=Path, help="directory for persons/households.parquet")
        parser.add_argument("--load", action="store_true", help="load the city into the database")

    def handle(self, *args: Any, **options: Any) -> None:
        scale, seed, load = options["scale"], options["seed"], options["load"]
        out = Path(options["out"]) if options["out"] else None
        if not 0 < scale <= 10:
            raise CommandError("--scale 应在 0 到 10 之间 must be in (0, 10]")
        if out is None and not load:
            raise CommandError("请指定 --out 或 --load  give --out DIR, --load, or both")
        started = time.perf_counter()
        city = generate(scale=scale, seed=seed)
        self.stdout.write(
            f"生成 generated {city.persons.height} persons, {city.households.height} households "
            f"in {time.perf_counter() - started:.1f} s"
        )
        if out is not None:
            write_parquet(city, out)
            self.stdout.write(f"写入 wrote {out}/persons.parquet, {out}/households.parquet")
        if load:
            started = time.perf_counter()
            try:
                divisions_load(
                    acting_user=None,
                    rows=[
                        DivisionIn(
                            code=row["code"],
                            name=row["name"],
                            kind=row["kind"],
                            parent_code=row["parent_code"],
                        )
                        for row in city.divisions.iter_rows(named=True)
                    ],
                )
                result = city_load(
                    acting_user=None,
                    persons=city.persons,
                    households=city.households,
                    on=AS_OF,
                )
            except RegistryError as error:
                raise CommandError("\n".join(str(issue) for issue in error.issues)) from None
            self.stdout.write(
                f"载入 loaded {result.households_added} households, {result.persons_added} persons "
                f"({result.households_skipped} households already present) "
                f"in {time.perf_counter() - started:.1f} s"
            )
