"""The DynamoDB hand-off: each order put once into ORDERS_TABLE, keyed by order_id.

The put is conditional (`attribute_not_exists(order_id)`): a second put of the same order is refused
by DynamoDB, and that refusal means "already exported", so a double send is harmless. Before sending,
a worker claims the order for a while (`export_claimed_until`) so that the task and the sweeper, or two
sweepers, do not both send it. Attempts are counted; after ORDER_EXPORT_MAX_ATTEMPTS the order is
`failed` until an admin retries it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from ...extensions import db
from ...models import Order, utcnow

log = logging.getLogger(__name__)

CLAIM_SECONDS = 60
SWEEP_BATCH = 200


class ExportUnavailable(Exception):
    """DynamoDB could not be reached or refused the put for a passing reason: try again later."""


def max_attempts() -> int:
    return int(current_app.config.get("ORDER_EXPORT_MAX_ATTEMPTS", 12))


def dynamo_item(order: Order) -> dict:
    """The item downstream receives (see README, "Shop"): attribute names and types are the contract."""
    return {
        "order_id": order.id,
        "user_id": order.user_id,
        "user_email": order.user.email,
        "status": order.status,
        "currency": order.currency,
        "total_cents": order.total_cents,
        "item_count": order.item_count,
        "created_at": order.created_at.isoformat().replace("+00:00", "Z"),
        "items": [
            {
                "product_id": item.product_id if item.product_id is not None else 0,
                "external_id": item.external_id or "",
                "name": item.name,
                "unit_price_cents": item.unit_price_cents,
                "quantity": item.quantity,
                "line_total_cents": item.line_total_cents,
            }
            for item in order.items
        ],
    }


def _table():
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=3, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})
    return boto3.resource("dynamodb", config=config).Table(current_app.config["ORDERS_TABLE"])


def put_order(order: Order) -> bool:
    """Put the order's item; True when written now, False when DynamoDB already had it."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        _table().put_item(Item=dynamo_item(order), ConditionExpression="attribute_not_exists(order_id)")
        return True
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
            return False
        raise ExportUnavailable(str(exc)) from exc
    except BotoCoreError as exc:  # no connection, timeout, no credentials
        raise ExportUnavailable(str(exc)) from exc


def claim(order_id: str) -> bool:
    """Take the order for one send attempt (only when pending and nobody holds an unexpired claim)."""
    now = utcnow()
    result = db.session.execute(
        update(Order)
        .where(
            Order.id == order_id,
            Order.export_status == "pending",
            or_(Order.export_claimed_until.is_(None), Order.export_claimed_until < now),
        )
        .values(export_claimed_until=now + timedelta(seconds=CLAIM_SECONDS), export_attempts=Order.export_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return bool(result.rowcount)


def export_order(order_id: str) -> str:
    """One send attempt for a pending order; answers its export status after the attempt.

    Raises ExportUnavailable when DynamoDB failed and attempts remain (the caller retries later).
    """
    if not current_app.config.get("ORDERS_TABLE"):
        return "local"
    if not claim(order_id):
        order = db.session.get(Order, order_id)
        return order.export_status if order is not None else "missing"
    order = db.session.get(Order, order_id)
    try:
        written = put_order(order)
    except ExportUnavailable as exc:
        order.export_claimed_until = None
        order.export_error = str(exc)[:2000]
        if order.export_attempts >= max_attempts():
            order.export_status = "failed"
            db.session.commit()
            log.warning("order %s export failed after %s attempts", order_id, order.export_attempts)
            return "failed"
        db.session.commit()
        raise
    order.export_status = "exported"
    order.exported_at = utcnow()
    order.export_claimed_until = None
    order.export_error = None
    db.session.commit()
    if not written:
        log.info("order %s was already in DynamoDB", order_id)
    return "exported"


def sweep_pending() -> dict:
    """Send every pending order nobody holds (oldest first); answers counts by resulting status."""
    if not current_app.config.get("ORDERS_TABLE"):
        return {}
    now = utcnow()
    ids = db.session.scalars(
        select(Order.id)
        .where(
            Order.export_status == "pending",
            or_(Order.export_claimed_until.is_(None), Order.export_claimed_until < now),
        )
        .order_by(Order.created_at)
        .limit(SWEEP_BATCH)
    ).all()
    db.session.commit()
    counts: dict[str, int] = {}
    for order_id in ids:
        try:
            status = export_order(order_id)
        except ExportUnavailable:
            status = "pending"
            counts[status] = counts.get(status, 0) + 1
            break  # DynamoDB is away: the next sweep tries again
        counts[status] = counts.get(status, 0) + 1
    return counts
