"""Sign in, sign out, password change and reset through the JSON API."""

from __future__ import annotations

import re

from tests.support import body_text


def login(client, email, password):
    return client.post("/api/auth/login", json={"email": email, "password": password})


def test_login_returns_token_that_authenticates(client, user):
    response = login(client, "member@example.com", "correct-horse-9")
    assert response.status_code == 200
    token = response.json["token"]
    assert response.json["user"]["email"] == "member@example.com"
    me = client.get("/api/me", headers={"Authentication-Token": token})
    assert me.status_code == 200
    assert me.json["user"]["email"] == "member@example.com"


def test_login_sets_no_session_cookie(client, user):
    response = login(client, "member@example.com", "correct-horse-9")
    assert "Set-Cookie" not in response.headers


def test_wrong_password_is_a_400_envelope(client, user):
    response = login(client, "member@example.com", "wrong-password")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "validation_error"
    assert response.json["error"]["message"] == "Invalid email or password."


def test_login_with_malformed_json_is_400(client):
    response = client.post("/api/auth/login", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "error" in response.json


def test_unauthenticated_call_is_401_json_not_redirect(client):
    response = client.get("/api/me", headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_logout_revokes_the_token(client, user):
    token = login(client, "member@example.com", "correct-horse-9").json["token"]
    headers = {"Authentication-Token": token}
    assert client.post("/api/auth/logout", headers=headers).status_code == 200
    assert client.get("/api/me", headers=headers).status_code == 401


def test_a_token_is_read_from_the_header_only(client, user):
    token = login(client, "member@example.com", "correct-horse-9").json["token"]
    assert client.get(f"/api/me?auth_token={token}").status_code == 401
    assert client.patch("/api/me", json={"name": "X", "auth_token": token}).status_code == 401
    assert client.get("/api/me", headers={"Authentication-Token": token}).status_code == 200


def test_logout_keeps_other_devices_signed_in(client, user):
    first = login(client, "member@example.com", "correct-horse-9").json["token"]
    second = login(client, "member@example.com", "correct-horse-9").json["token"]
    client.post("/api/auth/logout", headers={"Authentication-Token": first})
    assert client.get("/api/me", headers={"Authentication-Token": second}).status_code == 200


def test_change_password_invalidates_all_tokens_and_returns_new_one(client, user, smtp, celery_worker):
    old = login(client, "member@example.com", "correct-horse-9").json["token"]
    other = login(client, "member@example.com", "correct-horse-9").json["token"]
    response = client.post(
        "/api/auth/change",
        json={
            "password": "correct-horse-9",
            "new_password": "battery-staple-7",
            "new_password_confirm": "battery-staple-7",
        },
        headers={"Authentication-Token": old},
    )
    assert response.status_code == 200, response.json
    new = response.json["token"]
    assert client.get("/api/me", headers={"Authentication-Token": old}).status_code == 401
    assert client.get("/api/me", headers={"Authentication-Token": other}).status_code == 401
    assert client.get("/api/me", headers={"Authentication-Token": new}).status_code == 200
    assert login(client, "member@example.com", "battery-staple-7").status_code == 200
    notice = smtp.wait_for(1, to="member@example.com")[0]
    assert "changed" in body_text(notice)


def test_change_password_with_wrong_current_password_is_refused(client, user, auth_headers):
    response = client.post(
        "/api/auth/change",
        json={
            "password": "nope-nope-1",
            "new_password": "battery-staple-7",
            "new_password_confirm": "battery-staple-7",
        },
        headers=auth_headers,
    )
    assert response.status_code == 400
    assert "password" in response.json["error"]["fields"]


def test_password_reset_by_email_is_single_use(client, user, smtp, celery_worker):
    assert client.post("/api/auth/reset", json={"email": "member@example.com"}).status_code == 200
    message = smtp.wait_for(1, to="member@example.com")[0]
    link = re.search(r"http://trackbase\.test/reset\?token=(\S+)", body_text(message))
    assert link, body_text(message)
    token = link.group(1)
    payload = {"password": "new-secret-55", "password_confirm": "new-secret-55"}
    assert client.post(f"/api/auth/reset/{token}", json=payload).status_code == 200
    assert login(client, "member@example.com", "new-secret-55").status_code == 200
    again = client.post(
        f"/api/auth/reset/{token}", json={"password": "other-secret-66", "password_confirm": "other-secret-66"}
    )
    assert again.status_code == 400
    assert login(client, "member@example.com", "other-secret-66").status_code == 400


def test_reset_for_unknown_email_answers_the_same(client, smtp, celery_worker):
    response = client.post("/api/auth/reset", json={"email": "nobody@example.com"})
    assert response.status_code == 200


def test_reset_with_garbage_token_is_400(client):
    response = client.post(
        "/api/auth/reset/garbage", json={"password": "new-secret-55", "password_confirm": "new-secret-55"}
    )
    assert response.status_code == 400
    assert response.json["error"]["message"]


def test_deactivated_user_token_stops_working_at_once(client, user, admin_headers, auth_headers):
    assert client.get("/api/me", headers=auth_headers).status_code == 200
    response = client.patch(f"/api/users/{user.id}", json={"active": False}, headers=admin_headers)
    assert response.status_code == 200
    assert client.get("/api/me", headers=auth_headers).status_code == 401
    assert login(client, "member@example.com", "correct-horse-9").status_code == 400
