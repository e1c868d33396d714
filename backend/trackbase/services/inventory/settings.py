"""Inventory settings read from the config, and the Redis keys the poll shares with its readers."""

from __future__ import annotations

from flask import current_app

from ...errors import not_found

DEFAULT_CATEGORIES = ("gloves", "facemasks", "beanies")
LOCK_KEY = "trackbase:inventory:poll-lock"
NEXT_POLL_KEY = "trackbase:inventory:next-poll-at"
CHANGES_CHANNEL = "trackbase:inventory:changes"


def categories() -> tuple[str, ...]:
    """The upstream categories polled (config INVENTORY_CATEGORIES, a list or comma string)."""
    raw = current_app.config.get("INVENTORY_CATEGORIES") or DEFAULT_CATEGORIES
    if isinstance(raw, str):
        raw = raw.split(",")
    return tuple(c.strip().lower() for c in raw if c.strip())


def require_category(category: str) -> None:
    """A 404 unless `category` is one of the polled categories."""
    if category not in categories():
        raise not_found("Category")


def poll_seconds() -> int:
    """Seconds between scheduled polls (INVENTORY_POLL_SECONDS, at least 10)."""
    return max(10, int(current_app.config.get("INVENTORY_POLL_SECONDS", 300)))


def lock_lease() -> int:
    """Seconds the poll lock lives unless its holder renews it (INVENTORY_LOCK_LEASE_SECONDS, 30).

    The running poll renews it every third of a lease, so a slow poll keeps it and a killed one
    frees it within one lease; never longer than the wait for a running poll.
    """
    lease = max(3, int(current_app.config.get("INVENTORY_LOCK_LEASE_SECONDS", 30)))
    return min(lease, max_poll_seconds())


def max_poll_seconds() -> int:
    """The longest a refresh waits for a poll another worker runs: a little less than one interval."""
    interval = poll_seconds()
    return max(5, min(interval - 5, int(interval * 0.9)))


def alert_after() -> int:
    """Consecutive failed or partial polls after which admins are emailed (INVENTORY_ALERT_AFTER, 3; 0 = never)."""
    return max(0, int(current_app.config.get("INVENTORY_ALERT_AFTER", 3)))
