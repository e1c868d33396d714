"""Email delivery task."""

from __future__ import annotations

import smtplib

from celery import shared_task

from ..services import mail


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
