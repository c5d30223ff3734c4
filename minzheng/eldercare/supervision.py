"""Supervision of home-service visits (居家上门服务监管): rules over a month of done visits, and the
town's decision on a flagged visit (准予结算 / 不予结算).

The rules run in bulk: one query reads the month's done, unsettled visits with what the rules
need (the item's shortest acceptable time, the elder's home location and death date), a few
more read the caregivers' other visits, the photos of the neighbouring months and the hospital
stays; the rules themselves are column operations (Polars, NumPy). Each visit gets
`WorkOrder.flags`, a list of {"code", "detail"} in the order of `FLAGS`, and `supervised_at`;
each held visit raises one alert ("eldercare.visit_flagged", key "visit:<pk>").

Running again changes nothing that did not change: a visit whose flags are the same is not
written, an alert is raised once per visit, and a visit the town has cleared stays cleared.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.db import connection, transaction
from django.db.models import F, FloatField, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.alerts.models import Alert, Outcome
from minzheng.alerts.services import AlertIn, alert_close, alerts_raise
from minzheng.audit.services import audit_record
from minzheng.eldercare.access import city_check
from minzheng.eldercare.errors import EldercareError
from minzheng.eldercare.models import WorkOrder
from minzheng.eldercare.workflows import WORK_ORDER
from minzheng.rules.parameters import add_months, month_end, parameters_at
from minzheng.workflow.services import transition_check, transition_perform

FLAGS: dict[str, str] = {
    "too_short": "服务时长不足",
    "no_location": "缺少签到或签退定位",
    "too_far": "定位距老人住址过远",
    "overlap": "同一护理员服务时间重叠",
    "elder_dead": "服务日老人已死亡",
    "in_hospital": "服务日老人住院",
    "photo_reused": "照片与其他工单重复",
}
ALERT_KIND = "eldercare.visit_flagged"
# Hospital in-patient stays (住院), from the 医保局: an exchange signal of this kind whose `on` is
# the admission date and whose data may hold "discharged_on" (YYYY-MM-DD; absent: still in).
HOSPITAL_KIND = "hospital_stay"
EARTH_RADIUS_M = 6_371_000.0
CHUNK = 900  # ids per `pk__in` (SQLite's parameter limit, with room to spare)


def alert_key(order_id: int) -> str:
    return f"visit:{order_id}"


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """The first and the last day of `month`."""
    return month.replace(day=1), month_end(month)


def haversine_m(lat1, lng1, lat2, lng2):  # arrays or floats -> metres
    """Great-circle distance in metres (NumPy; works element-wise on arrays)."""
    lat1, lng1, lat2, lng2 = (
        np.radians(np.asarray(v, dtype=float)) for v in (lat1, lng1, lat2, lng2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def overlapping(caregivers, starts, ends, grace: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """For visits (caregiver, start, end) in any order: which share more than `grace` (same
    unit as the times) with another visit of the same caregiver, and the index of one such visit
    (-1 where none). Touching visits (one ends when the next starts) do not overlap.

    Two visits share more than `grace` exactly when their intervals, each cut short by `grace`
    at its end, overlap; a visit no longer than `grace` overlaps nothing. Then one sweep per
    caregiver in order of start: a visit overlaps an earlier one when it starts before the latest
    end so far, and a later one when the next visit starts before it ends.
    """
    caregivers = np.asarray(caregivers)
    starts = np.asarray(starts, dtype=float)
    ends = np.asarray(ends, dtype=float) - grace
    n = len(starts)
    found = np.zeros(n, dtype=bool)
    other = np.full(n, -1, dtype=np.int64)
    keep = np.flatnonzero(ends > starts)
    m = len(keep)
    if m < 2:
        return found, other
    order = keep[np.lexsort((ends[keep], starts[keep], caregivers[keep]))]
    cg, st, en = caregivers[order], starts[order], ends[order]
    # the latest end among the visits of the same caregiver so far, and which visit it was
    frame = pl.DataFrame({"cg": cg, "en": en, "i": np.arange(m)})
    frame = frame.with_columns(pl.col("en").cum_max().over("cg").alias("max_en"))
    frame = frame.with_columns(
        pl.when(pl.col("en") == pl.col("max_en")).then(pl.col("i")).otherwise(None).alias("arg")
    ).with_columns(pl.col("arg").forward_fill().over("cg"))
    same = np.zeros(m, dtype=bool)
    same[1:] = cg[1:] == cg[:-1]
    prev_max = np.full(m, -np.inf)
    prev_max[1:] = frame["max_en"].to_numpy()[:-1]
    prev_arg = np.full(m, -1, dtype=np.int64)
    prev_arg[1:] = frame["arg"].to_numpy()[:-1]
    with_earlier = same & (st < prev_max)
    with_later = np.zeros(m, dtype=bool)
    with_later[:-1] = same[1:] & (st[1:] < en[:-1])
    partner = np.where(with_earlier, prev_arg, np.where(with_later, np.arange(1, m + 1), -1))
    found[order] = with_earlier | with_later
    other[order] = np.where(partner >= 0, order[np.clip(partner, 0, m - 1)], -1)
    return found, other


@dataclass
class SupervisionResult:
    month: dt.date
    visits: int = 0  # done, unsettled visits of the month looked at
    flagged: int = 0  # of which held (flagged and not cleared)
    changed: int = 0  # visits whose flags were written by this run
    alerts: int = 0  # new alerts
    by_code: dict[str, int] = field(default_factory=dict)


def _photo_owners(first: dt.date, last: dt.date) -> dict[str, set[int]]:
    """Photo SHA-256 -> the visits (of the month and the one before) whose check-in or check-out
    carries it, for the photos on more than one visit only."""
    query = (
        WorkOrder.objects.filter(scheduled_on__gte=add_months(first, -1), scheduled_on__lte=last)
        .filter(~Q(check_in_photo="") | ~Q(check_out_photo=""))
        .values_list("pk", "check_in_photo", "check_out_photo")
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        data = cursor.fetchall()
    if not data:
        return {}
    frame = pl.DataFrame(data, schema=["pk", "in", "out"], orient="row")
    photos = (
        pl.concat(
            [
                frame.select("pk", pl.col("in").alias("photo")),
                frame.select("pk", pl.col("out").alias("photo")),
            ]
        )
        .filter(pl.col("photo") != "")
        .unique()
        .filter(pl.col("pk").count().over("photo") > 1)
    )
    owners: dict[str, set[int]] = {}
    for pk, photo in photos.iter_rows():
        owners.setdefault(photo, set()).add(pk)
    return owners


def _hospital_stays(person_ids: set[int], first: dt.date, last: dt.date) -> dict[int, list]:
    """Person -> [(admitted, discharged or None)] of the stays that may cover a day of the
    month (admitted in the year before its end).

    A stay still open at a month's end comes again in a later month's file with its discharge
    date: the same person and admission day are one stay, and its discharge date wins.
    """
    from minzheng.exchange.models import Signal

    known: dict[tuple[int, dt.date], dt.date | None] = {}
    rows = Signal.objects.filter(
        kind=HOSPITAL_KIND, on__lte=last, on__gte=first - dt.timedelta(days=366)
    ).values_list("person_id", "on", "data")
    for person_id, admitted, data in rows:
        if person_id not in person_ids:
            continue
        out = (data or {}).get("discharged_on")
        discharged = dt.date.fromisoformat(out) if out else None
        key = (person_id, admitted)
        if key not in known or known[key] is None:
            known[key] = discharged
    stays: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for (person_id, admitted), discharged in known.items():
        if discharged is not None and discharged < first:
            continue
        stays.setdefault(person_id, []).append((admitted, discharged))
    return stays


def in_hospital(day: dt.date, stays: list[tuple[dt.date, dt.date | None]]) -> bool:
    """A whole day in hospital: after the admission day and before the discharge day (on those
    two days the elder may well have been at home)."""
    return any(admitted < day and (out is None or day < out) for admitted, out in stays)


def visit_flags(
    orders: list[dict],
    *,
    max_distance_m: float,
    overlap_grace_s: float,
    photo_owners: dict[str, set[int]],
    stays: dict[int, list],
) -> list[list[dict[str, str]]]:
    """The flags of each visit (a row of `_visits`), in the order of `FLAGS`."""
    n = len(orders)
    if n == 0:
        return []
    col = {name: [row[name] for row in orders] for name in orders[0]}
    check_in = np.array(col["check_in_at"], dtype=float)
    check_out = np.array(col["check_out_at"], dtype=float)
    minutes = (check_out - check_in) / 60.0
    min_minutes = np.array([v or 0 for v in col["min_minutes"]], dtype=float)
    too_short = minutes < min_minutes

    def floats(name: str) -> np.ndarray:  # None -> NaN
        return np.array([float(v) if v is not None else np.nan for v in col[name]], dtype=float)

    in_lat, in_lng, out_lat, out_lng = (
        floats(name) for name in ("check_in_lat", "check_in_lng", "check_out_lat", "check_out_lng")
    )
    home_lat, home_lng = floats("home_lat"), floats("home_lng")
    no_location = np.isnan(in_lat) | np.isnan(in_lng) | np.isnan(out_lat) | np.isnan(out_lng)
    with np.errstate(invalid="ignore"):
        dist_in = haversine_m(in_lat, in_lng, home_lat, home_lng)
        dist_out = haversine_m(out_lat, out_lng, home_lat, home_lng)
    far_in = np.nan_to_num(dist_in, nan=0.0) > max_distance_m
    far_out = np.nan_to_num(dist_out, nan=0.0) > max_distance_m

    caregivers = np.array([v if v is not None else -1 for v in col["caregiver_id"]])
    timed = (caregivers >= 0) & ~np.isnan(check_in) & ~np.isnan(check_out)
    overlap = np.zeros(n, dtype=bool)
    other = np.full(n, -1, dtype=np.int64)
    idx = np.flatnonzero(timed)
    hit, partner = overlapping(caregivers[idx], check_in[idx], check_out[idx], overlap_grace_s)
    overlap[idx] = hit
    other[idx] = np.where(partner >= 0, idx[np.clip(partner, 0, None)], -1)

    result: list[list[dict[str, str]]] = []
    for i, row in enumerate(orders):
        day = row["day"]
        flags: list[dict[str, str]] = []
        if too_short[i]:
            flags.append(
                {
                    "code": "too_short",
                    "detail": f"服务{math.floor(minutes[i])}分钟，"
                    f"少于该项目最短{int(min_minutes[i])}分钟",
                }
            )
        if no_location[i]:
            flags.append({"code": "no_location", "detail": "签到或签退没有定位"})
        if far_in[i] or far_out[i]:
            parts = []
            if far_in[i]:
                parts.append(f"签到距住址{round(dist_in[i])}米")
            if far_out[i]:
                parts.append(f"签退距住址{round(dist_out[i])}米")
            flags.append(
                {"code": "too_far", "detail": "，".join(parts) + f"，超过{round(max_distance_m)}米"}
            )
        if overlap[i]:
            partner_number = orders[other[i]]["number"] if other[i] >= 0 else ""
            flags.append(
                {
                    "code": "overlap",
                    "detail": f"与同一护理员的工单{partner_number}服务时间重叠"
                    if partner_number
                    else "与同一护理员的其他工单服务时间重叠",
                }
            )
        death = row["death_date"]
        if death is not None and death <= day:
            flags.append(
                {"code": "elder_dead", "detail": f"老人已于{death.isoformat()}死亡，服务日为{day}"}
            )
        elder_stays = stays.get(row["person_id"])
        if elder_stays and in_hospital(day, elder_stays):
            flags.append({"code": "in_hospital", "detail": f"服务日{day}老人住院"})
        reused = set()
        for photo in {row["check_in_photo"], row["check_out_photo"]} - {""}:
            reused |= photo_owners.get(photo, set()) - {row["pk"]}
        if reused:
            flags.append(
                {"code": "photo_reused", "detail": f"照片与其他{len(reused)}张工单的照片相同"}
            )
        result.append(flags)
    return result


_COLUMNS = {
    "v_pk": F("pk"),
    "v_number": F("number"),
    "v_person_id": F("person_id"),
    "v_caregiver_id": F("caregiver_id"),
    "v_division_code": F("division_code"),
    "v_scheduled_on": Cast("scheduled_on", TextField()),
    "v_check_in_at": Cast("check_in_at", TextField()),
    "v_check_out_at": Cast("check_out_at", TextField()),
    "v_check_in_lat": Cast("check_in_lat", FloatField()),
    "v_check_in_lng": Cast("check_in_lng", FloatField()),
    "v_check_out_lat": Cast("check_out_lat", FloatField()),
    "v_check_out_lng": Cast("check_out_lng", FloatField()),
    "v_check_in_photo": F("check_in_photo"),
    "v_check_out_photo": F("check_out_photo"),
    "v_flags": F("flags"),
    "v_flags_cleared": F("flags_cleared"),
    "v_supervised_at": Cast("supervised_at", TextField()),
    "v_min_minutes": F("item__min_minutes"),
    "v_item_name": F("item__name"),
    "v_home_lat": Cast("person__elder_profile__home_lat", FloatField()),
    "v_home_lng": Cast("person__elder_profile__home_lng", FloatField()),
    "v_death_date": Cast("person__death_date", TextField()),
}


def _datetimes(series: pl.Series) -> pl.Series:
    """Timestamps read as text in UTC (both databases' connections run in UTC), to the second."""
    if series.dtype == pl.Null:
        return series.cast(pl.Datetime("us", "UTC"))
    return series.str.slice(0, 19).str.to_datetime(
        "%Y-%m-%d %H:%M:%S", time_unit="us", time_zone="UTC", strict=False
    )


def _dates(series: pl.Series) -> pl.Series:
    if series.dtype == pl.Null:
        return series.cast(pl.Date)
    return series.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)


def _visits(scope: Q) -> list[dict]:
    """The done, unsettled visits in `scope`, with what the rules need: one query, read raw
    (times and dates as text) and converted column by column (Polars), not row by row. Times
    come as epoch seconds (NaN when missing), with `day`, the local date of the check-in (or the
    scheduled day)."""
    query = (
        WorkOrder.objects.filter(scope, state="done", settlement__isnull=True)
        .order_by("pk")
        .values(**_COLUMNS)
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [column[0].removeprefix("v_") for column in cursor.description]
        data = cursor.fetchall()
    if not data:
        return []
    frame = pl.DataFrame(data, schema=names, orient="row", infer_schema_length=None)
    zone = str(timezone.get_current_timezone())
    check_in, check_out = _datetimes(frame["check_in_at"]), _datetimes(frame["check_out_at"])
    scheduled = _dates(frame["scheduled_on"])
    day = check_in.dt.convert_time_zone(zone).dt.date().fill_null(scheduled)
    frame = frame.with_columns(
        (check_in.dt.epoch("ms").cast(pl.Float64) / 1000).alias("check_in_at"),
        (check_out.dt.epoch("ms").cast(pl.Float64) / 1000).alias("check_out_at"),
        scheduled.alias("scheduled_on"),
        day.alias("day"),
        _dates(frame["death_date"]).alias("death_date"),
    )
    rows = frame.to_dicts()
    for row in rows:
        flags = row["flags"]
        if flags == "[]" or not flags:
            row["flags"] = []
        elif isinstance(flags, str):
            row["flags"] = json.loads(flags)
        row["flags_cleared"] = bool(row["flags_cleared"])
        for name in ("check_in_at", "check_out_at"):
            if row[name] is None:
                row[name] = math.nan
    return rows


def _alert_in(row: dict, flags: list[dict[str, str]]) -> AlertIn:
    labels = "、".join(FLAGS[flag["code"]] for flag in flags)
    return AlertIn(
        kind=ALERT_KIND,
        key=alert_key(row["pk"]),
        division_code=row["division_code"],
        reason=f"上门服务工单{row['number']}（{row['scheduled_on']}，{row['item_name']}）：{labels}",
        data={"order": row["number"], "codes": [flag["code"] for flag in flags]},
        person_id=row["person_id"],
    )


def _write(unflagged: list[int], flagged: list[tuple[int, list]], now: dt.datetime) -> None:
    """Set the flags and `supervised_at` of many visits: a few statements, not one per visit
    (the visits have no other change; `updated_at` moves with them)."""
    table = connection.ops.quote_name(WorkOrder._meta.db_table)
    stamp = connection.ops.adapt_datetimefield_value(now)
    update = f"UPDATE {table} SET flags = %s, supervised_at = %s, updated_at = %s WHERE id"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(unflagged), CHUNK):
            ids = unflagged[start : start + CHUNK]
            cursor.execute(
                f"{update} IN ({', '.join(['%s'] * len(ids))})", ["[]", stamp, stamp, *ids]
            )
        if flagged:
            rows = [(json.dumps(found), stamp, stamp, pk) for pk, found in flagged]
            cursor.executemany(f"{update} = %s", rows)


def _apply(
    rows: list[dict], flags: list[list[dict[str, str]]], now: dt.datetime
) -> tuple[int, list[AlertIn]]:
    """Write the flags that changed (a cleared visit is left as it is); the alerts to raise."""
    unflagged_new: list[int] = []
    changed: list[tuple[int, list]] = []
    alerts: list[AlertIn] = []
    for row, found in zip(rows, flags, strict=True):
        if row["flags_cleared"]:
            continue  # the town has looked at it: cleared stays cleared
        if found:
            alerts.append(_alert_in(row, found))
        if found == (row["flags"] or []) and row["supervised_at"] is not None:
            continue
        if found:
            changed.append((row["pk"], found))
        else:
            unflagged_new.append(row["pk"])
    _write(unflagged_new, changed, now)
    return len(unflagged_new) + len(changed), alerts


@transaction.atomic
def supervise(
    *, acting_user: User | None, month: dt.date, on: dt.date, person_id: int | None = None
) -> SupervisionResult:
    """Run the supervision rules over the month's done, unsettled visits (city-wide).

    `acting_user` None is the nightly task; else the city's eldercare staff or administrator.
    `person_id` limits the run to one elder's visits (after a death or a hospital stay).
    """
    if acting_user is not None:
        city_check(user=acting_user)
    first, last = month_bounds(month)
    params = parameters_at(f"{first:%Y-%m}")
    max_distance_m = float(params.get("eldercare.supervision.max_distance_m").value)
    grace_minutes = float(params.get("eldercare.supervision.overlap_grace_minutes").value)
    scope = Q(scheduled_on__gte=first, scheduled_on__lte=last)
    rows = _visits(scope)
    if person_id is not None:
        # the caregivers' other visits still count for overlaps: read them all, keep the elder's
        keep = {row["pk"] for row in rows if row["person_id"] == person_id}
    else:
        keep = None
    stays = _hospital_stays({row["person_id"] for row in rows}, first, last)
    flags = visit_flags(
        rows,
        max_distance_m=max_distance_m,
        overlap_grace_s=grace_minutes * 60,
        photo_owners=_photo_owners(first, last),
        stays=stays,
    )
    if keep is not None:
        pairs = [(row, found) for row, found in zip(rows, flags, strict=True) if row["pk"] in keep]
        rows, flags = [p[0] for p in pairs], [p[1] for p in pairs]
    now = timezone.now()
    changed, alerts = _apply(rows, flags, now)
    raised = alerts_raise(acting_user=acting_user, alerts=alerts, on=on)
    by_code = Counter(
        flag["code"]
        for row, found in zip(rows, flags, strict=True)
        if not row["flags_cleared"]
        for flag in found
    )
    result = SupervisionResult(
        month=first,
        visits=len(rows),
        flagged=len(alerts),
        changed=changed,
        alerts=raised,
        by_code={code: by_code[code] for code in FLAGS if by_code[code]},
    )
    if changed or raised:
        audit_record(
            actor=acting_user,
            action="eldercare.supervision.run",
            target=None,
            data={
                "month": f"{first:%Y-%m}",
                "visits": result.visits,
                "flagged": result.flagged,
                "changed": changed,
                "alerts": raised,
                "by_code": result.by_code,
                **({"person": person_id} if person_id is not None else {}),
            },
        )
    return result


# --- the town's decision on a flagged visit ---------------------------------------------------


def _decision_problems(order: WorkOrder, reason: str) -> list[tuple[str, str, str]]:
    problems = []
    if not order.flags:
        problems.append(("order", "该工单没有监管疑点，无需核实", "the visit is not flagged"))
    elif order.flags_cleared:
        problems.append(("order", "该工单已核实准予结算", "the visit was already cleared"))
    if order.settlement_id is not None:
        problems.append(("order", "该工单已结算", "the visit is already settled"))
    if not reason.strip():
        problems.append(("reason", "请填写核实情况", "give the reason"))
    elif len(reason) > 500:
        problems.append(("reason", "核实情况不能超过500字", "the reason is too long"))
    return problems


def _alert_close(acting_user: User, order: WorkOrder, outcome: str, note: str, on: dt.date) -> None:
    alert = (
        Alert.objects.filter(key=alert_key(order.pk), state__in=("open", "assigned"))
        .order_by("pk")
        .first()
    )
    if alert is not None:
        alert_close(
            acting_user=acting_user,
            alert=alert,
            outcome=outcome,
            note=note,
            on=max(on, alert.raised_on),
        )


@transaction.atomic
def order_clear(*, acting_user: User, order: WorkOrder, reason: str, on: dt.date) -> WorkOrder:
    """准予结算: the town found the flagged visit was really delivered; it is paid in the next
    settlement. Closes the visit's alert (无需处理)."""
    transition_check(workflow=WORK_ORDER, case=order, name="clear", acting_user=acting_user)
    problems = _decision_problems(order, reason)
    if problems:
        raise EldercareError(problems)
    transition_perform(
        workflow=WORK_ORDER,
        case=order,
        name="clear",
        acting_user=acting_user,
        on=on,
        note=reason.strip(),
        data={"codes": [flag["code"] for flag in order.flags]},
        changes={"flags_cleared": True},
    )
    _alert_close(acting_user, order, Outcome.NO_ACTION, f"准予结算：{reason.strip()}", on)
    return order


@transaction.atomic
def order_refuse(*, acting_user: User, order: WorkOrder, reason: str, on: dt.date) -> WorkOrder:
    """不予结算: the town confirmed the problem; the visit is never paid. Closes the alert
    (已按提示办理)."""
    transition_check(workflow=WORK_ORDER, case=order, name="refuse", acting_user=acting_user)
    problems = _decision_problems(order, reason)
    if problems:
        raise EldercareError(problems)
    transition_perform(
        workflow=WORK_ORDER,
        case=order,
        name="refuse",
        acting_user=acting_user,
        on=on,
        note=reason.strip(),
        data={"codes": [flag["code"] for flag in order.flags]},
    )
    _alert_close(acting_user, order, Outcome.DONE, f"不予结算：{reason.strip()}", on)
    return order


def supervision_death_effects(*, acting_user: User | None, person, on: dt.date) -> list[str]:
    """After a death: flag the person's done, unsettled visits on or after the death date
    (supervision of their months, limited to the person); audited by `supervise`."""
    days = list(
        WorkOrder.objects.filter(
            person_id=person.pk, state="done", settlement__isnull=True, scheduled_on__gte=on
        )
        .values_list("scheduled_on", flat=True)
        .distinct()
    )
    months = sorted({day.replace(day=1) for day in days})
    flagged = 0
    for month in months:
        result = supervise(acting_user=None, month=month, on=on, person_id=person.pk)
        flagged += result.by_code.get("elder_dead", 0)
    if not flagged:
        return []
    return [f"死亡后的{flagged}次上门服务已标记疑点，暂缓结算"]
