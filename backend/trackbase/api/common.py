"""Shared pieces of the resources: input parsing, paging parameters and the list envelope, auth base classes."""

from __future__ import annotations

from flask import request
from flask_restful import Resource
from marshmallow import Schema, ValidationError

from ..auth import admin_required, login_required
from ..errors import json_body  # noqa: F401  (re-exported for the resources)
from ..services.sql import Page
from .errors import validation_error

MAX_PER_PAGE = 200
# The multipart envelope around an uploaded file (boundaries, part headers, a short filename field).
MULTIPART_SLACK = 64 * 1024


def flatten_errors(messages) -> dict:
    """marshmallow's {field: [msg, ...]} (possibly nested) -> {field: "msg"}."""
    flat: dict = {}
    if isinstance(messages, list):
        return {"_schema": str(messages[0])}
    for key, value in messages.items():
        if isinstance(value, dict):
            for sub, msg in flatten_errors(value).items():
                flat[f"{key}.{sub}"] = msg
        elif isinstance(value, list):
            first = value[0] if value else "invalid"
            flat[str(key)] = flatten_errors(first).popitem()[1] if isinstance(first, dict) else str(first)
        else:
            flat[str(key)] = str(value)
    return flat


def load(schema: Schema, data, partial: bool = False) -> dict:
    """Validate `data` with `schema`; a 400 validation_error lists each bad field."""
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        fields = flatten_errors(exc.messages)
        fields = {k: ("Unknown field." if v == "Unknown field." else v) for k, v in fields.items()}
        raise validation_error(fields) from None


def load_json(schema: Schema, partial: bool = False) -> dict:
    """Parse and validate the JSON body."""
    return load(schema, json_body(), partial=partial)


def load_args(schema: Schema) -> dict:
    """Validate the query string (first value of each key)."""
    return load(schema, request.args.to_dict(flat=True))


def page_params() -> tuple[int, int]:
    """page (>= 1) and per_page (1..200, default 50) from the query string."""
    fields = {}
    values = {}
    for name, default, upper in (("page", 1, 1_000_000), ("per_page", 50, MAX_PER_PAGE)):
        raw = request.args.get(name)
        if raw in (None, ""):
            values[name] = default
            continue
        try:
            value = int(raw)
        except ValueError:
            fields[name] = "Must be a whole number."
            continue
        if not 1 <= value <= upper:
            fields[name] = f"Must be between 1 and {upper}."
            continue
        values[name] = value
    if fields:
        raise validation_error(fields)
    return values["page"], values["per_page"]


def dump_page(page: Page, schema: Schema) -> dict:
    """The list envelope of a services Page: its items dumped by `schema`."""
    return {
        "items": schema.dump(page.items, many=True),
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }


class AuthResource(Resource):
    """A resource for signed-in users (token auth)."""

    method_decorators = [login_required]


class AdminResource(Resource):
    """A resource for admins only."""

    method_decorators = [admin_required]


def wants_html() -> bool:
    """True for a browser opening an API link (Accept prefers text/html over JSON), e.g. a List-Unsubscribe URL."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "text/html" and request.accept_mimetypes["text/html"] > request.accept_mimetypes["application/json"]
