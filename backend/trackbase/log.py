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
        ctx_g = g._get_current_object()
        started = getattr(ctx_g, "request_started", None)
        request_id = getattr(ctx_g, "request_id", "-")
        if started is not None:
            ms = (time.perf_counter() - started) * 1000
            req = request._get_current_object()
            handler = _sole_handler()
            if handler is None:
                access_log.info("%s %s %s %.1fms", req.method, req.path, response.status_code, ms)
            else:  # the same line as the formatter writes, without building a LogRecord (hot path)
                user = getattr(ctx_g, "_login_user", None)
                user_id = getattr(user, "id", None) or "-"
                line = (
                    f"{_timestamp()} INFO    [{request_id}] user={user_id} trackbase.access: "
                    f"{req.method} {req.path} {response.status_code} {ms:.1f}ms\n"
                )
                with handler.lock:
                    handler.stream.write(line)
                    handler.stream.flush()
        response.headers["X-Request-ID"] = request_id
        return response


_stamp = [0, ""]


def _timestamp() -> str:
    now = int(time.time())
    if _stamp[0] != now:
        _stamp[0], _stamp[1] = now, time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(now))
    return _stamp[1]


def _sole_handler():
    """The shared handler when it alone would emit an access line as-is (else None: use logging)."""
    if access_log.handlers or access_log.filters or access_log.disabled or not access_log.isEnabledFor(logging.INFO):
        return None
    if not access_log.propagate:
        return None
    handlers = logging.getLogger().handlers
    if len(handlers) != 1 or not getattr(handlers[0], "_trackbase", False) or handlers[0].level > logging.INFO:
        return None
    if access_log.parent is not logging.getLogger() and (access_log.parent.handlers or access_log.parent.filters):
        return None
    return handlers[0]
