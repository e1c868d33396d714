"""CSV exports of a user's logs: a job that builds the file, stores it, emails it and serves it by signed link."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from flask import current_app
from sqlalchemy import delete, func, select

from ...errors import ApiError, not_found
from ...extensions import db
from ...models import Job, Tracker, TrackerExport, TrackerLog, User, utcnow
from .. import mail
from ..jobs import create_job, enqueue, finish_job, update_job
from ..signing import BadSignature, account_current, account_stamp, signer
from ..storage import StoredFileMissing, get_storage
from .csv_io import write_csv
from .trackers import get_tracker

log = logging.getLogger(__name__)

EXPORT_KEEP_DAYS = 7
EXPORT_ATTACH_MAX_BYTES = 5 * 1024 * 1024


def export_rows(
    user_id: int, tracker_ids: list[int] | None = None, start: datetime | None = None, end: datetime | None = None
):
    """The select for an export: the user's logs joined with their trackers, by tracker name and time."""
    stmt = (
        select(
            Tracker.name,
            Tracker.type,
            TrackerLog.timestamp,
            TrackerLog.value_num,
            TrackerLog.value_text,
            TrackerLog.note,
        )
        .join(Tracker, Tracker.id == TrackerLog.tracker_id)
        .where(Tracker.user_id == user_id)
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
    ids = params.get("tracker_ids") or []
    for tracker_id in ids:
        get_tracker(user.id, tracker_id)
    job = create_job(
        user.id,
        "tracker_export",
        {
            "tracker_ids": ids,
            "from": params["from"].isoformat() if params.get("from") else None,
            "to": params["to"].isoformat() if params.get("to") else None,
        },
    )
    enqueue("trackbase.tasks.tracking.export", job.id)
    db.session.commit()
    return job


def _signer():
    return signer("tracking.export-download")


def download_path(job_id: int, user: User) -> str:
    """The signed, expiring download path of an export (works from an email link or a plain <a href>).

    It is bound to the account as it is now: deactivation, signing out everywhere or a new password end it.
    """
    token = _signer().dumps({"j": job_id, "u": user.id, "s": account_stamp(user)})
    return f"/api/trackers/exports/{job_id}?signature={token}"


def run_export(job: Job, user: User) -> None:
    """Build the export CSV for a job, store it, email it and finish the job (idempotent)."""
    job_id = job.id
    params = job.params or {}
    start = datetime.fromisoformat(params["from"]) if params.get("from") else None
    end = datetime.fromisoformat(params["to"]) if params.get("to") else None
    update_job(job_id, progress=5, message="Reading logs")
    total = (
        db.session.scalar(
            select(func.count()).select_from(export_rows(user.id, params.get("tracker_ids"), start, end).subquery())
        )
        or 0
    )
    rows = []
    for index, row in enumerate(
        db.session.execute(
            export_rows(user.id, params.get("tracker_ids"), start, end).execution_options(yield_per=2000)
        )
    ):
        rows.append(tuple(row))
        if index and index % 20000 == 0:
            update_job(job_id, progress=5 + int(80 * index / max(total, 1)), message=f"Read {index} of {total} logs")
    content = write_csv(rows)
    filename = f"trackbase-logs-{utcnow().strftime('%Y%m%d-%H%M%S')}.csv"
    replaced = list(db.session.scalars(select(TrackerExport.storage_key).where(TrackerExport.job_id == job_id)))
    key = f"tracker-exports/{job_id}-{uuid.uuid4().hex}.csv"
    get_storage().put(key, content, "text/csv")
    db.session.execute(delete(TrackerExport).where(TrackerExport.job_id == job_id))
    db.session.add(
        TrackerExport(
            job_id=job_id,
            user_id=user.id,
            filename=filename,
            storage_key=key,
            size_bytes=len(content),
            row_count=len(rows),
            expires_at=utcnow() + timedelta(days=EXPORT_KEEP_DAYS),
        )
    )
    url = current_app.config["PUBLIC_URL"] + download_path(job_id, user)
    attach = len(content) <= EXPORT_ATTACH_MAX_BYTES
    mail.send_email(
        user.email,
        "Your Trackbase logs (CSV)",
        "tracker_export",
        attachments=[(filename, content, "text/csv")] if attach else None,
        user=user,
        rows=len(rows),
        url=url,
        attached=attach,
        days=EXPORT_KEEP_DAYS,
    )
    finish_job(
        job_id,
        {
            "download_url": download_path(job_id, user),
            "filename": filename,
            "rows": len(rows),
            "bytes": len(content),
            "emailed_to": user.email,
        },
        message=f"Exported {len(rows)} logs",
    )
    _delete_files(replaced)  # a re-run's earlier file, once the new one is committed


@dataclass(frozen=True)
class ExportFile:
    """A stored export opened for download (the caller closes `stream`)."""

    filename: str
    size: int
    stream: BinaryIO


def export_for_download(job_id: int, user_id: int | None, signature: str | None) -> ExportFile:
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
        if not account_current(db.session.get(User, user_id), payload.get("s")):
            raise not_found("Export")
    export = db.session.scalar(
        select(TrackerExport).where(TrackerExport.job_id == job_id, TrackerExport.user_id == user_id)
    )
    if export is None or export.expires_at <= utcnow():
        raise not_found("Export")
    try:
        stream = get_storage().open(export.storage_key)
    except StoredFileMissing:
        raise not_found("Export") from None
    return ExportFile(filename=export.filename, size=export.size_bytes, stream=stream)


def purge_expired_exports(now: datetime | None = None) -> int:
    """Delete exports past their keep time: the rows, then their files."""
    expired = TrackerExport.expires_at <= (now or utcnow())
    keys = list(db.session.scalars(select(TrackerExport.storage_key).where(expired)))
    result = db.session.execute(delete(TrackerExport).where(expired))
    db.session.commit()
    _delete_files(keys)
    return result.rowcount or 0


def _delete_files(keys: list[str]) -> None:
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except OSError:  # the row is gone; a file left behind costs space, not correctness
            log.exception("could not delete stored export %s", key)
