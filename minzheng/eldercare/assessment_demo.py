"""Demo data of one eldercare part (called by `minzheng.eldercare.demo`)."""

from __future__ import annotations

import datetime as dt

import numpy as np


def demo_assessment(*, today: dt.date, rng: np.random.Generator) -> dict[str, int]:
    return {}
