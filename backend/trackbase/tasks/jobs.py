"""The one job runner for tasks that work on a user's job: the preamble and the retry policy."""

from __future__ import annotations

import logging
import smtplib

from sqlalchemy.exc import OperationalError

from ..services import jobs

log = logging.getLogger(__name__)

# Failures that pass: the mail server or the database was away for a moment.
RETRYABLE = (smtplib.SMTPException, OSError, OperationalError)


def run_job(task, job_id: int, what: str, work) -> None:
    """Run `work(job, user)` for a job (skipped when done, failed when its user is gone).

    Passing failures retry with backoff until the task's max_retries, then fail the job with a
    message a person can read; anything else fails the job at once and is logged.
    """
    try:
        loaded = jobs.load_for_run(job_id)
        if loaded is None:
            return
        work(*loaded)
    except RETRYABLE as exc:
        if task.request.retries >= task.max_retries:
            jobs.fail_job(job_id, f"{what} failed: the mail server or database was unavailable. Try again later.")
            return
        raise task.retry(exc=exc, countdown=min(600, 2 ** (task.request.retries + 1))) from exc
    except Exception:
        log.exception("%s job %s failed", what, job_id)
        jobs.fail_job(job_id, f"{what} failed unexpectedly; it has been logged.")
