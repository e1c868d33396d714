"""The local mail sink keeps every message it receives as a file only its owner can read."""

from __future__ import annotations

import os
import smtplib
import stat
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from devtools.mailsink import MaildirHandler
from tests.support import free_port


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


def send(port: int, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", subject
    message.set_content("reset link: https://trackbase.test/reset/secret")
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(message)


def test_mail_sink_keeps_messages_owner_only_even_in_a_folder_that_was_open(tmp_path):
    folder = tmp_path / "mail"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    old_umask = os.umask(0o022)
    port = free_port()
    controller = Controller(MaildirHandler(folder), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        send(port, "private")
    finally:
        controller.stop()
        os.umask(old_umask)
    [path] = folder.glob("*.eml")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_mail_sink_creates_its_folder_owner_only(tmp_path):
    MaildirHandler(tmp_path / "new" / "mail")
    assert stat.S_IMODE((tmp_path / "new" / "mail").stat().st_mode) == 0o700
