"""services/outbox: work decided during a Redis outage is delivered exactly once when Redis is back,
mail that keeps failing is kept as failed for admins, and a write whose cache bump Redis refused
still answers success and is never read stale afterwards.

Real parts: a redis-server this file kills and starts again (the broker, cache and gate store),
`celery -A celery_app worker` as a process, the aiosmtpd sink, SQLite or PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from tests.conftest import make_test_config
from tests.processes import CeleryWorkerProcess, RestartableRedis, app_environment, wait_until
from tests.support import SmtpSink, free_port, headers_for, make_product, make_tracker, set_hours


def _later(seconds: int = 11):
    """A sweep time past the delay the sweeper leaves to the dispatch after each commit."""
    from trackbase.models import utcnow

    return utcnow() + timedelta(seconds=seconds)


@pytest.fixture
def broker():
    server = RestartableRedis(persistent=True)  # comes back with its data, as a Redis that was away does
    server.start()
    yield server
    server.stop()


@pytest.fixture
def outage_app(make_app, broker, database_url, smtp_server):
    """An app whose Redis (gate, cache, limiter, broker) is the one this file breaks."""
    celery = make_test_config(database_url, broker.url, smtp_server.port)["CELERY"]
    other = make_app(
        REDIS_URL=broker.url,
        CACHE_REDIS_URL=broker.url,
        RATELIMIT_STORAGE_URI=broker.url,
        CELERY={**celery, "broker_url": broker.url},
    )
    with other.app_context():
        yield other


def _worker(tmp_path, broker, database_url, mail_port, **env):
    process = CeleryWorkerProcess(
        app_environment(
            broker.url,
            tmp_path,
            DATABASE_URL=database_url,
            MAIL_PORT=str(mail_port),
            PUBLIC_URL="http://trackbase.test",
            **env,
        ),
        tmp_path / "worker.log",
    ).start()
    import redis

    client = redis.Redis.from_url(broker.url)
    wait_until(lambda: client.exists("trackbase:worker:heartbeat") or not process.alive(), 60, what="the worker")
    assert process.alive(), process.log_tail()
    return process


@pytest.fixture
def worker(tmp_path, broker, database_url, smtp_server):
    process = _worker(tmp_path, broker, database_url, smtp_server.port)
    yield process
    process.stop()


def _rows(db, **where):
    from trackbase.models import OutboxMessage

    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(OutboxMessage, name) == value)
    db.session.expire_all()
    return list(db.session.scalars(stmt))


def _recipients(mailbox) -> list[str]:
    return sorted(str(m["To"]) for m in mailbox.messages)


def test_work_decided_while_redis_is_down_is_delivered_once_when_it_is_back(
    outage_app, db, make_user, broker, worker, smtp
):
    from trackbase.models import ReminderClaim, ReportClaim, utcnow
    from trackbase.services import outbox, tracking

    reminded = make_user("reminded@example.com")
    set_hours(db, reminded, hour=0)
    make_tracker(db, reminded, "Walked")
    reported = make_user("reported@example.com")
    reported.created_at = utcnow() - timedelta(days=70)  # existed all of last month
    db.session.commit()
    make_tracker(db, reported, "Slept", kind="numeric", reminders=False)
    make_user("forgetful@example.com")

    broker.kill()
    # The beat's scan and a worker's digest run while the broker is gone (the email is queued in the
    # same commit that marks the claim sent), the hourly monthly check claims a report, and a member
    # asks for a password reset.
    claims = tracking.scan(enqueue=False)["claims"]
    assert tracking.send_digests([[reminded.id, claims[reminded.id]]]) == 1
    assert len(tracking.monthly_check()) == 1
    response = outage_app.test_client().post("/api/auth/reset", json={"email": "forgetful@example.com"})
    assert response.status_code == 200, response.get_json()

    pending = _rows(db, status="pending")
    assert [row.task_name for row in pending] == [
        "trackbase.tasks.mail.send_email",
        "trackbase.tasks.tracking.monthly_report",
        "trackbase.tasks.mail.send_email",
    ]
    assert all(row.last_error and "Broker unreachable" in row.last_error for row in pending)

    broker.start()
    result = outbox.sweep(now=_later())
    assert (result["claimed"], result["sent"]) == (3, 3)
    smtp.wait_for(3, timeout=60)
    time.sleep(2)  # a second copy of any of them would have arrived by now
    assert _recipients(smtp) == ["forgetful@example.com", "reminded@example.com", "reported@example.com"]
    assert outbox.sweep(now=_later(60))["claimed"] == 0  # nothing is left to send again
    time.sleep(1)
    assert len(smtp.messages) == 3

    db.session.expire_all()
    assert [c.status for c in db.session.scalars(select(ReminderClaim))] == ["sent"]
    wait_until(lambda: db.session.scalar(select(ReportClaim.status)) == "sent" or db.session.expire_all(), 20)
    statuses = {row.id: row.status for row in _rows(db)}
    assert sorted(statuses.values()) == ["done", "done", "sent"]


def test_two_sweepers_at_once_send_each_message_once(outage_app, db, broker, worker, smtp):
    from trackbase.services import mail, outbox

    broker.kill()
    for n in range(12):
        mail.send_email(f"member{n}@example.com", f"Hello {n}", "invitation", invitation=None, url="x")
        db.session.commit()
    assert len(_rows(db, status="pending")) == 12
    broker.start()

    now = _later()
    barrier = threading.Barrier(2)
    results = []

    def sweeper():
        with outage_app.app_context():
            barrier.wait()
            results.append(outbox.sweep(now=now))

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(r["claimed"] for r in results) in ([0, 12], [1, 11], [2, 10], [3, 9], [4, 8], [5, 7], [6, 6])
    assert sum(r["claimed"] for r in results) == 12
    smtp.wait_for(12, timeout=60)
    time.sleep(2)
    assert _recipients(smtp) == sorted(f"member{n}@example.com" for n in range(12))


def test_mail_that_keeps_failing_is_kept_failed_for_admins_and_can_be_retried(
    outage_app, db, make_user, broker, tmp_path, database_url
):
    from trackbase.services import mail

    admin = make_user("admin@example.com", role="admin")
    member = make_user("member@example.com")
    dead_port = free_port()  # nothing listens: the mail server is down
    process = _worker(tmp_path, broker, database_url, dead_port, MAIL_RETRIES="1", MAIL_RETRY_SECONDS="1")
    try:
        mail.send_email("someone@example.com", "Your export", "invitation", invitation=None, url="x")
        db.session.commit()
        wait_until(lambda: _rows(db, status="failed"), 60, what="the message to fail")
        (row,) = _rows(db)
        assert row.status == "failed" and "Connection refused" in row.last_error

        client = outage_app.test_client()
        listed = client.get("/api/admin/outbox?status=failed", headers=headers_for(admin))
        assert listed.status_code == 200
        (item,) = listed.get_json()["items"]
        assert (item["id"], item["kind"], item["to"], item["subject"]) == (
            row.id,
            "mail",
            "someone@example.com",
            "Your export",
        )
        assert client.get("/api/admin/outbox", headers=headers_for(member)).status_code == 403
        assert client.get("/api/admin/outbox?status=lost", headers=headers_for(admin)).status_code == 400
        assert client.post("/api/admin/outbox/999999/retry", headers=headers_for(admin)).status_code == 404

        sink = SmtpSink(port=dead_port).start()  # the mail server is back
        try:
            retried = client.post(f"/api/admin/outbox/{row.id}/retry", headers=headers_for(admin))
            assert retried.status_code == 202
            assert retried.get_json()["message"]["status"] in ("sent", "sending", "done")  # dispatched at once
            assert [str(m["To"]) for m in sink.mailbox.wait_for(1, timeout=30)] == ["someone@example.com"]
            wait_until(lambda: _rows(db, status="done"), 20, what="the row to be done")
            again = client.post(f"/api/admin/outbox/{row.id}/retry", headers=headers_for(admin))
            assert again.status_code == 409
            time.sleep(1)
            assert len(sink.mailbox.messages) == 1
        finally:
            sink.stop()
    finally:
        process.stop()


def _kill_after_next_commit(db, broker, model):
    """Kill Redis right after the next commit that wrote a `model` row: between the gate (which needed
    Redis) and the cache bump the service makes after its commit."""
    armed = {"on": False}

    def arm(session, flush_context, instances=None):
        if any(isinstance(obj, model) for obj in (*session.new, *session.dirty)):
            armed["on"] = True

    def kill(session):
        if armed["on"]:
            armed["on"] = False
            broker.kill()

    event.listen(Session, "before_flush", arm)
    event.listen(Session, "after_commit", kill, insert=True)  # before the bump after the commit
    return lambda: (event.remove(Session, "before_flush", arm), event.remove(Session, "after_commit", kill))


def test_a_log_saved_while_redis_dies_answers_201_once_and_is_never_read_stale(outage_app, db, make_user, broker):
    from trackbase import cache
    from trackbase.models import TrackerLog

    member = make_user("member@example.com")
    tracker = make_tracker(db, member, "Water", kind="numeric")
    client = outage_app.test_client()
    headers = headers_for(member)
    assert client.get("/api/trackers", headers=headers).get_json()["items"][0]["log_count"] == 0  # now cached

    remove = _kill_after_next_commit(db, broker, TrackerLog)
    try:
        response = client.post(f"/api/trackers/{tracker.id}/logs", json={"value": 3}, headers=headers)
    finally:
        remove()
    assert response.status_code == 201, response.get_json()
    assert db.session.scalar(select(func.count()).select_from(TrackerLog)) == 1
    (carried,) = _rows(db, task_name="trackbase.tasks.ops.bump_cache_versions")
    assert carried.args == [[f"tracking:user-version:{member.id}"]]

    broker.start()  # back with its data: the cached dashboard from before the log is still there
    board = client.get("/api/trackers", headers=headers).get_json()
    assert board["items"][0]["log_count"] == 1
    assert not cache._unbumped


def test_a_product_edit_while_redis_dies_is_read_fresh_by_every_process_once_redis_is_back(
    outage_app, db, make_user, broker, worker
):
    from trackbase import cache
    from trackbase.models import Product
    from trackbase.services import outbox

    admin = make_user("admin@example.com", role="admin")
    product = make_product(
        db, name="Wool gloves", source="supplier", category="gloves", external_id="g-1", description="Warm"
    )
    client = outage_app.test_client()
    headers = headers_for(admin)
    rows = client.get("/api/inventory/gloves", headers=headers).get_json()["items"]
    assert [r["description"] for r in rows] == ["Warm"]  # now cached

    remove = _kill_after_next_commit(db, broker, Product)
    try:
        response = client.patch(f"/api/products/{product.id}", json={"description": "Very warm"}, headers=headers)
    finally:
        remove()
    assert response.status_code == 200, response.get_json()
    assert len(_rows(db, task_name="trackbase.tasks.ops.bump_cache_versions")) == 1

    broker.start()  # back with its data
    cache._unbumped.clear()  # another API process, which did not see the bump after the commit fail
    rows = client.get("/api/inventory/gloves", headers=headers).get_json()["items"]
    assert [r["description"] for r in rows] == ["Very warm"]  # the bump before the commit invalidated it
    assert outbox.sweep()["sent"] == 1  # the carried bump is due at once, and a worker makes it
    wait_until(lambda: _rows(db, task_name="trackbase.tasks.ops.bump_cache_versions", status="sent"), 10)
    assert [r["description"] for r in client.get("/api/inventory/gloves", headers=headers).get_json()["items"]] == [
        "Very warm"
    ]


def test_a_write_whose_redis_is_gone_before_its_commit_is_not_committed(outage_app, db, make_user, broker):
    from trackbase.extensions import db as _db
    from trackbase.models import TrackerLog
    from trackbase.services import tracking

    member = make_user("member@example.com")
    tracker = make_tracker(db, member, "Water", kind="numeric")
    broker.kill()  # after the gate let the request in: the service's bump before its commit fails
    with pytest.raises(Exception) as raised:
        tracking.create_log(member, tracker.id, {"value": 3})
    _db.session.rollback()
    from trackbase.errors import unavailable_dependency

    assert unavailable_dependency(raised.value) == "Redis"  # answered 503: nothing saved, a retry is safe
    assert db.session.scalar(select(func.count()).select_from(TrackerLog)) == 0
