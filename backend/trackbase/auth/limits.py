"""Rate limits keyed on who the request really is, never on text the client can respell.

- Token requests the gate verified are counted by the gate itself (per user, one Redis round trip).
- Everything else (no token, an invalid or revoked one) falls under Flask-Limiter's default limit,
  keyed on the client address (as seen through `TRUSTED_PROXIES` hops of X-Forwarded-For).
- Sign-in, reset and registration also have a per-address and a per-account limit; the account is
  the email normalized the way Flask-Security resolves it (`bob@ｅxample.com` is bob's bucket).
"""

from __future__ import annotations

import contextlib
import time
import unicodedata

from flask import Flask, current_app, g

from ..errors import request_json


def client_address() -> str:
    from flask_limiter.util import get_remote_address

    return get_remote_address() or "unknown"


def default_key() -> str:
    """Flask-Limiter's default key: the verified user when there is one, else the client address."""
    token = getattr(g, "tb_token", None)
    if token is not None:
        return "user:" + token.uid
    return "ip:" + client_address()


def default_limit() -> str:
    """The per-user (or per-address) API limit, read per request so it follows the config."""
    return current_app.config["RATELIMIT_DEFAULT"]


def normalized_email(raw: str) -> str:
    """The address as Flask-Security looks it up (email_validator normalization, case-insensitive)."""
    security = current_app.extensions["security"]
    text = unicodedata.normalize("NFKC", raw.strip())
    # An address Flask-Security would not accept keeps its NFKC form as the bucket.
    with contextlib.suppress(Exception):
        text = security._mail_util.normalize(text)
    return text.casefold()[:255]


def _account_key() -> str:
    """The account a sign-in/reset attempt targets (email from the JSON body), else the address."""
    data = request_json()
    email = data.get("email") if isinstance(data, dict) else None
    if isinstance(email, str) and email.strip():
        return "acct:" + normalized_email(email)
    return "acct-ip:" + client_address()


_limited_views: dict = {}


def _auth_ip_limit() -> str:
    return current_app.config["RATELIMIT_AUTH_IP"]


def _auth_account_limit() -> str:
    return current_app.config["RATELIMIT_AUTH_ACCOUNT"]


def limit_auth_views(app: Flask) -> None:
    """Per-address and per-account limits on login, reset and register (shared in Redis).

    Flask-Limiter registers a decorated limit on the view function itself, and the views are the
    same functions in every app of the process (tests build several): each is decorated once, with
    limits read from the current app's config, so a request is counted once.
    """
    from ..extensions import limiter

    for endpoint in ("security.login", "security.forgot_password", "security.reset_password", "register"):
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        if view not in _limited_views:
            scope = endpoint.replace("security.", "")
            limited = limiter.limit(
                _auth_ip_limit, key_func=lambda s=scope: f"{s}:ip:{client_address()}", methods=["POST"]
            )(view)
            limited = limiter.limit(
                _auth_account_limit, key_func=lambda s=scope: f"{s}:{_account_key()}", methods=["POST"]
            )(limited)
            _limited_views[view] = limited
        app.view_functions[endpoint] = _limited_views[view]


def enforce_user_limit(config_key: str, scope: str) -> None:
    """Count this request against a route's own per-user limit (the config string `config_key`), in Redis.

    The gate exempts the requests it verified from Flask-Limiter's request check, so route limits are
    hit here, explicitly, through the same storage: they hold across replicas. Over the limit: 429
    `rate_limited` with Retry-After.
    """
    from limits import parse as parse_limit

    from ..errors import ApiError
    from ..extensions import limiter

    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    item = parse_limit(current_app.config[config_key])
    key = default_key()
    strategy = limiter.limiter
    if strategy.hit(item, scope, key):
        return
    reset_at, _remaining = strategy.get_window_stats(item, scope, key)
    wait = max(1, int(reset_at - time.time()) + 1)
    raise ApiError(
        429,
        "rate_limited",
        f"Too many requests here: try again in {wait} seconds.",
        headers={
            "Retry-After": str(wait),
            "X-RateLimit-Limit": str(item.amount),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(reset_at)),
        },
    )
