"""The one signer factory: every signed link (exports, quick logs, unsubscribes, stored files) uses it.

Links that act for an account (downloads, quick logs, document links) also carry `account_stamp(user)`,
a hash of the user's `fs_uniquifier`: deactivation, "sign out everywhere", a password change or reset
rotate the uniquifier, so every such link of the account stops working at once. `account_current`
checks it, and that the account is active.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

__all__ = ["BadSignature", "SignatureExpired", "account_current", "account_stamp", "signer"]


def signer(purpose: str) -> URLSafeTimedSerializer:
    """A timed serializer keyed by SECRET_KEY and salted per purpose, so a token signed for one use fails another."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"trackbase.{purpose}")


def account_stamp(user) -> str:
    """A short hash of the user's current uniquifier (the uniquifier itself never leaves the server)."""
    return hashlib.sha256(b"trackbase.link:" + str(user.fs_uniquifier).encode()).hexdigest()[:20]


def account_current(user, stamp) -> bool:
    """True when the link's stamp matches the active account as it is now."""
    if user is None or not user.active or not isinstance(stamp, str):
        return False
    return hmac.compare_digest(stamp, account_stamp(user))
