"""The product activity log: every research action and availability change, with who did it.

Writers (product edits, documents, comments, the inventory poll) call `record()` inside their own
transaction, so the event commits or rolls back with the change it describes. The watch digest reads
events after the last one a watcher was told about; the product list sorts by `last_activity_at`.
"""

from __future__ import annotations

from datetime import datetime

from ...extensions import db
from ...models import PRODUCT_EVENT_KINDS, Product, ProductEvent, utcnow


def record(
    product: Product, kind: str, actor_id: int | None, data: dict | None = None, at: datetime | None = None
) -> ProductEvent:
    """Add an event for `product` to the session and move its last activity to now (the caller commits)."""
    if kind not in PRODUCT_EVENT_KINDS:
        raise ValueError(f"unknown product event kind: {kind}")
    at = at or utcnow()
    event = ProductEvent(product_id=product.id, kind=kind, actor_id=actor_id, data=data or {}, created_at=at)
    db.session.add(event)
    product.last_activity_at = at
    return event
