"""A local SMTP server that keeps every message as an .eml file (development and demos).

Run from backend/: python -m devtools.mailsink --port 1025 --dir ../instance/mail
Messages hold password-reset links and exports, so the folder is 0700 and each file 0600.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from email import message_from_bytes, policy
from pathlib import Path

from aiosmtpd.controller import Controller


class MaildirHandler:
    """Writes each received message to <dir>/<utc time>-<n>.eml (owner-only) and prints a one-line summary."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)  # also when the folder existed with wider permissions
        self._count = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        with self._lock:
            self._count += 1
            name = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{self._count:05d}.eml"
        path = self.directory / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
        message = message_from_bytes(raw, policy=policy.default)
        print(f"mail: {message['To']} | {message['Subject']} -> {path}", flush=True)
        return "250 Message accepted for delivery"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Trackbase local mail sink")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", default="instance/mail", help="folder that keeps every message (.eml)")
    args = parser.parse_args(argv)
    handler = MaildirHandler(Path(args.dir))
    controller = Controller(handler, hostname=args.host, port=args.port)
    controller.start()
    print(f"mail sink listening on {args.host}:{args.port}, keeping messages in {Path(args.dir).resolve()}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
