"""Tracking benchmark: dashboard and stats cold vs cached; reminder scan at scale; digest emails per second.

    .venv/bin/python bench/tracking_bench.py [--trackers 20] [--logs 10000] [--users 10000] [--per-user 5]
        [--workers 4] [--database-url postgresql+psycopg://postgres@localhost/postgres]

Part 1: one user with TRACKERS x LOGS logs (timestamps spread over the last LOGS hours... days for
daily trackers). GET /api/trackers and GET /api/trackers/<id>/stats through the app (the Flask test
client: routing, auth, queries, serialization, Redis cache), each measured cold (the user's cache
version bumped before every call) and cached; medians and the cold/cached ratio are printed.

Part 2: USERS users with PER_USER due daily trackers each. The reminder scan claims every
(tracker, period) in reminder_claims and enqueues one digest task per user on Redis: the time to
claim and enqueue is printed. A second scan (what a second beat would do) must claim nothing. Then
a Celery worker (threads) sends the digests through the real mail task to a local aiosmtpd server;
emails per second are measured from the first enqueue to the last message received.

Runs its own redis-server and SMTP sink on free ports, and a temporary SQLite file (or a fresh
PostgreSQL database on --database-url's server). Prints figures only; nothing is asserted on time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "backend"), str(ROOT)]

from tests.support import Database, RedisServer, SmtpSink  # noqa: E402

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


def part_two(app, users: int, per_user: int, workers: int, smtp) -> None:
    import uuid

    from trackbase.extensions import db
    from trackbase.models import ReminderClaim, Tracker, User
    from trackbase.services import reminders

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

    from celery.contrib.testing.worker import start_worker

    import trackbase.tasks  # noqa: F401

    celery = app.extensions["celery"]
    smtp.mailbox.clear()
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

    enqueued_at = time.perf_counter() - scan_seconds
    with start_worker(celery, pool="threads", concurrency=workers, perform_ping_check=False, loglevel="ERROR",
                      shutdown_timeout=60):
        smtp.mailbox.wait_for(count=result["users"], timeout=3600)
        elapsed = time.perf_counter() - enqueued_at
    received = len(smtp.mailbox.messages)
    print(f"digest emails: {received} received by the SMTP server in {elapsed:.1f} s "
          f"({received / elapsed:,.0f} emails/s, worker with {workers} threads)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trackers", type=int, default=20)
    parser.add_argument("--logs", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--per-user", type=int, default=5)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL (default: a temporary SQLite file)")
    args = parser.parse_args()

    if args.database_url:
        os.environ["TEST_DATABASE_URL"] = args.database_url
    database, redis, smtp = Database(), RedisServer(), SmtpSink()
    url = database.create()
    try:
        redis_url = redis.start()
        smtp.start()
        app = build_app(url, redis_url, smtp.port)
        print(f"database: {url.split('://')[0]}, redis {redis_url}, smtp 127.0.0.1:{smtp.port}")
        part_one(app, args.trackers, args.logs, args.repeat)
        part_two(app, args.users, args.per_user, args.workers, smtp)
    finally:
        smtp.stop()
        redis.stop()
        from trackbase.extensions import db

        with app.app_context():
            db.engine.dispose()
        database.drop()


if __name__ == "__main__":
    main()
