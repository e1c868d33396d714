"""Accounts: registration by invitation, profile, invitations and user administration."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_security import hash_password
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ApiError, conflict, not_found, validation_error
from ..extensions import db, security
from ..models import Invitation, Role, User, utcnow
from . import l10n, mail
from .jobs import create_job, enqueue, finish_job
from .sql import Page, paginate


def normalize_email(raw: str) -> str:
    """Validate and normalize an address with Flask-Security's mail util; 400 when it is not one."""
    try:
        return security._mail_util.validate(raw.strip())
    except ValueError:
        raise validation_error({"email": "Not a valid email address."}) from None


def check_password(password: str) -> str:
    """Apply the password policy; the normalized password, or 400 with the reason."""
    problems, normalized = security._password_util.validate(password, True)
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
    password = check_password(password)
    if find_user_by_email(email):
        raise conflict("An account with this email already exists.", {"email": "Already registered."})
    user = security.datastore.create_user(
        email=email, password=hash_password(password), name=name or "", roles=[_role(role)], active=True
    )
    db.session.flush()
    return user


def register(email: str, password: str, invitation_code: str | None, name: str = "") -> User:
    """Register under the REGISTRATION policy, claiming the invitation atomically."""
    policy = current_app.config["REGISTRATION"]
    if policy == "closed":
        raise ApiError(403, "registration_closed", "Registration is closed on this workspace.")
    email = normalize_email(email)
    role = "member"
    if policy == "invite" or invitation_code:
        if not invitation_code:
            raise validation_error({"invitation": "An invitation code is required."})
        now = utcnow()
        invitation = db.session.scalar(select(Invitation).where(Invitation.code == invitation_code))
        if invitation is None or invitation.status_at(now) != "pending":
            reason = "unknown" if invitation is None else invitation.status_at(now)
            raise validation_error(
                {"invitation": f"This invitation is {reason if reason != 'unknown' else 'not valid'}."}
            )
        if invitation.email.lower() != email.lower():
            raise validation_error({"email": "Use the email address the invitation was sent to."})
        role = invitation.role
        user = create_user(email, password, role=role, name=name)
        claimed = db.session.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
            .values(used_at=now, used_by_id=user.id)
        ).rowcount
        if claimed != 1:
            db.session.rollback()
            raise validation_error({"invitation": "This invitation has just been used."})
    else:
        user = create_user(email, password, role=role, name=name)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent registration of the same address won the race
        db.session.rollback()
        raise conflict("An account with this email already exists.", {"email": "Already registered."}) from None
    return user


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
    """Create a single-use invitation and email its link."""
    email = normalize_email(email)
    if find_user_by_email(email):
        raise conflict("That person already has an account.", {"email": "Already registered."})
    days = expires_in_days or current_app.config["INVITATION_DAYS"]
    invitation = Invitation(
        code=secrets.token_urlsafe(24),
        email=email,
        role=role,
        created_by_id=admin.id,
        expires_at=utcnow() + timedelta(days=days),
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
