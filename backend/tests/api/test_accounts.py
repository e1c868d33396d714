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


# ---- invitation links as the register page sees them


def test_invitation_status_tells_the_address_while_valid(client, admin_headers):
    created = invite(client, admin_headers, email="Friend@Example.com")
    response = client.get(f"/api/auth/invitations/{created['code']}")
    assert response.status_code == 200
    body = response.json["invitation"]
    assert body["status"] == "valid" and body["email"] == "Friend@example.com" and body["message"] is None
    assert body["role"] == "member"


def test_invitation_status_of_a_used_code_says_so_without_the_address(client, admin_headers):
    code = invite(client, admin_headers)["code"]
    client.post(
        "/api/auth/register", json={"email": "new@example.com", "password": "long-enough-1", "invitation": code}
    )
    body = client.get(f"/api/auth/invitations/{code}").json["invitation"]
    assert body["status"] == "used" and body["email"] is None
    assert body["message"] == "This invitation was already used. Sign in instead, or ask for a new invitation."


def test_invitation_status_of_expired_and_revoked_codes(client, admin_headers, db):
    from trackbase.models import Invitation, utcnow

    expired = invite(client, admin_headers, email="late@example.com")
    row = db.session.query(Invitation).filter_by(code=expired["code"]).one()
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    revoked = invite(client, admin_headers, email="gone@example.com")
    client.delete(f"/api/invitations/{revoked['id']}", headers=admin_headers)
    assert client.get(f"/api/auth/invitations/{expired['code']}").json["invitation"]["status"] == "expired"
    body = client.get(f"/api/auth/invitations/{revoked['code']}").json["invitation"]
    assert body["status"] == "revoked" and "withdrawn" in body["message"]


@pytest.mark.parametrize("code", ["nope", "x" * 65, "%00", "a%20b", "%F0%9F%98%80"])
def test_invitation_status_of_an_unknown_code_is_404(client, code):
    response = client.get(f"/api/auth/invitations/{code}")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def test_invitation_status_is_rate_limited(client, app, admin_headers):
    code = invite(client, admin_headers)["code"]
    app.config["RATELIMIT_LINK_CHECK"] = "2 per minute"
    try:
        statuses = [client.get(f"/api/auth/invitations/{code}").status_code for _ in range(3)]
    finally:
        app.config["RATELIMIT_LINK_CHECK"] = "30 per minute"
    assert statuses[:2] == [200, 200] and statuses[2] == 429


def test_inviting_an_address_again_replaces_the_pending_invitation(client, admin_headers, smtp, celery_worker):
    first = invite(client, admin_headers, email="twice@example.com")
    second = invite(client, admin_headers, email="TWICE@example.com")
    assert client.get(f"/api/auth/invitations/{first['code']}").json["invitation"]["status"] == "revoked"
    assert client.get(f"/api/auth/invitations/{second['code']}").json["invitation"]["status"] == "valid"
    messages = smtp.wait_for(2, to="twice@example.com")
    assert second["code"] in body_text(messages[-1])
    statuses = {i["code"]: i["status"] for i in client.get("/api/invitations", headers=admin_headers).json["items"]}
    assert statuses[first["code"]] == "revoked" and statuses[second["code"]] == "pending"


def test_inviting_someone_with_an_account_is_409_in_words(client, user, admin_headers):
    response = client.post("/api/invitations", json={"email": "MEMBER@example.com"}, headers=admin_headers)
    assert response.status_code == 409
    assert response.json["error"]["message"] == (
        "member@example.com already has an account; they can sign in (or reset their password)."
    )
    assert response.json["error"]["fields"]["email"] == "This address already has an account."


def test_registering_closes_the_other_pending_invitations(client, app, admin_headers, db):
    from trackbase.models import Invitation

    pending = invite(client, admin_headers, email="self@example.com")
    app.config["REGISTRATION"] = "open"
    try:
        response = client.post("/api/auth/register", json={"email": "self@example.com", "password": "long-enough-1"})
    finally:
        app.config["REGISTRATION"] = "invite"
    assert response.status_code == 201
    db.session.expire_all()
    assert db.session.query(Invitation).filter_by(code=pending["code"]).one().revoked_at is not None


def test_register_reports_every_field_at_once_in_words(client, admin_headers):
    code = invite(client, admin_headers)["code"]
    response = client.post("/api/auth/register", json={"email": "", "password": "", "invitation": code})
    assert response.status_code == 400
    fields = response.json["error"]["fields"]
    assert fields == {"email": "Enter your email.", "password": "Choose a password."}
    response = client.post("/api/auth/register", json={"invitation": code})
    assert response.json["error"]["fields"] == {"email": "Enter your email.", "password": "Choose a password."}


def test_register_reports_email_invitation_and_password_problems_together(client, admin_headers):
    response = client.post(
        "/api/auth/register", json={"email": "not-an-address", "password": "password", "invitation": "made-up"}
    )
    fields = response.json["error"]["fields"]
    assert fields == {
        "email": "Enter a valid email address, like name@example.com.",
        "invitation": "This invitation code is not valid; check the link in your invitation email.",
        "password": "Use at least 10 characters.",
    }


def test_registering_by_one_invitation_closes_the_others_for_that_address(client, admin_headers, db):
    from trackbase.models import Invitation, utcnow

    first = invite(client, admin_headers, email="both@example.com")
    # An older pending invitation from before invitations replaced each other.
    db.session.add(
        Invitation(code="older-code", email="Both@Example.com", role="member", expires_at=utcnow() + timedelta(days=1))
    )
    db.session.add(
        Invitation(code="oldest-code", email="both@example.com", role="admin", expires_at=utcnow() + timedelta(days=2))
    )
    db.session.commit()
    response = client.post(
        "/api/auth/register",
        json={"email": "both@example.com", "password": "long-enough-1", "invitation": first["code"]},
    )
    assert response.status_code == 201
    statuses = {i["code"]: i["status"] for i in client.get("/api/invitations", headers=admin_headers).json["items"]}
    assert statuses == {first["code"]: "used", "older-code": "revoked", "oldest-code": "revoked"}
