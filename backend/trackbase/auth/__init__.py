"""Flask-Security-Too set up as a token API with the house error envelope.

- `tokens`: canonical token ids and revocation (database first, Redis copy);
- `gate`: the per-request authentication, revocation check, per-user limit and user cache;
- `limits`: rate-limit keys and the sign-in/reset/register limits;
- `mail_util`: Flask-Security's mail hook (through the Celery mail task);
- `passwords`: the password policy (length, zxcvbn strength, no personal details) for every form.

Tokens are read from the `Authentication-Token` header only: never from the query string or a JSON
body (URLs end up in logs and browser history). Email links carry their own signed tokens.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from flask import Flask, current_app, g, request
from flask_login import user_logged_out
from flask_security import SQLAlchemyUserDatastore

from ..errors import error_response, json_body
from ..extensions import db, security
from . import gate, tokens
from .limits import limit_auth_views  # noqa: F401  (the factory wires it after the routes exist)
from .mail_util import CeleryMailUtil
from .passwords import TrackbasePasswordUtil

log = logging.getLogger(__name__)

UNAUTHENTICATED = "Sign in to continue: the token is missing, invalid or expired."


def _flatten_field_errors(field_errors: dict) -> dict:
    fields = {}
    for name, messages in (field_errors or {}).items():
        if name in (None, "None", ""):
            continue
        if isinstance(messages, (list, tuple)):
            messages = messages[0] if messages else "invalid"
        fields[name] = str(messages)
    return fields


def _security_json_renderer(user_payload: Callable[[object], dict]):
    def render_security_json(payload: dict, code: int, headers: dict | None, user):
        """Render Flask-Security's JSON the way the rest of the API speaks."""
        if code >= 400 or payload.get("errors") or payload.get("field_errors"):
            errors = [str(e) for e in payload.get("errors") or []]
            fields = _flatten_field_errors(payload.get("field_errors") or {})
            message = errors[0] if errors else (next(iter(fields.values()), None) or "The request was refused.")
            status = code if code >= 400 else 400
            error_code = {401: "unauthorized", 403: "forbidden"}.get(status, "validation_error")
            return error_response(status, error_code, message, fields, headers)

        body: dict = {}
        token = (payload.get("user") or {}).get("authentication_token")
        if (
            user is not None
            and request.endpoint == "security.change_password"
            and request.method == "POST"
            and code == 200
        ):
            token = user.get_auth_token()
        if token:
            body["token"] = token
        if user is not None and payload.get("user") is not None:
            body["user"] = user_payload(user)
        response = current_app.json.response(body)
        response.status_code = code
        for key, value in (headers or {}).items():
            if key.lower() != "content-type":
                response.headers[key] = value
        return response

    return render_security_json


def unauthenticated(mechanisms=None, headers=None):
    """401 JSON for every unauthenticated call (never a redirect)."""
    return error_response(401, "unauthorized", UNAUTHENTICATED, headers=headers)


def unauthorized(func_name=None, params=None):
    """403 JSON when a signed-in user lacks the role."""
    return error_response(403, "forbidden", "You do not have permission to do that.")


def login_required(view):
    """The view needs a user the request gate authenticated (header token, not revoked, active)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("tb_user") is None:
            return unauthenticated()
        return view(*args, **kwargs)

    return wrapper


def admin_required(view):
    """The view needs a signed-in admin (checked on the request's user; no identity machinery)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = g.get("tb_user")
        if user is None:
            return unauthenticated()
        if not user.is_admin:
            return unauthorized()
        return view(*args, **kwargs)

    return wrapper


def _reset_expiry(user) -> str:
    """The exact moment a reset link sent now stops working, in the user's zone (for the reset email)."""
    from ..models import utcnow
    from ..services.accounts import format_in_zone, reset_link_expiry

    return format_in_zone(reset_link_expiry(utcnow()), getattr(user, "timezone", None))


def _mail_context() -> dict:
    return {"reset_expiry": _reset_expiry}


def init_security(app: Flask, user_payload: Callable[[object], dict]) -> None:
    """Bind Flask-Security to the app with our models, mail, JSON rendering, handlers and request gate.

    `user_payload(user)` renders the user in sign-in answers (the API layer passes its schema's dump).
    """
    from ..models import Role, User

    datastore = SQLAlchemyUserDatastore(db, User, Role)
    # init_app() ignores a mail_util_cls keyword, so the class is set the way the constructor would.
    security._mail_util_cls = CeleryMailUtil
    security._password_util_cls = TrackbasePasswordUtil
    security.init_app(app, datastore, register_blueprint=True)
    security.render_json(_security_json_renderer(user_payload))
    security.unauthn_handler(unauthenticated)
    security.unauthz_handler(unauthorized)
    security.want_json(lambda req: req.path.startswith("/api/"))
    security.mail_context_processor(_mail_context)

    # The gate is the only token reader: Flask-Login and Flask-Security's auth_required get its user.
    security.login_manager.request_loader(lambda req: g.get("tb_user"))
    # No cookie sessions, so Flask-Principal has nothing to load before the request; auth_required
    # (Flask-Security's own views) still sets the identity, and our resources check roles directly.
    security.principal.identity_loaders.clear()
    gate.init_gate(app)
    # Flask-Limiter (initialised after this) exempts the requests the gate counted itself.
    app.config.setdefault("RATELIMIT_DEFAULTS_EXEMPT_WHEN", gate.verified)

    @app.before_request
    def require_json_object_for_auth_forms():
        # Flask-Security parses bodies itself and fails on JSON that is not an object; answer 4xx first.
        if request.method == "POST" and request.blueprint == "security" and request.endpoint != "security.logout":
            json_body()
        return None

    @user_logged_out.connect_via(app)
    def _revoke_on_logout(sender, user=None, **extra):
        token = g.get("tb_token")
        if token is not None:
            tokens.revoke(token, getattr(user, "id", None))
