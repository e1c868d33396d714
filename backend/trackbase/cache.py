"""Cache helpers beside the cache (CTFd style): keys, versions and named clear_*() helpers.

Services call the clear_* helpers after they commit writes. The API layer caches what it answers
(`cached` for tracking, api/inventory's ETag responses on the same pair): every entry records
the version tokens it was built under and is used only while those tokens are current, so
clearing is one SET and stale entries are rebuilt on their next read (and expire anyway).

Services call a clear_* helper *before* they commit: it bumps at once (a Redis that cannot be
reached raises, so the write is not committed and the client is told 503 and may retry safely) and
bumps again right after the commit. That second bump never fails the committed write: keys it could
not bump are kept in this process (bumped before its next cached read) and handed to the failure
handler, which carries them in the outbox until a worker bumps them (services/outbox.py). Entries
built before the write were already invalidated by the first bump, so a Redis that comes back with
its data serves no stale read. Called outside a transaction (the poll), a helper bumps once, never
raising, carrying what failed. A cached read whose Redis cannot be reached is built from the
database and not stored.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections.abc import Callable

import redis
from flask import has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from .extensions import cache, db

log = logging.getLogger(__name__)

INVENTORY_DATA_VERSION = "inventory:data-version"
INVENTORY_STATUS_VERSION = "inventory:status-version"
# Version keys the auth gate reads in its one Redis round trip (as hashes of their values), so a
# cached read whose entry this process already holds needs no second round trip (versioned_get).
SHARED_VERSION_KEYS = (INVENTORY_DATA_VERSION, INVENTORY_STATUS_VERSION)
_LOCAL_MAX = 256
_local: dict = {}
REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError)
# Version keys this process could not bump (Redis unreachable): bumped before its next cached read.
_unbumped: set[str] = set()
_unbumped_lock = threading.Lock()
_failure_handler: Callable[[list[str]], None] | None = None


def set_bump_failure_handler(handler: Callable[[list[str]], None] | None) -> None:
    """Who carries version keys a clear_* helper could not bump (the outbox, wired by create_app)."""
    global _failure_handler
    _failure_handler = handler


def _version(key: str) -> str:
    """The current token of a version key, created when missing (e.g. after a Redis flush)."""
    value = cache.get(key)
    if value is None:
        value = uuid.uuid4().hex[:16]
        if not cache.add(key, value, timeout=0):
            value = cache.get(key) or value
    return value


def _bump(*keys: str, committed: bool = False) -> None:
    """Bump before the commit (raising) and again after it (carried); after a commit or outside a
    transaction (`committed`), once (carried)."""
    session = None if committed or not has_app_context() else db.session()
    if session is not None and session.in_transaction():
        bump_versions(keys)  # Redis unreachable: raises, and the caller's write is not committed
        session.info.setdefault(_AFTER_COMMIT, set()).update(keys)
        return
    _bump_or_carry(keys)


def _bump_or_carry(keys) -> None:
    """Bump now; when Redis is unreachable keep the keys for this process and the outbox (never raise)."""
    try:
        bump_versions(keys)
    except REDIS_ERRORS:
        log.warning("cache versions %s not bumped (Redis unreachable); carried by the outbox", ", ".join(keys))
        with _unbumped_lock:
            _unbumped.update(keys)
        _local.clear()
        if _failure_handler is not None:
            try:
                _failure_handler(sorted(keys))
            except Exception:  # the database is down too: this process still bumps them before its next read
                log.exception("could not carry cache versions %s in the outbox", ", ".join(keys))


_AFTER_COMMIT = "trackbase_cache_bumps"


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    keys = session.info.pop(_AFTER_COMMIT, None)
    if keys:
        _bump_or_carry(sorted(keys))


@event.listens_for(Session, "after_soft_rollback")
def _forget_bumps(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


def bump_versions(keys) -> None:
    """Set a new token on each version key now (raises when Redis cannot be reached)."""
    if keys:
        cache.set_many({key: uuid.uuid4().hex[:16] for key in keys}, timeout=0)


def replay_unbumped() -> bool:
    """Bump the keys this process could not bump earlier; True when something was replayed."""
    if not _unbumped:
        return False
    with _unbumped_lock:
        keys = sorted(_unbumped)
        bump_versions(keys)  # raises while Redis is still unreachable: the caller falls back to the database
        _unbumped.difference_update(keys)
    _local.clear()
    return True


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

    One Redis round trip (MGET) for the versions and the entry together. Raises the Redis error when it
    cannot be reached (callers build from the database instead).
    """
    seen = None if replay_unbumped() else _gate_versions(version_keys)  # the gate read the versions before
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


def versioned_set(key: str, token: str | None, entry: dict, timeout: int) -> None:
    """Store an entry built under the versions `token` (from versioned_get); skipped without a token or Redis."""
    if token is None:
        return
    try:
        cache.set(key, {**entry, "version": token}, timeout=timeout)
    except REDIS_ERRORS:
        log.warning("cache entry %s not stored (Redis unreachable)", key)


def cached(key: str, version_keys: tuple[str, ...], build: Callable[[], tuple[object, int]]) -> object:
    """The value at `key` while its versions are current; else `build()` -> (value, seconds to keep it)."""
    try:
        entry, token = versioned_get(key, version_keys)
    except REDIS_ERRORS:
        return build()[0]  # Redis unreachable: the database answers, nothing is stored
    if entry is None:
        value, timeout = build()
        versioned_set(key, token, {"value": value}, timeout)
        return value
    return entry["value"]


def clear_inventory(committed: bool = False) -> None:
    """Invalidate every cached inventory list, status and availability history (before the commit, or
    `committed` after it)."""
    _bump(INVENTORY_DATA_VERSION, INVENTORY_STATUS_VERSION, committed=committed)


def clear_inventory_status(committed: bool = False) -> None:
    """Invalidate the cached inventory status only (a poll run started or finished)."""
    _bump(INVENTORY_STATUS_VERSION, committed=committed)


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
    """Invalidate every cached dashboard and stats of one user (call before committing a tracker or log write)."""
    _bump(_tracking_version_key(user_id))
