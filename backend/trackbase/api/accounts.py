"""Account resources: registration, the profile, invitations and user administration."""

from __future__ import annotations

from flask import Response, current_app
from flask_restful import Resource
from flask_restful.representations.json import output_json
from flask_security import current_user

from ..auth.limits import enforce_user_limit
from ..auth.passwords import assess
from ..extensions import db
from ..services import accounts
from .common import AdminResource, AuthResource, dump_page, load_json, page_params
from .schemas.accounts import (
    InvitationCreateSchema,
    InvitationSchema,
    InvitationStatusSchema,
    PasswordStrengthResultSchema,
    PasswordStrengthSchema,
    ProfileUpdateSchema,
    RegisterSchema,
    ResetLinkStatusSchema,
    UserAdminUpdateSchema,
    UserSchema,
)
from .schemas.jobs import JobSchema


class RegisterResource(Resource):
    def post(self):
        """Create an account (with an invitation unless REGISTRATION=open)."""
        data = load_json(RegisterSchema())
        user = accounts.register(data["email"], data["password"], data["invitation"], data["name"])
        return {"user": UserSchema().dump(user)}, 201


class InvitationStatusResource(Resource):
    def get(self, code: str):
        """What an invitation link is for (address while still usable, role, state), for the register page."""
        enforce_user_limit("RATELIMIT_LINK_CHECK", "invitation-status")
        return {"invitation": InvitationStatusSchema().dump(accounts.invitation_status(code))}


class PasswordStrengthResource(Resource):
    def post(self):
        """Score a password the way register, reset and change will judge it (signed in: for that account)."""
        enforce_user_limit("RATELIMIT_PASSWORD_STRENGTH", "password-strength")
        data = load_json(PasswordStrengthSchema())
        if current_user and current_user.is_authenticated:
            data["email"], data["name"] = current_user.email, current_user.name or ""
        strength = assess(data["password"], data["email"], data["name"])
        body = {**strength.__dict__, "min_length": current_app.config["SECURITY_PASSWORD_LENGTH_MIN"]}
        return {"strength": PasswordStrengthResultSchema().dump(body)}


class ResetLinkStatusResource(Resource):
    def get(self, token: str):
        """Whether a reset link still works (valid until when, or used/expired/invalid), changing nothing."""
        enforce_user_limit("RATELIMIT_LINK_CHECK", "reset-link-status")
        return {"reset_link": ResetLinkStatusSchema().dump(accounts.reset_link_status(token))}


class LogoutEverywhereResource(AuthResource):
    def post(self):
        """Sign out on every device: every token and every signed link of the account stops working."""
        accounts.sign_out_everywhere(current_user._get_current_object())
        return "", 204


# Dumping is stateless, so the hot GET /api/me shares one schema (building one costs ~50 us) and
# dumps the user object itself rather than reading each field through the current_user proxy.
_me_schema = UserSchema()


class MeResource(AuthResource):
    def get(self):
        """The signed-in user's profile.

        The serialized answer (the same bytes flask-restful would write) is kept on the user object
        itself: the auth gate reuses that object only while the user is unchanged (its cache version
        is current, nothing modified or expired), so the kept dump is never stale, and a changed user
        is a new object without one.
        """
        user = current_user._get_current_object()
        state = user.__dict__
        body = state.get("_trackbase_me_body")
        if body is None or db.inspect(user).modified:
            body = state["_trackbase_me_body"] = output_json({"user": _me_schema.dump(user)}, 200).get_data()
        return Response(body, mimetype="application/json")

    def patch(self):
        """Update name, timezone, locale, reminder hour or quiet hours."""
        changes = load_json(ProfileUpdateSchema(), partial=True)
        user = accounts.update_profile(current_user, changes)
        return {"user": UserSchema().dump(user)}


class MeTestEmailResource(AuthResource):
    def post(self):
        """Queue a test email to the signed-in user's address (per-user rate limit): 202 with the job."""
        enforce_user_limit("RATELIMIT_TEST_EMAIL", "test-email")
        return {"job": JobSchema().dump(accounts.start_test_email(current_user))}, 202


class InvitationListResource(AdminResource):
    def get(self):
        """All invitations, newest first."""
        return dump_page(accounts.list_invitations(*page_params()), InvitationSchema())

    def post(self):
        """Create and email a single-use invitation."""
        data = load_json(InvitationCreateSchema())
        invitation = accounts.create_invitation(current_user, data["email"], data["role"], data["expires_in_days"])
        return {"invitation": InvitationSchema().dump(invitation)}, 201


class InvitationResource(AdminResource):
    def delete(self, invitation_id: int):
        """Revoke a pending invitation."""
        accounts.revoke_invitation(invitation_id)
        return "", 204


class UserListResource(AdminResource):
    def get(self):
        """Every user of the workspace."""
        return dump_page(accounts.list_users(*page_params()), UserSchema())


class UserResource(AdminResource):
    def get(self, user_id: int):
        """One user."""
        user = accounts.get_user(user_id)
        return {"user": UserSchema().dump(user)}

    def patch(self, user_id: int):
        """Change a user's role or deactivate/reactivate them."""
        changes = load_json(UserAdminUpdateSchema(), partial=True)
        user = accounts.admin_update_user(current_user, user_id, changes)
        return {"user": UserSchema().dump(user)}
