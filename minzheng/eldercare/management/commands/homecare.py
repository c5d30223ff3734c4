from __future__ import annotations

import sys
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minzheng.eldercare import homecare, homecare_selectors
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import Provider
from minzheng.registry.management.commands._common import acting_user
from minzheng.rules.parameters import parse_month


class Command(BaseCommand):
    help = (
        "居家上门服务 Home services: `orders --month YYYY-MM --plan-generate` makes the month's "
        "planned work orders from the active service plans (again: only the missing ones); "
        "`callbacks --month YYYY-MM` lists a deterministic random sample of done orders to call."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["orders", "callbacks"])
        parser.add_argument("--month", required=True, help="YYYY-MM")
        parser.add_argument("--user", required=True, help="the acting user (eldercare office)")
        parser.add_argument(
            "--plan-generate", action="store_true", help="make the month's planned orders"
        )
        parser.add_argument("--provider", type=int, help="only this provider's plans (id)")
        parser.add_argument("--seed", type=int, default=None, help="sampling seed (callbacks)")

    def _fail(self, zh: str, en: str) -> NoReturn:
        self.stderr.write(f"{zh} {en}")
        sys.exit(2)

    def handle(self, *args: Any, **options: Any) -> None:
        month = parse_month(options["month"])
        if month is None:
            self._fail("月份格式应为 YYYY-MM", "--month must be YYYY-MM")
        try:
            user = acting_user(options["user"])
        except CommandError as error:
            self._fail(str(error), "")
        provider_id = options["provider"]
        if provider_id is not None and not Provider.objects.filter(pk=provider_id).exists():
            self._fail(f"没有编号为{provider_id}的服务商", f"no provider {provider_id}")
        try:
            if options["action"] == "orders":
                self._orders(user, month, provider_id, options["plan_generate"])
            else:
                self._callbacks(user, month, options["seed"])
        except PermissionDenied as error:
            self._fail(str(error), f"{user.username} may not do this")
        except EldercareError as error:
            self._fail(
                "；".join(zh for _, zh, _ in error.problems),
                "; ".join(en for _, _, en in error.problems),
            )

    def _orders(self, user: Any, month: Any, provider_id: int | None, generate: bool) -> None:
        if not generate:
            self._fail("请指定 --plan-generate", "nothing to do: give --plan-generate")
        result = homecare.orders_plan_generate(
            acting_user=user, month=month, on=timezone.localdate(), provider_id=provider_id
        )
        self.stdout.write(
            f"{month:%Y-%m}: 服务计划 {result.plans} 个 plans, 新生成工单 {result.created} 张 "
            f"orders created, 已有 {result.existing} 张 already there"
        )
        for line in result.skipped:
            self.stdout.write(f"  跳过 skipped: {line}")

    def _callbacks(self, user: Any, month: Any, seed: int | None) -> None:
        pending = list(homecare_selectors.callback_pending(user=user, month=month))
        rate = homecare.callback_sample_rate(month)
        seed = seed if seed is not None else int(f"{month:%Y%m}")
        sample = homecare.callback_sample(pending, rate=rate, seed=seed)
        self.stdout.write(
            f"{month:%Y-%m}: 未回访 {len(pending)} 张 pending, 抽样比例 rate {rate}, "
            f"种子 seed {seed}, 抽取 {len(sample)} 张 sampled"
        )
        for order in sample:
            self.stdout.write(f"{order.number}\t{order.scheduled_on}\t{order.item.name}")
