"""Tracking benchmark: dashboard and stats cold vs cached; reminder scan at scale; digest emails per second.

    .venv/bin/python bench/tracking_bench.py [--trackers 20] [--logs 10000] [--users 10000] [--per-user 5]
        [--workers 4] [--database-url postgresql+psycopg://postgres@localhost/postgres]

Part 1: one user with TRACKERS daily trackers x LOGS logs (one every 3.5 hours, going back about four
years at 10,000). GET /api/trackers and GET /api/trackers/<id>/stats through the app (the Flask test
client: routing, auth, queries, serialization, Redis cache), each measured cold (the user's cache
version bumped before every call) and cached; medians and the cold/cached ratio are printed.

Part 2: USERS users with PER_USER due daily trackers each. The reminder scan claims every
(tracker, period) in reminder_claims and enqueues one digest task per user on Redis: the time to
claim and enqueue is printed. A second scan (what a second beat would do) must claim nothing. Then
a Celery worker (its own process, prefork) sends the digests through the real mail task to a local
aiosmtpd server (its own process); emails per second are measured from the worker's start to the
last message received.

Runs its own redis-server, SMTP server and worker on free ports, and a temporary SQLite file (or a fresh
PostgreSQL database on --database-url's server). Prints figures only; nothing is asserted on time.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "backend"), str(ROOT)]

from tests.support import Database, RedisServer, free_port  # noqa: E402

UTC = timezone.utc


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.2f} ms (median of {len(values)})"


def build_app(database_url: str, redis_url: str, smtp_port: int):
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from tests.conftest import make_test_config
    from trackbase import create_app
    from trackbase.extensions import db

    app = create_app(make_test_config(database_url, redis_url, smtp_port, RATELIMIT_ENABLED=False))
    with app.app_context():
        db.create_all()
        from trackbase.services.accounts import ensure_roles

        ensure_roles()
        db.session.commit()
    return app


def part_one(app, trackers: int, logs: int, repeat: int) -> None:
    from trackbase import cache as tb_cache
    from trackbase.extensions import db
    from trackbase.models import Tracker, TrackerLog
    from trackbase.services import accounts

    with app.app_context():
        user = accounts.create_user("bench@example.com", "bench-password-1", name="Bench")
        user.timezone = "Europe/Helsinki"
        db.session.commit()
        token = user.get_auth_token()
        user_id = user.id
        now = datetime.now(UTC)
        kinds = ["numeric", "rating", "duration", "boolean"]
        ids = []
        started = time.perf_counter()
        for index in range(trackers):
            kind = kinds[index % len(kinds)]
            tracker = Tracker(user_id=user_id, name=f"Tracker {index:02d}", type=kind, frequency="daily",
                              settings={"scale": 5} if kind == "rating" else {})
            db.session.add(tracker)
            db.session.flush()
            ids.append(tracker.id)
            rows = []
            for n in range(logs):
                # Several logs a day going back in time: ~4 years of history per tracker at 10,000 logs.
                ts = now - timedelta(hours=n * 3.5 + index * 0.1)
                value = {"numeric": 70 + (n % 17) * 0.3, "rating": 1 + n % 5, "duration": 1800 + n % 3600,
                         "boolean": n % 2}[kind]
                rows.append({"tracker_id": tracker.id, "timestamp": ts, "value_num": float(value), "value_text": None,
                             "note": "", "created_at": now, "updated_at": now})
            db.session.execute(TrackerLog.__table__.insert(), rows)
        db.session.commit()
        print(f"seeded {trackers} trackers x {logs} logs in {time.perf_counter() - started:.1f} s")

    client = app.test_client()
    headers = {"Authentication-Token": token}

    def get(path):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code, response.get_data()[:300])

    def cold(path):
        def run():
            with app.app_context():
                tb_cache.clear_tracking_user(user_id)
            get(path)
        return run

    for label, path in [
        ("dashboard GET /api/trackers", "/api/trackers"),
        ("stats, 30 days by day", f"/api/trackers/{ids[0]}/stats?bucket=day"),
        ("stats, 12 months by month", f"/api/trackers/{ids[1]}/stats?bucket=month"),
    ]:
        get(path)  # warm the code paths once
        cold_times = timed(cold(path), repeat)
        get(path)
        warm_times = timed(lambda p=path: get(p), repeat * 5)
        ratio = statistics.median(cold_times) / statistics.median(warm_times)
        print(f"{label:32s} cold {ms(cold_times)}   cached {ms(warm_times)}   cold/cached {ratio:6.1f}x")


def part_two(app, users: int, per_user: int, workers: int, smtp, worker_env: dict) -> None:
    import uuid

    from trackbase.extensions import db
    from trackbase.models import ReminderClaim, Tracker, User
    from trackbase.services.tracking import reminders

    with app.app_context():
        started = time.perf_counter()
        now = datetime.now(UTC)
        user_rows = [{"email": f"r{n}@bench.example.com", "password": "x", "active": True,
                      "fs_uniquifier": uuid.uuid4().hex, "name": "", "timezone": "UTC", "reminder_hour": 0,
                      "created_at": now} for n in range(users)]
        for offset in range(0, users, 2000):
            db.session.execute(User.__table__.insert(), user_rows[offset:offset + 2000])
        db.session.commit()
        user_ids = [row[0] for row in db.session.execute(
            db.select(User.id).where(User.email.like("%@bench.example.com")).order_by(User.id))]
        tracker_rows = [{"user_id": uid, "name": f"Habit {k}", "description": "", "type": "boolean" if k % 2 else "numeric",
                         "frequency": "daily", "settings": {}, "reminders": True, "archived": False,
                         "created_at": now, "updated_at": now} for uid in user_ids for k in range(per_user)]
        for offset in range(0, len(tracker_rows), 5000):
            db.session.execute(Tracker.__table__.insert(), tracker_rows[offset:offset + 5000])
        db.session.commit()
        print(f"seeded {users} users x {per_user} trackers in {time.perf_counter() - started:.1f} s")

    with app.app_context():
        started = time.perf_counter()
        result = reminders.scan(now)
        scan_seconds = time.perf_counter() - started
        print(f"reminder scan: {result['due']} due, {result['claimed']} claimed for {result['users']} users in "
              f"{scan_seconds:.2f} s ({result['claimed'] / scan_seconds:,.0f} claims/s): claim {result['claim_seconds']:.2f} s, "
              f"commit + enqueue of the digest tasks (50 users each) {result['enqueue_seconds']:.2f} s")
        started = time.perf_counter()
        again = reminders.scan(now + timedelta(minutes=5))
        print(f"second scan (another beat): {again['claimed']} claimed in {time.perf_counter() - started:.2f} s")
        claims = db.session.scalar(db.select(db.func.count()).select_from(ReminderClaim))
        print(f"reminder_claims rows: {claims} (one per tracker and day)")

    # The worker is its own process, as deployed (celery -A celery_app worker), so the SMTP server,
    # the worker and this script do not share one interpreter lock.
    started = time.perf_counter()
    worker = subprocess.Popen(
        [str(Path(sys.executable).with_name("celery")), "-A", "celery_app", "worker", "--pool", "prefork",
         "--concurrency", str(workers), "--loglevel", "ERROR", "--without-heartbeat", "--without-mingle",
         "--without-gossip"],
        cwd=ROOT, env=worker_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        received = smtp.wait_for(result["users"], timeout=3600)
        elapsed = time.perf_counter() - started
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    print(f"digest emails: {received} received by the SMTP server in {elapsed:.1f} s, worker start included "
          f"({received / elapsed:,.0f} emails/s; celery worker, prefork, {workers} processes)")


class MaildirSink:
    """aiosmtpd in its own process, keeping each message as a file; counts what arrived."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="tb-bench-mail-")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}", "-c",
             "aiosmtpd.handlers.Mailbox", os.path.join(self.dir, "mail")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def count(self) -> int:
        try:
            return len(os.listdir(os.path.join(self.dir, "mail", "new")))
        except FileNotFoundError:
            return 0

    def wait_for(self, count: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.count() < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.count()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trackers", type=int, default=20)
    parser.add_argument("--logs", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--per-user", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default: 2, the cores here)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    if args.database_url:
        os.environ["TEST_DATABASE_URL"] = args.database_url
    database, redis, smtp = Database(), RedisServer(), MaildirSink()
    url = database.create()
    app = None
    try:
        redis_url = redis.start()
        app = build_app(url, redis_url, smtp.port)
        worker_env = {**os.environ, "SECRET_KEY": app.config["SECRET_KEY"],
                      "SECURITY_PASSWORD_SALT": app.config["SECURITY_PASSWORD_SALT"], "DATABASE_URL": url,
                      "REDIS_URL": redis_url, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port),
                      "PUBLIC_URL": app.config["PUBLIC_URL"], "PYTHONPATH": str(ROOT / "backend")}
        print(f"database: {url.split('://')[0]}, redis {redis_url}, smtp 127.0.0.1:{smtp.port}")
        part_one(app, args.trackers, args.logs, args.repeat)
        part_two(app, args.users, args.per_user, args.workers, smtp, worker_env)
    finally:
        smtp.stop()
        redis.stop()
        if app is not None:
            from trackbase.extensions import db

            with app.app_context():
                db.engine.dispose()
        database.drop()


if __name__ == "__main__":
    main()
