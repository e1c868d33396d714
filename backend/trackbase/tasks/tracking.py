"""Tracking tasks: reminder scan and digests, monthly reports, report and export jobs."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from ..services import tracking
from .jobs import RETRYABLE, run_job


@shared_task(
    name="trackbase.tasks.tracking.scan_reminders",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def scan_reminders_task() -> dict:
    """Claim due (tracker, period) reminders and queue one digest per user."""
    result = tracking.scan()
    return {k: v for k, v in result.items() if k != "claims"}


@shared_task(
    name="trackbase.tasks.tracking.send_reminder_digests",
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def send_reminder_digests_task(self, batch: list[list]) -> int:
    """Send the digests of a batch of users; each claim flips to sent once, so a retry resends nothing."""
    return tracking.send_digests(batch)


@shared_task(
    name="trackbase.tasks.tracking.check_monthly_reports",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def check_monthly_reports_task() -> int:
    """Claim due monthly reports (catching up missed ones); drop expired CSV exports and old claims."""
    tracking.purge_expired_exports()
    tracking.purge_old_claims()
    return len(tracking.monthly_check())


@shared_task(
    name="trackbase.tasks.tracking.monthly_report",
    bind=True,
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def monthly_report_task(self, claim_id: int) -> bool:
    """Build and send one claimed monthly report."""
    return tracking.send_monthly(claim_id)


@shared_task(name="trackbase.tasks.tracking.report", bind=True, acks_late=True, max_retries=6)
def report_task(self, job_id: int) -> None:
    """Build and email a requested report; progress in the job."""
    run_job(self, job_id, "The report", tracking.run_report_job)


@shared_task(name="trackbase.tasks.tracking.export", bind=True, acks_late=True, max_retries=6)
def export_trackers_task(self, job_id: int) -> None:
    """Build, store and email a CSV export; progress in the job."""
    run_job(self, job_id, "The export", tracking.run_export)
