"""Accounts: registration by invitation, profile, invitations and user administration."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app
from flask_security import hash_password
from itsdangerous import BadSignature
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError, conflict, not_found, validation_error
from ..extensions import db, security
from ..models import Invitation, Role, User, utcnow
from . import l10n, mail
from .jobs import create_job, enqueue, finish_job
from .sql import Page, paginate

_CODE = re.compile(r"[A-Za-z0-9_-]+")


def normalize_email(raw: str) -> str:
    """Validate and normalize an address with Flask-Security's mail util; 400 when it is not one."""
    try:
        return security._mail_util.validate(raw.strip())
    except ValueError:
        raise validation_error({"email": "Enter a valid email address, like name@example.com."}) from None


def check_password(password: str, email: str = "", name: str = "") -> str:
    """Apply the password policy for this account; the normalized password, or 400 with the reason."""
    problems, normalized = security._password_util.validate(password, True, email=email, name=name)
    if problems:
        raise validation_error({"password": str(problems[0])})
    return normalized


def ensure_roles() -> None:
    """Create the admin and member roles when missing."""
    existing = set(db.session.scalars(select(Role.name)))
    for name, description in (("admin", "Manages users and invitations"), ("member", "A member of the workspace")):
        if name not in existing:
            db.session.add(Role(name=name, description=description))
    db.session.flush()


def _role(name: str) -> Role:
    ensure_roles()
    return db.session.scalar(select(Role).where(Role.name == name))


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def create_user(email: str, password: str, role: str = "member", name: str = "") -> User:
    """Create an active user (operator CLI and registration); 409 if the email exists."""
    email = normalize_email(email)
    password = check_password(password, email, name)
    if find_user_by_email(email):
        raise conflict("An account with this email already exists.", {"email": "Already registered."})
    user = security.datastore.create_user(
        email=email, password=hash_password(password), name=name or "", roles=[_role(role)], active=True
    )
    db.session.flush()
    return user


def _pending_for(email: str, now) -> tuple:
    """The conditions of an address's (any case) pending invitations."""
    return (
        func.lower(Invitation.email) == email.lower(),
        Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
    )


def _invitation_problem(invitation: Invitation | None, now) -> str:
    status = "unknown" if invitation is None else invitation.status_at(now)
    return {
        "unknown": "This invitation code is not valid; check the link in your invitation email.",
        "used": "This invitation was already used. Sign in instead, or ask for a new invitation.",
        "expired": "This invitation has expired. Ask the person who invited you for a new one.",
        "revoked": "This invitation was withdrawn. Ask the person who invited you for a new one.",
    }.get(status, "")


def register(email: str, password: str, invitation_code: str | None, name: str = "") -> User:
    """Register under the REGISTRATION policy, claiming the invitation atomically.

    Every problem with the form is reported at once (email, invitation, password). When the account
    is created, the address's other pending invitations are closed.
    """
    policy = current_app.config["REGISTRATION"]
    if policy == "closed":
        raise ApiError(403, "registration_closed", "Registration is closed on this workspace.")
    problems: dict[str, str] = {}
    try:
        email = normalize_email(email)
    except ApiError as exc:
        problems.update(exc.fields or {})
    now = utcnow()
    invitation = None
    role = "member"
    if policy == "invite" or invitation_code:
        if not invitation_code:
            problems["invitation"] = "Enter the invitation code from your email."
        else:
            invitation = db.session.scalar(select(Invitation).where(Invitation.code == invitation_code))
            if invitation is None or invitation.status_at(now) != "pending":
                problems["invitation"] = _invitation_problem(invitation, now)
            elif "email" not in problems and invitation.email.lower() != email.lower():
                problems["email"] = "Use the email address the invitation was sent to."
            else:
                role = invitation.role
    strength_problems, _ = security._password_util.validate(
        password, True, email=email if "email" not in problems else "", name=name
    )
    if strength_problems:
        problems["password"] = str(strength_problems[0])
    if problems:
        raise validation_error(problems)
    user = create_user(email, password, role=role, name=name)
    if invitation is not None:
        claimed = db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
            .values(used_at=now, used_by_id=user.id)
        ).rowcount
        if claimed != 1:
            db.session.rollback()
            raise validation_error({"invitation": "This invitation has just been used."})
    db.session.execute(
        update(Invitation)
        .where(*_pending_for(email, now))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent registration of the same address won the race
        db.session.rollback()
        raise conflict("An account with this email already exists.", {"email": "Already registered."}) from None
    return user


def invitation_status(code: str) -> dict:
    """What the register page shows on arrival: the invited address, the role and the state; 404 if unknown."""
    well_formed = len(code) <= 64 and _CODE.fullmatch(code) is not None  # codes are token_urlsafe text
    invitation = db.session.scalar(select(Invitation).where(Invitation.code == code)) if well_formed else None
    if invitation is None:
        raise not_found("Invitation")
    now = utcnow()
    status = invitation.status_at(now)
    return {  # the address only while the code can still be used
        "email": invitation.email if status == "pending" else None,
        "role": invitation.role,
        "status": "valid" if status == "pending" else status,
        "expires_at": invitation.expires_at,
        "message": _invitation_problem(invitation, now) or None,
    }


def update_profile(user: User, changes: dict) -> User:
    """Apply validated profile changes."""
    for key in ("name", "timezone", "locale", "reminder_hour", "quiet_hours_start", "quiet_hours_end"):
        if key in changes:
            setattr(user, key, changes[key])
    db.session.commit()
    return user


def start_test_email(user: User):
    """Queue a test email to the user's own address as a job (202); the task sends it and finishes the job."""
    job = create_job(user.id, "test_email", {"to": user.email})
    enqueue("trackbase.tasks.mail.test_email", job.id)
    db.session.commit()
    return job


def send_test_email(job, user: User) -> None:
    """Send the test email now (called by the task): the layout, a date and a number as the user's emails show them."""
    now = utcnow()
    subject = "Trackbase test email"
    text, html = mail.render_email(
        "test_email",
        subject=subject,
        user=user,
        sent_at=l10n.datetime_text(now, user),
        sample_number=l10n.number_text(1234.5, user),
        locale=str(l10n.locale_of(user)),
    )
    mail.deliver(user.email, subject, text, html)
    finish_job(job.id, {"emailed_to": user.email}, message=f"Test email sent to {user.email}")


def create_invitation(admin: User, email: str, role: str, expires_in_days: int | None) -> Invitation:
    """Create a single-use invitation and email its link; a pending one for the address is revoked (replaced)."""
    email = normalize_email(email)
    existing = find_user_by_email(email)
    if existing is not None:
        raise conflict(
            f"{existing.email} already has an account; they can sign in (or reset their password).",
            {"email": "This address already has an account."},
        )
    now = utcnow()
    for earlier in db.session.scalars(select(Invitation).where(*_pending_for(email, now))):  # replaced by this one
        earlier.revoked_at = now
    days = expires_in_days or current_app.config["INVITATION_DAYS"]
    invitation = Invitation(
        code=secrets.token_urlsafe(24),
        email=email,
        role=role,
        created_by_id=admin.id,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    link = f"{current_app.config['PUBLIC_URL']}/register?code={invitation.code}"
    mail.send_email(
        email,
        "You are invited to Trackbase",
        "invitation",
        invitation=invitation,
        link=link,
        inviter=admin.name or admin.email,
        days=days,
    )
    db.session.commit()
    return invitation


def list_invitations(page: int, per_page: int) -> Page:
    """A page of every invitation, newest first."""
    return paginate(select(Invitation).order_by(Invitation.id.desc()), page, per_page)


def revoke_invitation(invitation_id: int) -> None:
    """Revoke a pending invitation; used ones stay as a record (409)."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise not_found("Invitation")
    if invitation.used_at is not None:
        raise conflict("This invitation has already been used and cannot be revoked.")
    if invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
    db.session.commit()


def list_users(page: int, per_page: int) -> Page:
    """A page of every user, oldest first."""
    return paginate(select(User).order_by(User.id), page, per_page)


def admin_update_user(admin: User, user_id: int, changes: dict) -> User:
    """Change a user's role or active flag; deactivation cuts their tokens at once."""
    user = get_user(user_id)
    if user.id == admin.id and (changes.get("role") == "member" or changes.get("active") is False):
        raise conflict("You cannot demote or deactivate yourself; ask another admin.")
    if "role" in changes and changes["role"] != user.role:
        user.roles = [_role(changes["role"])]
    if "active" in changes and changes["active"] != user.active:
        user.active = changes["active"]
        if not user.active:
            security.datastore.set_uniquifier(user)  # every token of theirs stops working
    db.session.commit()
    return user


def admin_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).join(User.roles).where(Role.name == "admin", User.active.is_(True))
    )


def active_admin_emails() -> list[str]:
    """The addresses of every active admin (who operational alerts go to)."""
    return list(
        db.session.scalars(
            select(User.email).join(User.roles).where(Role.name == "admin", User.active.is_(True)).order_by(User.id)
        )
    )


def get_user(user_id: int) -> User:
    """A user by id, or a 404."""
    user = db.session.get(User, user_id)
    if user is None:
        raise not_found("User")
    return user


def first_admin() -> User | None:
    """The oldest active admin (the inviter of record for CLI invitations)."""
    return db.session.scalar(
        select(User).join(User.roles).where(Role.name == "admin", User.active.is_(True)).order_by(User.id).limit(1)
    )


def sign_out_everywhere(user: User) -> None:
    """End every sign-in token and every signed link of the account (a new uniquifier)."""
    security.datastore.set_uniquifier(user)
    db.session.commit()


def reset_link_expiry(issued_at: datetime) -> datetime:
    """When a reset link issued at `issued_at` stops working (RESET_WITHIN_HOURS later)."""
    return issued_at + current_app.config["SECURITY_RESET_PASSWORD_WITHIN"]


def format_in_zone(moment: datetime, timezone: str | None) -> str:
    """A moment as a person reads it in their zone: 'Tuesday 1 December 2026, 23:15 (Europe/Paris)'."""
    try:
        tz = ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz, timezone = ZoneInfo("UTC"), "UTC"
    local = moment.astimezone(tz)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} ({timezone or 'UTC'})"


def reset_link_status(token: str) -> dict:
    """Whether a password-reset link can still be used: valid (with its expiry), used, expired or invalid."""
    messages = {
        "invalid": "This reset link is not valid. Check that you copied all of it, or ask for a new one.",
        "expired": "This reset link has expired. Ask for a new one; it arrives in a minute.",
        "used": "This reset link was already used (or the password was changed since). Ask for a new one.",
    }
    try:
        data, issued = security.reset_serializer.loads(token, return_timestamp=True)
        if not (isinstance(data, list) and len(data) == 2):
            raise BadSignature("unexpected payload")
    except BadSignature:
        return {"status": "invalid", "expires_at": None, "message": messages["invalid"]}
    issued = issued if issued.tzinfo else issued.replace(tzinfo=UTC)
    expires_at = reset_link_expiry(issued)
    if expires_at <= utcnow():
        return {"status": "expired", "expires_at": expires_at, "message": messages["expired"]}
    # A reset (or a password change, or signing out everywhere) gives the account a new uniquifier.
    user = db.session.scalar(select(User).where(User.fs_uniquifier == str(data[0])))
    if user is None or not user.active:
        return {"status": "used", "expires_at": expires_at, "message": messages["used"]}
    return {"status": "valid", "expires_at": expires_at, "message": None}
