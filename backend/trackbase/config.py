"""Configuration from the environment; nothing secret has a default here."""

from __future__ import annotations

import os
from datetime import timedelta

REQUIRED_SECRETS = ("SECRET_KEY", "SECURITY_PASSWORD_SALT")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


# Tuning knobs whose defaults live beside the code that uses them; set only when the environment does.
OPTIONAL = {
    "INVENTORY_CATEGORIES": str,
    "INVENTORY_CONNECT_TIMEOUT": float,
    "INVENTORY_READ_TIMEOUT": float,
    "INVENTORY_FETCH_ATTEMPTS": int,
    "INVENTORY_RETRY_BACKOFF": float,
    "INVENTORY_RETRY_HEDGE": int,
    "INVENTORY_POOL_SIZE": int,
    "INVENTORY_LOCK_LEASE_SECONDS": int,
    "INVENTORY_ALERT_AFTER": int,
    "JOB_LEASE_SECONDS": int,
    "INVENTORY_POLL_ON_START": lambda raw: raw.strip().lower() in ("1", "true", "yes", "on"),
    "STORAGE_DIR": str,
    "AWS_ENDPOINT_URL": str,
    "DOCUMENT_MAX_MB": int,
    "DOCUMENT_URL_SECONDS": int,
    "IMPORT_MAX_MB": int,
}


def _optional(cfg: dict) -> None:
    for name, cast in OPTIONAL.items():
        raw = os.environ.get(name)
        if raw in (None, ""):
            continue
        try:
            cfg[name] = cast(raw)
        except ValueError as exc:
            raise RuntimeError(f"{name} has an invalid value {raw!r}") from exc


def from_environment() -> dict:
    """Build the Flask config mapping from environment variables (see .env.example)."""
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    database_url = os.environ.get("DATABASE_URL", "sqlite:///trackbase.db")
    token_hours = _int("TOKEN_MAX_AGE_HOURS", 24 * 14)
    cfg = {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SECURITY_PASSWORD_SALT": os.environ.get("SECURITY_PASSWORD_SALT"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "REGISTRATION": os.environ.get("REGISTRATION", "invite"),
        "INVITATION_DAYS": _int("INVITATION_DAYS", 7),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_BACKEND": "smtp",  # explicit: Flask-Mailman would silently keep mail in memory under TESTING
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": _int("MAIL_PORT", 1025),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Trackbase <no-reply@trackbase.local>"),
        "SUPPLIER_API_URL": os.environ.get("SUPPLIER_API_URL", "http://127.0.0.1:5050"),
        "INVENTORY_POLL_SECONDS": _int("INVENTORY_POLL_SECONDS", 300),
        "S3_BUCKET": os.environ.get("S3_BUCKET") or None,
        # Watching and export bundles (README "Watching and export")
        "WATCH_DIGEST_SECONDS": _int("WATCH_DIGEST_SECONDS", 300),
        "WATCH_DIGEST_SETTLE_SECONDS": _int("WATCH_DIGEST_SETTLE_SECONDS", 30),
        "EXPORT_ATTACH_MAX_MB": _int("EXPORT_ATTACH_MAX_MB", 10),
        "EXPORT_LINK_DAYS": _int("EXPORT_LINK_DAYS", 7),
        # Stored files (export CSVs); every process of a deployment must see the same folder.
        "STORAGE_DIR": os.environ.get("STORAGE_DIR") or None,
        "ORDERS_TABLE": os.environ.get("ORDERS_TABLE") or None,
        # Shop: prices shown in this currency; orders still pending are re-sent to DynamoDB this often
        "SHOP_CURRENCY": (os.environ.get("SHOP_CURRENCY") or "EUR").upper(),
        "ORDER_EXPORT_SWEEP_SECONDS": _int("ORDER_EXPORT_SWEEP_SECONDS", 60),
        "ORDER_EXPORT_MAX_ATTEMPTS": _int("ORDER_EXPORT_MAX_ATTEMPTS", 12),
        # Outbox (README "When things fail"): the sweeper's interval, attempts before a row is failed,
        # and the retries (with their first backoff) of an email the mail server refuses
        "OUTBOX_SWEEP_SECONDS": _int("OUTBOX_SWEEP_SECONDS", 30),
        "OUTBOX_MAX_ATTEMPTS": _int("OUTBOX_MAX_ATTEMPTS", 20),
        "MAIL_RETRIES": _int("MAIL_RETRIES", 8),
        "MAIL_RETRY_SECONDS": _int("MAIL_RETRY_SECONDS", 2),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_MB", 25) * 1024 * 1024,
        "FRONTEND_DIST": os.environ.get("FRONTEND_DIST") or None,
        # Number of reverse proxies (nginx) in front: their X-Forwarded-* headers are trusted, so
        # per-address rate limits see the client, not the proxy. 0 when clients connect directly.
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", 0),
        # Rate limits (Flask-Limiter syntax); storage is Redis so limits hold across processes.
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_DEFAULT": os.environ.get("RATELIMIT_DEFAULT", "600 per minute"),
        "RATELIMIT_AUTH_IP": os.environ.get("RATELIMIT_AUTH_IP", "20 per minute"),
        "RATELIMIT_AUTH_ACCOUNT": os.environ.get("RATELIMIT_AUTH_ACCOUNT", "10 per minute"),
        # Per-user limits on checkout and on cart writes (on top of the default one)
        "RATELIMIT_CHECKOUT": os.environ.get("RATELIMIT_CHECKOUT", "10 per minute"),
        "RATELIMIT_CART": os.environ.get("RATELIMIT_CART", "120 per minute"),
        "RATELIMIT_COMMENTS": os.environ.get("RATELIMIT_COMMENTS", "30 per minute"),
        # Per-user limit on POST /api/me/test-email
        "RATELIMIT_TEST_EMAIL": os.environ.get("RATELIMIT_TEST_EMAIL", "3 per 10 minutes"),
        # Per user (per address when signed out): the strength meter, and invitation/reset link checks
        "RATELIMIT_PASSWORD_STRENGTH": os.environ.get("RATELIMIT_PASSWORD_STRENGTH", "60 per minute"),
        "RATELIMIT_LINK_CHECK": os.environ.get("RATELIMIT_LINK_CHECK", "30 per minute"),
        "RATELIMIT_HEADERS_ENABLED": False,  # api/errors.py adds them to 429s; on every 200 they cost two Redis calls
        "RATELIMIT_SWALLOW_ERRORS": True,  # Redis down: serve without limits rather than fail every call
        # Caching
        "CACHE_TYPE": os.environ.get("CACHE_TYPE", "RedisCache"),
        "CACHE_DEFAULT_TIMEOUT": _int("CACHE_DEFAULT_TIMEOUT", 300),
        # Flask-Security as a token API
        "SECURITY_URL_PREFIX": "/api/auth",
        "SECURITY_LOGIN_URL": "/login",
        "SECURITY_LOGOUT_URL": "/logout",
        "SECURITY_RESET_URL": "/reset",
        "SECURITY_CHANGE_URL": "/change",
        "SECURITY_RECOVERABLE": True,
        "SECURITY_CHANGEABLE": True,
        "SECURITY_REGISTERABLE": False,  # our own invitation-aware /api/auth/register
        "SECURITY_TRACKABLE": True,
        "SECURITY_CONFIRMABLE": False,
        "SECURITY_PASSWORD_HASH": "argon2",
        "SECURITY_PASSWORD_LENGTH_MIN": 10,
        "SECURITY_PASSWORD_COMPLEXITY_CHECKER": "zxcvbn",
        "SECURITY_ZXCVBN_MINIMUM_SCORE": 3,
        "SECURITY_API_ENABLED_METHODS": ["token"],
        "SECURITY_TOKEN_AUTHENTICATION_HEADER": "Authentication-Token",
        "SECURITY_TOKEN_MAX_AGE": token_hours * 3600,
        "SECURITY_BACKWARDS_COMPAT_AUTH_TOKEN": True,
        "SECURITY_CSRF_IGNORE_UNAUTH_ENDPOINTS": True,
        "WTF_CSRF_ENABLED": False,  # no cookie sessions are honoured, so there is nothing to forge
        "SECURITY_REDIRECT_BEHAVIOR": "spa",
        "SECURITY_RESET_VIEW": "/reset",
        "SECURITY_RESET_ERROR_VIEW": "/reset",
        "SECURITY_RESET_PASSWORD_WITHIN": timedelta(hours=_int("RESET_WITHIN_HOURS", 2)),
        "SECURITY_EMAIL_VALIDATOR_ARGS": {"check_deliverability": False},
        "SECURITY_EMAIL_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Trackbase <no-reply@trackbase.local>"),
        "SECURITY_SEND_PASSWORD_CHANGE_EMAIL": True,
        "SECURITY_SEND_PASSWORD_RESET_NOTICE_EMAIL": True,
        "SECURITY_RETURN_GENERIC_RESPONSES": True,
        "SECURITY_MSG_GENERIC_AUTHN_FAILED": ("Invalid email or password.", "error"),
        "SECURITY_FLASH_MESSAGES": False,
        "SECURITY_LOGOUT_METHODS": ["POST"],
        # Flask-Security's own Cache-Control ({"private": True, ...}) renders as "private=True"; headers.py
        # sends "no-store" on every /api answer instead.
        "SECURITY_CACHE_CONTROL": None,
        "CELERY": {
            "broker_url": os.environ.get("CELERY_BROKER_URL", redis_url),
            "result_backend": None,
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            # A worker outlives a broker outage of any length: it reconnects forever instead of
            # exiting after 100 attempts (celery is pinned to 5.6.3: 5.7.0 exits on a broker restart
            # under a running task, see "When things fail" in the README).
            "broker_connection_retry": True,
            "broker_connection_max_retries": None,
            "broker_transport_options": {
                "health_check_interval": 25,  # ping a connection idle this long before using it
                "socket_keepalive": True,  # notice a broker host that vanished without closing sockets
                "socket_connect_timeout": 5,
                "retry_on_timeout": True,
            },
            # A task running when the broker goes away finishes; its ack is lost, so the broker hands it
            # out again after the visibility timeout and the task finds its work done (tasks re-check state).
            # Cancelling it instead would lose it outright when Redis restarts empty.
            "worker_cancel_long_running_tasks_on_connection_loss": False,
            "timezone": "UTC",
            "enable_utc": True,
            "worker_hijack_root_logger": False,
        },
        "TOKEN_MAX_AGE": timedelta(hours=token_hours),
    }
    _optional(cfg)
    return cfg


def check_secrets(config: dict) -> None:
    """Refuse to start without the secrets every deployment must choose itself."""
    missing = [name for name in REQUIRED_SECRETS if not config.get(name)]
    if missing:
        raise RuntimeError(
            "Missing required configuration: "
            + ", ".join(missing)
            + ". Set them in the environment (see .env.example); ./local_run.sh generates them for development."
        )
