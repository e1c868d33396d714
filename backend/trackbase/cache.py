"""Cache helpers beside the cache (CTFd style): keys, versions and named clear_*() helpers.

Services call the clear_* helpers after they commit writes. The API layer caches what it answers
(`cached` for tracking, api/inventory's ETag responses on the same pair): every entry records
the version tokens it was built under and is used only while those tokens are current, so
clearing is one SET and stale entries are rebuilt on their next read (and expire anyway).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

from .extensions import cache

INVENTORY_DATA_VERSION = "inventory:data-version"
INVENTORY_STATUS_VERSION = "inventory:status-version"
# Version keys the auth gate reads in its one Redis round trip (as hashes of their values), so a
# cached read whose entry this process already holds needs no second round trip (versioned_get).
SHARED_VERSION_KEYS = (INVENTORY_DATA_VERSION, INVENTORY_STATUS_VERSION)
_LOCAL_MAX = 256
_local: dict = {}


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
    """The cache key of one inventory read (its entry records the data version it was built under)."""
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:20]
    return f"inventory:read:{digest}"


INVENTORY_STATUS_KEY = "inventory:status"


def versioned_get(key: str, version_keys: tuple[str, ...]) -> tuple[object | None, str]:
    """The entry at `key` if it was stored under the current versions, and those versions.

    One Redis round trip (MGET) for the versions and the entry together.
    """
    seen = _gate_versions(version_keys)
    if seen is not None:
        hit = _local.get((key, seen))
        if hit is not None:
            return hit
    values = cache.get_many(*version_keys, key)
    versions = [v if v is not None else _version(k) for k, v in zip(version_keys, values, strict=False)]
    token = ":".join(versions)
    entry = values[-1]
    if isinstance(entry, dict) and entry.get("version") == token:
        if seen is not None:
            # Read at or after the versions the gate saw, so never older than they promise.
            if len(_local) >= _LOCAL_MAX:
                _local.clear()
            _local[(key, seen)] = (entry, token)
        return entry, token
    return None, token


def _gate_versions(version_keys: tuple[str, ...]) -> tuple[str, ...] | None:
    """Hashes of the version values the auth gate read for this request, when it read them all."""
    from flask import g, has_request_context

    if not has_request_context():
        return None
    seen = getattr(g, "tb_versions", None)
    if not seen:
        return None
    values = tuple(seen.get(k) or "" for k in version_keys)
    return values if all(values) else None  # a missing version (Redis flushed) is never trusted


def versioned_set(key: str, token: str, entry: dict, timeout: int) -> None:
    """Store an entry built under the versions `token` (from versioned_get)."""
    cache.set(key, {**entry, "version": token}, timeout=timeout)


def cached(key: str, version_keys: tuple[str, ...], build: Callable[[], tuple[object, int]]) -> object:
    """The value at `key` while its versions are current; else `build()` -> (value, seconds to keep it)."""
    entry, token = versioned_get(key, version_keys)
    if entry is None:
        value, timeout = build()
        versioned_set(key, token, {"value": value}, timeout)
        return value
    return entry["value"]


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


def tracking_versions(user_id: int) -> tuple[str, ...]:
    """The version keys a user's cached tracking reads depend on."""
    return (_tracking_version_key(user_id),)


def tracking_key(user_id: int, kind: str, *parts) -> str:
    """The cache key of one user's dashboard or stats read (its entry records the user's data version)."""
    digest = hashlib.sha1(repr(parts).encode()).hexdigest()[:20]
    return f"tracking:{user_id}:{kind}:{digest}"


def clear_tracking_user(user_id: int) -> None:
    """Invalidate every cached dashboard and stats of one user (after any tracker or log write)."""
    _bump(_tracking_version_key(user_id))
