"""Errors the services raise for the client to act on; api/errors.py renders them in the envelope.

They live outside the api package so services and tasks can raise them without importing the API.
"""

from __future__ import annotations


class ApiError(Exception):
    """An error the client can act on; rendered as {"error": {...}} with its status."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}
        self.headers = headers or {}


def validation_error(fields: dict, message: str = "Some fields are invalid.") -> ApiError:
    return ApiError(400, "validation_error", message, fields)


def not_found(what: str = "Resource") -> ApiError:
    return ApiError(404, "not_found", f"{what} not found.")


def conflict(message: str, fields: dict | None = None) -> ApiError:
    return ApiError(409, "conflict", message, fields)


def forbidden(message: str = "You are not allowed to do that.") -> ApiError:
    return ApiError(403, "forbidden", message)


def unavailable(what: str = "A service the API depends on", retry_after: int = 5) -> ApiError:
    """503: a dependency (Redis, the database) is unreachable; the client should retry, not sign out."""
    return ApiError(
        503,
        "unavailable",
        f"{what} is unavailable right now; try again shortly.",
        headers={"Retry-After": str(retry_after)},
    )


def unavailable_dependency(exc: BaseException) -> str | None:
    """'Redis' or 'The database' when `exc` means that dependency cannot be reached, else None."""
    import redis
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, (redis.ConnectionError, redis.TimeoutError)):
        return "Redis"
    if isinstance(exc, sa_exc.TimeoutError):  # connection pool exhausted
        return "The database"
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)) or getattr(
        exc, "connection_invalidated", False
    ):
        text = str(getattr(exc, "orig", exc)).lower()
        if getattr(exc, "connection_invalidated", False) or any(
            word in text
            for word in (
                "connect",
                "unable to open",
                "server closed",
                "terminating connection",
                "database is locked",
                "could not receive",
                "could not send",
                "timeout",
                "timed out",
                "no route",
                "unavailable",
            )
        ):
            return "The database"
    return None


def error_response(status: int, code: str, message: str, fields: dict | None = None, headers: dict | None = None):
    """Build the envelope response: {"error": {"code", "message", "fields"}} with its status and headers."""
    from flask import jsonify

    response = jsonify({"error": {"code": code, "message": message, "fields": fields or {}}})
    response.status_code = status
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def json_body() -> dict:
    """The request's JSON object, or a 415/400 ApiError when it is not one."""
    from flask import request

    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send a JSON body with Content-Type: application/json.")
    data = request.get_json(silent=True)
    if data is None:
        from flask import g

        field, message = getattr(g, "json_problem", None) or (None, "The request body is not valid JSON.")
        if field is not None:
            raise validation_error({field: message})
        raise ApiError(400, "invalid_json", message)
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return data


def request_json():
    """The parsed JSON body, or None (not JSON, invalid, or refused by the request's checks); never raises."""
    from flask import request

    return request.get_json(silent=True) if request.is_json else None


MAX_JSON_DEPTH = 64


def json_problem(value, depth: int = 0, field: str | None = None) -> tuple[str | None, str] | None:
    """Why a parsed JSON value cannot be accepted (too deep, NUL, unpaired surrogate), or None.

    Answers (top-level field or None, message).
    """
    if depth > MAX_JSON_DEPTH:
        return None, f"The JSON body is nested more than {MAX_JSON_DEPTH} levels deep."
    if isinstance(value, str):
        if "\x00" in value:
            return field, "Must not contain NUL characters."
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return field, "Must be valid Unicode text (no unpaired surrogates)."
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if json_problem(key):
                return None, "Field names must be valid Unicode text without NUL characters."
            problem = json_problem(item, depth + 1, field if depth else key)
            if problem:
                return problem
    elif isinstance(value, list):
        for item in value:
            problem = json_problem(item, depth + 1, field)
            if problem:
                return problem
    return None
