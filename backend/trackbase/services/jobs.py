"""Jobs: create, progress, finish; and the one way to queue work, by task name after the commit.

`enqueue("trackbase.tasks.<area>.<name>", ...)` is the only place work leaves for Celery: nothing
under services/ or api/ imports tasks/. The send happens once the current transaction commits and
is dropped if it rolls back, so a task never sees state that was not committed. Behind it is the
outbox (services/outbox.py): a row written in the same commit, dispatched after it, and re-sent by
the beat sweeper while the broker could not take it, so a Redis outage delays work but loses none.
"""

from __future__ import annotations

import logging

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..errors import not_found
from ..extensions import db
from ..models import Job, User, utcnow
from . import outbox
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
    """The job if it belongs to the user, else a 404 (another user's job is invisible)."""
    job = db.session.scalar(select(Job).where(Job.id == job_id, Job.user_id == user_id))
    if job is None:
        raise not_found("Job")
    return job


def load_for_run(job_id: int) -> tuple[Job, User] | None:
    """The job-runner preamble: the job and its user, or None when there is nothing to run.

    A job that is gone or already succeeded is skipped (a redelivered task does nothing); a job
    whose user is gone is failed here.
    """
    job = db.session.get(Job, job_id)
    if job is None or job.status == "succeeded":
        return None
    user = db.session.get(User, job.user_id) if job.user_id is not None else None
    if user is None:
        fail_job(job_id, "The account no longer exists.")
        return None
    return job, user


def list_jobs(user_id: int, page: int, per_page: int) -> Page:
    """A page of the user's jobs, newest first."""
    return paginate(select(Job).where(Job.user_id == user_id).order_by(Job.id.desc()), page, per_page)


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
