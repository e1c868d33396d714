"""Accounts: users, roles and invitations."""

from __future__ import annotations

from datetime import datetime

from flask_security import RoleMixin, UserMixin
from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, one_of, utcnow

ROLE_NAMES = ("admin", "member")

roles_users = Table(
    "roles_users",
    db.metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Integer, ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(db.Model, RoleMixin):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    # Flask-Security reads permissions from roles; we grant by role name only.
    permissions: Mapped[str | None] = mapped_column(String(255))


class User(db.Model, UserMixin):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("reminder_hour BETWEEN 0 AND 23", name="reminder_hour_range"),
        CheckConstraint("quiet_hours_start IS NULL OR quiet_hours_start BETWEEN 0 AND 23", name="quiet_start_range"),
        CheckConstraint("quiet_hours_end IS NULL OR quiet_hours_end BETWEEN 0 AND 23", name="quiet_end_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    password: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    fs_uniquifier: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # BCP 47 tag (e.g. "de-CH") the SPA reports from the browser; emails format dates and numbers with it.
    locale: Mapped[str | None] = mapped_column(String(35))
    reminder_hour: Mapped[int] = mapped_column(Integer, default=9)
    quiet_hours_start: Mapped[int | None] = mapped_column(Integer)
    quiet_hours_end: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_ip: Mapped[str | None] = mapped_column(String(64))
    current_login_ip: Mapped[str | None] = mapped_column(String(64))
    login_count: Mapped[int | None] = mapped_column(Integer)

    roles: Mapped[list[Role]] = relationship(secondary=roles_users, lazy="selectin")

    @property
    def role(self) -> str:
        """The user's single effective role: admin wins over member."""
        names = {r.name for r in self.roles}
        return "admin" if "admin" in names else "member"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class Invitation(db.Model):
    __tablename__ = "invitations"
    __table_args__ = (one_of("role", ROLE_NAMES, name="invitation_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(255), index=True)
    role: Mapped[str] = mapped_column(String(16), default="member")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def status_at(self, now: datetime) -> str:
        """pending, used, expired or revoked, as seen at `now`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.used_at is not None:
            return "used"
        if self.expires_at <= now:
            return "expired"
        return "pending"


class RevokedToken(db.Model):
    """A signed-out token, by its canonical id (a hash of its parsed payload), kept until it would expire.

    The database is the source of truth; Redis holds a copy for the per-request check (auth/tokens.py).
    """

    __tablename__ = "revoked_tokens"

    token_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
