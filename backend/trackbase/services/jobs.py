"""Jobs: create, progress, finish; and enqueueing tasks only after the commit."""
from __future__ import annotations

import logging

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Job, utcnow

log = logging.getLogger(__name__)

_PENDING = "trackbase_after_commit"


def enqueue_after_commit(task, *args, **kwargs) -> None:
    """Send `task` to Celery once the current transaction commits (dropped if it rolls back)."""
    session = db.session()
    session.connection()  # begin the transaction now, so a rollback reliably drops the task
    session.info.setdefault(_PENDING, []).append((task, args, kwargs))


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    for task, args, kwargs in pending:
        try:
            task.apply_async(args=args, kwargs=kwargs)
        except Exception:  # broker down: the job stays queued and the sweeper or the user retries
            log.exception("could not enqueue %s", getattr(task, "name", task))


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def create_job(user_id: int | None, kind: str, params: dict | None = None, message: str = "Queued") -> Job:
    """Add a queued job to the session (the caller's service commits it)."""
    job = Job(user_id=user_id, kind=kind, status="queued", progress=0, message=message, params=params or {})
    db.session.add(job)
    db.session.flush()
    return job


def get_job_for_user(job_id: int, user_id: int) -> Job | None:
    """The job if it belongs to the user, else None (another user's job is invisible)."""
    return db.session.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))


def jobs_for_user_query(user_id: int):
    return select(Job).where(Job.user_id == user_id).order_by(Job.id.desc())


def update_job(job_id: int, progress: int | None = None, message: str | None = None) -> None:
    """Mark a job running and record progress; commits at once so pollers see it."""
    job = db.session.get(Job, job_id)
    if job is None:
        return
    if job.status == "queued":
        job.status = "running"
        job.started_at = utcnow()
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
