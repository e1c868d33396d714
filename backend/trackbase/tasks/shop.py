"""Shop tasks: the DynamoDB hand-off of one order, and the beat sweeper that re-sends pending ones."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from ..services import shop


@shared_task(
    name="trackbase.tasks.shop.export_order",
    acks_late=True,
    autoretry_for=(shop.ExportUnavailable, OperationalError),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
    ignore_result=True,
)
def export_order(order_id: str) -> None:
    """Put one order into DynamoDB (conditional put, claimed); passing failures retry with backoff."""
    shop.export_order(order_id)


@shared_task(name="trackbase.tasks.shop.sweep_order_exports", acks_late=True, ignore_result=True)
def sweep_order_exports() -> None:
    """Beat: send the orders still pending that nobody holds (DynamoDB back after an outage)."""
    shop.sweep_pending()
