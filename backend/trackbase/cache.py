"""Cache helpers beside the cache (CTFd style): keys, versions and named clear_*() helpers.

Services call the clear_* helpers after they commit writes. Read endpoints build their keys
from a version token, so clearing is one SET: old entries are never read again and expire.
"""
from __future__ import annotations

import hashlib
import uuid

from .extensions import cache

INVENTORY_DATA_VERSION = "inventory:data-version"
INVENTORY_STATUS_VERSION = "inventory:status-version"


def _version(key: str) -> str:
    """The current token of a version key, created when missing (e.g. after a Redis flush)."""
    value = cache.get(key)
    if value is None:
        value = uuid.uuid4().hex[:16]
        if not cache.add(key, value, timeout=0):
            value = cache.get(key) or value
    return value


def _bump(key: str) -> str:
    value = uuid.uuid4().hex[:16]
    cache.set(key, value, timeout=0)
    return value


def inventory_data_version() -> str:
    """Token that changes whenever a poll (or a product edit) changes inventory data."""
    return _version(INVENTORY_DATA_VERSION)


def inventory_status_version() -> str:
    """Token that changes whenever a poll run starts or finishes."""
    return _version(INVENTORY_STATUS_VERSION)


def inventory_key(*parts) -> str:
    """A cache key for inventory reads under the current data version."""
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:20]
    return f"inventory:{inventory_data_version()}:{digest}"


def inventory_status_key() -> str:
    """The cache key of /api/inventory/status under both versions (it shows data counts and run state)."""
    return f"inventory-status:{inventory_data_version()}:{inventory_status_version()}"


def clear_inventory() -> None:
    """Invalidate every cached inventory list, status and availability history."""
    _bump(INVENTORY_DATA_VERSION)
    _bump(INVENTORY_STATUS_VERSION)


def clear_inventory_status() -> None:
    """Invalidate the cached inventory status only (a poll run started or finished)."""
    _bump(INVENTORY_STATUS_VERSION)


# ---- tracking (private per user: every key carries the user id)

def _tracking_version_key(user_id: int) -> str:
    return f"tracking:user-version:{user_id}"


def tracking_key(user_id: int, kind: str, *parts) -> str:
    """A cache key for one user's dashboard or stats under that user's current data version."""
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:20]
    return f"tracking:{user_id}:{_version(_tracking_version_key(user_id))}:{kind}:{digest}"


def clear_tracking_user(user_id: int) -> None:
    """Invalidate every cached dashboard and stats of one user (after any tracker or log write)."""
    _bump(_tracking_version_key(user_id))
