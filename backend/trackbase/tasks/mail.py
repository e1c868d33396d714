"""Email delivery task."""

from __future__ import annotations

import smtplib

from celery import shared_task

from ..services import accounts, mail
from .jobs import run_job


@shared_task(
    name="trackbase.tasks.mail.send_email",
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, OSError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def send_email_task(
    to: str, subject: str, text: str, html: str | None, attachments: list | None = None, headers: dict | None = None
) -> None:
    """Deliver one rendered message; SMTP and network errors retry with backoff."""
    mail.deliver(to, subject, text, html, attachments, headers)


@shared_task(name="trackbase.tasks.mail.test_email", bind=True, acks_late=True, max_retries=6)
def test_email_task(self, job_id: int) -> None:
    """Send the test email a user asked for from Settings; the job says when it went out."""
    run_job(self, job_id, "The test email", accounts.send_test_email)
