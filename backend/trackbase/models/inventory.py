"""Inventory: supplier poll runs, per-source fetch state and availability history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, one_of, utcnow

POLL_STATUSES = ("running", "ok", "partial", "failed")
# The admin alert a finished run raised: the first run of a failing incident, or the first good run after it.
POLL_ALERTS = ("failing", "recovered")
SOURCE_KINDS = ("category", "manufacturer")


class InventoryPollRun(db.Model):
    """One poll of the supplier: what each source answered and what changed."""

    __tablename__ = "inventory_poll_runs"
    __table_args__ = (
        one_of("status", POLL_STATUSES, name="poll_status"),
        Index("ix_inventory_poll_runs_status_finished", "status", "finished_at"),
        one_of("alert", POLL_ALERTS, name="poll_alert"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16), default="beat")
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {"category:gloves": {"status": "ok|not_modified|failed", "attempts": n, "error": "...", "seconds": s}, ...}
    sources: Mapped[dict] = mapped_column(JSON, default=dict)
    # {"seen", "inserted", "updated", "discontinued", "reappeared", "availability_changes", "stale"}
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    # Availability changes of products already known: [{"product_id", "old", "new"}, ...]
    changes: Mapped[list] = mapped_column(JSON, default=list)
    message: Mapped[str] = mapped_column(Text, default="")
    # Renewed while the poll runs; a running run whose lease ran out lost its worker and is reaped.
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    alert: Mapped[str | None] = mapped_column(String(16))


class InventorySource(db.Model):
    """The last good answer of one upstream list (a category or a manufacturer) and its ETag."""

    __tablename__ = "inventory_sources"
    __table_args__ = (
        one_of("kind", SOURCE_KINDS, name="inventory_source_kind"),
        UniqueConstraint("kind", "name", name="uq_inventory_sources_kind_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    etag: Mapped[str | None] = mapped_column(String(255))
    # Normalised last good payload, reused when the upstream answers 304.
    data: Mapped[dict | list | None] = mapped_column(JSON)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str] = mapped_column(String(16), default="never")
    last_error: Mapped[str] = mapped_column(Text, default="")


class AvailabilityHistory(db.Model):
    """One change of a product's availability (the first known value has no ``old_availability``)."""

    __tablename__ = "availability_history"
    __table_args__ = (Index("ix_availability_history_product_changed", "product_id", "changed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    old_availability: Mapped[str | None] = mapped_column(String(16))
    availability: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    poll_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("inventory_poll_runs.id", ondelete="SET NULL"), index=True
    )
