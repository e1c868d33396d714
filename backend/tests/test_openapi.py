"""docs/openapi.yaml is valid, covers every route, and the app keeps to it under generated input."""

from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests import openapi_check

UNDOCUMENTED = {
    "/api",
    "/api/<path:path>",
    "/api/auth/fs-static/<path:filename>",
    "/api/docs/",
    "/api/docs/<path:path>",
}


def test_openapi_document_is_valid():
    validate(openapi_check.spec())


def test_every_api_route_is_documented(app):
    documented = set()
    for template, operations in openapi_check.spec()["paths"].items():
        for method in operations:
            if method in ("get", "post", "put", "patch", "delete"):
                documented.add((method.upper(), template))
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/") or rule.rule in UNDOCUMENTED:
            continue
        template = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, template) not in documented:
                missing.append(f"{method} {template}")
    assert not missing, "undocumented: " + ", ".join(sorted(missing))


schema = schemathesis.openapi.from_path(openapi_check.SPEC_PATH)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_keeps_its_contract(case, app, admin_headers):
    """No generated request gets a 5xx or a response the document does not describe."""
    case.operation.schema.app = app  # call the WSGI app in-process
    with app.app_context():  # a fresh context per request, as in production
        response = case.call(headers=dict(admin_headers), app=app)
    case.validate_response(
        response,
        checks=(not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance),
    )
