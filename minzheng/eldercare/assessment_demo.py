"""Demo data: ability assessments for about one in six elders aged 70 and over, made through
the service by their town's clerk, and their reassessment alerts."""

from __future__ import annotations

import datetime as dt

import numpy as np

from minzheng.accounts.models import Role, User
from minzheng.eldercare.assessments import (
    AssessmentIn,
    assessment_record,
    reassessment_alerts_raise,
)
from minzheng.registry.models import Person
from minzheng.registry.selectors import years_before
from minzheng.rules.ability import ITEMS

SHARE = 1 / 6
ASSESSORS = ("张敏、陆建华", "钱丽、周强", "顾晓燕、沈伟")


def demo_assessment(*, today: dt.date, rng: np.random.Generator) -> dict[str, int]:
    clerks = {
        user.division_code: user
        for user in User.objects.filter(role=Role.TOWN_CLERK, is_active=True).order_by("-pk")
    }
    elders = list(
        Person.objects.filter(
            death_date__isnull=True, birth_date__lte=years_before(today, 70)
        ).order_by("pk")
    )
    chosen = [person for person in elders if rng.random() < SHARE]
    made = 0
    for person in chosen:
        clerk = clerks.get(person.residence_division_id[:9])
        if clerk is None:
            continue
        # Ability falls with age; a few are very frail.
        age = (today - person.birth_date).days / 365.25
        capacity = float(np.clip(rng.normal(1.25 - age / 100, 0.25), 0.02, 1.0))
        items = {number: int(rng.binomial(maximum, capacity)) for number, _, maximum in ITEMS}
        assessed_on = today - dt.timedelta(days=int(rng.integers(10, 420)))
        assessment_record(
            acting_user=clerk,
            person=person,
            data=AssessmentIn(
                assessed_on=assessed_on,
                reason="initial",
                assessors=ASSESSORS[made % len(ASSESSORS)],
                items=items,
                dementia=bool(rng.random() < 0.04),
                risk_events_30d=int(rng.random() < 0.05) * 2,
            ),
        )
        made += 1
    alerts = reassessment_alerts_raise(on=today)
    return {"能力评估 assessments": made, "到期复评预警 reassessments due": alerts}
