"""The security properties under the real server: two gunicorn worker processes, each with its own user
cache, sharing the database and Redis. Every change must be seen by both on the very next request."""

from __future__ import annotations

import socket

import pytest

from tests.support import Gunicorn

ROUNDS = 4  # pairs of requests per check, one per worker (checked from the access log)


@pytest.fixture(scope="module")
def server(database_url, redis_url, smtp_server, app):
    from tests.conftest import make_test_config

    config = make_test_config(database_url, redis_url, smtp_server.port)
    gunicorn = Gunicorn(
        database_url,
        redis_url,
        smtp_server.port,
        workers=2,
        secret=config["SECRET_KEY"],
        salt=config["SECURITY_PASSWORD_SALT"],
    ).wait()
    yield gunicorn
    gunicorn.stop()


def _all(server, path, token, marker):
    """ROUNDS pairs of requests; the statuses seen, and which worker pids answered.

    Each pair holds one sync worker busy with a request whose headers are not finished yet, so the
    other request must be answered by the other worker.
    """
    statuses = set()
    for i in range(ROUNDS):
        held = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        held.sendall(f"GET {path}?{marker}=held{i} HTTP/1.1\r\nHost: x\r\n".encode())
        statuses.add(server.request("GET", f"{path}?{marker}=free{i}", {"Authentication-Token": token})[0])
        held.sendall(f"Authentication-Token: {token}\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := held.recv(65536):
            answer += chunk
        held.close()
        statuses.add(int(answer.split(b" ")[1]))
    return statuses, server.pids_for(f"{marker}=")


def test_deactivation_is_refused_by_both_workers_at_once(server, user, admin):
    token = user.get_auth_token()
    statuses, pids = _all(server, "/api/me", token, "before-deactivation")
    assert statuses == {200} and len(pids) == 2
    status, _ = server.request(
        "PATCH", f"/api/users/{user.id}", {"Authentication-Token": admin.get_auth_token()}, {"active": False}
    )
    assert status == 200
    statuses, pids = _all(server, "/api/me", token, "after-deactivation")
    assert statuses == {401} and len(pids) == 2


def test_role_change_is_seen_by_both_workers_at_once(server, user, admin):
    token, admin_token = user.get_auth_token(), admin.get_auth_token()
    statuses, pids = _all(server, "/api/users", token, "member-role")
    assert statuses == {403} and len(pids) == 2
    assert (
        server.request("PATCH", f"/api/users/{user.id}", {"Authentication-Token": admin_token}, {"role": "admin"})[0]
        == 200
    )
    statuses, pids = _all(server, "/api/users", token, "admin-role")
    assert statuses == {200} and len(pids) == 2


def test_logout_is_refused_by_both_workers_at_once(server, user):
    token = user.get_auth_token()
    statuses, pids = _all(server, "/api/me", token, "before-logout")
    assert statuses == {200} and len(pids) == 2
    assert server.request("POST", "/api/auth/logout", {"Authentication-Token": token})[0] == 200
    for spelling in (token, token + "=", token + "=="):
        statuses, pids = _all(server, "/api/me", spelling, f"after-logout-{len(spelling)}")
        assert statuses == {401} and len(pids) == 2


def test_password_change_is_refused_by_both_workers_at_once(server, user, client, smtp, celery_worker):
    token = user.get_auth_token()
    statuses, pids = _all(server, "/api/me", token, "before-password")
    assert statuses == {200} and len(pids) == 2
    response = client.post(
        "/api/auth/change",
        headers={"Authentication-Token": token},
        json={
            "password": "correct-horse-9",
            "new_password": "battery-staple-7",
            "new_password_confirm": "battery-staple-7",
        },
    )
    assert response.status_code == 200
    statuses, pids = _all(server, "/api/me", token, "after-password")
    assert statuses == {401} and len(pids) == 2
    statuses, pids = _all(server, "/api/me", response.get_json()["token"], "new-password-token")
    assert statuses == {200} and len(pids) == 2


def _raw(server, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"GARBAGE\r\n\r\n", b"400"),
        (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"414"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", b"431"),
    ],
)
def test_gunicorns_own_errors_are_json_not_html(server, request_bytes, status):
    answer = _raw(server, request_bytes)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == status, head
    assert b"Content-Type: application/json" in head
    import json

    assert json.loads(body)["error"]["message"]
