from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from minzheng.registry.management.commands._common import acting_user
from minzheng.registry.selectors import person_search
from minzheng.registry.services import persons_export


class Command(BaseCommand):
    help = "导出人员 Export a person search to .xlsx (identifiers masked)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="the acting user's username")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--q", default="", help="name prefix, id number or household number")
        parser.add_argument("--division", default="", help="division code prefix")
        parser.add_argument("--living", action="store_true", help="leave out the deceased")

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_user(options["user"])
        filters = {
            "q": options["q"],
            "division_code": options["division"],
            "include_deceased": not options["living"],
        }
        persons = person_search(user=user, **filters)
        content = persons_export(
            acting_user=user, persons=persons.iterator(chunk_size=2000), filters=filters
        )
        Path(options["out"]).write_bytes(content)
        self.stdout.write(f"已导出 exported {persons.count()} 人 persons to {options['out']}")
