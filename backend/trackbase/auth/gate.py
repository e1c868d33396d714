"""The request gate: token authentication, revocation and the per-user limit in one Redis round trip.

For every request that carries an `Authentication-Token` header (the only place a token is read):

1. the token's signature and age are checked (itsdangerous, no I/O) and its canonical id computed;
2. one registered Lua script answers, atomically: is the id revoked, is the revocation copy loaded
   (see tokens.py), the user's cache version, and the per-user fixed-window count with its TTL;
3. the user comes from a per-process, per-thread cache keyed by `fs_uniquifier`, used only while its
   version matches the one in Redis, and is merged into the request's session without SQL
   (`merge(load=False)`); otherwise it is loaded from the database.

The version is a random string bumped by SQLAlchemy session events on any change to a user or a role
(after the flush, before the commit completes, and again after the commit), so a password change,
reset, deactivation or role change is seen by every worker on its very next request.

Requests the gate authenticated are exempt from Flask-Limiter's default limit (the gate counted them);
anonymous and invalid-token requests are limited by Flask-Limiter on the client address. A Redis that
cannot be reached gives 503 `unavailable` for token requests: revocation cannot be checked, so the gate
fails closed.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from itertools import chain

import redis
from flask import Flask, current_app, g, has_app_context, request
from flask_security.utils import set_request_attr
from limits import parse as parse_limit
from sqlalchemy import event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from ..cache import SHARED_VERSION_KEYS
from ..errors import error_response
from ..extensions import db
from . import tokens

log = logging.getLogger(__name__)

VERSION_PREFIX = "trackbase:user-ver:"
EPOCH_KEY = "trackbase:user-epoch"
LIMIT_PREFIX = "trackbase:rl:"
VERSION_TTL = 86400  # a version that expired is simply a new one: the cached user is reloaded once

# KEYS: revoked id, revocation-loaded marker, user version, user epoch, limit window, then the shared
#       cache version keys (cache.py; their hashes let cached reads skip a second round trip)
# ARGV: window seconds (0: no limit), a fresh random version for a missing key, version TTL
GATE_SCRIPT = """
local revoked = redis.call('EXISTS', KEYS[1])
local loaded = redis.call('EXISTS', KEYS[2])
local ver = redis.call('GET', KEYS[3])
if not ver then
  ver = ARGV[2]
  redis.call('SET', KEYS[3], ver, 'EX', tonumber(ARGV[3]))
end
local epoch = redis.call('GET', KEYS[4])
if not epoch then
  epoch = ARGV[2]
  redis.call('SET', KEYS[4], epoch)
end
local count = 0
local ttl = 0
local window = tonumber(ARGV[1])
if revoked == 0 and loaded == 1 and window > 0 then
  count = redis.call('INCR', KEYS[5])
  if count == 1 then redis.call('EXPIRE', KEYS[5], window) end
  ttl = redis.call('TTL', KEYS[5])
end
local out = {revoked, loaded, ver .. ':' .. epoch, count, ttl}
for i = 6, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if v then out[#out + 1] = redis.sha1hex(v) else out[#out + 1] = '' end
end
return out
"""


class _UserCache(threading.local):
    """fs_uniquifier -> (version, detached user); one per thread, so no object is shared across threads."""

    def __init__(self):
        self.entries: dict[str, tuple[str, object]] = {}


def _cache(app: Flask) -> _UserCache:
    return app.extensions["trackbase_user_cache"]


def _limit(app: Flask):
    """The default per-user limit as (amount, window seconds), parsed once per configured string."""
    raw = app.config["RATELIMIT_DEFAULT"] if app.config.get("RATELIMIT_ENABLED", True) else ""
    cached = app.extensions.get("trackbase_gate_limit")
    if cached is None or cached[0] != raw:
        if raw:
            item = parse_limit(raw)
            cached = (raw, item.amount, item.get_expiry())
        else:
            cached = (raw, 0, 0)
        app.extensions["trackbase_gate_limit"] = cached
    return cached[1], cached[2]


class _GateConnection(threading.local):
    """One Redis connection per thread for the gate's script call (no pool or retry layers per request)."""

    client = None
    connection = None
    sha = None


def _connection(app: Flask) -> _GateConnection:
    from ..services.redis import get_redis

    conn = app.extensions["trackbase_gate_connection"]
    client = get_redis()
    if conn.client is not client or conn.connection is None:
        conn.client = client
        conn.sha = client.script_load(GATE_SCRIPT)
        conn.connection = client.connection_pool.get_connection()
    return conn


def _drop(conn: _GateConnection) -> None:
    if conn.connection is not None:
        conn.connection.disconnect()
        conn.client.connection_pool.release(conn.connection)
    conn.connection = None


def _watched_keys(app: Flask) -> tuple[str, ...]:
    keys = app.extensions.get("trackbase_gate_watched")
    if keys is None:
        prefix = app.config.get("CACHE_KEY_PREFIX", "")
        keys = app.extensions["trackbase_gate_watched"] = tuple(prefix + name for name in SHARED_VERSION_KEYS)
    return keys


def _call(app: Flask, keys: tuple, argv: tuple):
    conn = _connection(app)
    try:
        conn.connection.send_command("EVALSHA", conn.sha, len(keys), *keys, *argv)
        return conn.connection.read_response()
    except redis.exceptions.NoScriptError:  # Redis restarted: its script cache is empty
        _drop(conn)
        return _call(app, keys, argv)
    except BaseException:
        _drop(conn)  # a half-read reply must never be read by the next request
        raise


def _run_script(app: Flask, token: tokens.Token, window: int):
    keys = (
        tokens.REVOKED_PREFIX + token.id,
        tokens.REVOKED_LOADED,
        VERSION_PREFIX + token.uid,
        EPOCH_KEY,
        f"{LIMIT_PREFIX}{token.uid}:{int(time.time() // window) if window else 0}",
        *_watched_keys(app),
    )
    argv = (window, uuid.uuid4().hex, VERSION_TTL)
    try:
        return _call(app, keys, argv)
    except redis.exceptions.ConnectionError:  # one retry on a fresh connection (e.g. Redis restarted)
        return _call(app, keys, argv)


def _load_user(uid: str):
    from ..models import User

    return db.session.scalars(select(User).where(User.fs_uniquifier == uid)).first()


SAFE_METHODS = frozenset(("GET", "HEAD", "OPTIONS"))


def _cached_user(app: Flask, uid: str, version: str, method: str):
    """The user, from this thread's cache when its version is current and it is unchanged, else from SQL.

    For a request that may write, the cached object is attached to the request's session
    (session.add of a detached, clean object: no SQL) so changes to it are flushed; it is detached
    again when the session closes. Reads use it detached (all columns and its roles are loaded).
    One thread uses it at a time.
    """
    cache = _cache(app)
    entry = cache.entries.get(uid)
    if entry is not None and entry[0] == version:
        user = entry[1]
        state = sa_inspect(user)
        if state.detached and not state.expired_attributes and not state.modified:
            if method not in SAFE_METHODS:
                db.session.add(user)
            return user
    user = _load_user(uid)
    if user is None:
        cache.entries.pop(uid, None)
        return None
    user.roles  # noqa: B018  (loaded now, kept with the cached object)
    if len(cache.entries) > 10_000:
        cache.entries.clear()
    cache.entries[uid] = (version, user)
    return user


def authenticate_request():
    """before_request: authenticate a header token, or leave the request anonymous (see module doc)."""
    app = current_app._get_current_object()
    ctx_g = g._get_current_object()
    ctx_g.tb_user = None
    ctx_g.tb_token = None
    raw = request.headers.get(app.config["SECURITY_TOKEN_AUTHENTICATION_HEADER"])
    if not raw:
        return None
    token = tokens.parse(raw)
    if token is None:
        return None
    amount, window = _limit(app)
    reply = _run_script(app, token, window)
    if not reply[1]:
        tokens.load_revocations_into_redis()
        reply = _run_script(app, token, window)
    revoked, loaded, version, count, ttl = reply[:5]
    if revoked:
        return None
    if isinstance(version, bytes):
        version = version.decode()
    user = _cached_user(app, token.uid, version, request.method)
    if user is None or not user.active:
        return None
    ctx_g.tb_user = user
    ctx_g.tb_token = token
    ctx_g.tb_versions = dict(zip(SHARED_VERSION_KEYS, reply[5:], strict=False))
    ctx_g._login_user = user
    set_request_attr("fs_authn_via", "token")
    set_request_attr("fs_paa", token.data.get("fs_paa", 0))
    if window and count > amount:
        reset = int(time.time()) + max(1, ttl)
        return error_response(
            429,
            "rate_limited",
            "Too many requests: slow down and try again later.",
            headers={
                "Retry-After": str(max(1, ttl)),
                "X-RateLimit-Limit": str(amount),
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(reset),
            },
        )
    return None


def verified() -> bool:
    """True when the gate authenticated this request (Flask-Limiter's default limit exempts it)."""
    return getattr(g, "tb_user", None) is not None


# ---- version bumps: any change to a user or a role invalidates the cached copies everywhere


def _bump(uids: set[str], epoch: bool) -> None:
    from ..services.redis import get_redis

    pipe = get_redis().pipeline(transaction=False)
    for uid in uids:
        pipe.set(VERSION_PREFIX + uid, uuid.uuid4().hex, ex=VERSION_TTL)
    if epoch:
        pipe.set(EPOCH_KEY, uuid.uuid4().hex)
    pipe.execute()


def _gate_app() -> bool:
    return has_app_context() and "trackbase_user_cache" in current_app.extensions


def _changed_users(session: Session) -> tuple[set[str], bool]:
    from ..models import Role, User

    uids: set[str] = set()
    epoch = False
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, User):
            history = db.inspect(obj).attrs.fs_uniquifier.history
            uids.update(str(v) for v in chain(history.added or (), history.deleted or (), history.unchanged or ()) if v)
        elif isinstance(obj, Role):
            epoch = True
    return uids, epoch


@event.listens_for(Session, "after_flush")
def _bump_after_flush(session, _flush_context):
    if not _gate_app():
        return
    uids, epoch = _changed_users(session)
    if not uids and not epoch:
        return
    pending = session.info.setdefault("trackbase_user_bumps", [set(), False])
    pending[0].update(uids)
    pending[1] = pending[1] or epoch
    _bump(uids, epoch)  # before the commit: raises (and so aborts the commit) when Redis is unreachable


@event.listens_for(Session, "do_orm_execute")
def _bump_on_bulk_statement(state):
    if not (state.is_update or state.is_delete) or not _gate_app():
        return
    from ..models import Role, User

    mapper = state.bind_mapper
    if mapper is not None and mapper.class_ in (User, Role):
        pending = state.session.info.setdefault("trackbase_user_bumps", [set(), False])
        pending[1] = True
        _bump(set(), True)


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session):
    pending = session.info.pop("trackbase_user_bumps", None)
    if not pending or not _gate_app():
        return
    try:
        _bump(pending[0], pending[1])
    except Exception:  # the bump before the commit already invalidated every cached copy
        log.warning("user cache version bump after commit failed", exc_info=True)


@event.listens_for(Session, "after_rollback")
def _forget_bumps(session):
    session.info.pop("trackbase_user_bumps", None)


def exempt_verified_from_default_limit(app: Flask, limiter) -> None:
    """Skip Flask-Limiter's per-request check (the default limit) for requests the gate counted.

    Its decorated limits (sign-in, reset, register) are checked by their own wrappers, not here.
    Call after `limiter.init_app(app)`.
    """
    funcs = app.before_request_funcs.setdefault(None, [])
    check = limiter._check_request_limit
    funcs[:] = [_unless_verified(f) if f == check else f for f in funcs]
    # Its after_request (conditional deductions, headers: neither is used) and teardown (resets state
    # kept on the request context, which is discarded anyway) have nothing to do for those requests.
    after = app.after_request_funcs.setdefault(None, [])
    after[:] = [_unless_verified(f, passthrough=True) if getattr(f, "args", None) == (limiter,) else f for f in after]
    teardown = app.teardown_request_funcs.setdefault(None, [])
    teardown[:] = [_unless_verified(f) if getattr(f, "__self__", None) is limiter else f for f in teardown]


def init_gate(app: Flask) -> None:
    """Register the gate as the first before_request function (Flask-Principal's identity load, which
    has nothing to load without cookie sessions, is skipped for requests the gate authenticated)."""
    app.extensions["trackbase_user_cache"] = _UserCache()
    app.extensions["trackbase_gate_connection"] = _GateConnection()
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs[:] = [
        _unless_verified(f) if getattr(f, "__self__", None).__class__.__name__ == "Principal" else f for f in funcs
    ]
    funcs.insert(0, authenticate_request)


def _unless_verified(func, passthrough: bool = False):
    """`func` for requests the gate did not authenticate; for the others a no-op (returning its
    first argument when `passthrough`, as an after_request function must)."""

    def run_unless_verified(*args):
        if g.get("tb_user") is None:
            return func(*args)
        return args[0] if passthrough else None

    return run_unless_verified
