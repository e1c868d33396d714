"""The beat schedule as data (UTC). Each entry names a task in trackbase/tasks/."""
from __future__ import annotations

from datetime import timedelta


def beat_schedule(config: dict) -> dict:
    """Return the Celery beat schedule for this configuration."""
    return {
        "worker-heartbeat": {
            "task": "trackbase.tasks.ops.heartbeat",
            "schedule": timedelta(seconds=30),
            "options": {"expires": 25},
        },
    }
