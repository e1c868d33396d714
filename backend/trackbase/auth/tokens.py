"""Auth tokens: parse one canonically, and revoke it for good.

A token is identified by a hash of its *parsed, verified payload*, never of the presented text:
itsdangerous accepts extra base64 padding, so `tok`, `tok=` and `tok==` are one token with one id.

Revocation: the database table `revoked_tokens` is the source of truth; Redis holds a copy
(`trackbase:revoked:<id>` keys plus a `trackbase:revoked:loaded` marker) so the per-request check is part
of the one Redis round trip of the request gate (auth/gate.py). When Redis comes back empty (restart
without persistence) the marker is missing, and the gate reloads the copy from the database first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_security.utils import parse_auth_token
from sqlalchemy import delete, select

from ..extensions import db

log = logging.getLogger(__name__)

REVOKED_PREFIX = "trackbase:revoked:"
REVOKED_LOADED = "trackbase:revoked:loaded"
EXPIRY_MARGIN = timedelta(minutes=1)


class Token:
    """A verified token: its payload, canonical id and expiry."""

    __slots__ = ("data", "id", "uid", "expires_at")

    def __init__(self, data: dict):
        self.data = data
        self.uid = str(data["uid"])
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        self.id = hashlib.sha256(canonical.encode()).hexdigest()
        self.expires_at = _expiry(data)


def _max_age_seconds() -> float:
    max_age = current_app.config["SECURITY_TOKEN_MAX_AGE"]
    return max_age.total_seconds() if hasattr(max_age, "total_seconds") else float(max_age or 0)


def _expiry(data: dict) -> datetime:
    issued = float(data.get("fs_paa") or 0)
    expires = issued + _max_age_seconds()
    if data.get("exp"):
        expires = min(expires, float(data["exp"]))
    return datetime.fromtimestamp(expires, UTC) + EXPIRY_MARGIN


_VERIFIED_MAX = 20_000


def parse(raw: str | None) -> Token | None:
    """The verified token, or None when it is missing, forged, malformed or expired.

    Verification is Flask-Security's (itsdangerous signature and age, its `exp`); a string verified once
    is remembered with its signing time, so later requests re-check only the age.
    """
    if not raw or len(raw) > 4096:
        return None
    now = time.time()
    max_age = _max_age_seconds()
    _verified = current_app.extensions.setdefault("trackbase_verified_tokens", {})  # per app: its own secret
    known = _verified.get(raw)
    if known is not None:
        token, signed_at = known
        exp = token.data.get("exp")
        if now - signed_at <= max_age and not (exp and exp < int(now)):
            return token
        _verified.pop(raw, None)
        return None
    try:
        data = parse_auth_token(raw)  # raises on a bad signature, an expired token, a foreign format
        _, signed_at = current_app.extensions["security"].remember_token_serializer.loads(
            raw, max_age=max_age, return_timestamp=True
        )
    except Exception:
        return None
    if not isinstance(data, dict) or "uid" not in data or "fs_paa" not in data:
        return None  # only the current (v5) format is issued; older ones are refused
    token = Token(data)
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[raw] = (token, signed_at.timestamp())
    return token


def revoke(token: Token, user_id: int | None) -> None:
    """Revoke a token until it would have expired: Redis copy first (checked per request), then the row."""
    from ..models import RevokedToken
    from ..services.redis import get_redis

    now = datetime.now(UTC)
    ttl = max(1, int((token.expires_at - now).total_seconds()))
    get_redis().set(REVOKED_PREFIX + token.id, "1", ex=ttl)
    if db.session.get(RevokedToken, token.id) is None:
        db.session.add(RevokedToken(token_id=token.id, user_id=user_id, expires_at=token.expires_at))
    prune(now)
    db.session.commit()


def prune(now: datetime | None = None) -> None:
    """Drop revocations of tokens that have expired anyway (their signature check refuses them)."""
    from ..models import RevokedToken

    db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < (now or datetime.now(UTC))))


def load_revocations_into_redis() -> int:
    """Copy every live revocation from the database to Redis, then mark the copy complete."""
    from ..models import RevokedToken
    from ..services.redis import get_redis

    now = datetime.now(UTC)
    rows = db.session.execute(
        select(RevokedToken.token_id, RevokedToken.expires_at).where(RevokedToken.expires_at >= now)
    ).all()
    pipe = get_redis().pipeline(transaction=False)
    for token_id, expires_at in rows:
        pipe.set(REVOKED_PREFIX + token_id, "1", ex=max(1, int((expires_at - now).total_seconds())))
    pipe.set(REVOKED_LOADED, now.isoformat())
    pipe.execute()
    log.info("revocation list loaded into Redis from the database (%d tokens)", len(rows))
    return len(rows)
