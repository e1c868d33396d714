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
