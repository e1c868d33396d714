"""Tasks for tests that break the broker under a running task (loaded with `celery worker --include`)."""

from __future__ import annotations

import time
from pathlib import Path

from celery import shared_task


@shared_task(name="tests.slow_tasks.mark", acks_late=True)
def mark(path: str, seconds: float = 0.0) -> None:
    """Write <path>.started, take `seconds`, then write <path>: the test sees a task start and finish."""
    Path(path + ".started").write_text("started")
    time.sleep(seconds)
    Path(path).write_text("done")
