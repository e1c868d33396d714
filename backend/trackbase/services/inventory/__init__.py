"""Inventory: the supplier poll that writes availability onto catalog rows (the rows belong to products).

Owns models/inventory.py (poll runs, source states, availability history). The modules behind
this face are the area's own:

- settings: categories and intervals from the config, the Redis keys
- supplier_client: the HTTP client for the upstream supplier (retries, hedging, parsing)
- poll: one poll under the lock, fetched concurrently; the status the inventory screen shows
- apply: one poll's results written in steps, in one transaction
- refresh: the next scheduled run, and a poll run as an admin's job
"""

from __future__ import annotations

from .poll import inventory_status, poll_lock, poll_running, run_poll
from .refresh import REFRESH_JOB_KIND, has_data, note_scheduled_run, request_refresh, run_refresh_job
from .settings import (
    CHANGES_CHANNEL,
    LOCK_KEY,
    NEXT_POLL_KEY,
    categories,
    lock_timeout,
    poll_seconds,
    require_category,
)

__all__ = [
    "CHANGES_CHANNEL",
    "LOCK_KEY",
    "NEXT_POLL_KEY",
    "REFRESH_JOB_KIND",
    "categories",
    "has_data",
    "inventory_status",
    "lock_timeout",
    "note_scheduled_run",
    "poll_lock",
    "poll_running",
    "poll_seconds",
    "request_refresh",
    "require_category",
    "run_poll",
    "run_refresh_job",
]
