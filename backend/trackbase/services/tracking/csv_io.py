"""The tracking CSV format: import (all rows or none) and the writer exports and reports share."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from ... import cache as tb_cache
from ...errors import ApiError, validation_error
from ...extensions import db
from ...models import Tracker, TrackerLog, User, utcnow
from .logs import parse_timestamp
from .periods import UTC
from .values import ValueRejected, is_valid_text, parse_value, text_value

IMPORT_MAX_ROWS = 100_000
IMPORT_MAX_ERRORS = 50
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
            {
                "file": "The first row must name the columns tracker, timestamp, value (and optionally note, type); "
                f"missing: {', '.join(missing)}."
            }
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
            422,
            "import_invalid",
            f"{error_count} of {len(rows)} rows have errors; nothing was imported. Fix them and upload the file again.",
            errors,
        )
    skipped = _drop_existing(pending)
    if pending:
        now = utcnow()
        db.session.execute(
            TrackerLog.__table__.insert(),
            [
                {
                    "tracker_id": t,
                    "timestamp": ts,
                    "value_num": n,
                    "value_text": x,
                    "note": note,
                    "created_at": now,
                    "updated_at": now,
                }
                for t, ts, n, x, note in pending
            ],
        )
    tb_cache.clear_tracking_user(user.id)
    db.session.commit()
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
    existing = set(
        db.session.execute(
            select(
                TrackerLog.tracker_id,
                TrackerLog.timestamp,
                TrackerLog.value_num,
                TrackerLog.value_text,
                TrackerLog.note,
            ).where(TrackerLog.tracker_id.in_(tracker_ids), TrackerLog.timestamp >= low, TrackerLog.timestamp <= high)
        ).all()
    )
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


def write_csv(rows) -> bytes:
    """CSV bytes (UTF-8) of (tracker, type, timestamp, value_num, value_text, note) rows in the documented format."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for name, kind, ts, num, text, note in rows:
        value = text_value(kind, num, text)
        if kind in ("text", "choice"):
            value = csv_escape(value)
        writer.writerow(
            [csv_escape(name), kind, ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), value, csv_escape(note or "")]
        )
    return out.getvalue().encode("utf-8")
