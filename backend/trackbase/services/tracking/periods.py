"""Periods in a user's time zone: hours, days, ISO weeks, months — boundaries, keys and indices.

Every boundary is computed on the local wall clock and converted back to UTC, so a day that
contains a DST change is 23 or 25 hours long and a local hour that occurs twice (autumn) counts
as two distinct hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

BUCKETS = ("day", "week", "month")


@lru_cache(maxsize=1024)
def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo for an IANA name; unknown or empty names fall back to UTC."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class Period:
    """One period: its stable key, its UTC bounds [start, end), and a consecutive integer index."""

    key: str
    start: datetime
    end: datetime
    index: int
    label: str


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a local date.

    Where midnight does not exist (a DST jump at 00:00), zoneinfo's fold=0 reading of 00:00 uses the
    offset before the jump, which is exactly the instant of the jump: the day's first real moment.
    """
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _month_start(year: int, month: int) -> date:
    while month > 12:
        year, month = year + 1, month - 12
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, 1)


def period_of(unit: str, instant: datetime, tz_name: str | None) -> Period:
    """The period (hourly/daily/weekly/monthly, or bucket day/week/month) containing `instant`."""
    tz = zone(tz_name)
    instant = instant.astimezone(UTC)
    local = instant.astimezone(tz)
    if unit == "hourly":
        start = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        end = start + timedelta(hours=1)
        # A local hour never spans less than an hour, but one that a DST jump shortens ends at the next boundary.
        next_local = (start + timedelta(hours=1)).astimezone(tz)
        if next_local.minute != 0:
            end = next_local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
            if end <= start:
                end = start + timedelta(hours=1)
        label = start.astimezone(tz).strftime("%Y-%m-%d %H:00")
        return Period(f"H{start.strftime('%Y%m%dT%H%MZ')}", start, end, int(start.timestamp() // 3600), label)
    if unit in ("daily", "day"):
        day = local.date()
        start, end = _local_midnight(day, tz), _local_midnight(day + timedelta(days=1), tz)
        return Period(f"D{day.isoformat()}", start, end, day.toordinal(), day.isoformat())
    if unit in ("weekly", "week"):
        monday = local.date() - timedelta(days=local.weekday())
        start, end = _local_midnight(monday, tz), _local_midnight(monday + timedelta(days=7), tz)
        iso = monday.isocalendar()
        return Period(f"W{iso.year}-{iso.week:02d}", start, end, monday.toordinal() // 7, f"{iso.year}-W{iso.week:02d}")
    if unit in ("monthly", "month"):
        first = local.date().replace(day=1)
        nxt = _month_start(first.year, first.month + 1)
        start, end = _local_midnight(first, tz), _local_midnight(nxt, tz)
        return Period(
            f"M{first.strftime('%Y-%m')}", start, end, first.year * 12 + first.month - 1, first.strftime("%Y-%m")
        )
    raise ValueError(f"unknown period unit {unit!r}")


def previous_period(unit: str, period: Period, tz_name: str | None) -> Period:
    """The period just before `period`."""
    return period_of(unit, period.start - timedelta(seconds=1), tz_name)


def periods_between(
    unit: str, start: datetime, end: datetime, tz_name: str | None, limit: int = 100_000
) -> list[Period]:
    """Every period that overlaps [start, end), in order (at most `limit`)."""
    out: list[Period] = []
    period = period_of(unit, start, tz_name)
    while period.start < end and len(out) < limit:
        out.append(period)
        period = period_of(unit, period.end, tz_name)
    return out


def period_index(unit: str, instant: datetime, tz_name: str | None) -> int:
    """The consecutive integer index of the period containing `instant`; equal to period_of(...).index,
    computed without building the period's bounds (the hot path of streaks and buckets)."""
    local = instant.astimezone(zone(tz_name))
    if unit == "hourly":
        into_hour = local.minute * 60 + local.second + local.microsecond / 1_000_000
        return int((instant.timestamp() - into_hour) // 3600)
    if unit in ("daily", "day"):
        return local.toordinal()
    if unit in ("weekly", "week"):
        return (local.toordinal() - local.weekday()) // 7
    if unit in ("monthly", "month"):
        return local.year * 12 + local.month - 1
    raise ValueError(f"unknown period unit {unit!r}")


def local_parts(instant: datetime, tz_name: str | None) -> datetime:
    """The instant on the user's wall clock."""
    return instant.astimezone(zone(tz_name))
