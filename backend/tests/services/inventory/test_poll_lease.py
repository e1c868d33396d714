"""The poll lock's lease: renewed while a slow poll runs, and a lock lost to a Redis restart stops the
poll before it writes anything, so two polls never both apply. A private redis-server, killed and
started again empty under a running poll; the supplier simulator slowed down."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import redis
from sqlalchemy import func, select, update

from tests.processes import RestartableRedis, wait_until
from tests.support import private_redis_config
from trackbase.models import AvailabilityHistory, InventoryPollRun, Product, utcnow
from trackbase.services import inventory

LEASE = 3


@pytest.fixture
def store():
    server = RestartableRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def poll_app(make_app, store, app, supplier):
    """An app whose lock lives in the private Redis, with a short lease."""
    return make_app(
        **private_redis_config(store.url),
        SUPPLIER_API_URL=app.config["SUPPLIER_API_URL"],
        INVENTORY_RETRY_BACKOFF=0.01,
        INVENTORY_READ_TIMEOUT=30.0,
        INVENTORY_RETRY_HEDGE=1,
        INVENTORY_LOCK_LEASE_SECONDS=LEASE,
        JOB_LEASE_SECONDS=LEASE,
    )


def start_poll(poll_app, results: dict, name: str) -> threading.Thread:
    def target():
        with poll_app.app_context():
            run = inventory.run_poll("beat")
            results[name] = (run.id, run.status, run.message) if run is not None else None

    thread = threading.Thread(target=target, name=f"poll-{name}")
    thread.start()
    return thread


def lock_held(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url).exists(inventory.LOCK_KEY))
    except redis.ConnectionError:
        return False


def running_runs(db) -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count()).select_from(InventoryPollRun).where(InventoryPollRun.status == "running")
    )


def test_a_slow_poll_keeps_its_lock_past_the_lease(poll_app, store, sim, db):
    sim.configure(availability_latency=LEASE * 2.5)
    results = {}
    thread = start_poll(poll_app, results, "slow")
    wait_until(lambda: lock_held(store.url), 10, what="the poll to take the lock")
    time.sleep(LEASE * 1.5)
    assert lock_held(store.url)  # renewed by the running poll
    with poll_app.app_context():
        assert inventory.run_poll("beat") is None  # a second poll is still turned away
    thread.join(timeout=60)
    assert results["slow"][1] == "ok"
    assert not lock_held(store.url)


def test_redis_restarted_mid_poll_the_poll_that_lost_its_lock_writes_nothing(poll_app, store, sim, db):
    sim.configure(availability_latency=LEASE * 1.5)
    results = {}
    first = start_poll(poll_app, results, "first")
    wait_until(lambda: lock_held(store.url) and running_runs(db) == 1, 10, what="the first poll to start")

    store.kill()
    time.sleep(0.5)
    store.start()  # same port, empty: the lock is gone
    second = start_poll(poll_app, results, "second")  # takes the lock the first one lost
    first.join(timeout=60)
    second.join(timeout=60)

    first_id, first_status, first_message = results["first"]
    second_id, second_status, _ = results["second"]
    assert first_status == "failed"
    assert first_message == inventory.LOST_LOCK_MESSAGE
    assert second_status == "ok"
    applied = db.session.scalars(select(InventoryPollRun.id).where(InventoryPollRun.status.in_(("ok", "partial"))))
    assert list(applied) == [second_id]
    # every product and every history row came from the poll that kept its lock
    runs_in_history = set(db.session.scalars(select(AvailabilityHistory.poll_run_id).distinct()))
    assert runs_in_history == {second_id}
    expected = sum(len(ids) for ids in sim.snapshot().products.values())
    assert db.session.scalar(select(func.count()).select_from(Product)) == expected


def test_redis_restarted_mid_poll_alone_the_poll_stops_before_applying(poll_app, store, sim, db):
    sim.configure(availability_latency=LEASE * 1.5)
    results = {}
    thread = start_poll(poll_app, results, "only")
    wait_until(lambda: lock_held(store.url) and running_runs(db) == 1, 10, what="the poll to start")
    store.kill()
    time.sleep(0.5)
    store.start()
    thread.join(timeout=60)
    assert results["only"][1] == "failed"
    assert results["only"][2] == inventory.LOST_LOCK_MESSAGE
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0
    assert db.session.scalar(select(func.count()).select_from(AvailabilityHistory)) == 0


def test_a_run_whose_worker_is_gone_is_reaped_when_the_status_is_read(db, client, auth_headers):
    now = utcnow()
    started = now - timedelta(minutes=2)
    stale = InventoryPollRun(
        trigger="beat", status="running", started_at=started, lease_expires_at=now - timedelta(seconds=1)
    )
    live = InventoryPollRun(
        trigger="beat", status="running", started_at=now, lease_expires_at=now + timedelta(minutes=1)
    )
    db.session.add_all([stale, live])
    db.session.commit()
    status = client.get("/api/inventory/status", headers=auth_headers).get_json()
    db.session.expire_all()
    assert db.session.get(InventoryPollRun, stale.id).status == "failed"
    assert db.session.get(InventoryPollRun, stale.id).message.startswith("The worker stopped while running this poll")
    assert db.session.get(InventoryPollRun, live.id).status == "running"
    assert status["last_run"]["id"] == live.id


def test_a_poll_whose_run_was_reaped_meanwhile_writes_nothing(poll_app, store, sim, db):
    # A worker that stalled past its lease (its run reaped) and then wakes up must not apply.
    sim.configure(availability_latency=LEASE)
    results = {}
    thread = start_poll(poll_app, results, "stalled")
    wait_until(lambda: running_runs(db) == 1, 10, what="the poll to start")
    run_id = db.session.scalar(select(InventoryPollRun.id))
    with poll_app.app_context():
        db.session.execute(
            update(InventoryPollRun).where(InventoryPollRun.id == run_id).values(lease_expires_at=utcnow())
        )
        db.session.commit()
        assert inventory.reap_stale_runs() == 1
    thread.join(timeout=60)
    assert results["stalled"][1] == "failed"
    assert results["stalled"][2].startswith("The worker stopped while running this poll")
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0
