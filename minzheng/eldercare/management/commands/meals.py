"""`minzheng meals import FILE --point ID --user U` and `minzheng meals settle --month YYYY-MM`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.eldercare import meal_selectors as selectors
from minzheng.eldercare import meals as services
from minzheng.eldercare.errors import EldercareError
from minzheng.registry.management.commands._common import acting_user
from minzheng.rules.parameters import parse_month


class Command(BaseCommand):
    help = (
        "老年助餐 Meals: import a point's file of meals (all or nothing), or close a month's "
        "settlement of every meal point the user may settle (again: nothing changes)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        importing = commands.add_parser("import", help="导入就餐记录 import a file of meals")
        importing.add_argument("file", type=Path, help=".xlsx or .csv")
        importing.add_argument("--point", type=int, required=True, help="the meal point's id")
        importing.add_argument("--user", required=True, help="the acting user")
        settling = commands.add_parser("settle", help="月度结算 close a month")
        settling.add_argument("--month", required=True, help="YYYY-MM")
        settling.add_argument("--user", default="admin", help="the acting user (office)")
        settling.add_argument("--point", type=int, help="only this meal point")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = acting_user(options["user"])
        except CommandError as error:
            self._fail(str(error), "")
        try:
            if options["action"] == "import":
                self._import(user, options)
            else:
                self._settle(user, options)
        except PermissionDenied as error:
            self._fail(str(error), f"{user.username} may not do this")
        except EldercareError as error:
            self._fail(
                "；".join(zh for _, zh, _ in error.problems),
                "; ".join(f"{field}: {en}" for field, _, en in error.problems),
            )

    def _point(self, user: Any, point_id: int) -> Any:
        point = selectors.meal_points_visible(user=user).filter(pk=point_id).first()
        if point is None:
            self._fail(f"没有编号为{point_id}的助餐点", f"no meal point {point_id} for this user")
        return point

    def _import(self, user: Any, options: dict[str, Any]) -> None:
        point = self._point(user, options["point"])
        path: Path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as error:
            self._fail(f"无法读取 {path}", f"cannot read {path}: {error.strerror}")
        batch = services.meal_records_import(
            acting_user=user,
            point=point,
            content=content,
            filename=path.name,
            today=timezone.localdate(),
        )
        self.stdout.write(
            f"{point.name}: 已导入 {batch.rows} 条就餐记录 imported {batch.rows} meals; "
            f"重复补贴 duplicates {batch.duplicates}"
        )

    def _settle(self, user: Any, options: dict[str, Any]) -> None:
        month = parse_month(options["month"])
        if month is None:
            self._fail("结算月份格式应为 YYYY-MM", "--month must be YYYY-MM")
        if options["point"] is not None:
            points = [self._point(user, options["point"])]
        else:
            points = [
                point
                for point in selectors.meal_points_visible(user=user).order_by("pk")
                if services.meal_settlement_may_close(user=user, point=point)
            ]
        if not points:
            self._fail("没有可结算的助餐点", "no meal point this user may settle")
        for point in points:
            settlement, closed_now = services.meal_settlement_close(
                acting_user=user, point=point, month=month, today=timezone.localdate()
            )
            state = "已结算 closed now" if closed_now else "此前已结算，未作改动 already closed"
            self.stdout.write(
                f"{point.name} {month:%Y-%m}: {state}; {settlement.meals} 人次 meals, "
                f"补贴 subsidy {settlement.subsidy_total}, 个人支付 own {settlement.own_total}"
            )

    def _fail(self, message_zh: str, message_en: str) -> NoReturn:
        self.stderr.write(f"{message_zh} / {message_en}" if message_en else message_zh)
        sys.exit(2)
