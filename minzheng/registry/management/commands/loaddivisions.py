from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.registry.errors import RegistryError
from minzheng.registry.services import DivisionIn, divisions_load

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "divisions.csv"


class Command(BaseCommand):
    help = "载入行政区划 Load divisions (the city and its towns; a village list with --file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--file",
            type=Path,
            default=DEFAULT_FILE,
            help="CSV with columns code,name,kind,parent_code (UTF-8). Default: the 11 towns.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                rows = [
                    DivisionIn(
                        code=row["code"].strip(),
                        name=row["name"].strip(),
                        kind=row["kind"].strip(),
                        parent_code=(row.get("parent_code") or "").strip() or None,
                    )
                    for row in csv.DictReader(handle)
                ]
        except (OSError, KeyError, UnicodeDecodeError) as error:
            raise CommandError(
                f"无法读取区划文件 cannot read the division file {path}: {error}"
            ) from None
        try:
            added = divisions_load(acting_user=None, rows=rows)
        except RegistryError as error:
            raise CommandError("\n".join(str(issue) for issue in error.issues)) from None
        self.stdout.write(f"区划 divisions: {added} 新增 added, {len(rows) - added} 已有 present")
