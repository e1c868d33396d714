"""Trackers: CRUD with ownership and type conversion, and the dashboard's summaries."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from ... import cache as tb_cache
from ...errors import ApiError, conflict, not_found, validation_error
from ...extensions import db
from ...models import Tracker, TrackerLog, User, utcnow
from .. import products
from ..sql import Page, paginate
from .periods import Period, period_of
from .values import NUMERIC_TYPES, ValueRejected, clean_settings, convert_value, display_value, output_value, text_value

SPARKLINE_POINTS = 20
CACHE_MAX_SECONDS = 300


def get_tracker(user_id: int, tracker_id: int) -> Tracker:
    """The user's tracker, or a 404 (another user's tracker does not exist for them)."""
    tracker = db.session.scalar(select(Tracker).where(Tracker.id == tracker_id, Tracker.user_id == user_id))
    if tracker is None:
        raise not_found("Tracker")
    return tracker


def trackers_query(user_id: int, archived: str = "false"):
    """The user's trackers in their manual order (PUT /trackers/order), then by name; archived = "false"
    (default), "true" or "all"."""
    stmt = select(Tracker).where(Tracker.user_id == user_id)
    if archived != "all":
        stmt = stmt.where(Tracker.archived.is_(archived == "true"))
    return stmt.order_by(Tracker.position.is_(None), Tracker.position, Tracker.name, Tracker.id)


def set_order(user: User, ids: list[int]) -> list[int]:
    """Put the user's trackers in the order of `ids` (positions 0..n-1); trackers not listed that had a
    position keep their relative order after them (another page, the archived ones), the rest stay unordered.

    An empty list clears the manual order (the dashboard goes back to due first). Unknown, foreign or
    repeated ids are a 400, so nobody orders another user's trackers.
    """
    if len(set(ids)) != len(ids):
        raise validation_error({"ids": "Each tracker may appear once."})
    mine = set(db.session.scalars(select(Tracker.id).where(Tracker.user_id == user.id)))
    unknown = [i for i in ids if i not in mine]
    if unknown:
        raise validation_error({"ids": f"Unknown tracker id(s): {', '.join(map(str, unknown[:10]))}."})
    rest = []
    if ids:
        listed = set(ids)
        rest = [
            i
            for i in db.session.scalars(
                select(Tracker.id)
                .where(Tracker.user_id == user.id, Tracker.position.is_not(None))
                .order_by(Tracker.position, Tracker.id)
            )
            if i not in listed
        ]
    db.session.execute(update(Tracker).where(Tracker.user_id == user.id).values(position=None))
    if ids:
        db.session.execute(
            update(Tracker),
            [{"id": tracker_id, "position": index} for index, tracker_id in enumerate(ids + rest)],
        )
    tb_cache.clear_tracking_user(user.id)
    db.session.commit()
    return ids


def _check_product(product_id: int | None) -> None:
    if product_id is not None and not products.product_exists(product_id):
        raise validation_error({"product_id": "No product with this id."})


def _settings_or_400(kind: str, settings) -> dict:
    try:
        return clean_settings(kind, settings)
    except ValueRejected as exc:
        raise validation_error({"settings": str(exc)}) from None


def _name_taken(user_id: int, name: str, except_id: int | None = None) -> bool:
    stmt = select(Tracker.id).where(Tracker.user_id == user_id, Tracker.name == name)
    if except_id is not None:
        stmt = stmt.where(Tracker.id != except_id)
    return db.session.scalar(stmt) is not None


def _commit_tracker(tracker: Tracker) -> None:
    tb_cache.clear_tracking_user(tracker.user_id)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise conflict(
            "You already have a tracker with this name.", {"name": "Already used by another tracker."}
        ) from None


def create_tracker(user: User, data: dict) -> Tracker:
    """Create a tracker; 409 when the name is taken, 400 for settings that do not fit the type."""
    settings = _settings_or_400(data["type"], data.get("settings"))
    _check_product(data.get("product_id"))
    if _name_taken(user.id, data["name"]):
        raise conflict("You already have a tracker with this name.", {"name": "Already used by another tracker."})
    tracker = Tracker(
        user_id=user.id,
        name=data["name"],
        description=data.get("description", ""),
        type=data["type"],
        frequency=data.get("frequency", "daily"),
        settings=settings,
        reminders=data.get("reminders", True),
        product_id=data.get("product_id"),
        archived=data.get("archived", False),
    )
    db.session.add(tracker)
    _commit_tracker(tracker)
    return tracker


def _default_settings(old_kind: str, new_kind: str, old_settings: dict) -> dict:
    if new_kind == "numeric" and old_kind == "duration":
        return {"unit": "s"}
    if new_kind == "rating" and old_kind == "rating":
        return old_settings
    return {}


def update_tracker(user: User, tracker_id: int, changes: dict) -> Tracker:
    """Apply changes; a type or settings change converts every log or is refused with a 409 that says why."""
    tracker = get_tracker(user.id, tracker_id)
    if "name" in changes and _name_taken(user.id, changes["name"], tracker.id):
        raise conflict("You already have a tracker with this name.", {"name": "Already used by another tracker."})
    if "product_id" in changes:
        _check_product(changes["product_id"])
    new_kind = changes.get("type", tracker.type)
    if "type" in changes or "settings" in changes:
        if "settings" in changes:
            raw_settings = changes["settings"]
        elif new_kind == tracker.type:
            raw_settings = tracker.settings
        else:
            raw_settings = _default_settings(tracker.type, new_kind, tracker.settings or {})
        new_settings = _settings_or_400(new_kind, raw_settings)
        _convert_logs(tracker, new_kind, new_settings)
        tracker.type = new_kind
        tracker.settings = new_settings
    for key in ("name", "description", "frequency", "reminders", "product_id", "archived"):
        if key in changes:
            setattr(tracker, key, changes[key])
    _commit_tracker(tracker)
    return tracker


def _convert_logs(tracker: Tracker, new_kind: str, new_settings: dict) -> None:
    """Re-validate (and convert) every log for the new type and settings; 409 if any log would not fit."""
    rows = db.session.execute(
        select(TrackerLog.id, TrackerLog.timestamp, TrackerLog.value_num, TrackerLog.value_text)
        .where(TrackerLog.tracker_id == tracker.id)
        .order_by(TrackerLog.timestamp)
    ).all()
    converted, failures = [], []
    for log_id, ts, num, text in rows:
        try:
            new_num, new_text = convert_value(tracker.type, new_kind, new_settings, num, text)
        except ValueRejected as exc:
            failures.append((ts, text_value(tracker.type, num, text), str(exc)))
            continue
        if (new_num, new_text) != (num, text):
            converted.append({"id": log_id, "value_num": new_num, "value_text": new_text})
    if failures:
        ts, value, reason = failures[0]
        change = f"from {tracker.type} to {new_kind}" if new_kind != tracker.type else "to these settings"
        raise ApiError(
            409,
            "conversion_refused",
            f"{len(failures)} of {len(rows)} logs cannot be converted {change}; for example the log of "
            f"{ts.strftime('%Y-%m-%d %H:%M')} UTC has {value!r}: {reason} No log was changed: "
            "edit or delete those logs first, or choose settings they fit.",
            {"type" if new_kind != tracker.type else "settings": f"{len(failures)} logs do not fit."},
        )
    if converted:
        db.session.execute(update(TrackerLog), converted)


def delete_tracker(user: User, tracker_id: int) -> None:
    """Delete a tracker and its logs."""
    tracker = get_tracker(user.id, tracker_id)
    db.session.execute(delete(TrackerLog).where(TrackerLog.tracker_id == tracker.id))
    db.session.delete(tracker)
    tb_cache.clear_tracking_user(user.id)
    db.session.commit()


# ---------------------------------------------------------------- dashboard


@dataclass(frozen=True)
class LastLog:
    """A tracker's newest log: when, its value as the API answers it, and as a person reads it."""

    timestamp: datetime
    value: object
    display: str


@dataclass(frozen=True)
class TrackerSummary:
    """A tracker with what the dashboard shows about it (plain data; the API layer dumps it)."""

    tracker: Tracker
    log_count: int
    last_log: LastLog | None
    due: bool
    current_period: Period
    sparkline: list[float]


@dataclass(frozen=True)
class Dashboard:
    """A page of summaries and how long it stays true (until the next period boundary, at most 5 minutes)."""

    page: Page
    fresh_seconds: int


def summarize(user: User, trackers: list[Tracker], now: datetime | None = None) -> list[TrackerSummary]:
    """Each tracker's summary (last log, due state, current period, sparkline, log count) in the user's zone."""
    if not trackers:
        return []
    now = now or utcnow()
    tz = user.timezone
    ids = [t.id for t in trackers]
    counts = dict(
        db.session.execute(
            select(TrackerLog.tracker_id, func.count())
            .where(TrackerLog.tracker_id.in_(ids))
            .group_by(TrackerLog.tracker_id)
        ).all()
    )
    summaries = []
    for tracker in trackers:
        recent = db.session.execute(
            select(TrackerLog.timestamp, TrackerLog.value_num, TrackerLog.value_text)
            .where(TrackerLog.tracker_id == tracker.id)
            .order_by(TrackerLog.timestamp.desc(), TrackerLog.id.desc())
            .limit(SPARKLINE_POINTS)
        ).all()
        period = period_of(tracker.frequency, now, tz)
        last = recent[0] if recent else None
        summaries.append(
            TrackerSummary(
                tracker=tracker,
                log_count=counts.get(tracker.id, 0),
                last_log=None
                if last is None
                else LastLog(
                    last[0],
                    output_value(tracker.type, last[1], last[2]),
                    display_value(tracker.type, last[1], last[2], tracker.settings),
                ),
                due=(not tracker.archived) and (last is None or last[0] < period.start),
                current_period=period,
                sparkline=[r[1] for r in reversed(recent) if r[1] is not None] if tracker.type in NUMERIC_TYPES else [],
            )
        )
    return summaries


def tracker_summary(user: User, tracker: Tracker) -> TrackerSummary:
    """One tracker's summary (for single-tracker answers)."""
    return summarize(user, [tracker])[0]


def dashboard(user: User, archived: str, page: int, per_page: int) -> Dashboard:
    """A page of the user's trackers with their summaries."""
    now = utcnow()
    result = paginate(trackers_query(user.id, archived), page, per_page)
    items = summarize(user, result.items, now)
    return Dashboard(
        page=replace(result, items=items), fresh_seconds=seconds_until_boundary(result.items, user.timezone, now)
    )


def seconds_until_boundary(trackers, tz: str, now: datetime) -> int:
    """How long due states hold: until the next period boundary of any tracker, at most 5 minutes."""
    ends = [period_of(t.frequency, now, tz).end for t in trackers]
    if not ends:
        return CACHE_MAX_SECONDS
    return max(1, min(CACHE_MAX_SECONDS, int((min(ends) - now).total_seconds())))
