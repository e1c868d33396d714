"""Sign in, sign out, password change and reset through the JSON API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

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


# ---- reset links: checked on arrival, exact expiry in the email


def _reset_email(client, smtp):
    assert client.post("/api/auth/reset", json={"email": "member@example.com"}).status_code == 200
    message = smtp.wait_for(1, to="member@example.com", subject="Password reset instructions")[0]
    token = re.search(r"http://trackbase\.test/reset\?token=(\S+)", body_text(message)).group(1)
    return token, message


def test_reset_email_gives_the_exact_expiry_in_the_users_zone_and_a_pasteable_url(
    client, db, user, smtp, celery_worker
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.support import body_html

    user.timezone = "Asia/Tokyo"
    db.session.commit()
    before = datetime.now(ZoneInfo("Asia/Tokyo"))
    token, message = _reset_email(client, smtp)
    text = body_text(message)
    expected = [before + timedelta(hours=2, minutes=m) for m in (0, 1)]
    stamps = [f"{e:%A} {e.day} {e:%B %Y, %H:%M} (Asia/Tokyo)" for e in expected]
    assert any(f"until {s}." in text for s in stamps), text
    url = f"http://trackbase.test/reset?token={token}"
    assert url in text.splitlines()  # on a line of its own, to copy
    html = body_html(message)
    assert any(s in html for s in stamps) and f">{url}</span>" in html


def test_reset_link_status_is_valid_until_its_expiry(client, user, smtp, celery_worker):
    token, _ = _reset_email(client, smtp)
    response = client.get(f"/api/auth/reset-links/{token}")
    assert response.status_code == 200
    body = response.json["reset_link"]
    assert body["status"] == "valid" and body["message"] is None
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(hours=1, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=2)


def test_reset_link_status_after_use_says_used(client, user, smtp, celery_worker):
    token, _ = _reset_email(client, smtp)
    payload = {"password": "quartz-willow-31", "password_confirm": "quartz-willow-31"}
    assert client.post(f"/api/auth/reset/{token}", json=payload).status_code == 200
    body = client.get(f"/api/auth/reset-links/{token}").json["reset_link"]
    assert body["status"] == "used" and "already used" in body["message"]


def test_reset_link_status_of_an_expired_link(client, app, user, smtp, celery_worker):
    token, _ = _reset_email(client, smtp)
    within = app.config["SECURITY_RESET_PASSWORD_WITHIN"]
    app.config["SECURITY_RESET_PASSWORD_WITHIN"] = timedelta(seconds=-1)
    try:
        body = client.get(f"/api/auth/reset-links/{token}").json["reset_link"]
    finally:
        app.config["SECURITY_RESET_PASSWORD_WITHIN"] = within
    assert body["status"] == "expired" and "expired" in body["message"]


@pytest.mark.parametrize("token", ["garbage", "x" * 300, "WyJhIl0.aw9S0A.forged"])
def test_reset_link_status_of_a_forged_link_is_invalid(client, token):
    response = client.get(f"/api/auth/reset-links/{token}")
    assert response.status_code == 200 and response.json["reset_link"]["status"] == "invalid"


def test_logout_everywhere_ends_every_token(client, user):
    first = login(client, "member@example.com", "correct-horse-9").json["token"]
    second = login(client, "member@example.com", "correct-horse-9").json["token"]
    assert client.post("/api/auth/logout-everywhere", headers={"Authentication-Token": first}).status_code == 204
    assert client.get("/api/me", headers={"Authentication-Token": first}).status_code == 401
    assert client.get("/api/me", headers={"Authentication-Token": second}).status_code == 401
    assert client.post("/api/auth/logout-everywhere").status_code == 401
    assert login(client, "member@example.com", "correct-horse-9").status_code == 200
