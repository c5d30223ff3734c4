from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.registry.errors import RegistryError
from minzheng.registry.management.commands._common import acting_user
from minzheng.registry.services import registry_import
from minzheng.registry.spreadsheets import read_table


class Command(BaseCommand):
    help = "导入人员与家庭 Import persons and households from .xlsx/.csv, all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="the acting user's username")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        user = acting_user(options["user"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"无法读取文件 cannot read {path}: {error.strerror}") from None
        try:
            result = registry_import(acting_user=user, rows=read_table(content, path.name))
        except RegistryError as error:
            lines = [f"{len(error.issues)} 处错误，未写入任何数据 errors, nothing written:"]
            lines += [str(issue) for issue in error.issues]
            raise CommandError("\n".join(lines)) from None
        self.stdout.write(
            f"已处理 {result.rows} 行 rows: "
            f"新登记 {result.households_created} 户 households created, "
            f"更新 {result.households_updated} 户 updated; "
            f"新增 {result.persons_created} 人 persons created, "
            f"更新 {result.persons_updated} 人 updated"
        )
