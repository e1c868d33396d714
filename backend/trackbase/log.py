"""One logging setup for the API, the worker and beat: readable lines with request and user ids."""
from __future__ import annotations

import logging
import os
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

FORMAT = "%(asctime)s %(levelname)-7s [%(request_id)s] user=%(user_id)s %(name)s: %(message)s"
access_log = logging.getLogger("trackbase.access")


class ContextFilter(logging.Filter):
    """Adds request_id and user_id to every record (a dash outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = getattr(g, "request_id", "-")
            user = getattr(g, "_login_user", None)
            record.user_id = getattr(user, "id", None) or "-"
        else:
            record.request_id = getattr(record, "request_id", None) or _task_id() or "-"
            record.user_id = getattr(record, "user_id", None) or "-"
        return True


def _task_id() -> str | None:
    try:
        from celery import current_task

        if current_task and current_task.request and current_task.request.id:
            return "task:" + current_task.request.id[:8]
    except Exception:  # no Celery context
        return None
    return None


def configure_logging(level: str | None = None) -> None:
    """Install the shared handler on the root logger once per process."""
    root = logging.getLogger()
    if any(getattr(h, "_trackbase", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._trackbase = True
    handler.setFormatter(logging.Formatter(FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    handler.addFilter(ContextFilter())
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO"))
    for noisy in ("werkzeug", "urllib3", "botocore", "boto3", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def init_request_logging(app: Flask) -> None:
    """Give each request an id and log method, path, status and duration."""

    @app.before_request
    def _start():
        g.request_started = time.perf_counter()
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming[:64] if incoming.replace("-", "").isalnum() else uuid.uuid4().hex[:12]

    @app.after_request
    def _finish(response):
        started = getattr(g, "request_started", None)
        if started is not None:
            ms = (time.perf_counter() - started) * 1000
            access_log.info("%s %s %s %.1fms", request.method, request.path, response.status_code, ms)
        response.headers["X-Request-ID"] = getattr(g, "request_id", "-")
        return response
