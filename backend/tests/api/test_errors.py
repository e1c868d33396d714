"""One error envelope for everything, and rate limits that answer 429 JSON."""

from __future__ import annotations

import pytest


def assert_envelope(response, status, code=None):
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    if code:
        assert body["error"]["code"] == code


def test_unknown_api_path_is_404_envelope(client):
    assert_envelope(client.get("/api/does-not-exist", no_contract=True), 404, "not_found")


def test_wrong_method_is_405_envelope(client, auth_headers):
    assert_envelope(client.delete("/api/me", headers=auth_headers, no_contract=True), 405, "method_not_allowed")


def test_too_large_body_is_413_envelope(client, app, auth_headers):
    app.config["MAX_CONTENT_LENGTH"], original = 1024, app.config["MAX_CONTENT_LENGTH"]
    try:
        response = client.patch(
            "/api/me", data="x" * 5000, content_type="application/json", headers=auth_headers, no_contract=True
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = original
    assert_envelope(response, 413, "payload_too_large")


def test_unexpected_error_is_500_envelope_without_details(client, monkeypatch):
    from trackbase.services import health

    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(health, "check", boom)
    response = client.get("/api/health", no_contract=True)
    assert_envelope(response, 500, "internal_error")
    assert b"secret internals" not in response.data


def test_login_is_rate_limited_per_account_with_headers(client, app, user):
    app.config["RATELIMIT_AUTH_ACCOUNT"], original = "3 per minute", app.config["RATELIMIT_AUTH_ACCOUNT"]
    try:
        statuses = [
            client.post("/api/auth/login", json={"email": "member@example.com", "password": "bad-password"}).status_code
            for _ in range(4)
        ]
        limited = client.post("/api/auth/login", json={"email": "member@example.com", "password": "correct-horse-9"})
        other = client.post("/api/auth/login", json={"email": "someone@example.com", "password": "bad-password"})
    finally:
        app.config["RATELIMIT_AUTH_ACCOUNT"] = original
    assert statuses[:3] == [400, 400, 400]
    assert statuses[3] == 429
    assert_envelope(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert other.status_code == 400  # another account is not affected


def test_reset_is_rate_limited_per_ip(client, app):
    app.config["RATELIMIT_AUTH_IP"], original = "2 per minute", app.config["RATELIMIT_AUTH_IP"]
    try:
        codes = [client.post("/api/auth/reset", json={"email": f"p{i}@example.com"}).status_code for i in range(3)]
    finally:
        app.config["RATELIMIT_AUTH_IP"] = original
    assert codes == [200, 200, 429]


def test_default_limit_applies_per_user(client, app, user, auth_headers, make_user):
    from tests.support import headers_for

    other_headers = headers_for(make_user("other@example.com"))
    app.config["RATELIMIT_DEFAULT"], original = "3 per minute", app.config["RATELIMIT_DEFAULT"]
    try:
        codes = [client.get("/api/me", headers=auth_headers).status_code for _ in range(4)]
        other = client.get("/api/me", headers=other_headers).status_code
    finally:
        app.config["RATELIMIT_DEFAULT"] = original
    assert codes == [200, 200, 200, 429]
    assert other == 200


@pytest.mark.parametrize("path", ["/api/me", "/api/jobs", "/api/users", "/api/invitations"])
def test_garbage_token_is_401(client, path):
    response = client.get(path, headers={"Authentication-Token": "garbage"})
    assert_envelope(response, 401, "unauthorized")


def test_per_address_limit_sees_the_client_behind_a_trusted_proxy(make_app):
    proxied = make_app(TRUSTED_PROXIES=1)
    client = proxied.test_client()
    proxied.config["RATELIMIT_AUTH_IP"] = "2 per minute"
    codes = []
    for address in ("203.0.113.1", "203.0.113.1", "203.0.113.1", "203.0.113.2"):
        codes.append(
            client.post(
                "/api/auth/reset", json={"email": "a@example.com"}, headers={"X-Forwarded-For": address}
            ).status_code
        )
    assert codes == [200, 200, 429, 200]


# ---- a database that cannot be reached is a 503 `unavailable`, never a 401 (which would sign the user out)

import pytest  # noqa: E402

from tests.support import free_port  # noqa: E402


def _unreachable_databases():
    return {
        "postgresql-refused": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/trackbase",
        "sqlite-missing-folder": "sqlite:////nonexistent-trackbase-folder/sub/trackbase.db",
    }


@pytest.mark.parametrize("name", sorted(_unreachable_databases()))
def test_an_unreachable_database_is_a_503_for_signed_in_calls_and_login(make_app, user, name):
    token = user.get_auth_token()  # signed with the same secret: valid for the other app
    app = make_app(
        SQLALCHEMY_DATABASE_URI=_unreachable_databases()[name],
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 2}} if name.startswith("postgres") else {},
    )
    with app.app_context():
        client = app.test_client()
        for response in (
            client.get("/api/me", headers={"Authentication-Token": token}),
            client.get("/api/trackers", headers={"Authentication-Token": token}),
            client.post("/api/auth/login", json={"email": "member@example.com", "password": "correct-horse-9"}),
            client.post("/api/auth/reset", json={"email": "member@example.com"}),
        ):
            assert response.status_code == 503, (response.request.path, response.get_json())
            assert response.get_json()["error"]["code"] == "unavailable"
            assert response.get_json()["error"]["message"].startswith("The database is unavailable")
            assert int(response.headers["Retry-After"]) > 0
