"""The tracking CSV format: import (all rows or none) and the writer exports and reports share."""

from __future__ import annotations

import csv
import io
import re
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from ... import cache as tb_cache
from ...errors import ApiError, validation_error
from ...extensions import db
from ...models import Tracker, TrackerLog, User, utcnow
from .logs import parse_timestamp
from .periods import UTC
from .values import ValueRejected, is_valid_text, parse_value, text_value

IMPORT_MAX_ROWS = 100_000
IMPORT_MAX_MB = 5
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


def max_bytes() -> int:
    """The largest CSV the import accepts (IMPORT_MAX_MB, default 5)."""
    return int(current_app.config.get("IMPORT_MAX_MB") or IMPORT_MAX_MB) * 1024 * 1024


def too_large() -> ApiError:
    """The 413 for a CSV over the size cap."""
    mb = max_bytes() // (1024 * 1024)
    return ApiError(
        413, "payload_too_large", f"The CSV is larger than {mb} MB; split it into smaller files and import each."
    )


def _too_many_rows() -> ApiError:
    return ApiError(
        413,
        "payload_too_large",
        f"The CSV has more than {IMPORT_MAX_ROWS:,} rows; split it into files of at most {IMPORT_MAX_ROWS:,} rows.",
    )


def _reader(text: io.TextIOWrapper) -> tuple[csv.DictReader, list[str]]:
    """A row-by-row reader from the start of the file, and its lower-cased header."""
    text.seek(0)  # also resets the decoder, so a BOM is skipped again
    reader = csv.DictReader(text)
    try:
        columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _unreadable(exc) from None
    reader.fieldnames = columns
    return reader, columns


def _unreadable(exc: Exception) -> ApiError:
    if isinstance(exc, UnicodeDecodeError):
        return validation_error({"file": "The file is not UTF-8 text."})
    return validation_error({"file": f"The CSV cannot be read: {exc}."})


def _rows(reader: csv.DictReader):
    """The reader's rows, with undecodable text or broken CSV turned into a 400."""
    try:
        yield from reader
    except (UnicodeDecodeError, csv.Error) as exc:
        raise _unreadable(exc) from None


def _count_rows(text: io.TextIOWrapper) -> int:
    """Rows below the header, counted while streaming; a 413 as soon as the count passes the cap."""
    reader, _ = _reader(text)
    count = 0
    for _row in _rows(reader):
        count += 1
        if count > IMPORT_MAX_ROWS:
            raise _too_many_rows()
    return count


def import_csv(user: User, stream: BinaryIO) -> dict:
    """Import logs from CSV (tracker,timestamp,value[,note][,type]): every row validated, all or nothing.

    `stream` is the seekable upload. It is read twice, row by row: once to count (a file over the row
    cap is refused without holding its rows), then to validate; memory does not grow with the file.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    try:
        return _import(user, text)
    finally:
        text.detach()  # the upload stream stays open for its owner to close


def _import(user: User, text: io.TextIOWrapper) -> dict:
    reader, columns = _reader(text)
    missing = [c for c in ("tracker", "timestamp", "value") if c not in columns]
    if missing:
        raise validation_error(
            {
                "file": "The first row must name the columns tracker, timestamp, value (and optionally note, type); "
                f"missing: {', '.join(missing)}."
            }
        )
    total = _count_rows(text)
    if not total:
        raise validation_error({"file": "The file has no rows below the header."})
    reader, _ = _reader(text)
    trackers = {t.name: t for t in db.session.scalars(select(Tracker).where(Tracker.user_id == user.id))}
    errors: dict[str, str] = {}
    error_count = 0
    pending = []
    for number, row in enumerate(_rows(reader), start=2):
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
            f"{error_count} of {total} rows have errors; nothing was imported. Fix them and upload the file again.",
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
    # CRLF rows (RFC 4180): the writer then quotes every cell holding a CR or an LF. With "\n" alone a bare
    # CR went out unquoted, and a spreadsheet started a new row there, so "x\r=cmd" ran as a formula.
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for name, kind, ts, num, text, note in rows:
        value = text_value(kind, num, text)
        if kind in ("text", "choice"):
            value = csv_escape(value)
        writer.writerow(
            [csv_escape(name), kind, ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), value, csv_escape(note or "")]
        )
    return out.getvalue().encode("utf-8")
