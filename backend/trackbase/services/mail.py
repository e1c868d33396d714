"""Email: render templates here, deliver from a Celery task with retries.

Every message is multipart/alternative (plain text and HTML). Inline images (report charts) go with
the HTML in a multipart/related part, each with a Content-ID and `Content-Disposition: inline`, so
mail readers show them in the body and do not list them as attachments; files go in multipart/mixed.
"""

from __future__ import annotations

import base64
from email.mime.image import MIMEImage

from flask import current_app, render_template

from ..extensions import db
from . import jobs, l10n


def render_email(template: str, **context) -> tuple[str, str]:
    """Render templates/email/<template>.txt and .html with the shared context (public_url, subject, lang)."""
    context.setdefault("public_url", current_app.config["PUBLIC_URL"])
    user = context.get("user")
    context.setdefault("lang", getattr(user, "locale", None) or "en")
    context.setdefault("fmt", l10n.Formatter(user))
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
    text, html = render_email(template, subject=subject, **context)
    extra = {"headers": headers} if headers else {}  # messages without headers keep the task's old signature
    jobs.enqueue("trackbase.tasks.mail.send_email", to, subject, text, html, _encode(attachments), **extra)


def queue_rendered_email(to: str, subject: str, text: str, html: str | None) -> None:
    """Queue an already rendered email now: Flask-Security sends its messages outside our services, so this commits."""
    jobs.enqueue("trackbase.tasks.mail.send_email", to, subject, text, html, [])
    db.session.commit()


def encode_attachments(attachments):
    """(name, bytes, mimetype) tuples as the JSON the mail task takes."""
    return _encode(attachments)


def _encode(attachments):
    return [
        {"filename": name, "content": base64.b64encode(data).decode(), "mimetype": mimetype}
        for name, data, mimetype in attachments or []
    ]


def one_click_headers(one_click_url: str) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: an HTTPS one-click unsubscribe URL the mail reader may POST to."""
    return {"List-Unsubscribe": f"<{one_click_url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def deliver(
    to: str,
    subject: str,
    text: str,
    html: str | None,
    attachments: list[dict] | None = None,
    headers: dict[str, str] | None = None,
    inline: list[tuple[str, bytes, str]] | None = None,
) -> None:
    """Send one message over SMTP now (called by tasks); `inline` is (content id, bytes, image/*) for the HTML."""
    msg = _message_class()(
        subject, body=text, from_email=current_app.config["MAIL_DEFAULT_SENDER"], to=[to], headers=headers or None
    )
    if html:
        msg.attach_alternative(html, "text/html")
    msg.inline_images = list(inline or [])
    for item in attachments or []:
        msg.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
    msg.send(fail_silently=False)


def _message_class():
    from flask_mailman import EmailMultiAlternatives
    from flask_mailman.message import SafeMIMEMultipart

    class RelatedEmail(EmailMultiAlternatives):
        """mixed( related( alternative(text, html), images... ), files... ); levels without content are left out."""

        inline_images: list = []

        def _create_message(self, msg):
            body = self._create_alternatives(msg)
            if self.inline_images:
                related = SafeMIMEMultipart(_subtype="related", encoding=self.encoding)
                related.attach(body)
                for cid, data, mimetype in self.inline_images:
                    image = MIMEImage(data, mimetype.split("/", 1)[1])
                    image.add_header("Content-ID", f"<{cid}>")
                    image.add_header("Content-Disposition", "inline", filename=cid.split("@")[0] + ".png")
                    related.attach(image)
                body = related
            return self._create_attachments(body)

    return RelatedEmail
