"""Jobs: create, progress, finish; and the one way to queue work, by task name after the commit.

`enqueue("trackbase.tasks.<area>.<name>", ...)` is the only place work leaves for Celery: nothing
under services/ or api/ imports tasks/. The send happens once the current transaction commits and
is dropped if it rolls back, so a task never sees state that was not committed. Behind it is the
outbox (services/outbox.py): a row written in the same commit, dispatched after it, and re-sent by
the beat sweeper while the broker could not take it, so a Redis outage delays work but loses none.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session

from ..errors import not_found
from ..extensions import db
from ..models import Job, User, utcnow
from . import outbox
from .heartbeat import Heartbeat
from .sql import Page, paginate

log = logging.getLogger(__name__)


def enqueue(task_name: str, *args, **kwargs) -> None:
    """Queue the task registered as `task_name`: an outbox row in the current transaction, sent once it
    commits (gone with it on rollback); args and kwargs must be JSON."""
    outbox.add(db.session(), task_name, args, kwargs)


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    if outbox.PENDING_KEY in session.info:
        outbox.dispatch_committed(session)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        outbox.forget(session)


def create_job(user_id: int | None, kind: str, params: dict | None = None, message: str = "Queued") -> Job:
    """Add a queued job to the session (the caller's service commits it)."""
    job = Job(user_id=user_id, kind=kind, status="queued", progress=0, message=message, params=params or {})
    db.session.add(job)
    db.session.flush()
    return job


def get_job_for_user(job_id: int, user_id: int) -> Job:
    """The job if it belongs to the user, else a 404 (another user's job is invisible); reaped if its worker is gone."""
    job = db.session.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))
    if job is None:
        raise not_found("Job")
    if _lease_ran_out(job, utcnow()):
        reap_stale_jobs(ids=[job.id])
        db.session.refresh(job)
    return job


def load_for_run(job_id: int) -> tuple[Job, User] | None:
    """The job-runner preamble: the job and its user, or None when there is nothing to run.

    A job that is gone or already finished is skipped (a redelivered task does nothing); a job
    whose user is gone is failed here.
    """
    job = db.session.get(Job, job_id)
    if job is None or job.status in ("succeeded", "failed"):  # done, or reaped after its worker was lost
        return None
    user = db.session.get(User, job.user_id) if job.user_id is not None else None
    if user is None:
        fail_job(job_id, "The account no longer exists.")
        return None
    return job, user


def list_jobs(user_id: int, page: int, per_page: int) -> Page:
    """A page of the user's jobs, newest first (running jobs whose worker is gone are reaped first)."""
    now = utcnow()
    stale = db.session.scalars(
        select(Job.id).where(Job.user_id == user_id, Job.status == "running", _lease_expired(now))
    ).all()
    if stale:
        reap_stale_jobs(ids=stale)
    return paginate(select(Job).where(Job.user_id == user_id).order_by(Job.id.desc()), page, per_page)


def update_job(job_id: int, progress: int | None = None, message: str | None = None) -> None:
    """Mark a job running and record progress; commits at once so pollers see it."""
    job = db.session.get(Job, job_id)
    if job is None:
        return
    if job.status == "queued":
        job.status = "running"
        job.started_at = utcnow()
    if job.status == "running":
        job.lease_expires_at = utcnow() + timedelta(seconds=lease_seconds())
    if progress is not None:
        job.progress = max(0, min(100, int(progress)))
    if message is not None:
        job.message = message
    db.session.commit()


def finish_job(job_id: int, result: dict | None = None, message: str = "Done") -> None:
    """Mark a job succeeded with its result."""
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.status = "succeeded"
    job.progress = 100
    job.message = message
    job.result = result or {}
    job.finished_at = utcnow()
    db.session.commit()


def fail_job(job_id: int, message: str) -> None:
    """Mark a job failed with a message a person can read (never an exception object)."""
    db.session.rollback()
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.status = "failed"
    job.message = message[:2000]
    job.finished_at = utcnow()
    db.session.commit()


# ---------------------------------------------------------------- leases: a job whose worker is gone is failed


def lease_seconds() -> int:
    """How long a running job (or poll run) may go without its worker's heartbeat (JOB_LEASE_SECONDS, 30)."""
    return max(2, int(current_app.config.get("JOB_LEASE_SECONDS", 30)))


def reaped_message(what: str, at: datetime) -> str:
    """What a reaped job or run says, in words (`what`: "job", "poll")."""
    return f"The worker stopped while running this {what}; it was marked failed at {at:%H:%M} UTC. Try again."


@contextlib.contextmanager
def keep_alive(job_id: int):
    """Renew the job's lease every third of a lease while the block runs (in a thread of this worker)."""
    engine = db.engine
    seconds = lease_seconds()

    def beat():
        with engine.begin() as conn:
            conn.execute(
                update(Job)
                .where(Job.id == job_id, Job.status.in_(("queued", "running")))
                .values(lease_expires_at=utcnow() + timedelta(seconds=seconds))
            )

    with Heartbeat(beat, seconds / 3, f"job-{job_id}-lease"):
        yield


def extend_lease(job_id: int, seconds: float) -> None:
    """Keep a running job alive while its task waits `seconds` for a retry; commits."""
    db.session.rollback()
    db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "running")
        .values(lease_expires_at=utcnow() + timedelta(seconds=seconds + lease_seconds()))
    )
    db.session.commit()


def _lease_expired(now: datetime):
    # Rows written before leases existed have none: their last update stands in for it.
    cutoff = now - timedelta(seconds=lease_seconds())
    return or_(
        Job.lease_expires_at < now,
        and_(Job.lease_expires_at.is_(None), Job.updated_at < cutoff),
    )


def _lease_ran_out(job: Job, now: datetime) -> bool:
    if job.status != "running":
        return False
    if job.lease_expires_at is not None:
        return job.lease_expires_at < now
    return job.updated_at < now - timedelta(seconds=lease_seconds())


def reap_stale_jobs(ids: list[int] | None = None, kind: str | None = None) -> int:
    """Mark running jobs whose lease ran out failed, with a message saying so; how many. Commits."""
    now = utcnow()
    query = select(Job.id).where(Job.status == "running", _lease_expired(now))
    if ids is not None:
        query = query.where(Job.id.in_(ids))
    if kind is not None:
        query = query.where(Job.kind == kind)
    stale = db.session.scalars(query).all()
    if not stale:
        return 0
    result = db.session.execute(
        update(Job)
        .where(Job.id.in_(stale), Job.status == "running", _lease_expired(now))
        .values(status="failed", message=reaped_message("job", now), finished_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:
        log.warning("reaped %s job(s) whose worker stopped: %s", result.rowcount, stale)
    return result.rowcount
