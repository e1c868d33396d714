"""Extensions, created unbound; create_app() wires them to an app."""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask, current_app
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_security import Security
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: WAL, foreign keys and a busy timeout on every connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
cache = Cache()
mail = Mail()
security = Security()  # auth.init_security binds it (datastore, mail hook, handlers)


def _default_limit() -> str:
    """The per-user (or per-address) API limit, read per request so it follows the config."""
    return current_app.config["RATELIMIT_DEFAULT"]


# Keyed on the client address: requests the auth gate verified are exempt from this default limit
# (the gate counts them per user), see auth/limits.py.
limiter = Limiter(key_func=get_remote_address, default_limits=[_default_limit])


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app whose tasks run inside the Flask app context (Flask docs pattern)."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app
