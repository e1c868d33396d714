"""Security headers on every response; a strict CSP on the HTML pages; no-store on private API answers."""

from __future__ import annotations

import pytest

BASE = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"}


def _check_base(response):
    for name, value in BASE.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))


@pytest.mark.parametrize("path", ["/api/me", "/api/health", "/api/openapi.yaml", "/", "/trackers", "/api/docs/"])
def test_every_response_has_the_base_headers(client, path):
    _check_base(client.get(path))


def test_authenticated_api_answers_are_not_stored(client, auth_headers):
    for path in ("/api/me", "/api/trackers", "/api/jobs"):
        response = client.get(path, headers=auth_headers)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        _check_base(response)


def test_errors_and_sign_in_answers_are_not_stored(client, user):
    assert client.get("/api/me").headers["Cache-Control"] == "no-store"
    login = client.post("/api/auth/login", json={"email": "member@example.com", "password": "correct-horse-9"})
    assert login.status_code == 200
    assert login.headers["Cache-Control"] == "no-store"


def test_the_spa_has_a_strict_csp(client):
    response = client.get("/")
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_the_docs_page_allows_only_its_own_inline_script_by_hash(client):
    import base64
    import hashlib
    import re

    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    inline = re.findall(rb"<script>(.*?)</script>", response.get_data(), re.S)
    assert inline
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_unknown_api_paths_have_them_too(client):
    response = client.get("/api/nope", no_contract=True)
    assert response.status_code == 404
    _check_base(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_etagged_inventory_reads_stay_privately_cacheable(client, auth_headers):
    response = client.get("/api/inventory/gloves", headers=auth_headers)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
