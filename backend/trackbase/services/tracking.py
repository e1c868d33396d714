"""Trackers and logs: CRUD with ownership, type conversion, dashboard, stats, CSV import and export."""
from __future__ import annotations

import csv
import io
import logging
import re
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from .. import cache as tb_cache
from ..errors import ApiError, conflict, not_found, validation_error
from ..extensions import cache, db
from ..models import Job, Product, Tracker, TrackerExport, TrackerLog, User, utcnow
from . import tracking_stats
from .jobs import create_job, enqueue_after_commit, fail_job, finish_job, update_job
from .periods import UTC, period_of, zone
from .tracking_values import (
    NUMERIC_TYPES, ValueRejected, clean_settings, convert_value, display_value, is_valid_text, output_value,
    parse_value, text_value,
)

log = logging.getLogger(__name__)

SPARKLINE_POINTS = 20
FUTURE_TOLERANCE = timedelta(minutes=5)
CACHE_MAX_SECONDS = 300
IMPORT_MAX_ROWS = 100_000
IMPORT_MAX_ERRORS = 50
EXPORT_KEEP_DAYS = 7
EXPORT_ATTACH_MAX_BYTES = 5 * 1024 * 1024
CSV_COLUMNS = ("tracker", "type", "timestamp", "value", "note")
# Cells a spreadsheet would run as a formula get a leading apostrophe on export (OWASP "CSV
# injection"); one already there is doubled, so import can strip exactly one and stay exact.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def csv_escape(cell: str) -> str:
    """A text cell made safe to open in a spreadsheet."""
    return "'" + cell if cell and _FORMULA.match(cell) else cell


def csv_unescape(cell: str) -> str:
    """Undo csv_escape for an imported cell."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell[1:]) else cell


# ---------------------------------------------------------------- trackers

def get_tracker(user_id: int, tracker_id: int) -> Tracker:
    """The user's tracker, or a 404 (another user's tracker does not exist for them)."""
    tracker = db.session.scalar(select(Tracker).where(Tracker.id == tracker_id, Tracker.user_id == user_id))
    if tracker is None:
        raise not_found("Tracker")
    return tracker


def trackers_query(user_id: int, archived: str = "false"):
    """The user's trackers by name; archived = "false" (default), "true" or "all"."""
    stmt = select(Tracker).where(Tracker.user_id == user_id)
    if archived != "all":
        stmt = stmt.where(Tracker.archived.is_(archived == "true"))
    return stmt.order_by(Tracker.name, Tracker.id)


def _check_product(product_id: int | None) -> None:
    if product_id is not None and db.session.get(Product, product_id) is None:
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
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise conflict("You already have a tracker with this name.", {"name": "Already used by another tracker."}) from None
    tb_cache.clear_tracking_user(tracker.user_id)


def create_tracker(user: User, data: dict) -> Tracker:
    """Create a tracker; 409 when the name is taken, 400 for settings that do not fit the type."""
    settings = _settings_or_400(data["type"], data.get("settings"))
    _check_product(data.get("product_id"))
    if _name_taken(user.id, data["name"]):
        raise conflict("You already have a tracker with this name.", {"name": "Already used by another tracker."})
    tracker = Tracker(
        user_id=user.id, name=data["name"], description=data.get("description", ""), type=data["type"],
        frequency=data.get("frequency", "daily"), settings=settings, reminders=data.get("reminders", True),
        product_id=data.get("product_id"), archived=data.get("archived", False),
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
        .where(TrackerLog.tracker_id == tracker.id).order_by(TrackerLog.timestamp)
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
            409, "conversion_refused",
            f"{len(failures)} of {len(rows)} logs cannot be converted {change}; for example the log of "
            f"{ts.strftime('%Y-%m-%d %H:%M')} UTC has {value!r}: {reason} No log was changed: edit or delete those logs first, "
            "or choose settings they fit.",
            {"type" if new_kind != tracker.type else "settings": f"{len(failures)} logs do not fit."},
        )
    if converted:
        db.session.execute(update(TrackerLog), converted)


def delete_tracker(user: User, tracker_id: int) -> None:
    """Delete a tracker and its logs."""
    tracker = get_tracker(user.id, tracker_id)
    db.session.execute(delete(TrackerLog).where(TrackerLog.tracker_id == tracker.id))
    db.session.delete(tracker)
    db.session.commit()
    tb_cache.clear_tracking_user(user.id)


# ---------------------------------------------------------------- dashboard

def _summaries(trackers: list[Tracker], tz: str, now: datetime) -> None:
    """Attach `summary` (last log, due state, current period, sparkline, log count) to each tracker."""
    if not trackers:
        return
    ids = [t.id for t in trackers]
    counts = dict(db.session.execute(
        select(TrackerLog.tracker_id, func.count()).where(TrackerLog.tracker_id.in_(ids)).group_by(TrackerLog.tracker_id)
    ).all())
    for tracker in trackers:
        recent = db.session.execute(
            select(TrackerLog.timestamp, TrackerLog.value_num, TrackerLog.value_text)
            .where(TrackerLog.tracker_id == tracker.id)
            .order_by(TrackerLog.timestamp.desc(), TrackerLog.id.desc()).limit(SPARKLINE_POINTS)
        ).all()
        period = period_of(tracker.frequency, now, tz)
        last = recent[0] if recent else None
        tracker.summary = {
            "log_count": counts.get(tracker.id, 0),
            "last_log": None if last is None else {
                "timestamp": last[0], "value": output_value(tracker.type, last[1], last[2]),
                "display": display_value(tracker.type, last[1], last[2], tracker.settings),
            },
            "due": (not tracker.archived) and (last is None or last[0] < period.start),
            "current_period": {"start": period.start, "end": period.end, "label": period.label},
            "sparkline": [r[1] for r in reversed(recent) if r[1] is not None] if tracker.type in NUMERIC_TYPES else [],
        }


def with_summary(tracker: Tracker, user: User, now: datetime | None = None) -> Tracker:
    """The tracker with its summary attached (for single-tracker answers)."""
    _summaries([tracker], user.timezone, now or utcnow())
    return tracker


def dashboard(user: User, archived: str, page: int, per_page: int, dump) -> dict:
    """A page of the user's trackers with summaries, serialized by `dump`; cached per user until a write."""
    now = utcnow()
    key = tb_cache.tracking_key(user.id, "dashboard", user.timezone, archived, page, per_page)
    cached = cache.get(key)
    if cached is not None:
        return cached
    stmt = trackers_query(user.id, archived)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    trackers = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    _summaries(trackers, user.timezone, now)
    body = {"items": dump(trackers), "page": page, "per_page": per_page, "total": total}
    cache.set(key, body, timeout=_seconds_until_boundary(trackers, user.timezone, now))
    return body


def _seconds_until_boundary(trackers, tz: str, now: datetime) -> int:
    """Cache lifetime: until the next period boundary of any tracker (due states flip there), at most 5 minutes."""
    ends = [period_of(t.frequency, now, tz).end for t in trackers]
    if not ends:
        return CACHE_MAX_SECONDS
    return max(1, min(CACHE_MAX_SECONDS, int((min(ends) - now).total_seconds())))


# ---------------------------------------------------------------- logs

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
    db.session.commit()
    tb_cache.clear_tracking_user(user.id)
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
    db.session.commit()
    tb_cache.clear_tracking_user(user.id)
    return tracker, entry


def delete_log(user: User, tracker_id: int, log_id: int) -> None:
    """Delete one log."""
    _tracker, entry = get_log(user.id, tracker_id, log_id)
    db.session.delete(entry)
    db.session.commit()
    tb_cache.clear_tracking_user(user.id)


# ---------------------------------------------------------------- stats

def stats(user: User, tracker_id: int, start: datetime | None, end: datetime | None, bucket: str) -> dict:
    """Stats of one tracker in the user's time zone (cached per user until the next write or boundary)."""
    tracker = get_tracker(user.id, tracker_id)
    now = utcnow()
    tz = user.timezone
    key = tb_cache.tracking_key(user.id, "stats", tz, tracker.id, start, end, bucket)
    cached = cache.get(key)
    if cached is not None:
        return cached
    default_start, default_end = tracking_stats.default_range(bucket, now, tz)
    start = start or (default_start if end is None else period_of(bucket, end, tz).start - _span(bucket))
    end = end or default_end
    if end <= start:
        raise validation_error({"to": "Must be after from."})
    rows = db.session.execute(
        select(TrackerLog.timestamp, TrackerLog.value_num, TrackerLog.value_text)
        .where(TrackerLog.tracker_id == tracker.id).order_by(TrackerLog.timestamp)
    ).all()
    all_ts = [r[0] for r in rows]
    try:
        body = tracking_stats.summary(
            tracker.type, tracker.settings or {}, tracker.frequency, tz, rows, all_ts, start, end, bucket, now
        )
    except ValueError as exc:
        raise validation_error({"bucket": str(exc)}) from None
    last = rows[-1] if rows else None
    body.update({
        "tracker_id": tracker.id, "type": tracker.type, "frequency": tracker.frequency, "timezone": tz,
        "from": start, "to": end, "bucket": bucket,
        "last": None if last is None else {
            "timestamp": last[0], "value": output_value(tracker.type, last[1], last[2]),
            "display": display_value(tracker.type, last[1], last[2], tracker.settings),
        },
    })
    # Valid until a write, the tracker's next period (streak, due) or the next bucket (the default range moves).
    bucket_left = int((period_of(bucket, now, tz).end - now).total_seconds())
    cache.set(key, body, timeout=max(1, min(bucket_left, _seconds_until_boundary([tracker], tz, now))))
    return body


def _span(bucket: str) -> timedelta:
    return {"day": timedelta(days=29), "week": timedelta(weeks=25), "month": timedelta(days=335)}[bucket]


# ---------------------------------------------------------------- CSV import

def import_csv(user: User, raw: bytes) -> dict:
    """Import logs from CSV (tracker,timestamp,value[,note][,type]): every row validated, all or nothing."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise validation_error({"file": "The file is not UTF-8 text."}) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    missing = [c for c in ("tracker", "timestamp", "value") if c not in columns]
    if missing:
        raise validation_error(
            {"file": "The first row must name the columns tracker, timestamp, value (and optionally note, type); "
                     f"missing: {', '.join(missing)}."}
        )
    reader.fieldnames = columns
    trackers = {t.name: t for t in db.session.scalars(select(Tracker).where(Tracker.user_id == user.id))}
    errors: dict[str, str] = {}
    error_count = 0
    pending = []
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise validation_error({"file": f"The CSV cannot be read: {exc}."}) from None
    if len(rows) > IMPORT_MAX_ROWS:
        raise ApiError(413, "payload_too_large", f"At most {IMPORT_MAX_ROWS} rows per import.")
    if not rows:
        raise validation_error({"file": "The file has no rows below the header."})
    for number, row in enumerate(rows, start=2):
        problem = None
        row = {k: (csv_unescape(v) if isinstance(v, str) else v) for k, v in row.items()}
        name = (row.get("tracker") or "").strip()
        tracker = trackers.get(name)
        if None in row:
            problem = ("_row", "has more cells than the header.")
        elif tracker is None:
            problem = ("tracker", f"no tracker named {name!r}." if name else "the tracker name is empty.")
        elif (row.get("type") or "").strip() and row["type"].strip().lower() != tracker.type:
            problem = ("type", f"{name!r} is a {tracker.type} tracker, the row says {row['type'].strip()!r}.")
        else:
            try:
                ts = parse_timestamp(row.get("timestamp") or "", user.timezone)
            except ValueRejected as exc:
                problem = ("timestamp", str(exc))
            else:
                try:
                    num, val_text = parse_value(tracker.type, tracker.settings or {}, row.get("value"))
                except ValueRejected as exc:
                    problem = ("value", str(exc))
                else:
                    note = (row.get("note") or "").strip()
                    if is_valid_text(note):
                        pending.append((tracker.id, ts, num, val_text, note))
                    else:
                        problem = ("note", "Must be valid Unicode text (no NUL characters).")
        if problem:
            error_count += 1
            if len(errors) < IMPORT_MAX_ERRORS:
                errors[f"row {number}.{problem[0]}"] = problem[1]
    if errors:
        raise ApiError(
            422, "import_invalid",
            f"{error_count} of {len(rows)} rows have errors; nothing was imported. Fix them and upload the file again.",
            errors,
        )
    skipped = _drop_existing(pending)
    if pending:
        now = utcnow()
        db.session.execute(
            TrackerLog.__table__.insert(),
            [{"tracker_id": t, "timestamp": ts, "value_num": n, "value_text": x, "note": note,
              "created_at": now, "updated_at": now} for t, ts, n, x, note in pending],
        )
    db.session.commit()
    tb_cache.clear_tracking_user(user.id)
    per_tracker: dict[str, int] = {}
    names = {t.id: t.name for t in trackers.values()}
    for tracker_id, *_ in pending:
        per_tracker[names[tracker_id]] = per_tracker.get(names[tracker_id], 0) + 1
    return {"imported": len(pending), "skipped_duplicates": skipped, "trackers": per_tracker}


def _drop_existing(pending: list) -> int:
    """Remove rows identical (tracker, timestamp, value, note) to a stored log, so re-importing a file is harmless."""
    if not pending:
        return 0
    tracker_ids = {p[0] for p in pending}
    low, high = min(p[1] for p in pending), max(p[1] for p in pending)
    existing = set(db.session.execute(
        select(TrackerLog.tracker_id, TrackerLog.timestamp, TrackerLog.value_num, TrackerLog.value_text, TrackerLog.note)
        .where(TrackerLog.tracker_id.in_(tracker_ids), TrackerLog.timestamp >= low, TrackerLog.timestamp <= high)
    ).all())
    seen = set()
    kept = []
    for row in pending:
        if row in existing or row in seen:
            continue
        seen.add(row)
        kept.append(row)
    skipped = len(pending) - len(kept)
    pending[:] = kept
    return skipped


# ---------------------------------------------------------------- CSV export

def write_csv(rows) -> bytes:
    """CSV bytes (UTF-8) of (tracker, type, timestamp, value_num, value_text, note) rows in the documented format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for name, kind, ts, num, text, note in rows:
        value = text_value(kind, num, text)
        if kind in ("text", "choice"):
            value = csv_escape(value)
        writer.writerow([csv_escape(name), kind, ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), value,
                         csv_escape(note or "")])
    return out.getvalue().encode("utf-8")


def export_rows(user_id: int, tracker_ids: list[int] | None = None, start: datetime | None = None,
                end: datetime | None = None):
    """The select for an export: the user's logs joined with their trackers, by tracker name and time."""
    stmt = (
        select(Tracker.name, Tracker.type, TrackerLog.timestamp, TrackerLog.value_num, TrackerLog.value_text, TrackerLog.note)
        .join(Tracker, Tracker.id == TrackerLog.tracker_id).where(Tracker.user_id == user_id)
    )
    if tracker_ids:
        stmt = stmt.where(Tracker.id.in_(tracker_ids))
    if start is not None:
        stmt = stmt.where(TrackerLog.timestamp >= start)
    if end is not None:
        stmt = stmt.where(TrackerLog.timestamp < end)
    return stmt.order_by(Tracker.name, TrackerLog.timestamp, TrackerLog.id)


def start_export(user: User, params: dict) -> Job:
    """Queue a CSV export of the user's logs as a job; the CSV is emailed and downloadable from the job."""
    from ..tasks.tracking import export_trackers_task

    ids = params.get("tracker_ids") or []
    for tracker_id in ids:
        get_tracker(user.id, tracker_id)
    job = create_job(user.id, "tracker_export", {
        "tracker_ids": ids,
        "from": params["from"].isoformat() if params.get("from") else None,
        "to": params["to"].isoformat() if params.get("to") else None,
    })
    enqueue_after_commit(export_trackers_task, job.id)
    db.session.commit()
    return job


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="trackbase.tracking.export-download")


def download_path(job_id: int, user_id: int) -> str:
    """The signed, expiring download path of an export (works from an email link or a plain <a href>)."""
    return f"/api/trackers/exports/{job_id}?signature={_signer().dumps({'j': job_id, 'u': user_id})}"


def run_export(job_id: int) -> None:
    """Build the export CSV for a job, store it, email it and finish the job (idempotent)."""
    job = db.session.get(Job, job_id)
    if job is None or job.status == "succeeded":
        return
    user = db.session.get(User, job.user_id)
    if user is None:
        fail_job(job_id, "The account no longer exists.")
        return
    params = job.params or {}
    start = datetime.fromisoformat(params["from"]) if params.get("from") else None
    end = datetime.fromisoformat(params["to"]) if params.get("to") else None
    update_job(job_id, progress=5, message="Reading logs")
    total = db.session.scalar(
        select(func.count()).select_from(export_rows(user.id, params.get("tracker_ids"), start, end).subquery())
    ) or 0
    rows = []
    for index, row in enumerate(db.session.execute(
        export_rows(user.id, params.get("tracker_ids"), start, end).execution_options(yield_per=2000)
    )):
        rows.append(tuple(row))
        if index and index % 20000 == 0:
            update_job(job_id, progress=5 + int(80 * index / max(total, 1)), message=f"Read {index} of {total} logs")
    content = write_csv(rows)
    filename = f"trackbase-logs-{utcnow().strftime('%Y%m%d-%H%M%S')}.csv"
    db.session.execute(delete(TrackerExport).where(TrackerExport.job_id == job_id))
    db.session.add(TrackerExport(
        job_id=job_id, user_id=user.id, filename=filename, content=content, row_count=len(rows),
        expires_at=utcnow() + timedelta(days=EXPORT_KEEP_DAYS),
    ))
    from .mail import send_email

    url = current_app.config["PUBLIC_URL"] + download_path(job_id, user.id)
    attach = len(content) <= EXPORT_ATTACH_MAX_BYTES
    send_email(
        user.email, "Your Trackbase logs (CSV)", "tracker_export",
        attachments=[(filename, content, "text/csv")] if attach else None,
        user=user, rows=len(rows), url=url, attached=attach, days=EXPORT_KEEP_DAYS,
    )
    finish_job(job_id, {
        "download_url": download_path(job_id, user.id), "filename": filename, "rows": len(rows),
        "bytes": len(content), "emailed_to": user.email,
    }, message=f"Exported {len(rows)} logs")


def export_for_download(job_id: int, user_id: int | None, signature: str | None) -> TrackerExport:
    """The stored export: the signed-in owner, or a valid signature for this job; 404 otherwise."""
    if user_id is None:
        if not signature:
            raise ApiError(401, "unauthorized", "Sign in, or use the signed link from the job or the email.")
        try:
            payload = _signer().loads(signature, max_age=EXPORT_KEEP_DAYS * 86400)
        except BadSignature:
            raise not_found("Export") from None
        if payload.get("j") != job_id:
            raise not_found("Export")
        user_id = payload.get("u")
    export = db.session.scalar(
        select(TrackerExport).where(TrackerExport.job_id == job_id, TrackerExport.user_id == user_id)
    )
    if export is None or export.expires_at <= utcnow():
        raise not_found("Export")
    return export


def purge_expired_exports(now: datetime | None = None) -> int:
    """Delete export files past their keep time."""
    result = db.session.execute(delete(TrackerExport).where(TrackerExport.expires_at <= (now or utcnow())))
    db.session.commit()
    return result.rowcount or 0
