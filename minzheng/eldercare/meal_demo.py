"""Demo data of 老年助餐 (called by `minzheng.eldercare.demo`).

Eight meal points in four towns (杨舍镇 first), five run by providers and three by their
village; about 300 elders aged 60+ registered by their town's clerk, a dozen of them with two
points. Two months of meals arrive as one file per point and month through the import service
(the subsidy by category, the daily limit); on a few days an elder with two points has lunch at
both, so the second file's import records it without subsidy and raises a duplicate alert. The
older month is settled; the last one is left for the town to close.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import numpy as np

from minzheng.accounts.models import Role, User
from minzheng.eldercare import meals as services
from minzheng.eldercare.meal_models import MealPoint, MealRecord, MealRegistration
from minzheng.registry.models import Division, Person

POINTS_PER_TOWN = 2
TOWNS = 4
ELDERS = 300
TWO_POINTS = 12
FIRST_TOWNS = ("320582100", "320582101")  # 杨舍镇 and 塘桥镇: the demo accounts' towns
OPERATORS = (
    ("张家港市颐乐助餐服务有限公司", "91320582MA0MEAL01X"),
    ("张家港市惠民长者食堂管理有限公司", "91320582MA0MEAL02X"),
    ("张家港市邻里中央厨房有限公司", "91320582MA0MEAL03X"),
)


def _add_month(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _operators() -> list:
    from minzheng.eldercare.models import Provider

    staffed = list(
        Provider.objects.filter(active=True, staff__user__username="provider").distinct()
    )
    made = [
        Provider.objects.get_or_create(
            credit_code=code, defaults={"name": name, "division_code": "320582", "contact": "店长"}
        )[0]
        for name, code in OPERATORS
    ]
    return staffed + made  # the demo provider's account sees the first point it runs


def _towns() -> list[tuple[Division, User]]:
    clerks: dict[str, User] = {}
    for user in User.objects.filter(role=Role.TOWN_CLERK, is_active=True).order_by("pk"):
        clerks.setdefault(user.division_code, user)
    admin = User.objects.filter(role=Role.CITY_ADMIN, is_active=True).order_by("pk").first()
    towns = sorted(
        Division.objects.filter(kind__in=("town", "street")),
        key=lambda town: (town.code not in FIRST_TOWNS, town.code),
    )
    chosen = [town for town in towns if town.code in clerks][:TOWNS]
    chosen += [town for town in towns if town not in chosen][: TOWNS - len(chosen)]
    return [(town, clerks.get(town.code) or admin) for town in chosen if clerks or admin]


def demo_meal(*, today: dt.date, rng: np.random.Generator) -> dict[str, int]:
    if MealPoint.objects.exists():
        return {}
    towns = _towns()
    if not towns:
        return {}
    operators = _operators()
    this_month = today.replace(day=1)
    months = [_add_month(this_month, -2), _add_month(this_month, -1)]
    registered_on = _add_month(this_month, -3)
    oldest = registered_on.replace(year=registered_on.year - 60)
    points: list[tuple[MealPoint, User]] = []
    elders: dict[int, list[MealPoint]] = defaultdict(list)
    persons: dict[int, Person] = {}
    per_town = ELDERS // len(towns)
    for index, (town, clerk) in enumerate(towns):
        villages = list(
            Division.objects.filter(parent=town).order_by("code").values_list("code", "name")
        )
        town_points = []
        for number in range(POINTS_PER_TOWN):
            village = villages[int(rng.integers(0, len(villages)))] if villages else None
            at_village = number == 1 and village is not None
            run_by = operators[(index * POINTS_PER_TOWN + number) % len(operators)]
            is_village_run = (index + number) % 3 == 2
            point = services.meal_point_create(
                acting_user=clerk,
                data=services.MealPointIn(
                    name=f"{village[1]}老年助餐点" if at_village else f"{town.name}中心老年食堂",
                    division_code=village[0] if at_village else town.code,
                    address=f"{village[1] if at_village else town.name}为老服务中心一楼",
                    capacity=int(rng.integers(40, 150)),
                    operator_id=None if is_village_run else run_by.pk,
                ),
            )
            town_points.append(point)
            points.append((point, clerk))
        candidates = list(
            Person.objects.filter(
                residence_division__code__startswith=town.code,
                birth_date__lte=oldest,
                death_date__isnull=True,
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not candidates:
            continue
        chosen = rng.choice(candidates, size=min(per_town, len(candidates)), replace=False)
        for person in Person.objects.filter(pk__in=[int(pk) for pk in chosen]).order_by("pk"):
            persons[person.pk] = person
            home = town_points[int(rng.integers(0, len(town_points)))]
            services.meal_registration_create(
                acting_user=clerk, point=home, person=person, on=registered_on
            )
            elders[person.pk].append(home)
        # a few elders eat at both points of their town (near home, near a child's home)
        for person_id in [int(pk) for pk in chosen[: TWO_POINTS // len(towns)]]:
            other = next(point for point in town_points if point not in elders[person_id])
            services.meal_registration_create(
                acting_user=clerk, point=other, person=persons[person_id], on=registered_on
            )
            elders[person_id].append(other)
    # the meals, one file per point and month
    rows: dict[tuple[int, dt.date], list[str]] = defaultdict(list)
    for person_id, at in elders.items():
        person = persons[person_id]
        id_number = person.id_number
        attendance = float(rng.uniform(0.3, 0.9))
        for month in months:
            day = month
            while day < _add_month(month, 1) and day < today:
                if rng.random() < attendance:
                    point = at[0] if len(at) == 1 or rng.random() < 0.7 else at[1]
                    price = f"{int(rng.integers(12, 19))}.00"
                    rows[(point.pk, month)].append(f"{id_number},{person.name},{day},午餐,{price}")
                    if rng.random() < 0.15:
                        rows[(point.pk, month)].append(
                            f"{id_number},{person.name},{day},晚餐,{price}"
                        )
                    if len(at) == 2 and rng.random() < 0.03:  # lunch at the other point too
                        other = at[1] if point == at[0] else at[0]
                        rows[(other.pk, month)].append(
                            f"{id_number},{person.name},{day},午餐,{price}"
                        )
                day += dt.timedelta(days=1)
    by_id = {point.pk: (point, clerk) for point, clerk in points}
    imports = 0
    for month in months:
        for point, clerk in points:
            lines = rows.get((point.pk, month))
            if not lines:
                continue
            recorder = clerk
            if point.operator_id is not None:
                staff = point.operator.staff.filter(user__is_active=True).first()
                recorder = staff.user if staff is not None else clerk
            content = ("公民身份号码,姓名,就餐日期,餐次,餐费\n" + "\n".join(lines) + "\n").encode()
            services.meal_records_import(
                acting_user=recorder,
                point=by_id[point.pk][0],
                content=content,
                filename=f"{point.name}{month:%Y-%m}就餐记录.csv",
                today=today,
            )
            imports += 1
    settled = 0
    for point, clerk in points:
        services.meal_settlement_close(acting_user=clerk, point=point, month=months[0], today=today)
        settled += 1
    return {
        "meal_points": len(points),
        "meal_registrations": MealRegistration.objects.count(),
        "meal_records": MealRecord.objects.count(),
        "meal_duplicates": MealRecord.objects.filter(subsidy_status="duplicate").count(),
        "meal_imports": imports,
        "meal_settlements": settled,
    }
