"""Tracking tasks: reminder scan and digests, monthly reports, report and export jobs."""
from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from sqlalchemy.exc import OperationalError

from ..services import reminders, reports, tracking
from ..services.jobs import fail_job

log = logging.getLogger(__name__)

RETRYABLE = (smtplib.SMTPException, OSError, OperationalError)


@shared_task(name="trackbase.tasks.tracking.scan_reminders", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def scan_reminders_task() -> dict:
    """Claim due (tracker, period) reminders and queue one digest per user."""
    result = reminders.scan()
    return {k: v for k, v in result.items() if k != "claims"}


@shared_task(name="trackbase.tasks.tracking.send_reminder_digests", bind=True, acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8)
def send_reminder_digests_task(self, batch: list[list]) -> int:
    """Send the digests of a batch of users; each claim flips to sent once, so a retry resends nothing."""
    return reminders.send_digests(batch)


@shared_task(name="trackbase.tasks.tracking.check_monthly_reports", acks_late=True,
             autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def check_monthly_reports_task() -> int:
    """Claim due monthly reports (catching up missed ones); drop expired CSV exports and old claims."""
    tracking.purge_expired_exports()
    reminders.purge_old_claims()
    return len(reports.monthly_check())


@shared_task(name="trackbase.tasks.tracking.monthly_report", bind=True, acks_late=True,
             autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=600, max_retries=8)
def monthly_report_task(self, claim_id: int) -> bool:
    """Build and send one claimed monthly report."""
    return reports.send_monthly(claim_id)


def _job_task(run, job_id: int, task, what: str) -> None:
    try:
        run(job_id)
    except RETRYABLE as exc:
        if task.request.retries >= task.max_retries:
            fail_job(job_id, f"{what} failed: the mail server or database was unavailable. Try again later.")
            return
        raise task.retry(exc=exc, countdown=min(600, 2 ** (task.request.retries + 1)))
    except Exception:
        log.exception("%s job %s failed", what, job_id)
        fail_job(job_id, f"{what} failed unexpectedly; it has been logged.")


@shared_task(name="trackbase.tasks.tracking.report", bind=True, acks_late=True, max_retries=6)
def report_task(self, job_id: int) -> None:
    """Build and email a requested report; progress in the job."""
    _job_task(reports.run_report_job, job_id, self, "The report")


@shared_task(name="trackbase.tasks.tracking.export", bind=True, acks_late=True, max_retries=6)
def export_trackers_task(self, job_id: int) -> None:
    """Build, store and email a CSV export; progress in the job."""
    _job_task(tracking.run_export, job_id, self, "The export")
