"""Catalog: the one shared product row, whether the supplier poll or a member created it.

Money is stored as integer cents (``price_cents``): exact on SQLite and PostgreSQL alike and
cheap to compare during a poll. The API answers ``price`` as a number of currency units
(``price_cents / 100``); the ``price`` property gives that value as a ``Decimal``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, one_of, utcnow

PRODUCT_SOURCES = ("supplier", "member")
AVAILABILITIES = ("in_stock", "less_than_10", "out_of_stock", "unknown")


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        one_of("source", PRODUCT_SOURCES, name="product_source"),
        one_of("availability", AVAILABILITIES, name="product_availability"),
        CheckConstraint("price_cents IS NULL OR price_cents >= 0", name="product_price"),
        # NULL external ids are distinct on both databases, so member products never collide.
        UniqueConstraint("source", "external_id", name="uq_products_source_external_id"),
        Index("ix_products_category_name", "category", "name"),
        Index("ix_products_category_availability", "category", "availability"),
        Index("ix_products_manufacturer", "manufacturer"),
        Index("ix_products_availability", "availability"),
        Index("ix_products_last_activity_at", "last_activity_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(64))
    manufacturer: Mapped[str | None] = mapped_column(String(64))
    colors: Mapped[list] = mapped_column(JSON, default=list)
    price_cents: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="member")
    # The upstream id, normalised to lower case (upstream availability uses upper case).
    external_id: Mapped[str | None] = mapped_column(String(64))
    availability: Mapped[str] = mapped_column(String(16), default="unknown")
    availability_as_of: Mapped[datetime | None] = mapped_column(UTCDateTime)
    availability_stale: Mapped[bool] = mapped_column(Boolean, default=False)
    discontinued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Research activity (an edit, a document, a comment) or an availability change: the list's default sort.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def price(self) -> Decimal | None:
        """The price in currency units, or None when the product has no price."""
        return None if self.price_cents is None else Decimal(self.price_cents) / 100
