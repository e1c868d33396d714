"""Schemas for users, the profile and invitations."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import available_timezones

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from ...models import ROLE_NAMES, utcnow
from ...services.l10n import is_known_locale

_TIMEZONES = frozenset(available_timezones())


class UserSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    name = fields.String()
    role = fields.String()
    active = fields.Boolean()
    timezone = fields.String()
    locale = fields.String(allow_none=True)
    reminder_hour = fields.Integer()
    quiet_hours_start = fields.Integer(allow_none=True)
    quiet_hours_end = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    last_login_at = fields.Method("_last_login")

    def _last_login(self, user):
        value = user.current_login_at or user.last_login_at
        if value is None:
            return None
        if value.tzinfo is None:  # set by Flask-Security in this request, before reload
            value = value.replace(tzinfo=UTC)
        return value.isoformat()


class ProfileUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(max=120))
    timezone = fields.String()
    locale = fields.String(allow_none=True)
    reminder_hour = fields.Integer(strict=True, validate=validate.Range(min=0, max=23))
    quiet_hours_start = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=23))
    quiet_hours_end = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0, max=23))

    @validates("timezone")
    def _check_timezone(self, value, **kwargs):
        if value not in _TIMEZONES:
            raise ValidationError("Unknown time zone; use an IANA name such as Europe/Helsinki.")

    @validates("locale")
    def _check_locale(self, value, **kwargs):
        if value is not None and not is_known_locale(value):
            raise ValidationError("Unknown locale; use a language tag such as en-GB or de.")

    @validates_schema
    def _check_quiet_hours(self, data, **kwargs):
        if ("quiet_hours_start" in data) != ("quiet_hours_end" in data):
            raise ValidationError(
                "Give both quiet_hours_start and quiet_hours_end (or null for both).", "quiet_hours_end"
            )
        if "quiet_hours_start" in data and (data["quiet_hours_start"] is None) != (data["quiet_hours_end"] is None):
            raise ValidationError("Quiet hours need both a start and an end, or neither.", "quiet_hours_end")


class UserAdminUpdateSchema(Schema):
    role = fields.String(validate=validate.OneOf(ROLE_NAMES))
    active = fields.Boolean(truthy={True}, falsy={False})


def _words(required: str, too_long: str, max_length: int):
    """A text field's messages in plain words: one for a missing/empty value, one for a too long one."""

    def check(value: str) -> None:
        if not value.strip():
            raise ValidationError(required)
        if len(value) > max_length:
            raise ValidationError(too_long)

    return check


class RegisterSchema(Schema):
    email = fields.String(
        required=True,
        validate=_words("Enter your email.", "An email address has at most 255 characters.", 255),
        error_messages={"required": "Enter your email.", "invalid": "Enter your email."},
    )
    password = fields.String(
        required=True,
        validate=_words("Choose a password.", "Use at most 128 characters.", 128),
        error_messages={"required": "Choose a password.", "invalid": "Choose a password."},
    )
    invitation = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=64, error="This invitation code is not valid."),
        error_messages={"invalid": "This invitation code is not valid."},
    )
    name = fields.String(
        load_default="",
        validate=validate.Length(max=120, error="Use at most 120 characters for your name."),
        error_messages={"invalid": "Enter your name as text."},
    )


class PasswordStrengthSchema(Schema):
    password = fields.String(required=True, validate=validate.Length(max=4096))
    email = fields.String(load_default="", validate=validate.Length(max=255))
    name = fields.String(load_default="", validate=validate.Length(max=120))


class PasswordStrengthResultSchema(Schema):
    score = fields.Integer()
    ok = fields.Boolean()
    message = fields.String(allow_none=True)
    suggestions = fields.List(fields.String())
    min_length = fields.Integer()


class InvitationStatusSchema(Schema):
    email = fields.String(allow_none=True)
    role = fields.String()
    status = fields.String()
    expires_at = fields.AwareDateTime()
    message = fields.String(allow_none=True)


class ResetLinkStatusSchema(Schema):
    status = fields.String()
    expires_at = fields.AwareDateTime(allow_none=True)
    message = fields.String(allow_none=True)


class InvitationCreateSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=255))
    role = fields.String(load_default="member", validate=validate.OneOf(ROLE_NAMES))
    expires_in_days = fields.Integer(
        strict=True, load_default=None, allow_none=True, validate=validate.Range(min=1, max=90)
    )


class InvitationSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    email = fields.String()
    role = fields.String()
    status = fields.Method("_status")
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    used_at = fields.AwareDateTime(allow_none=True)

    def _status(self, invitation):
        return invitation.status_at(utcnow())
