from __future__ import annotations

import getpass
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minzheng.accounts.models import BusinessLine, Role
from minzheng.accounts.services import user_create
from minzheng.registry.errors import RegistryError


class Command(BaseCommand):
    help = "创建用户 Create a staff user with one role and one division scope."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--division", default="320582", help="scope: a division code")
        parser.add_argument("--line", default="", choices=["", *BusinessLine.values])
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument("--password-file", type=Path, help="read the password from a file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["password_file"]:
            try:
                password = Path(options["password_file"]).read_text().strip()
            except OSError as error:
                raise CommandError(f"无法读取密码文件 cannot read: {error.strerror}") from None
        else:
            password = getpass.getpass("密码 Password: ")
        try:
            user = user_create(
                acting_user=None,
                username=options["username"],
                password=password,
                role=options["role"],
                division_code=options["division"],
                business_line=options["line"],
                full_name=options["name"],
            )
        except RegistryError as error:
            raise CommandError("\n".join(str(issue) for issue in error.issues)) from None
        self.stdout.write(f"已创建 created {user.username} ({user.role}, {user.division_code})")
