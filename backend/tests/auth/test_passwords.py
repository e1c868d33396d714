"""The password policy (10+ characters, zxcvbn score 3+, no email or name) on register, change and reset,
and the strength meter's endpoint that judges a password the same way."""

from __future__ import annotations

import re

import pytest

from tests.support import body_text


def invite(client, admin_headers, email="new@example.com"):
    return client.post("/api/invitations", json={"email": email}, headers=admin_headers).json["invitation"]["code"]


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "Use at least 10 characters."),
        ("12345678", "Use at least 10 characters."),
        ("1234567890", "This password is too easy to guess (This is a top-100 common password)."),
        ("qwertyuiop", "This password is too easy to guess"),
        ("new.person@example.com", "Do not use your email address or name in the password."),
        ("NewPerson-2026!", "Do not use your email address or name in the password."),
        ("Ada Lovelace 1815", "Do not use your email address or name in the password."),
    ],
)
def test_register_refuses_weak_and_personal_passwords_in_words(client, admin_headers, password, message):
    code = invite(client, admin_headers, "new.person@example.com")
    response = client.post(
        "/api/auth/register",
        json={"email": "new.person@example.com", "password": password, "invitation": code, "name": "Ada Lovelace"},
    )
    assert response.status_code == 400
    assert response.json["error"]["fields"]["password"].startswith(message)


def test_register_accepts_a_strong_password(client, admin_headers):
    code = invite(client, admin_headers)
    response = client.post(
        "/api/auth/register", json={"email": "new@example.com", "password": "violet-tunnel-87", "invitation": code}
    )
    assert response.status_code == 201, response.json


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short-1", "Use at least 10 characters."),
        ("member@example.com", "Do not use your email address or name in the password."),
        ("Member-secret-99", "Do not use your email address or name in the password."),
        ("aaaaaaaaaaaa", "This password is too easy to guess"),
    ],
)
def test_change_password_applies_the_policy(client, user, auth_headers, new, message):
    response = client.post(
        "/api/auth/change",
        json={"password": "correct-horse-9", "new_password": new, "new_password_confirm": new},
        headers=auth_headers,
    )
    assert response.status_code == 400
    assert response.json["error"]["fields"]["new_password"].startswith(message)


def _reset_token(client, smtp):
    assert client.post("/api/auth/reset", json={"email": "member@example.com"}).status_code == 200
    message = smtp.wait_for(1, to="member@example.com")[0]
    return re.search(r"http://trackbase\.test/reset\?token=(\S+)", body_text(message)).group(1), message


def test_reset_applies_the_policy(client, user, smtp, celery_worker):
    token, _ = _reset_token(client, smtp)
    weak = client.post(f"/api/auth/reset/{token}", json={"password": "password1", "password_confirm": "password1"})
    assert weak.status_code == 400
    assert weak.json["error"]["fields"]["password"] == "Use at least 10 characters."
    mine = "member@example.com!"
    own = client.post(f"/api/auth/reset/{token}", json={"password": mine, "password_confirm": mine})
    assert own.json["error"]["fields"]["password"] == "Do not use your email address or name in the password."
    good = client.post(
        f"/api/auth/reset/{token}", json={"password": "quartz-willow-31", "password_confirm": "quartz-willow-31"}
    )
    assert good.status_code == 200


# ---- the strength meter


def strength(client, body, headers=None):
    response = client.post("/api/auth/password-strength", json=body, headers=headers or {})
    assert response.status_code == 200, response.json
    return response.json["strength"]


def test_strength_matches_the_policy(client):
    weak = strength(client, {"password": "password"})
    assert weak == {
        "score": 0,
        "ok": False,
        "message": "Use at least 10 characters.",
        "suggestions": weak["suggestions"],
        "min_length": 10,
    }
    good = strength(client, {"password": "violet-tunnel-87"})
    assert good["ok"] is True and good["score"] >= 3 and good["message"] is None
    assert strength(client, {"password": ""})["score"] == 0


def test_strength_uses_the_form_details_signed_out_and_the_account_signed_in(client, user, auth_headers):
    signed_out = strength(client, {"password": "zebulon-castle-77", "email": "zebulon@example.com"})
    assert signed_out["ok"] is False and "email address or name" in signed_out["message"]
    # Signed in, the account's own details count, whatever the body claims.
    signed_in = strength(client, {"password": "member-castle-77", "email": "x@example.com"}, auth_headers)
    assert signed_in["ok"] is False and "email address or name" in signed_in["message"]


def test_a_long_password_is_scored_quickly_and_an_overlong_one_refused(client):
    assert strength(client, {"password": "1" * 4096})["ok"] is False
    assert client.post("/api/auth/password-strength", json={"password": "1" * 4097}).status_code == 400
    assert client.post("/api/auth/password-strength", json={}).status_code == 400


def test_strength_is_rate_limited(client, app):
    app.config["RATELIMIT_PASSWORD_STRENGTH"] = "2 per minute"
    try:
        statuses = [client.post("/api/auth/password-strength", json={"password": "abc"}).status_code for _ in range(3)]
    finally:
        app.config["RATELIMIT_PASSWORD_STRENGTH"] = "60 per minute"
    assert statuses == [200, 200, 429]
