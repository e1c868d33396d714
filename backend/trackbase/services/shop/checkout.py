"""Checkout: cart -> order in one transaction, idempotent per (user, Idempotency-Key)."""

from __future__ import annotations

import hashlib
import json
import uuid

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ...errors import ApiError, conflict, validation_error
from ...extensions import db
from ...models import CartItem, Order, OrderItem, User
from .. import jobs, mail
from .cart import cart_items, currency, problems_of, take_write_lock

MAX_KEY_LENGTH = 255


def check_key(raw: str | None) -> str:
    """The Idempotency-Key header, or a 400 when it is missing or unusable."""
    key = (raw or "").strip()
    if not key:
        raise ApiError(
            400,
            "idempotency_key_required",
            "Send an Idempotency-Key header (for example a UUID).",
            {"Idempotency-Key": "required"},
        )
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise validation_error({"Idempotency-Key": f"Must be printable text of at most {MAX_KEY_LENGTH} characters."})
    return key


def cart_hash(items: list[CartItem]) -> str:
    """A fingerprint of what is being bought: product ids and quantities."""
    lines = sorted((item.product_id, item.quantity) for item in items)
    return hashlib.sha256(json.dumps(lines).encode()).hexdigest()


def _existing(user_id: int, key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.user_id == user_id, Order.idempotency_key == key))


def _replay(order: Order, items: list[CartItem]) -> Order:
    """The order a repeated key made, unless the cart now holds something else (422)."""
    if items and cart_hash(items) != order.cart_hash:
        raise ApiError(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different cart; use a new key for a new order.",
        )
    return order


def checkout(user: User, key: str) -> tuple[Order, bool]:
    """Place the user's cart as an order: (order, created). A repeated key answers the first order."""
    take_write_lock(user.id)
    items = cart_items(user.id)
    order = _existing(user.id, key)
    if order is not None:
        result = _replay(order, items)
        db.session.rollback()
        return result, False
    if not items:
        db.session.rollback()
        raise conflict("The cart is empty.")
    bad = {str(item.product_id): ", ".join(problems_of(item.product)) for item in items if problems_of(item.product)}
    if bad:
        db.session.rollback()
        raise conflict("Some lines of the cart cannot be bought now.", bad)
    try:
        order = _create_order(user, key, items)
        db.session.commit()
    except IntegrityError:  # the same key committed by a concurrent request: answer its order
        db.session.rollback()
        order = _existing(user.id, key)
        if order is None:
            raise
        return _replay(order, cart_items(user.id)), False
    return order, True


def _create_order(user: User, key: str, items: list[CartItem]) -> Order:
    exporting = bool(current_app.config.get("ORDERS_TABLE"))
    order = Order(
        id=str(uuid.uuid4()),
        user_id=user.id,
        idempotency_key=key,
        cart_hash=cart_hash(items),
        status="placed",
        currency=currency(),
        export_status="pending" if exporting else "local",
        export_attempts=0,
        total_cents=sum(item.product.price_cents * item.quantity for item in items),
        item_count=sum(item.quantity for item in items),
    )
    order.items = [
        OrderItem(
            product_id=item.product_id,
            external_id=item.product.external_id,
            name=item.product.name,
            unit_price_cents=item.product.price_cents,
            quantity=item.quantity,
            line_total_cents=item.product.price_cents * item.quantity,
        )
        for item in items
    ]
    db.session.add(order)
    db.session.execute(delete(CartItem).where(CartItem.user_id == user.id))
    db.session.flush()
    if exporting:
        jobs.enqueue("trackbase.tasks.shop.export_order", order.id)
    mail.send_email(user.email, f"Your order {order.id[:8]}", "order_confirmation", order=order, user=user)
    return order
