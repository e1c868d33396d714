"""Flask-Security's mail hook: its messages go out through our Celery mail task."""

from __future__ import annotations

from flask_security.mail_util import MailUtil


class CeleryMailUtil(MailUtil):
    """Hands Flask-Security's emails (reset, password changed) to Celery with retries."""

    def send_mail(self, template, subject, recipient, sender, body, html, **kwargs):
        from ..services.mail import queue_rendered_email

        queue_rendered_email(str(recipient), str(subject), body or "", html)
