"""Real parts for the tests: a private redis-server, an SMTP sink, a PostgreSQL database."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from email import message_from_bytes, policy
from pathlib import Path

import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server process on a free port that keeps nothing on disk, or TEST_REDIS_URL when set."""

    def __init__(self, private: bool = False, port: int | None = None):
        self.process = None
        self.url = None if private else os.environ.get("TEST_REDIS_URL")
        self.tmp = None
        self.port = port

    def start(self) -> str:
        """Start (or, after stop(), start again on the same port: an empty Redis, as after a restart)."""
        if self.url and self.process is None and self.port is None:
            return self.url
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run ./local_setup.sh (it installs Redis)")
        port = self.port = self.port or free_port()
        self.tmp = tempfile.mkdtemp(prefix="tb-redis-")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.tmp,
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(self.url)
        for _ in range(200):
            try:
                client.ping()
                return self.url
            except redis.ConnectionError:
                time.sleep(0.025)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)


class Mailbox:
    """Messages captured by the SMTP sink, parsed."""

    def __init__(self):
        self.messages = []
        self._cond = threading.Condition()

    def add(self, raw: bytes, rcpt_tos) -> None:
        msg = message_from_bytes(raw, policy=policy.default)
        with self._cond:
            self.messages.append(msg)
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self.messages.clear()

    def wait_for(self, count: int = 1, timeout: float = 20.0, to: str | None = None, subject: str | None = None):
        """Block until `count` messages (to `to`, with `subject` in their subject, if given) arrived; return them.

        Filter by subject where an earlier test's worker may still deliver mail to the same address."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [
                    m
                    for m in self.messages
                    if (to is None or to.lower() in str(m["To"]).lower())
                    and (subject is None or subject.lower() in str(m["Subject"]).lower())
                ]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"expected {count} message(s) to {to or 'anyone'}, got {len(found)}")
                self._cond.wait(remaining)


def body_text(msg) -> str:
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def body_html(msg) -> str:
    part = msg.get_body(preferencelist=("html",))
    return part.get_content() if part else ""


class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps every message in a Mailbox."""

    def __init__(self, port: int | None = None):
        from aiosmtpd.controller import Controller

        self.mailbox = Mailbox()
        mailbox = self.mailbox

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                mailbox.add(envelope.original_content or envelope.content, envelope.rcpt_tos)
                return "250 Message accepted"

        self.port = port or free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


class Database:
    """A fresh database: a SQLite file in a temp folder, or a new PostgreSQL database on TEST_DATABASE_URL's server."""

    def __init__(self):
        self.server_url = os.environ.get("TEST_DATABASE_URL")
        self.tmp = None
        self.name = None

    def create(self) -> str:
        if not self.server_url:
            self.tmp = tempfile.mkdtemp(prefix="tb-db-")
            return f"sqlite:///{Path(self.tmp) / 'test.db'}"
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        self.name = f"trackbase_test_{uuid.uuid4().hex[:10]}"
        engine = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        engine.dispose()
        return make_url(self.server_url).set(database=self.name).render_as_string(hide_password=False)

    def drop(self) -> None:
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
        if self.name:
            from sqlalchemy import create_engine, text

            engine = create_engine(self.server_url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            engine.dispose()


def poll():
    """One supplier poll now (in this process); the run it recorded."""
    from trackbase.services import inventory

    run = inventory.run_poll("manual")
    assert run is not None
    return run


def wait_job(client, headers, job_id, timeout=30.0) -> dict:
    """Poll GET /api/jobs/<id> until the job succeeded or failed (or the timeout); the job's last state."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/api/jobs/{job_id}", headers=headers).get_json()["job"]
        if job["status"] in ("succeeded", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def headers_for(user) -> dict:
    """The token header of a signed-in user."""
    return {"Authentication-Token": user.get_auth_token()}


def make_tracker(db, user, name="Meditated", kind="boolean", frequency="daily", **fields):
    from trackbase.models import Tracker

    settings = {"options": ["a", "b"]} if kind == "choice" else {}
    tracker = Tracker(user_id=user.id, name=name, type=kind, frequency=frequency, settings=settings, **fields)
    db.session.add(tracker)
    db.session.commit()
    return tracker


def set_hours(db, user, tz="UTC", hour=0, quiet=(None, None)):
    user.timezone, user.reminder_hour = tz, hour
    user.quiet_hours_start, user.quiet_hours_end = quiet
    db.session.commit()


def private_redis_config(url: str) -> dict:
    """Config overrides that point an app's Redis uses (gate, cache, limiter, broker) at `url`."""
    return {
        "REDIS_URL": url,
        "CACHE_REDIS_URL": url,
        "RATELIMIT_STORAGE_URI": url,
    }


def login_token(client, email: str, password: str = "correct-horse-9") -> str:
    response = client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


class Gunicorn:
    """The real app under gunicorn (2 workers by default), on the tests' database and a given Redis.

    The access log records each request's worker pid, so a test can check that both workers answered.
    """

    def __init__(
        self,
        database_url: str,
        redis_url: str,
        smtp_port: int,
        workers: int = 2,
        secret: str = "",
        salt: str = "",
        env: dict | None = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="tb-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115 (open while gunicorn runs)
        backend = Path(__file__).resolve().parents[1]
        env = {
            **os.environ,
            "SECRET_KEY": secret,
            "SECURITY_PASSWORD_SALT": salt,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "MAIL_PORT": str(smtp_port),
            "RATELIMIT_DEFAULT": "100000 per minute",
            "INVENTORY_POLL_ON_START": "0",
            "PYTHONPATH": f"{backend}:{backend.parent}",
            **(env or {}),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--worker-class",
                "sync",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "-",
                "--access-logformat",
                "%(p)s %(r)s %(s)s",
                "trackbase:create_app()",
            ],
            cwd=backend,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.workers = workers

    def wait(self, timeout: float = 30.0) -> Gunicorn:
        import http.client

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited: " + self.log_text()[-2000:])
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/api/health")
                conn.getresponse().read()
                conn.close()
                booted = self.log_text().count("Booting worker")
                if booted >= self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("gunicorn did not start: " + self.log_text()[-2000:])

    def request(self, method: str, path: str, headers: dict | None = None, body: dict | None = None):
        """One request on a fresh connection (so the kernel spreads them over the workers): (status, json)."""
        import http.client
        import json

        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        payload = json.dumps(body) if body is not None else None
        hdrs = {"Connection": "close", **(headers or {})}
        if payload is not None:
            hdrs["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=hdrs)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        return response.status, (
            json.loads(raw) if raw and response.getheader("Content-Type", "").startswith("application/json") else raw
        )

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def pids_for(self, request_line_part: str) -> set[str]:
        pids = set()
        for line in self.log_text().splitlines():
            parts = line.split(" ", 1)
            if len(parts) == 2 and parts[0].strip("<>").isdigit() and request_line_part in parts[1]:
                pids.add(parts[0].strip("<>"))
        return pids

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        Path(self.log.name).unlink(missing_ok=True)


class MotoS3:
    """A moto server speaking S3 over HTTP on a fixed free port; stop() takes it off the network
    (connections are refused) and start() brings it back on the same port with the same objects."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None

    def start(self):
        from moto.server import ThreadedMotoServer

        for _ in range(100):  # the port of a server just closed can take a moment to be free again
            try:
                self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
                self.server.start()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the moto server did not start")

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server._server.server_close()  # shutdown() alone keeps the socket listening
            self.server = None

    def client(self):
        """A boto3 S3 client of the test itself, to look at the bucket behind the app's back."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3", endpoint_url=self.url, region_name="us-east-1", config=Config(signature_version="s3v4")
        )


def make_product(db, user=None, name="Research product", source="member", **fields):
    """A product row made directly (the products API is built elsewhere)."""
    from trackbase.models import Product

    product = Product(source=source, name=name, created_by_id=user.id if user is not None else None, **fields)
    db.session.add(product)
    db.session.commit()
    return product


def pdf_bytes(*lines: str) -> bytes:
    """A small valid PDF whose one page shows `lines` as text (no lines: a page without a text layer)."""
    ops = ["BT /F1 12 Tf 72 720 Td 14 TL"]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    content = "\n".join(ops if lines else ["0 0 1 rg 72 72 200 200 re f"]).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


class DynamoStandIn:
    """moto's server mode on one port, speaking DynamoDB over HTTP; state is reset on every start."""

    def __init__(self, port: int, table: str):
        self.port = port
        self.table = table
        self.server = None

    def _client(self):
        import boto3

        return boto3.client(
            "dynamodb",
            endpoint_url=f"http://127.0.0.1:{self.port}",
            region_name="eu-north-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def up(self) -> DynamoStandIn:
        import requests
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()
        requests.post(f"http://127.0.0.1:{self.port}/moto-api/reset", timeout=5)
        self._client().create_table(
            TableName=self.table,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "order_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "order_id", "AttributeType": "S"}],
        )
        return self

    def down(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def items(self) -> list[dict]:
        return self._client().scan(TableName=self.table)["Items"]
