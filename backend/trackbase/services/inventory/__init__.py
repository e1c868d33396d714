"""Inventory: the supplier poll that writes availability onto catalog rows (the rows belong to products).

Owns models/inventory.py (poll runs, source states, availability history). The modules behind
this face are the area's own:

- settings: categories and intervals from the config, the Redis keys
- supplier_client: the HTTP client for the upstream supplier (retries, hedging, parsing)
- poll: one poll under the lock (a short lease the poll renews), fetched concurrently; reaping runs whose
  worker is gone; the status the inventory screen shows
- alerts: admins emailed when polls keep failing, and on recovery
- apply: one poll's results written in steps, in one transaction
- refresh: the next scheduled run, and a poll run as an admin's job
"""

from __future__ import annotations

from .alerts import check_alert
from .poll import LOST_LOCK_MESSAGE, inventory_status, poll_lock, poll_running, reap_stale_runs, run_poll
from .refresh import REFRESH_JOB_KIND, has_data, note_scheduled_run, request_refresh, run_refresh_job
from .settings import (
    CHANGES_CHANNEL,
    LOCK_KEY,
    NEXT_POLL_KEY,
    alert_after,
    categories,
    lock_lease,
    max_poll_seconds,
    poll_seconds,
    require_category,
)

__all__ = [
    "CHANGES_CHANNEL",
    "LOST_LOCK_MESSAGE",
    "LOCK_KEY",
    "NEXT_POLL_KEY",
    "REFRESH_JOB_KIND",
    "alert_after",
    "categories",
    "check_alert",
    "has_data",
    "inventory_status",
    "lock_lease",
    "max_poll_seconds",
    "note_scheduled_run",
    "poll_lock",
    "poll_running",
    "poll_seconds",
    "reap_stale_runs",
    "request_refresh",
    "require_category",
    "run_poll",
    "run_refresh_job",
]
