"""The local mail sink keeps every message it receives as a file."""
from __future__ import annotations

import smtplib
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from tests.support import free_port
from trackbase.mailsink import MaildirHandler


def test_mail_sink_keeps_each_message_as_eml(tmp_path):
    port = free_port()
    controller = Controller(MaildirHandler(tmp_path / "mail"), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for subject in ("first", "second"):
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", subject
            message.set_content("hello")
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                smtp.send_message(message)
    finally:
        controller.stop()
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    assert b"Subject: first" in files[0].read_bytes()
    assert b"Subject: second" in files[1].read_bytes()
