"""Statistics of one tracker's logs: buckets in the user's time zone, streaks, completion, trend.

The computations are pure functions over (timestamp, value_num, value_text) rows, so they are
tested without a database; `tracker_stats` reads one tracker's logs and runs them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ...errors import validation_error
from ...extensions import db
from ...models import TrackerLog, User, utcnow
from .periods import period_index, period_of, periods_between
from .trackers import get_tracker, seconds_until_boundary
from .values import DEFAULT_SCALE, NUMERIC_TYPES, display_value, output_value

MAX_BUCKETS = 1000


def buckets(kind: str, rows, start: datetime, end: datetime, unit: str, tz: str) -> list[dict]:
    """count, min, max, mean, sum per day/week/month (local) over [start, end); empty buckets included."""
    periods = periods_between(unit, start, end, tz, limit=MAX_BUCKETS + 1)
    if len(periods) > MAX_BUCKETS:
        raise ValueError(f"That range has more than {MAX_BUCKETS} {unit}s; choose a larger bucket or a shorter range.")
    by_index = {p.index: {"values": [], "count": 0} for p in periods}
    numeric = kind in NUMERIC_TYPES
    for ts, num, _text in rows:
        if ts < start or ts >= end:
            continue
        slot = by_index.get(period_index(unit, ts, tz))
        if slot is None:
            continue
        slot["count"] += 1
        if numeric and num is not None:
            slot["values"].append(num)
    out = []
    for p in periods:
        slot = by_index[p.index]
        values = slot["values"]
        out.append(
            {
                "start": p.start,
                "end": p.end,
                "label": p.label,
                "count": slot["count"],
                "min": _num(kind, min(values)) if values else None,
                "max": _num(kind, max(values)) if values else None,
                "mean": round(sum(values) / len(values), 6) if values else None,
                "sum": _num(kind, sum(values)) if values else None,
            }
        )
    return out


def _num(kind: str, value: float):
    if kind == "boolean":
        return value
    return int(value) if float(value).is_integer() else round(value, 6)


def streak_timestamps(kind: str, rows) -> tuple[list, list]:
    """(counted, breaking) timestamps: a boolean's periods count with a yes and break with only a no;
    any log counts for other types (and nothing breaks a streak but an empty period)."""
    if kind == "boolean":
        return [ts for ts, num, _ in rows if num], [ts for ts, num, _ in rows if num is not None and not num]
    return [ts for ts, _, _ in rows], []


def streaks(timestamps, frequency: str, tz: str, now: datetime, breaking=(), start=None, end=None) -> dict:
    """Current and longest run of consecutive periods (of the tracker's frequency) with a counted log.

    `timestamps` are the logs that count (a boolean's yes answers; any log otherwise). The current
    streak counts back from the current period, or from the previous one when the current period has
    nothing counted yet (today is not over, so the streak is not broken), unless the current period
    already has a breaking answer (a boolean's No). Both figures are all time; `longest_in_range` is
    the longest run inside [start, end) when given.
    """
    indices = sorted({period_index(frequency, ts, tz) for ts in timestamps})
    longest = _longest(indices)
    current = 0
    present = set(indices)
    here = period_of(frequency, now, tz).index
    broken_now = here not in present and any(period_index(frequency, ts, tz) == here for ts in breaking)
    cursor = here if here in present else here - 1
    while cursor in present and not broken_now:
        current += 1
        cursor -= 1
    result = {"current": current, "longest": longest, "unit": frequency, "range": "all_time"}
    if start is not None and end is not None:
        result["longest_in_range"] = _longest(
            sorted({period_index(frequency, ts, tz) for ts in timestamps if start <= ts < end})
        )
    return result


def _longest(indices: list[int]) -> int:
    longest = run = 0
    previous = None
    for index in indices:
        run = run + 1 if previous is not None and index == previous + 1 else 1
        longest = max(longest, run)
        previous = index
    return longest


def completion_rate(timestamps, frequency: str, tz: str, start: datetime, end: datetime) -> float | None:
    """Share of the tracker's periods overlapping [start, end) that have at least one log."""
    if end <= start:
        return None
    periods = periods_between(frequency, start, end, tz, limit=200_000)
    if not periods:
        return None
    wanted = {p.index for p in periods}
    hit = {period_index(frequency, ts, tz) for ts in timestamps if start <= ts < end} & wanted
    return round(len(hit) / len(wanted), 4)


def trend(rows, start: datetime) -> dict | None:
    """Least-squares line through (days since `start`, value): slope per day, intercept at `start`, r²."""
    points = [((ts - start).total_seconds() / 86400.0, num) for ts, num, _ in rows if num is not None]
    n = len(points)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    syy = sum((y - mean_y) ** 2 for _, y in points)
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    r2 = 1.0 if syy == 0 else (sxy * sxy) / (sxx * syy)
    return {
        "slope_per_day": round(slope, 9),
        "intercept": round(intercept, 6),
        "r2": round(min(1.0, max(0.0, r2)), 6),
        "points": n,
    }


def distribution(kind: str, settings: dict, rows) -> list[dict] | None:
    """How often each answer was given (boolean, choice, rating), every possible answer listed."""
    if kind not in ("boolean", "choice", "rating"):
        return None
    counts = Counter(output_value(kind, num, text) for _, num, text in rows)
    if kind == "boolean":
        answers = [True, False]
    elif kind == "rating":
        answers = list(range(1, settings.get("scale", DEFAULT_SCALE) + 1))
    else:
        answers = list(settings.get("options", []))
        answers += sorted(a for a in counts if a not in answers and a is not None)
    return [{"value": a, "count": counts.get(a, 0)} for a in answers]


def summary(
    kind: str,
    settings: dict,
    frequency: str,
    tz: str,
    rows,
    all_timestamps,
    start: datetime,
    end: datetime,
    unit: str,
    now: datetime,
) -> dict:
    """Everything GET /stats answers, for rows in [start, end) and all timestamps of the tracker."""
    in_range = [r for r in rows if start <= r[0] < end]
    counted, breaking = streak_timestamps(kind, rows)
    values = [r[1] for r in in_range if r[1] is not None] if kind in NUMERIC_TYPES else []
    first = min(all_timestamps) if all_timestamps else None
    completion_start = max(start, first) if first else start
    return {
        "count": len(in_range),
        "min": _num(kind, min(values)) if values else None,
        "max": _num(kind, max(values)) if values else None,
        "mean": round(sum(values) / len(values), 6) if values else None,
        "sum": _num(kind, sum(values)) if values else None,
        "buckets": buckets(kind, in_range, start, end, unit, tz),
        "streak": streaks(counted, frequency, tz, now, breaking, start, end),
        "completion_rate": completion_rate(all_timestamps, frequency, tz, completion_start, min(end, now))
        if first
        else None,
        "completion_rate_all_time": completion_rate(all_timestamps, frequency, tz, first, now) if first else None,
        "trend": trend(in_range, start) if kind in ("numeric", "rating", "duration") else None,
        "distribution": distribution(kind, settings, in_range),
    }


def default_range(unit: str, now: datetime, tz: str) -> tuple[datetime, datetime]:
    """The default window: the last 30 days, 26 weeks or 12 months, ending with the current one."""
    current = period_of(unit, now, tz)
    back = {"day": 29, "week": 25, "month": 11}[unit]
    first = current
    for _ in range(back):
        first = period_of(unit, first.start - timedelta(seconds=1), tz)
    return first.start, current.end


@dataclass(frozen=True)
class TrackerStats:
    """One tracker's stats (plain data for StatsSchema) and how long they stay true."""

    body: dict
    fresh_seconds: int


def tracker_stats(
    user: User, tracker_id: int, start: datetime | None, end: datetime | None, bucket: str
) -> TrackerStats:
    """Stats of one tracker in the user's time zone, valid until a write, its next period or the next bucket."""
    tracker = get_tracker(user.id, tracker_id)
    now = utcnow()
    tz = user.timezone
    default_start, default_end = default_range(bucket, now, tz)
    start = start or (default_start if end is None else period_of(bucket, end, tz).start - _span(bucket))
    end = end or default_end
    if end <= start:
        raise validation_error({"to": "Must be after from."})
    rows = db.session.execute(
        select(TrackerLog.timestamp, TrackerLog.value_num, TrackerLog.value_text)
        .where(TrackerLog.tracker_id == tracker.id)
        .order_by(TrackerLog.timestamp)
    ).all()
    all_ts = [r[0] for r in rows]
    try:
        body = summary(
            tracker.type, tracker.settings or {}, tracker.frequency, tz, rows, all_ts, start, end, bucket, now
        )
    except ValueError as exc:
        raise validation_error({"bucket": str(exc)}) from None
    last = rows[-1] if rows else None
    body.update(
        {
            "tracker_id": tracker.id,
            "type": tracker.type,
            "frequency": tracker.frequency,
            "timezone": tz,
            "from": start,
            "to": end,
            "bucket": bucket,
            "last": None
            if last is None
            else {
                "timestamp": last[0],
                "value": output_value(tracker.type, last[1], last[2]),
                "display": display_value(tracker.type, last[1], last[2], tracker.settings),
            },
        }
    )
    # The default range moves at the next bucket; streak and due state change at the tracker's next period.
    bucket_left = int((period_of(bucket, now, tz).end - now).total_seconds())
    fresh = max(1, min(bucket_left, seconds_until_boundary([tracker], tz, now)))
    return TrackerStats(body=body, fresh_seconds=fresh)


def _span(bucket: str) -> timedelta:
    return {"day": timedelta(days=29), "week": timedelta(weeks=25), "month": timedelta(days=335)}[bucket]
