from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from minzheng.accounts.two_factor import DEMO_TOTP_KEY, current_code


class Command(BaseCommand):
    help = (
        "打印演示账号的当前动态验证码 Print a demo account's current one-time code "
        "(only for the published demo secret)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"用户{username}没有身份验证器 {username} has no authenticator")
        # A real authenticator's codes are never printed: only the demo secret, which is public.
        if device.key != DEMO_TOTP_KEY:
            raise CommandError(
                "只能打印使用演示密钥的账号的验证码 "
                "only accounts with the demo secret have their codes printed"
            )
        self.stdout.write(current_code(device))
