"""Profile, invitations, registration and user administration."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support import body_html, body_text


def invite(client, admin_headers, email="new@example.com", role="member"):
    response = client.post("/api/invitations", json={"email": email, "role": role}, headers=admin_headers)
    assert response.status_code == 201, response.json
    return response.json["invitation"]


# ---- profile


def test_me_shows_profile(client, user, auth_headers):
    data = client.get("/api/me", headers=auth_headers).json["user"]
    assert data["email"] == "member@example.com"
    assert data["role"] == "member"
    assert data["timezone"] == "UTC"


def test_patch_me_updates_settings(client, user, auth_headers):
    response = client.patch(
        "/api/me",
        json={
            "name": "Ada",
            "timezone": "Europe/Helsinki",
            "reminder_hour": 20,
            "quiet_hours_start": 22,
            "quiet_hours_end": 7,
        },
        headers=auth_headers,
    )
    assert response.status_code == 200
    again = client.get("/api/me", headers=auth_headers).json["user"]
    assert (again["name"], again["timezone"], again["reminder_hour"]) == ("Ada", "Europe/Helsinki", 20)
    assert (again["quiet_hours_start"], again["quiet_hours_end"]) == (22, 7)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"reminder_hour": 24}, "reminder_hour"),
        ({"reminder_hour": "9"}, "reminder_hour"),
        ({"quiet_hours_start": 22}, "quiet_hours_end"),
        ({"name": "x" * 121}, "name"),
        ({"role": "admin"}, "role"),
    ],
)
def test_patch_me_rejects_bad_input_and_changes_nothing(client, user, auth_headers, payload, field):
    response = client.patch("/api/me", json=payload, headers=auth_headers)
    assert response.status_code == 400
    assert field in response.json["error"]["fields"]
    assert client.get("/api/me", headers=auth_headers).json["user"]["role"] == "member"


def test_patch_me_without_json_is_415(client, user, auth_headers):
    response = client.patch("/api/me", data="name=x", headers=auth_headers)
    assert response.status_code == 415


def test_patch_me_with_json_array_is_400(client, user, auth_headers):
    response = client.patch("/api/me", json=[1, 2], headers=auth_headers)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_json"


# ---- invitations and registration


def test_admin_invitation_is_emailed_with_link(client, admin_headers, smtp, celery_worker):
    invitation = invite(client, admin_headers)
    assert invitation["status"] == "pending"
    message = smtp.wait_for(1, to="new@example.com")[0]
    link = f"http://trackbase.test/register?code={invitation['code']}"
    assert link in body_text(message)
    assert link in body_html(message)


def test_register_with_invitation_then_login(client, admin_headers):
    invitation = invite(client, admin_headers, role="member")
    response = client.post(
        "/api/auth/register",
        json={"email": "new@example.com", "password": "long-enough-1", "invitation": invitation["code"]},
    )
    assert response.status_code == 201, response.json
    assert response.json["user"]["role"] == "member"
    login = client.post("/api/auth/login", json={"email": "new@example.com", "password": "long-enough-1"})
    assert login.status_code == 200
    listed = client.get("/api/invitations", headers=admin_headers).json["items"][0]
    assert listed["status"] == "used"


def test_invitation_works_only_once(client, admin_headers):
    code = invite(client, admin_headers)["code"]
    payload = {"email": "new@example.com", "password": "long-enough-1", "invitation": code}
    assert client.post("/api/auth/register", json=payload).status_code == 201
    again = client.post("/api/auth/register", json=payload)
    assert again.status_code in (400, 409)


def test_register_without_invitation_is_refused_in_invite_mode(client):
    response = client.post("/api/auth/register", json={"email": "x@example.com", "password": "long-enough-1"})
    assert response.status_code == 400
    assert "invitation" in response.json["error"]["fields"]


def test_register_with_other_email_than_invited_is_refused(client, admin_headers):
    code = invite(client, admin_headers)["code"]
    response = client.post(
        "/api/auth/register", json={"email": "other@example.com", "password": "long-enough-1", "invitation": code}
    )
    assert response.status_code == 400
    assert "email" in response.json["error"]["fields"]


def test_expired_invitation_is_refused(client, admin_headers, db):
    from trackbase.models import Invitation, utcnow

    code = invite(client, admin_headers)["code"]
    invitation = db.session.query(Invitation).filter_by(code=code).one()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(
        "/api/auth/register", json={"email": "new@example.com", "password": "long-enough-1", "invitation": code}
    )
    assert response.status_code == 400
    assert "expired" in response.json["error"]["fields"]["invitation"]


def test_revoked_invitation_is_refused(client, admin_headers):
    created = invite(client, admin_headers)
    assert client.delete(f"/api/invitations/{created['id']}", headers=admin_headers).status_code == 204
    response = client.post(
        "/api/auth/register",
        json={"email": "new@example.com", "password": "long-enough-1", "invitation": created["code"]},
    )
    assert response.status_code == 400
    listed = client.get("/api/invitations", headers=admin_headers).json["items"][0]
    assert listed["status"] == "revoked"


def test_short_password_is_refused(client, admin_headers):
    code = invite(client, admin_headers)["code"]
    response = client.post(
        "/api/auth/register", json={"email": "new@example.com", "password": "short", "invitation": code}
    )
    assert response.status_code == 400
    assert "password" in response.json["error"]["fields"]


def test_duplicate_registration_is_409_not_500(client, app, user):
    app.config["REGISTRATION"] = "open"
    try:
        response = client.post("/api/auth/register", json={"email": "member@example.com", "password": "long-enough-1"})
    finally:
        app.config["REGISTRATION"] = "invite"
    assert response.status_code == 409


def test_open_registration_needs_no_invitation(client, app):
    app.config["REGISTRATION"] = "open"
    try:
        response = client.post("/api/auth/register", json={"email": "free@example.com", "password": "long-enough-1"})
    finally:
        app.config["REGISTRATION"] = "invite"
    assert response.status_code == 201


def test_closed_registration_refuses_everyone(client, app, admin_headers):
    code = invite(client, admin_headers)["code"]
    app.config["REGISTRATION"] = "closed"
    try:
        response = client.post(
            "/api/auth/register", json={"email": "new@example.com", "password": "long-enough-1", "invitation": code}
        )
        config = client.get("/api/config").json
    finally:
        app.config["REGISTRATION"] = "invite"
    assert response.status_code == 403
    assert config["registration"] == "closed"


def test_invitation_for_existing_member_is_409(client, user, admin_headers):
    response = client.post("/api/invitations", json={"email": "member@example.com"}, headers=admin_headers)
    assert response.status_code == 409


def test_invitation_with_bad_email_is_400(client, admin_headers):
    response = client.post("/api/invitations", json={"email": "not-an-email"}, headers=admin_headers)
    assert response.status_code == 400
    assert "email" in response.json["error"]["fields"]


def test_revoking_used_invitation_is_409(client, admin_headers):
    created = invite(client, admin_headers)
    client.post(
        "/api/auth/register",
        json={"email": "new@example.com", "password": "long-enough-1", "invitation": created["code"]},
    )
    assert client.delete(f"/api/invitations/{created['id']}", headers=admin_headers).status_code == 409


def test_revoking_unknown_invitation_is_404(client, admin_headers):
    assert client.delete("/api/invitations/999", headers=admin_headers).status_code == 404


def test_member_cannot_use_admin_endpoints(client, user, auth_headers):
    assert client.get("/api/invitations", headers=auth_headers).status_code == 403
    assert client.post("/api/invitations", json={"email": "a@example.com"}, headers=auth_headers).status_code == 403
    assert client.get("/api/users", headers=auth_headers).status_code == 403
    assert client.patch(f"/api/users/{user.id}", json={"role": "admin"}, headers=auth_headers).status_code == 403


# ---- user administration


def test_admin_lists_users_with_pagination(client, admin, admin_headers, make_user):
    for _ in range(3):
        make_user()
    page = client.get("/api/users?per_page=2&page=2", headers=admin_headers).json
    assert page["total"] == 4
    assert page["page"] == 2 and page["per_page"] == 2
    assert len(page["items"]) == 2


@pytest.mark.parametrize("query", ["page=0", "per_page=500", "page=abc"])
def test_bad_pagination_is_400(client, admin_headers, query):
    response = client.get(f"/api/users?{query}", headers=admin_headers)
    assert response.status_code == 400


def test_admin_promotes_member(client, user, admin_headers, auth_headers):
    response = client.patch(f"/api/users/{user.id}", json={"role": "admin"}, headers=admin_headers)
    assert response.json["user"]["role"] == "admin"
    assert client.get("/api/users", headers=auth_headers).status_code == 200


def test_admin_cannot_demote_self(client, admin, admin_headers):
    response = client.patch(f"/api/users/{admin.id}", json={"role": "member"}, headers=admin_headers)
    assert response.status_code == 409


def test_reactivated_user_can_sign_in_again(client, user, admin_headers):
    client.patch(f"/api/users/{user.id}", json={"active": False}, headers=admin_headers)
    client.patch(f"/api/users/{user.id}", json={"active": True}, headers=admin_headers)
    login = client.post("/api/auth/login", json={"email": "member@example.com", "password": "correct-horse-9"})
    assert login.status_code == 200


def test_patch_unknown_user_is_404(client, admin_headers):
    assert client.patch("/api/users/12345", json={"active": False}, headers=admin_headers).status_code == 404


def test_patch_user_with_bad_role_is_400(client, user, admin_headers):
    response = client.patch(f"/api/users/{user.id}", json={"role": "owner"}, headers=admin_headers)
    assert response.status_code == 400
    assert "role" in response.json["error"]["fields"]
