"""Flask-Security-Too set up as a token API with the house error envelope."""
from __future__ import annotations

import hashlib
import logging

from flask import current_app, request
from flask_security import SQLAlchemyUserDatastore
from flask_login import user_logged_out

from .api.errors import error_response
from .extensions import db, security

log = logging.getLogger(__name__)

REVOKED_PREFIX = "trackbase:revoked-token:"


def token_fingerprint(token: str) -> str:
    """A short, non-reversible id for a token (for rate-limit keys and the revocation list)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def _flatten_field_errors(field_errors: dict) -> dict:
    fields = {}
    for name, messages in (field_errors or {}).items():
        if name in (None, "None", ""):
            continue
        if isinstance(messages, (list, tuple)):
            messages = messages[0] if messages else "invalid"
        fields[name] = str(messages)
    return fields


def render_security_json(payload: dict, code: int, headers: dict | None, user):
    """Render Flask-Security's JSON the way the rest of the API speaks."""
    if code >= 400 or payload.get("errors") or payload.get("field_errors"):
        errors = [str(e) for e in payload.get("errors") or []]
        fields = _flatten_field_errors(payload.get("field_errors") or {})
        message = errors[0] if errors else (next(iter(fields.values()), None) or "The request was refused.")
        status = code if code >= 400 else 400
        error_code = {401: "unauthorized", 403: "forbidden"}.get(status, "validation_error")
        return error_response(status, error_code, message, fields, headers)

    from .api.schemas.accounts import UserSchema

    body: dict = {}
    token = (payload.get("user") or {}).get("authentication_token")
    if user is not None and request.endpoint == "security.change_password" and request.method == "POST" and code == 200:
        token = user.get_auth_token()
    if token:
        body["token"] = token
    if user is not None and payload.get("user") is not None:
        body["user"] = UserSchema().dump(user)
    response = current_app.json.response(body)
    response.status_code = code
    for key, value in (headers or {}).items():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def unauthenticated(mechanisms=None, headers=None):
    """401 JSON for every unauthenticated call (never a redirect)."""
    return error_response(401, "unauthorized", "Sign in to continue: the token is missing, invalid or expired.", headers=headers)


def unauthorized(func_name=None, params=None):
    """403 JSON when a signed-in user lacks the role."""
    return error_response(403, "forbidden", "You do not have permission to do that.")


def presented_token(req) -> str | None:
    """The token the request carries, looked up where Flask-Security looks: header, query, JSON body."""
    key = current_app.config.get("SECURITY_TOKEN_AUTHENTICATION_KEY", "auth_token")
    token = req.args.get(key, req.headers.get(current_app.config["SECURITY_TOKEN_AUTHENTICATION_HEADER"]))
    if req.is_json:
        data = req.get_json(silent=True)
        if isinstance(data, dict) and isinstance(data.get(key), str):
            token = data[key]
    return token


def is_token_revoked(token: str) -> bool:
    from .services.redis import get_redis

    try:
        return bool(get_redis().exists(REVOKED_PREFIX + token_fingerprint(token)))
    except Exception:  # Redis down: tokens still expire by their signed age
        log.warning("revocation list unavailable")
        return False


def revoke_token(token: str) -> None:
    """Put a token on the revocation list until it would have expired anyway."""
    from .services.redis import get_redis

    max_age = current_app.config["SECURITY_TOKEN_MAX_AGE"]
    ttl = int(max_age.total_seconds() if hasattr(max_age, "total_seconds") else max_age or 0) or 86400
    get_redis().set(REVOKED_PREFIX + token_fingerprint(token), "1", ex=ttl)


def init_security(app) -> None:
    """Bind Flask-Security to the app with our models, JSON rendering and handlers."""
    from .models import Role, User

    datastore = SQLAlchemyUserDatastore(db, User, Role)
    security.init_app(app, datastore, register_blueprint=True)
    security.render_json(render_security_json)
    security.unauthn_handler(unauthenticated)
    security.unauthz_handler(unauthorized)
    security.want_json(lambda req: req.path.startswith("/api/"))

    fs_request_loader = security.login_manager.request_callback

    def request_loader(req):
        # Wraps Flask-Security's token loader, so a revoked token fails wherever it is presented.
        token = presented_token(req)
        if token and is_token_revoked(token):
            return None
        return fs_request_loader(req)

    security.login_manager.request_loader(request_loader)

    @app.before_request
    def require_json_object_for_auth_forms():
        # Flask-Security parses bodies itself and fails on JSON that is not an object; answer 4xx first.
        if request.method == "POST" and request.blueprint == "security" and request.endpoint != "security.logout":
            from .api.common import json_body

            json_body()
        return None

    @user_logged_out.connect_via(app)
    def _revoke_on_logout(sender, user=None, **extra):
        token = presented_token(request)
        if token:
            revoke_token(token)


def _remote_address() -> str:
    from flask_limiter.util import get_remote_address

    return get_remote_address() or "unknown"


def _account_key() -> str:
    """The account a sign-in/reset attempt targets (email from the JSON body), else the address."""
    data = request.get_json(silent=True) if request.is_json else None
    email = data.get("email") if isinstance(data, dict) else None
    if isinstance(email, str) and email.strip():
        return "acct:" + email.strip().lower()[:255]
    return "acct-ip:" + _remote_address()


def limit_auth_views(app) -> None:
    """Per-IP and per-account limits on login, reset and register (shared in Redis)."""
    from .extensions import limiter

    ip_limit = lambda: app.config["RATELIMIT_AUTH_IP"]  # noqa: E731
    account_limit = lambda: app.config["RATELIMIT_AUTH_ACCOUNT"]  # noqa: E731
    for endpoint in ("security.login", "security.forgot_password", "security.reset_password", "register"):
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        scope = endpoint.replace("security.", "")
        limited = limiter.limit(ip_limit, key_func=lambda s=scope: f"{s}:ip:{_remote_address()}", methods=["POST"])(view)
        limited = limiter.limit(account_limit, key_func=lambda s=scope: f"{s}:{_account_key()}", methods=["POST"])(limited)
        app.view_functions[endpoint] = limited
