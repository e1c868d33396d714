"""The outbox: work a transaction decided on, written in that same commit and handed to Celery after it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, one_of, utcnow

# pending: not yet handed to the broker (the sweeper re-sends it from next_attempt_at on);
# sent: handed to the broker; sending: a mail task is delivering it (next_attempt_at is its lease);
# done: the mail went out; failed: it exhausted its attempts (kept for an admin to see and retry).
OUTBOX_STATUSES = ("pending", "sent", "sending", "done", "failed")


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        one_of("status", OUTBOX_STATUSES, name="outbox_status"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_name: Mapped[str] = mapped_column(String(200))
    args: Mapped[list] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
