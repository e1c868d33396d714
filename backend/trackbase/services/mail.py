"""Email: render templates here, deliver from a Celery task with retries."""

from __future__ import annotations

import base64

from flask import current_app, render_template

from ..extensions import db
from . import jobs


def render_email(template: str, **context) -> tuple[str, str]:
    """Render templates/email/<template>.txt and .html with the shared context."""
    context.setdefault("public_url", current_app.config["PUBLIC_URL"])
    text = render_template(f"email/{template}.txt", **context)
    html = render_template(f"email/{template}.html", **context)
    return text, html


def send_email(
    to: str,
    subject: str,
    template: str,
    attachments: list[tuple[str, bytes, str]] | None = None,
    headers: dict[str, str] | None = None,
    **context,
) -> None:
    """Queue an email to go out once the current transaction commits (extra `headers`, e.g. List-Unsubscribe)."""
    text, html = render_email(template, **context)
    extra = {"headers": headers} if headers else {}  # messages without headers keep the task's old signature
    jobs.enqueue("trackbase.tasks.mail.send_email", to, subject, text, html, _encode(attachments), **extra)


def queue_rendered_email(to: str, subject: str, text: str, html: str | None) -> None:
    """Queue an already rendered email now: Flask-Security sends its messages outside our services, so this commits."""
    jobs.enqueue("trackbase.tasks.mail.send_email", to, subject, text, html, [])
    db.session.commit()


def _encode(attachments):
    return [
        {"filename": name, "content": base64.b64encode(data).decode(), "mimetype": mimetype}
        for name, data, mimetype in attachments or []
    ]


def deliver(
    to: str,
    subject: str,
    text: str,
    html: str | None,
    attachments: list[dict] | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Send one message over SMTP now (called by the task)."""
    from flask_mailman import EmailMultiAlternatives

    msg = EmailMultiAlternatives(
        subject, body=text, from_email=current_app.config["MAIL_DEFAULT_SENDER"], to=[to], headers=headers or None
    )
    if html:
        msg.attach_alternative(html, "text/html")
    for item in attachments or []:
        msg.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
    msg.send(fail_silently=False)
