"""The poll itself: one at a time under the lock, concurrent fetches, published changes, cache versions."""

from __future__ import annotations

import json
import threading
import time

from sqlalchemy import func, select

from tests.support import poll
from trackbase import cache as cache_helpers
from trackbase.models import InventoryPollRun
from trackbase.services import inventory
from trackbase.services.redis import get_redis


def test_two_concurrent_polls_run_once(sim, db, app):
    sim.configure(availability_latency=1.0)
    results = {}

    def first():
        with app.app_context():
            results["first"] = inventory.run_poll("beat")
            results["first_id"] = results["first"].id if results["first"] else None

    thread = threading.Thread(target=first)
    thread.start()
    deadline = time.monotonic() + 10
    while not inventory.poll_running() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert inventory.poll_running()
    assert inventory.run_poll("beat") is None  # skipped while the first holds the lock
    thread.join()
    assert results["first_id"] is not None
    assert db.session.scalar(select(func.count()).select_from(InventoryPollRun)) == 1
    assert not inventory.poll_running()  # released by its holder


def test_lock_expires_before_the_next_scheduled_poll(sim, app):
    app.config["INVENTORY_POLL_SECONDS"] = 300
    lock = inventory.poll_lock()
    assert lock.acquire(blocking=False)
    try:
        ttl = get_redis().ttl(inventory.LOCK_KEY)
        assert 0 < ttl < 300
    finally:
        lock.release()


def test_fetches_run_concurrently(sim, db):
    poll()
    sim.configure(products_latency=0.3, availability_latency=0.6)
    sim.reset_stats()
    poll()
    # three lists and six manufacturers known from the last poll are all in flight together
    assert sim.stats()["max_in_flight"] == {"products": 3, "availability": 6}


def test_changes_are_published_for_watchers(sim, db):
    poll()
    pubsub = get_redis().pubsub()
    pubsub.subscribe(inventory.CHANGES_CHANNEL)
    pubsub.get_message(timeout=1)  # the subscribe confirmation
    sim.advance(1)
    run = poll()
    message = pubsub.get_message(timeout=5)
    pubsub.close()
    assert message is not None and message["type"] == "message"
    payload = json.loads(message["data"])
    assert payload["run_id"] == run.id
    assert payload["changes"] == run.changes
    assert {"product_id", "external_id", "old", "new"} <= set(payload["changes"][0])


def test_a_poll_with_changes_bumps_the_data_version_and_an_unchanged_one_does_not(sim, db):
    poll()
    version = cache_helpers.inventory_data_version()
    poll()
    assert cache_helpers.inventory_data_version() == version
    sim.advance(1)
    poll()
    assert cache_helpers.inventory_data_version() != version
