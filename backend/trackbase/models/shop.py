"""Shop: a per-user cart, and orders with a snapshot of each line and the state of their DynamoDB hand-off.

Money is integer cents in the shop's one currency (SHOP_CURRENCY). Order ids are random UUID4 strings.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, one_of, utcnow

EXPORT_STATUSES = ("pending", "exported", "failed", "local")
ORDER_STATUSES = ("placed",)
MAX_QUANTITY = 99


class CartItem(db.Model):
    """One line of a user's cart; the price and availability seen when the line was added or last set."""

    __tablename__ = "cart_items"
    __table_args__ = (
        UniqueConstraint("user_id", "product_id", name="uq_cart_items_user_product"),
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_QUANTITY}", name="cart_quantity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    added_price_cents: Mapped[int | None] = mapped_column(Integer)
    added_availability: Mapped[str] = mapped_column(String(16))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    product = relationship("Product", lazy="joined")


class Order(db.Model):
    """A placed order: its lines are a snapshot; the idempotency key is unique per user."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_orders_user_idempotency_key"),
        one_of("export_status", EXPORT_STATUSES, name="order_export_status"),
        one_of("status", ORDER_STATUSES, name="order_status"),
        CheckConstraint("total_cents >= 0", name="order_total"),
        Index("ix_orders_export_status_claimed", "export_status", "export_claimed_until"),
        Index("ix_orders_user_created", "user_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    # sha256 of the cart the key was first used with: the same key with another cart is refused
    cart_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="placed")
    currency: Mapped[str] = mapped_column(String(3))
    total_cents: Mapped[int] = mapped_column(Integer)
    item_count: Mapped[int] = mapped_column(Integer)
    export_status: Mapped[str] = mapped_column(String(16))
    export_attempts: Mapped[int] = mapped_column(Integer, default=0)
    export_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    export_error: Mapped[str | None] = mapped_column(Text)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    items = relationship("OrderItem", order_by="OrderItem.id", lazy="selectin", cascade="all, delete-orphan")
    user = relationship("User", lazy="joined")


class OrderItem(db.Model):
    """One line of an order as it was at checkout (the product may change or go away later)."""

    __tablename__ = "order_items"
    __table_args__ = (
        CheckConstraint(f"quantity BETWEEN 1 AND {MAX_QUANTITY}", name="order_item_quantity"),
        CheckConstraint("unit_price_cents >= 0", name="order_item_price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"), index=True)
    external_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total_cents: Mapped[int] = mapped_column(Integer)
