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

    The job's lease is renewed while the work runs, and pushed out while a retry waits. Passing
    failures retry with backoff until the task's max_retries, then fail the job with a
    message a person can read; anything else fails the job at once and is logged.
    """
    try:
        loaded = jobs.load_for_run(job_id)
        if loaded is None:
            return
        with jobs.keep_alive(job_id):  # a killed worker stops renewing: the reaper fails the job
            work(*loaded)
    except RETRYABLE as exc:
        if task.request.retries >= task.max_retries:
            jobs.fail_job(job_id, f"{what} failed: the mail server or database was unavailable. Try again later.")
            return
        countdown = min(600, 2 ** (task.request.retries + 1))
        try:
            jobs.extend_lease(job_id, countdown)  # waiting for the retry is not a lost worker
        except OperationalError:
            log.warning("could not extend the lease of job %s before its retry", job_id)
        raise task.retry(exc=exc, countdown=countdown) from exc
    except Exception:
        log.exception("%s job %s failed", what, job_id)
        jobs.fail_job(job_id, f"{what} failed unexpectedly; it has been logged.")
