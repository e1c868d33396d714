"""Logs: add, edit and delete a tracker's logs, values checked by the tracker's type."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ... import cache as tb_cache
from ...errors import not_found, validation_error
from ...extensions import db
from ...models import Tracker, TrackerLog, User, utcnow
from ..sql import Page, paginate
from .periods import UTC, zone
from .trackers import get_tracker
from .values import ValueRejected, parse_value

FUTURE_TOLERANCE = timedelta(minutes=5)


def parse_timestamp(raw, tz: str) -> datetime:
    """An ISO-8601 timestamp; one without an offset is read in the user's time zone. ValueRejected if bad."""
    if isinstance(raw, datetime):
        value = raw
    elif isinstance(raw, str) and raw.strip():
        text = raw.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise ValueRejected("Not an ISO-8601 date and time (like 2026-11-22T09:30:00Z).") from None
    else:
        raise ValueRejected("Not an ISO-8601 date and time (like 2026-11-22T09:30:00Z).")
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(tz))
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 or 9999 shifted past the calendar's ends
        raise ValueRejected("Must be in 1970 or later, and not in the future.") from None
    if value.year < 1970:
        raise ValueRejected("Must be in 1970 or later.")
    if value > utcnow() + FUTURE_TOLERANCE:
        raise ValueRejected("Cannot be in the future.")
    return value


def logs_query(tracker: Tracker, start: datetime | None = None, end: datetime | None = None):
    """The tracker's logs, newest first, optionally within [start, end)."""
    stmt = select(TrackerLog).where(TrackerLog.tracker_id == tracker.id)
    if start is not None:
        stmt = stmt.where(TrackerLog.timestamp >= start)
    if end is not None:
        stmt = stmt.where(TrackerLog.timestamp < end)
    return stmt.order_by(TrackerLog.timestamp.desc(), TrackerLog.id.desc())


def list_logs(
    user: User, tracker_id: int, start: datetime | None, end: datetime | None, page: int, per_page: int
) -> tuple[Tracker, Page]:
    """A page of the user's tracker's logs, newest first, optionally within [start, end)."""
    tracker = get_tracker(user.id, tracker_id)
    return tracker, paginate(logs_query(tracker, start, end), page, per_page)


def get_log(user_id: int, tracker_id: int, log_id: int) -> tuple[Tracker, TrackerLog]:
    """The user's log of that tracker, or a 404."""
    tracker = get_tracker(user_id, tracker_id)
    entry = db.session.scalar(select(TrackerLog).where(TrackerLog.id == log_id, TrackerLog.tracker_id == tracker.id))
    if entry is None:
        raise not_found("Log")
    return tracker, entry


def _value_or_400(tracker: Tracker, raw) -> tuple[float | None, str | None]:
    try:
        return parse_value(tracker.type, tracker.settings or {}, raw)
    except ValueRejected as exc:
        raise validation_error({"value": str(exc)}) from None


def _timestamp_or_400(raw, tz: str) -> datetime:
    try:
        return parse_timestamp(raw, tz)
    except ValueRejected as exc:
        raise validation_error({"timestamp": str(exc)}) from None


def create_log(user: User, tracker_id: int, data: dict) -> tuple[Tracker, TrackerLog]:
    """Add a log: value validated by the tracker's type, timestamp defaulting to now."""
    tracker = get_tracker(user.id, tracker_id)
    num, text = _value_or_400(tracker, data.get("value"))
    raw_ts = data.get("timestamp")
    ts = utcnow() if raw_ts in (None, "") else _timestamp_or_400(raw_ts, user.timezone)
    entry = TrackerLog(tracker_id=tracker.id, timestamp=ts, value_num=num, value_text=text, note=data.get("note") or "")
    db.session.add(entry)
    tb_cache.clear_tracking_user(user.id)
    db.session.commit()
    return tracker, entry


def update_log(user: User, tracker_id: int, log_id: int, changes: dict) -> tuple[Tracker, TrackerLog]:
    """Edit a log's value, timestamp or note."""
    tracker, entry = get_log(user.id, tracker_id, log_id)
    if "value" in changes:
        entry.value_num, entry.value_text = _value_or_400(tracker, changes["value"])
    if "timestamp" in changes:
        entry.timestamp = _timestamp_or_400(changes["timestamp"], user.timezone)
    if "note" in changes:
        entry.note = changes["note"] or ""
    tb_cache.clear_tracking_user(user.id)
    db.session.commit()
    return tracker, entry


def delete_log(user: User, tracker_id: int, log_id: int) -> None:
    """Delete one log."""
    _tracker, entry = get_log(user.id, tracker_id, log_id)
    db.session.delete(entry)
    tb_cache.clear_tracking_user(user.id)
    db.session.commit()
