"""The request gate: one Redis round trip, a user cache that never serves a stale user, 503 without Redis.

"Two workers" are two app instances on the same database and Redis: each has its own user cache,
as each gunicorn worker process does (tests/auth/test_gunicorn.py runs the real thing).
"""

from __future__ import annotations

import re

import pytest
import redis as redis_lib
from sqlalchemy import event

from tests.support import RedisServer, body_text, login_token, private_redis_config


@pytest.fixture
def private_redis():
    server = RedisServer(private=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def workers(make_app, private_redis):
    """Two apps ("workers") sharing the database and a private Redis."""
    return [make_app(**private_redis_config(private_redis.url)) for _ in range(2)]


def _get(app, path, token, **kwargs):
    with app.app_context():
        return app.test_client().get(path, headers={"Authentication-Token": token}, **kwargs)


class RedisMonitor:
    """The commands clients send to Redis (MONITOR), without those a Lua script runs inside Redis."""

    def __init__(self, url: str):
        self.client = redis_lib.Redis.from_url(url)
        self.commands: list[str] = []
        self._monitor = self.client.monitor().__enter__()
        self._monitor.next_command  # noqa: B018  (connection open before the request)
        self.client.echo("start-marker")
        while "start-marker" not in self._monitor.next_command()["command"]:
            pass

    def stop(self) -> list[str]:
        self.client.echo("end-marker")
        while True:
            entry = self._monitor.next_command()
            if "end-marker" in entry["command"]:
                break
            if entry.get("client_type") != "lua":
                self.commands.append(entry["command"].split()[0].upper())
        self._monitor.__exit__(None, None, None)
        return self.commands


def test_a_token_request_costs_one_redis_round_trip_and_no_sql(workers, private_redis, user, db):
    app = workers[0]
    token = user.get_auth_token()
    assert _get(app, "/api/me", token).status_code == 200  # warms the revocation copy and the user cache
    monitor = RedisMonitor(private_redis.url)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert _get(app, "/api/me", token).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert monitor.stop() == ["EVALSHA"]  # revocation, limit and user version: one script call
    assert statements == []  # the user came from the cache


def test_deactivation_takes_effect_on_the_next_request_in_every_worker(workers, user, admin):
    a, b = workers
    token = user.get_auth_token()
    assert _get(a, "/api/me", token).status_code == 200
    assert _get(b, "/api/me", token).status_code == 200
    with b.app_context():
        response = b.test_client().patch(
            f"/api/users/{user.id}", json={"active": False}, headers={"Authentication-Token": admin.get_auth_token()}
        )
        assert response.status_code == 200
    assert _get(a, "/api/me", token).status_code == 401
    assert _get(b, "/api/me", token).status_code == 401


def test_role_change_takes_effect_on_the_next_request_in_every_worker(workers, user, admin):
    a, b = workers
    token = user.get_auth_token()
    admin_token = admin.get_auth_token()
    assert _get(a, "/api/users", token).status_code == 403
    with b.app_context():
        assert (
            b.test_client()
            .patch(f"/api/users/{user.id}", json={"role": "admin"}, headers={"Authentication-Token": admin_token})
            .status_code
            == 200
        )
    assert _get(a, "/api/users", token).status_code == 200
    assert _get(a, "/api/me", token).get_json()["user"]["role"] == "admin"
    with b.app_context():
        assert (
            b.test_client()
            .patch(f"/api/users/{user.id}", json={"role": "member"}, headers={"Authentication-Token": admin_token})
            .status_code
            == 200
        )
    assert _get(a, "/api/users", token).status_code == 403


def test_profile_change_is_seen_by_the_other_worker(workers, user):
    a, b = workers
    token = user.get_auth_token()
    assert _get(a, "/api/me", token).get_json()["user"]["name"] == "Member"
    with b.app_context():
        assert (
            b.test_client()
            .patch("/api/me", json={"name": "Renamed"}, headers={"Authentication-Token": token})
            .status_code
            == 200
        )
    assert _get(a, "/api/me", token).get_json()["user"]["name"] == "Renamed"


def test_password_change_signs_out_every_worker(workers, user, smtp, celery_worker):
    a, b = workers
    token = user.get_auth_token()
    assert _get(a, "/api/me", token).status_code == 200
    with b.app_context():
        response = b.test_client().post(
            "/api/auth/change",
            headers={"Authentication-Token": token},
            json={
                "password": "correct-horse-9",
                "new_password": "battery-staple-7",
                "new_password_confirm": "battery-staple-7",
            },
        )
        assert response.status_code == 200, response.get_json()
        new_token = response.get_json()["token"]
    assert _get(a, "/api/me", token).status_code == 401
    assert _get(a, "/api/me", new_token).status_code == 200


def test_password_reset_signs_out_every_worker(workers, user, smtp, celery_worker):
    a, b = workers
    token = user.get_auth_token()
    assert _get(a, "/api/me", token).status_code == 200
    with b.app_context():
        client = b.test_client()
        assert client.post("/api/auth/reset", json={"email": "member@example.com"}).status_code == 200
        link = re.search(r"reset\?token=(\S+)", body_text(smtp.wait_for(1, to="member@example.com")[0]))
        response = client.post(
            f"/api/auth/reset/{link.group(1)}", json={"password": "new-secret-55", "password_confirm": "new-secret-55"}
        )
        assert response.status_code == 200
    assert _get(a, "/api/me", token).status_code == 401


def test_logout_in_one_worker_is_refused_by_the_other(workers, user):
    a, b = workers
    token = login_token(a.test_client(), "member@example.com")
    assert _get(b, "/api/me", token).status_code == 200
    with a.app_context():
        assert a.test_client().post("/api/auth/logout", headers={"Authentication-Token": token}).status_code == 200
    assert _get(b, "/api/me", token).status_code == 401


def test_redis_down_is_a_503_for_token_requests_never_500_or_401(workers, private_redis, user):
    a, _ = workers
    token = user.get_auth_token()
    assert _get(a, "/api/me", token).status_code == 200
    private_redis.stop()
    for path in ("/api/me", "/api/trackers", "/api/inventory/status", "/api/jobs"):
        response = _get(a, path, token)
        assert response.status_code == 503, (path, response.get_json())
        assert response.get_json()["error"]["code"] == "unavailable"
        assert int(response.headers["Retry-After"]) > 0
    private_redis.start()  # back, and empty
    assert _get(a, "/api/me", token).status_code == 200
