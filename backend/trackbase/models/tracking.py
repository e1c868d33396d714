"""Self-tracking: trackers, their logs, reminder and report claims, preferences and CSV exports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, one_of, utcnow

TRACKER_TYPES = ("numeric", "boolean", "choice", "rating", "duration", "text")
TRACKER_FREQUENCIES = ("hourly", "daily", "weekly", "monthly")
CLAIM_STATUSES = ("claimed", "sent", "skipped")
REPORT_CLAIM_STATUSES = ("claimed", "sending", "sent", "skipped")


class Tracker(db.Model):
    __tablename__ = "trackers"
    __table_args__ = (
        UniqueConstraint("user_id", "name", name="uq_trackers_user_id_name"),
        one_of("type", TRACKER_TYPES, name="tracker_type"),
        one_of("frequency", TRACKER_FREQUENCIES, name="tracker_frequency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(16))
    frequency: Mapped[str] = mapped_column(String(16), default="daily")
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    reminders: Mapped[bool] = mapped_column(Boolean, default=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    # Manual dashboard order (PUT /api/trackers/order); NULL = not ordered by hand (due first, then by name).
    position: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    logs: Mapped[list[TrackerLog]] = relationship(
        back_populates="tracker", cascade="all, delete-orphan", passive_deletes=True, lazy="raise"
    )


class TrackerLog(db.Model):
    __tablename__ = "tracker_logs"
    __table_args__ = (
        Index("ix_tracker_logs_tracker_id_timestamp", "tracker_id", "timestamp"),
        CheckConstraint("value_num IS NOT NULL OR value_text IS NOT NULL", name="tracker_log_value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracker_id: Mapped[int] = mapped_column(ForeignKey("trackers.id", ondelete="CASCADE"))
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    # numeric, rating, duration (seconds) and boolean (1/0) use value_num; choice and text use value_text.
    value_num: Mapped[float | None] = mapped_column(Float)
    value_text: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    tracker: Mapped[Tracker] = relationship(back_populates="logs")


class ReminderClaim(db.Model):
    """One (tracker, period) a reminder was claimed for: the unique key makes the claim atomic."""

    __tablename__ = "reminder_claims"
    __table_args__ = (
        UniqueConstraint("tracker_id", "period_key", name="uq_reminder_claims_tracker_id_period_key"),
        one_of("status", CLAIM_STATUSES, name="reminder_claim_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracker_id: Mapped[int] = mapped_column(ForeignKey("trackers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    period_key: Mapped[str] = mapped_column(String(32))
    period_end: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReportClaim(db.Model):
    """One monthly report per user and month (YYYY-MM in the user's time zone).

    claimed -> sending (one task won the conditional update; claimed_at is when) -> sent, or back to
    claimed when sending failed and the task retries.
    """

    __tablename__ = "report_claims"
    __table_args__ = (
        UniqueConstraint("user_id", "month", name="uq_report_claims_user_id_month"),
        one_of("status", REPORT_CLAIM_STATUSES, name="report_claim_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TrackingPreference(db.Model):
    """A user's email choices for tracking; no row means both kinds of email are on."""

    __tablename__ = "tracking_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    reminder_emails: Mapped[bool] = mapped_column(Boolean, default=True)
    monthly_reports: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TrackerExport(db.Model):
    """The CSV a tracker export job produced: the file is in storage (services/storage.py) under `storage_key`."""

    __tablename__ = "tracker_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(120))
    storage_key: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
