"""Check every API response of the tests against docs/openapi.yaml."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"


@lru_cache(maxsize=1)
def spec() -> dict:
    return yaml.safe_load(SPEC_PATH.read_text())


@lru_cache(maxsize=1)
def _routes():
    routes = []
    for template in spec()["paths"]:
        pattern = "^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)) + "$"
        routes.append((re.compile(pattern), template, template.count("{")))
    routes.sort(key=lambda r: r[2])  # literal segments win over parameters
    return routes


def find_operation(method: str, path: str):
    for pattern, template, _ in _routes():
        if pattern.match(path):
            return template, spec()["paths"][template].get(method.lower())
    return None, None


def _pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@lru_cache(maxsize=512)
def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator({**spec(), "$ref": pointer})


def check(method: str, path: str, status: int, content_type: str, body) -> None:
    """Fail when the response is not what the contract says for this operation and status."""
    template, operation = find_operation(method, path)
    assert template is not None, f"{method} {path}: path not in docs/openapi.yaml"
    assert operation is not None, f"{method} {template}: method not in docs/openapi.yaml"
    responses = operation.get("responses", {})
    key = str(status) if str(status) in responses else ("default" if "default" in responses else None)
    assert key is not None, f"{method} {template}: status {status} not documented (documented: {sorted(responses)})"
    response = responses[key]
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = spec()["components"]["responses"][name]
        base = ("components", "responses", name)
    else:
        base = ("paths", template, method.lower(), "responses", key)
    content = response.get("content") or {}
    if "application/json" in content and content_type.startswith("application/json"):
        schema_pointer = _pointer(*base, "content", "application/json", "schema")
        errors = sorted(_validator(schema_pointer).iter_errors(body), key=lambda e: list(e.path))
        assert not errors, f"{method} {path} {status}: response breaks the schema: " + "; ".join(
            f"{list(e.path)}: {e.message}" for e in errors[:5]
        )
    elif content and status != 304:
        assert any(content_type.startswith(ct.split(";")[0]) for ct in content), (
            f"{method} {template} {status}: content type {content_type} not documented"
        )
