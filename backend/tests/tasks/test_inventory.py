"""Inventory tasks on a real Celery worker: the scheduled poll and the first poll at worker start."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

from sqlalchemy import func, select

from trackbase.models import InventoryPollRun, Product
from trackbase.services import inventory
from trackbase.services.redis import get_redis


def load_beat_schedule():
    """celery_app/schedule.py alone (importing the package would build an app from the environment)."""
    path = Path(__file__).resolve().parents[3] / "celery_app" / "schedule.py"
    spec = importlib.util.spec_from_file_location("trackbase_beat_schedule", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.beat_schedule


def wait_for_runs(db, count, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        runs = db.session.scalars(select(InventoryPollRun).where(InventoryPollRun.status != "running")).all()
        if len(runs) >= count:
            return runs
        time.sleep(0.05)
    raise AssertionError("the worker did not finish the poll")


def product_count(db):
    return db.session.scalar(select(func.count()).select_from(Product))


def test_beat_poll_runs_on_the_worker_and_notes_the_next_run(sim, db, celery_worker):
    from trackbase.tasks.inventory import poll_inventory

    poll_inventory.delay(trigger="beat")
    runs = wait_for_runs(db, 1)
    assert runs[0].trigger == "beat" and runs[0].status == "ok"
    assert product_count(db) > 0
    next_at = float(get_redis().get(inventory.NEXT_POLL_KEY))
    assert next_at > time.time()


def test_worker_start_polls_when_there_is_no_data(sim, db, app, celery_worker):
    from trackbase.tasks.inventory import _first_poll_at_start

    app.config["INVENTORY_POLL_ON_START"] = True
    try:
        _first_poll_at_start()
        runs = wait_for_runs(db, 1)
    finally:
        app.config["INVENTORY_POLL_ON_START"] = False
    assert runs[0].trigger == "startup"
    assert product_count(db) > 0


def test_worker_start_does_not_poll_when_data_exists(sim, db, app, celery_worker):
    from trackbase.tasks.inventory import poll_inventory

    inventory.run_poll("manual")
    app.config["INVENTORY_POLL_ON_START"] = True
    try:
        result = poll_inventory.apply(kwargs={"trigger": "startup"})  # run here: the outcome is what we check
    finally:
        app.config["INVENTORY_POLL_ON_START"] = False
    assert result.successful()
    assert db.session.scalar(select(func.count()).select_from(InventoryPollRun)) == 1


def test_beat_schedule_polls_every_interval_and_expires_before_the_next(app):
    from trackbase.tasks.inventory import poll_inventory

    entry = load_beat_schedule()({"INVENTORY_POLL_SECONDS": 120})["inventory-poll"]
    assert entry["task"] == poll_inventory.name
    assert entry["schedule"].total_seconds() == 120
    assert 0 < entry["options"]["expires"] < 120
