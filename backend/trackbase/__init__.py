"""Trackbase: the Flask application factory."""
from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
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


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment plus `config` overrides; no I/O happens here."""
    from . import config as config_module
    from .api import init_api
    from .api.errors import register_error_handlers
    from .auth import init_security, limit_auth_views
    from .cli import register_cli
    from .extensions import cache, celery_init_app, db, limiter, mail, migrate
    from .log import configure_logging, init_request_logging
    from .spa import init_spa

    app = Flask(__name__, instance_relative_config=True)
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
    limiter.init_app(app)
    init_security(app)
    register_error_handlers(app)
    init_request_logging(app)
    init_api(app)
    limit_auth_views(app)
    init_spa(app)
    celery_init_app(app)
    register_cli(app)
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"
