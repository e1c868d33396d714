"""Email delivery task."""

from __future__ import annotations

import smtplib

from celery import shared_task
from flask import current_app

from ..services import accounts, mail, outbox
from .jobs import run_job


@shared_task(name="trackbase.tasks.mail.send_email", bind=True, acks_late=True)
def send_email_task(
    self,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    attachments: list | None = None,
    headers: dict | None = None,
) -> None:
    """Deliver one rendered message once per outbox row; SMTP and network errors retry with backoff,
    and a message that exhausts its retries is kept as failed in the outbox (admins see and retry it)."""
    row_id = outbox.row_id_of(self.request.id)
    if row_id is not None and not outbox.take(row_id):
        return  # delivered already, or another delivery holds it
    try:
        mail.deliver(to, subject, text, html, attachments, headers)
    except (smtplib.SMTPException, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        retries = int(current_app.config.get("MAIL_RETRIES", 8))
        if self.request.retries >= retries:
            if row_id is not None:
                outbox.settle(row_id, "failed", error)
            raise
        if row_id is not None:
            outbox.settle(row_id, "sent", error)  # handed back: the retry below takes it again
        countdown = mail_backoff(self.request.retries, int(current_app.config.get("MAIL_RETRY_SECONDS", 2)))
        raise self.retry(exc=exc, countdown=countdown, max_retries=retries) from exc
    if row_id is not None:
        outbox.settle(row_id, "done")


def mail_backoff(retries: int, base: int = 2) -> int:
    """Seconds before the next SMTP attempt: base, 2 x base, 4 x base ... up to 300."""
    return min(300, base * 2**retries)


@shared_task(name="trackbase.tasks.mail.test_email", bind=True, acks_late=True, max_retries=6)
def test_email_task(self, job_id: int) -> None:
    """Send the test email a user asked for from Settings; the job says when it went out."""
    run_job(self, job_id, "The test email", accounts.send_test_email)
