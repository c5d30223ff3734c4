from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from minzheng.accounts.jurisdiction import TWO_FACTOR_ROLES
from minzheng.accounts.models import BusinessLine, Role, User
from minzheng.accounts.services import two_factor_demo_enrol, user_create
from minzheng.accounts.two_factor import DEMO_TOTP_KEY, secret_base32
from minzheng.assistance.demo import demo_cases_create
from minzheng.assistance.tasks import nightly_run
from minzheng.eldercare.demo import demo_eldercare_create
from minzheng.exchange.demo import demo_exchange_import
from minzheng.registry.models import Division, DivisionKind
from minzheng.synth.generate import generate

TOWN_KINDS = (DivisionKind.TOWN, DivisionKind.STREET, DivisionKind.PARK)

DEMO_PASSWORD = "minzheng-demo-2025"  # noqa: S105 - printed for the demo on purpose
# username, role, division scope, business line, description
DEMO_ACCOUNTS = (
    ("admin", Role.CITY_ADMIN, "320582", "", "市局管理员 city administrator"),
    ("city_assistance", Role.CITY_STAFF, "320582", BusinessLine.ASSISTANCE, "市局社会救助科"),
    ("city_eldercare", Role.CITY_STAFF, "320582", BusinessLine.ELDERCARE, "市局养老服务科"),
    ("auditor", Role.AUDITOR, "320582", "", "审计 auditor"),
    ("yangshe_approver", Role.TOWN_APPROVER, "320582100", "", "杨舍镇审批人"),
    ("yangshe_clerk", Role.TOWN_CLERK, "320582100", "", "杨舍镇经办人"),
    ("tangqiao_approver", Role.TOWN_APPROVER, "320582101", "", "塘桥镇审批人"),
    ("tangqiao_clerk", Role.TOWN_CLERK, "320582101", "", "塘桥镇经办人"),
    ("yangshe_village", Role.VILLAGE_WORKER, "320582100001", "", "杨舍镇合成社区01社工"),
    ("tangqiao_village", Role.VILLAGE_WORKER, "320582101001", "", "塘桥镇合成社区01社工"),
    ("provider", Role.PROVIDER, "320582", "", "居家养老服务商管理人员 home-service provider"),
    ("caregiver", Role.PROVIDER, "320582", "", "护理员（手机签到页）caregiver, phone page"),
)


class Command(BaseCommand):
    help = "准备演示数据 Set up the demo: divisions, a synthetic city and one account per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=0.01)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("loaddivisions", stdout=self.stdout)
        call_command(
            "synth", scale=options["scale"], seed=options["seed"], load=True, stdout=self.stdout
        )
        for username, role, division, line, _ in DEMO_ACCOUNTS:
            if not User.objects.filter(username=username).exists():
                user_create(
                    acting_user=None,
                    username=username,
                    password=DEMO_PASSWORD,
                    role=role,
                    division_code=division,
                    business_line=line,
                )
            if role in TWO_FACTOR_ROLES:
                two_factor_demo_enrol(user=User.objects.get(username=username))
        staff = self._town_staff()
        city = generate(scale=options["scale"], seed=options["seed"])
        made = demo_cases_create(
            persons=city.persons,
            households=city.households,
            staff=staff,
            today=timezone.localdate(),
        )
        self.stdout.write(f"演示救助申请 demo assistance cases: {made}")
        imported = demo_exchange_import(
            persons=city.persons,
            households=city.households,
            acting_user=User.objects.get(username="city_assistance"),
            today=timezone.localdate(),
            seed=options["seed"],
        )
        self.stdout.write(
            "上月部门数据 last month's department files: "
            + ", ".join(f"{source} {rows}" for source, rows in imported.items())
        )
        eldercare = demo_eldercare_create(today=timezone.localdate(), seed=options["seed"])
        self.stdout.write(
            "养老服务 eldercare: "
            + ", ".join(f"{name} {count}" for name, count in eldercare.items())
        )
        nightly = nightly_run(timezone.localdate())
        self.stdout.write(
            f"夜间任务 nightly rules: monitoring {nightly['monitoring']}, "
            f"reviews due {nightly['reviews_due']}, 政策找人 {nightly['find_people']}"
        )
        self.stdout.write(f"\n演示账号 Demo accounts (密码 password: {DEMO_PASSWORD})")
        for username, role, division, _, description in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<18} {role:<15} {division:<13} {description}")
        self.stdout.write(
            "  其他镇（街道）clerk_<镇代码> / approver_<镇代码> other towns, "
            "e.g. clerk_320582103 approver_320582103"
        )
        two_factor_users = " ".join(
            username for username, role, *_ in DEMO_ACCOUNTS if role in TWO_FACTOR_ROLES
        )
        self.stdout.write(
            f"\n两步验证 Two-factor: {two_factor_users} 登录时还须输入6位动态验证码 "
            "also need a 6-digit one-time code.\n"
            f"  演示密钥 demo secret (在身份验证器中手动输入 type it into an authenticator app): "
            f"{secret_base32(DEMO_TOTP_KEY)}\n"
            "  或取当前验证码 or print the current code: "
            ".venv/bin/minzheng totp_code --username admin"
        )

    def _town_staff(self) -> dict[str, tuple[User, User]]:
        """A clerk and an approver in every town: the named demo ones, or made here."""
        staff = {}
        for town in Division.objects.filter(kind__in=TOWN_KINDS).order_by("code"):
            accounts = []
            for role, prefix in ((Role.TOWN_CLERK, "clerk"), (Role.TOWN_APPROVER, "approver")):
                user = (
                    User.objects.filter(role=role, division_code=town.code).order_by("pk").first()
                )
                if user is None:
                    user = user_create(
                        acting_user=None,
                        username=f"{prefix}_{town.code}",
                        password=DEMO_PASSWORD,
                        role=role,
                        division_code=town.code,
                        business_line="",
                    )
                accounts.append(user)
            staff[town.code] = (accounts[0], accounts[1])
        return staff
