"""Watch digests and product export bundles.

A digest claim is a row in `watch_digests` whose unique key (user_id, window) makes the claim atomic:
the scan inserts with ON CONFLICT DO NOTHING, so two beats or two workers never claim the same user's
window twice; the send flips "claimed" to "sent" with a conditional UPDATE, so a redelivered task
sends nothing. Each claim covers the product events after the previous claim's `last_event_id`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, one_of, utcnow

WATCH_DIGEST_STATUSES = ("claimed", "sent", "skipped")


class WatchDigest(db.Model):
    """One user's watch digest for one time window: the events (first, last] it covers and whether it went out."""

    __tablename__ = "watch_digests"
    __table_args__ = (
        UniqueConstraint("user_id", "window", name="uq_watch_digests_user_id_window"),
        one_of("status", WATCH_DIGEST_STATUSES, name="watch_digest_status"),
        Index("ix_watch_digests_status_claimed_at", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    window: Mapped[int] = mapped_column(BigInteger)  # floor(epoch seconds / WATCH_DIGEST_SECONDS)
    after_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    last_event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProductExport(db.Model):
    """The ZIP bundle a product export job produced: the file is in storage under `storage_key`."""

    __tablename__ = "product_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    storage_key: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
