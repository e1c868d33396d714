"""The beat schedule is data, and every entry names a task the worker knows."""

from __future__ import annotations

from celery_app.schedule import beat_schedule


def test_every_scheduled_task_is_registered(app):
    import trackbase.tasks  # noqa: F401

    celery = app.extensions["celery"]
    schedule = beat_schedule(app.config)
    assert "worker-heartbeat" in schedule
    for name, entry in schedule.items():
        assert entry["task"] in celery.tasks, f"{name}: unknown task {entry['task']}"


def test_scheduled_runs_expire_before_piling_up(app):
    for name, entry in beat_schedule(app.config).items():
        expires = entry.get("options", {}).get("expires")
        assert expires is not None, f"{name} has no expiry: a stopped worker would face a pile of stale runs"
