"""Bodies no handler can take are a 4xx in the envelope, never a 500 (errors.py, the app's Request class)."""

from __future__ import annotations

import pytest

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 1200 + "1" + "}" * 1200

ANONYMOUS_JSON_POSTS = [
    "/api/auth/login",
    "/api/auth/register",
    "/api/auth/reset",
    "/api/auth/reset/some-token",
    "/api/trackers/quick-log",
    "/api/tracking/unsubscribe",
]


@pytest.mark.parametrize("path", ANONYMOUS_JSON_POSTS)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_a_400_everywhere(client, path, body):
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400, (path, response.get_data(as_text=True)[:200])
    assert response.get_json()["error"]["code"] in ("invalid_json", "bad_request")


@pytest.mark.parametrize(
    "method, path", [("post", "/api/trackers"), ("patch", "/api/me"), ("post", "/api/invitations")]
)
def test_deeply_nested_json_is_a_400_signed_in(client, admin_headers, method, path):
    response = getattr(client, method)(path, data=DEEP_OBJECT, content_type="application/json", headers=admin_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "member@example.com", "password": "bad\ud800pass"},
        {"email": "member\ud800@example.com", "password": "correct-horse-9"},
        {"email": "member@example.com", "password": "nul\x00pass"},
    ],
)
def test_unstorable_text_in_the_login_is_a_400(client, user, body):
    response = client.post("/api/auth/login", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("invitation", ["abc\ud800", "abc\x00def", "\udfff"])
def test_unstorable_text_in_the_invitation_is_a_400(client, invitation):
    response = client.post(
        "/api/auth/register", json={"email": "new@example.com", "password": "correct-horse-9", "invitation": invitation}
    )
    assert response.status_code == 400
    assert "invitation" in response.get_json()["error"]["fields"]


def test_a_lone_surrogate_in_the_profile_is_a_400(client, auth_headers):
    response = client.patch("/api/me", json={"name": "Bad \udc00 name"}, headers=auth_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"name": "Must be valid Unicode text (no unpaired surrogates)."}


def test_a_surrogate_in_a_field_name_is_a_400(client, auth_headers):
    response = client.patch("/api/me", json={"na\ud800me": "x"}, headers=auth_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_json_that_is_fine_still_passes(client, auth_headers):
    nested = {"name": "Fine ✓ ünïcode 😀"}
    response = client.patch("/api/me", json=nested, headers=auth_headers)
    assert response.status_code == 200
    assert response.get_json()["user"]["name"] == nested["name"]


@pytest.fixture
def numeric_tracker(client, auth_headers):
    response = client.post("/api/trackers", json={"name": "Weight", "type": "numeric"}, headers=auth_headers)
    assert response.status_code == 201
    return response.get_json()["tracker"]["id"]


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01&to=9999-12-31",
        "from=0001-01-01",
        "to=9999-12-31",
        "from=9999-12-31T23:59:59Z&to=9999-12-31T23:59:59Z",
        "from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z&bucket=month",
    ],
)
def test_stats_over_extreme_ranges_are_not_a_500(client, auth_headers, numeric_tracker, query):
    response = client.get(f"/api/trackers/{numeric_tracker}/stats?{query}", headers=auth_headers)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    if response.status_code == 400:
        assert response.get_json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    "timestamp",
    ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"],
)
def test_log_timestamps_at_the_ends_of_the_calendar_are_a_400(client, auth_headers, numeric_tracker, timestamp):
    response = client.post(
        f"/api/trackers/{numeric_tracker}/logs", json={"value": 1, "timestamp": timestamp}, headers=auth_headers
    )
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "timestamp" in response.get_json()["error"]["fields"]


def test_stats_over_values_near_the_float_limits_do_not_overflow(client, auth_headers, numeric_tracker):
    for value in (1.7e308, 1.7e308, -1.7e308):
        response = client.post(f"/api/trackers/{numeric_tracker}/logs", json={"value": value}, headers=auth_headers)
        assert response.status_code in (201, 400), response.get_data(as_text=True)[:300]
    stats = client.get(f"/api/trackers/{numeric_tracker}/stats", headers=auth_headers)
    assert stats.status_code == 200, stats.get_data(as_text=True)[:300]
    dashboard = client.get("/api/trackers", headers=auth_headers)
    assert dashboard.status_code == 200
