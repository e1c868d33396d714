"""Orders: the owner's view, the admin's view with an export-status filter."""

from __future__ import annotations

from sqlalchemy import select

from ...errors import ApiError, not_found
from ...extensions import db
from ...models import Order, User
from .. import jobs
from ..sql import Page, paginate


def list_orders(user: User, page: int, per_page: int, everyone: bool = False, export_status: str | None = None) -> Page:
    """A page of orders, newest first: the user's own, or everyone's for an admin asking for all."""
    stmt = select(Order)
    if not everyone:
        stmt = stmt.where(Order.user_id == user.id)
    if export_status:
        stmt = stmt.where(Order.export_status == export_status)
    return paginate(stmt.order_by(Order.created_at.desc(), Order.id.desc()), page, per_page)


def get_order(user: User, order_id: str) -> Order:
    """One order: the owner's, or any for an admin; 404 otherwise (another user's order is invisible)."""
    order = db.session.get(Order, order_id)
    if order is None or (order.user_id != user.id and not user.has_role("admin")):
        raise not_found("Order")
    return order


def retry_export(order_id: str) -> Order:
    """An admin sends a failed (or stuck pending) order to DynamoDB again from a fresh attempt count."""
    order = db.session.get(Order, order_id)
    if order is None:
        raise not_found("Order")
    if order.export_status not in ("failed", "pending"):
        raise ApiError(
            409,
            "conflict",
            f"The order's export is {order.export_status}; only failed or pending exports can be retried.",
        )
    order.export_status = "pending"
    order.export_attempts = 0
    order.export_claimed_until = None
    order.export_error = None
    jobs.enqueue("trackbase.tasks.shop.export_order", order.id)
    db.session.commit()
    return order
