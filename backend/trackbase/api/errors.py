"""The one error envelope: every error of the API is rendered here."""

from __future__ import annotations

import logging
import time

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException

from ..errors import (  # noqa: F401  (re-exported)
    ApiError,
    conflict,
    error_response,
    forbidden,
    not_found,
    unavailable,
    unavailable_dependency,
    validation_error,
)

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
    503: "unavailable",
}


def _http_message(exc: HTTPException) -> str:
    if exc.code == 429:
        return "Too many requests: slow down and try again later."
    if exc.code == 404:
        return "Not found."
    if exc.code == 413:
        return "The request is too large."
    return exc.description or exc.name


def rate_limit_headers() -> dict:
    """Retry-After and X-RateLimit-* for a 429 (only then: on every response they cost Redis round trips)."""
    from ..extensions import limiter

    limit = limiter.current_limit
    if limit is None:
        return {"Retry-After": "60"}
    reset_at = int(limit.reset_at)
    return {
        "Retry-After": str(max(1, reset_at - int(time.time()))),
        "X-RateLimit-Limit": str(limit.limit.amount),
        "X-RateLimit-Remaining": str(max(0, limit.remaining)),
        "X-RateLimit-Reset": str(reset_at),
    }


def _only_catch_all_matches() -> bool:
    """True when a 405 comes from the GET-only catch-alls, i.e. the path is not an API route at all."""
    try:
        endpoint, _ = current_app.url_map.bind_to_environ(request.environ).match(method="GET")
    except HTTPException:
        return False
    return endpoint in ("api_not_found", "spa")


def register_error_handlers(app: Flask) -> None:
    """Route ApiError, werkzeug HTTP errors and anything unexpected through the envelope."""

    @app.errorhandler(ApiError)
    def handle_api_error(exc: ApiError):
        return error_response(exc.status, exc.code, exc.message, exc.fields, exc.headers)

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        status = exc.code or 500
        if status == 405 and _only_catch_all_matches():
            return error_response(404, "not_found", "Not found.")
        headers = rate_limit_headers() if status == 429 else {}
        if status == 405 and getattr(exc, "valid_methods", None):
            headers["Allow"] = ", ".join(exc.valid_methods)
        return error_response(status, HTTP_CODES.get(status, "http_error"), _http_message(exc), headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        what = unavailable_dependency(exc)
        if what is not None:
            log.warning("%s unreachable: %s", what, exc.__class__.__name__)
            error = unavailable(what)
            return error_response(error.status, error.code, error.message, headers=error.headers)
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")
