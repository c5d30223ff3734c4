from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.registry.errors import RegistryError
from minzheng.registry.services import divisions_from_csv, divisions_load

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
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(
                f"无法读取区划文件 cannot read the division file {path}: {error}"
            ) from None
        try:
            rows = divisions_from_csv(text)
            added = divisions_load(acting_user=None, rows=rows)
        except RegistryError as error:
            raise CommandError("\n".join(str(issue) for issue in error.issues)) from None
        self.stdout.write(f"区划 divisions: {added} 新增 added, {len(rows) - added} 已有 present")
