"""The outbox behind jobs.enqueue: rows written in the caller's commit, handed to Celery after it.

Every task a transaction decides on is a row in `outbox` (task name, args, kwargs) added to the
same session, so it exists exactly when the commit does. Right after the commit it is sent
(`send_task` with the task id `outbox-<id>`) and marked `sent`. A row the broker did not take (Redis
down) stays `pending`; the beat sweeper re-sends rows whose `next_attempt_at` has come (10 s after
they were written, then with backoff), claiming each with a conditional update so two sweepers never
send the same row, and gives up after OUTBOX_MAX_ATTEMPTS (`failed`, visible to admins). Consumers
are idempotent (they re-check state), so a row sent twice after a crash does no harm.

Mail rows go further: the mail task takes its row (pending/sent -> sending, a lease), marks it `done`
once delivered, and `failed` when SMTP kept refusing it through every retry; an admin can retry it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..errors import conflict, not_found
from ..extensions import db
from ..models import OutboxMessage, utcnow
from .sql import Page, paginate

log = logging.getLogger(__name__)

PENDING_KEY = "trackbase_outbox"
SEND_DELAY = timedelta(seconds=10)  # the sweeper leaves a fresh row to the dispatch after its commit
BACKOFF_MAX = timedelta(minutes=10)
MAIL_LEASE = timedelta(minutes=10)  # a mail task that holds its row longer than this died mid-send
KEEP_DONE = timedelta(days=7)
SWEEP_BATCH = 200
TASK_ID_PREFIX = "outbox-"
SEND_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}  # the sweeper retries
MAIL_TASK = "trackbase.tasks.mail.send_email"
CACHE_BUMP_TASK = "trackbase.tasks.ops.bump_cache_versions"


def add(session: Session, task_name: str, args: tuple, kwargs: dict) -> OutboxMessage:
    """Write one row in the session's transaction; it is sent once that transaction commits."""
    now = utcnow()
    row = OutboxMessage(
        task_name=task_name,
        args=list(args),
        kwargs=dict(kwargs),
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now + SEND_DELAY,
    )
    session.add(row)
    session.flush()
    session.info.setdefault(PENDING_KEY, []).append((row.id, task_name, list(args), dict(kwargs)))
    return row


def dispatch_committed(session: Session) -> None:
    """after_commit: send the rows this transaction wrote and mark those the broker took as sent."""
    pending = session.info.pop(PENDING_KEY, [])
    if pending:
        _send_and_mark(pending)


def forget(session: Session) -> None:
    """after a rollback: the rows went with the transaction, so there is nothing to send."""
    session.info.pop(PENDING_KEY, None)


def _send_and_mark(rows: list[tuple]) -> list[int]:
    celery = current_app.extensions["celery"]
    sent = []
    for row_id, task_name, args, kwargs in rows:
        try:
            celery.send_task(
                task_name, args=args, kwargs=kwargs, task_id=f"{TASK_ID_PREFIX}{row_id}", retry_policy=SEND_RETRY
            )
        except Exception as exc:  # broker down: the row stays pending and the sweeper sends it
            log.warning("outbox row %s (%s) not sent yet: %s", row_id, task_name, exc)
            _note_error(row_id, f"Broker unreachable: {exc}")
            continue
        sent.append(row_id)
    if sent:
        try:
            with db.engine.begin() as conn:
                conn.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(sent), OutboxMessage.status == "pending")
                    .values(status="sent", sent_at=utcnow())
                )
        except Exception:  # the database went away: the sweeper sends them again (consumers are idempotent)
            log.exception("could not mark outbox rows %s sent", sent)
    return sent


def _note_error(row_id: int, message: str) -> None:
    try:
        with db.engine.begin() as conn:
            conn.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(last_error=message[:2000]))
    except Exception:
        log.exception("could not record the outbox error of row %s", row_id)


def _backoff(attempts: int) -> timedelta:
    return min(BACKOFF_MAX, timedelta(seconds=10 * 2 ** min(attempts, 10)))


def sweep(now=None) -> dict:
    """Re-send due pending rows (each claimed by a conditional update), free dead mail leases, prune old rows."""
    now = now or utcnow()
    max_attempts = int(current_app.config.get("OUTBOX_MAX_ATTEMPTS", 20))
    # A mail task that died holding its row: hand the row back to the sweeper.
    released = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.next_attempt_at <= now)
        .values(status="pending", next_attempt_at=now)
    ).rowcount
    db.session.commit()
    due = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.attempts)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(SWEEP_BATCH)
    ).all()
    mine, failed = [], 0
    for row_id, attempts in due:
        if attempts >= max_attempts:
            failed += (
                db.session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == row_id, OutboxMessage.status == "pending")
                    .values(status="failed", last_error=f"Not accepted by the broker after {attempts} attempts.")
                ).rowcount
                or 0
            )
            continue
        # The claim: only the sweeper whose update still sees this attempt count sends the row.
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                OutboxMessage.status == "pending",
                OutboxMessage.attempts == attempts,
            )
            .values(attempts=attempts + 1, next_attempt_at=now + _backoff(attempts))
        ).rowcount
        if claimed == 1:
            mine.append(row_id)
    db.session.commit()
    rows = (
        [
            (row.id, row.task_name, row.args or [], row.kwargs or {})
            for row in db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_(mine)).order_by(OutboxMessage.id)
            )
        ]
        if mine
        else []
    )
    db.session.rollback()  # end the read before sending (SQLite writers elsewhere are not held up)
    sent = _send_and_mark(rows) if rows else []
    pruned = (
        db.session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status.in_(("sent", "done")),
                or_(
                    OutboxMessage.sent_at < now - KEEP_DONE,
                    OutboxMessage.sent_at.is_(None) & (OutboxMessage.created_at < now - KEEP_DONE),
                ),
            )
        ).rowcount
        or 0
    )
    db.session.commit()
    return {"claimed": len(mine), "sent": len(sent), "failed": failed, "released": released, "pruned": pruned}


# ---------------------------------------------------------------- mail rows


def row_id_of(task_id: str | None) -> int | None:
    """The outbox row of a task id given by the dispatch (`outbox-<id>`), else None."""
    if task_id and task_id.startswith(TASK_ID_PREFIX):
        try:
            return int(task_id[len(TASK_ID_PREFIX) :])
        except ValueError:
            return None
    return None


def take(row_id: int) -> bool:
    """pending/sent (or a dead lease) -> sending, committed; False when another delivery has it or it is done."""
    now = utcnow()
    taken = (
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row_id,
                or_(
                    OutboxMessage.status.in_(("pending", "sent")),
                    (OutboxMessage.status == "sending") & (OutboxMessage.next_attempt_at <= now),
                ),
            )
            .values(status="sending", next_attempt_at=now + MAIL_LEASE)
        ).rowcount
        == 1
    )
    db.session.commit()
    if not taken and db.session.get(OutboxMessage, row_id) is None:
        return True  # pruned or never written (a message queued before the outbox existed): deliver it
    return taken


def settle(row_id: int, status: str, error: str | None = None) -> None:
    """Move a row this delivery holds to done, failed, or back to sent (a retry follows)."""
    values: dict = {"status": status}
    if error is not None:
        values["last_error"] = error[:2000]
    if status == "failed":
        values["attempts"] = OutboxMessage.attempts + 1
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.status == "sending").values(**values)
    )
    db.session.commit()


# ---------------------------------------------------------------- cache versions


def carry_cache_bump(keys: list[str]) -> None:
    """Write a row that bumps these cache version keys (Redis was unreachable after a commit)."""
    now = utcnow()
    with db.engine.begin() as conn:
        conn.execute(
            OutboxMessage.__table__.insert().values(
                task_name=CACHE_BUMP_TASK,
                args=[sorted(keys)],
                kwargs={},
                status="pending",
                attempts=0,
                created_at=now,
                next_attempt_at=now,
            )
        )


# ---------------------------------------------------------------- admin


def list_messages(status: str | None, page: int, per_page: int) -> Page:
    """A page of outbox rows, newest first, optionally of one status."""
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    return paginate(stmt, page, per_page)


def retry(row_id: int) -> OutboxMessage:
    """Queue a failed row again (attempts start over); 404 if unknown, 409 unless it failed."""
    row = db.session.get(OutboxMessage, row_id)
    if row is None:
        raise not_found("Outbox message")
    if row.status != "failed":
        raise conflict(f"Only a failed message can be retried; this one is {row.status}.")
    now = utcnow()
    row.status = "pending"
    row.attempts = 0
    row.next_attempt_at = now + SEND_DELAY
    db.session.flush()
    db.session.info.setdefault(PENDING_KEY, []).append((row.id, row.task_name, list(row.args), dict(row.kwargs)))
    db.session.commit()
    return row
