"""Trackbase: the Flask application factory."""

from __future__ import annotations

from flask import Flask, g
from flask.sessions import SecureCookieSessionInterface
from flask.wrappers import Request
from werkzeug.exceptions import BadRequest
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

__version__ = "0.1.0"


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in routes: only ids a database integer column can hold; others are a plain 404."""

    def __init__(self, map, fixed_digits=0, min=1, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class NoCookieSessionInterface(SecureCookieSessionInterface):
    """The API authenticates by token only, so it never sets a session cookie."""

    def should_set_cookie(self, app, session):
        return False

    def open_session(self, app, request):
        return self.session_class()

    def save_session(self, app, session, response):
        return None


class TrackbaseRequest(Request):
    """JSON bodies the app cannot store or parse safely are refused as invalid JSON (a 400), not a 500.

    Refused: nesting deeper than errors.MAX_JSON_DEPTH (json.loads itself raises RecursionError on
    ~1000 levels, which Flask's silent parsing does not catch), NUL characters and unpaired surrogates
    (the database, argon2 and UTF-8 encoding fail on them later).
    """

    def get_json(self, force=False, silent=False, cache=True):
        from .errors import json_problem

        try:
            data = super().get_json(force=force, silent=silent, cache=cache)
            problem = json_problem(data) if data is not None else None
        except RecursionError:
            data, problem = None, (None, "The JSON body is nested too deeply.")
        if problem is None:
            return data
        g.json_problem = problem
        if cache:
            self._cached_json = (Ellipsis, Ellipsis)  # checked again on every call
        if silent:
            return None
        raise BadRequest(problem[1])


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment plus `config` overrides; no I/O happens here."""
    from . import config as config_module
    from .api import init_api
    from .api.errors import register_error_handlers
    from .api.schemas.accounts import UserSchema
    from .auth import init_security, limit_auth_views
    from .auth.gate import exempt_verified_from_default_limit
    from .cli import register_cli
    from .extensions import cache, celery_init_app, db, limiter, mail, migrate
    from .gunicorn_errors import install as install_gunicorn_errors
    from .headers import init_headers
    from .log import configure_logging, init_request_logging
    from .spa import init_spa

    app = Flask(__name__, instance_relative_config=True)
    app.request_class = TrackbaseRequest
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    config_module.check_secrets(app.config)
    app.config.setdefault("CACHE_REDIS_URL", app.config["REDIS_URL"])
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"])
    app.config.setdefault("CACHE_KEY_PREFIX", "trackbase:cache:")
    app.session_interface = NoCookieSessionInterface()
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})

    configure_logging()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    cache.init_app(app)
    mail.init_app(app)
    init_security(app, user_payload=UserSchema().dump)  # its request gate runs before the limiter's check
    limiter.init_app(app)
    exempt_verified_from_default_limit(app, limiter)
    register_error_handlers(app)
    init_headers(app)
    init_request_logging(app)
    init_api(app)
    limit_auth_views(app)
    init_spa(app)
    celery_init_app(app)
    _carry_failed_cache_bumps()
    register_cli(app)
    install_gunicorn_errors()
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _carry_failed_cache_bumps() -> None:
    """A cache version bump that Redis refused after a commit is carried by the outbox."""
    from . import cache
    from .services import outbox

    cache.set_bump_failure_handler(outbox.carry_cache_bump)
