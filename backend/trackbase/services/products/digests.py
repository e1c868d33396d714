"""Watch digests: one email per watcher per window listing what others did on the products they watch.

The scan (beat, every WATCH_DIGEST_SECONDS) claims, per user, the window it runs in: a row in
`watch_digests` with a unique (user_id, window), inserted with ON CONFLICT DO NOTHING, so two beats or
two workers claim a user's window once. The claim covers the user's events after the last one a
previous claim covered. The send flips the claim from "claimed" to "sent" with a conditional UPDATE
in the same commit that queues the email, so a redelivered or duplicated task sends nothing.
Events by the watcher themself, and events from before they started watching, are never listed.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, or_, select, update

from ...extensions import db
from ...models import Comment, Document, Product, ProductEvent, ProductWatch, User, WatchDigest, utcnow
from .. import jobs, mail
from ..sql import insert_ignore
from .watch import unsubscribe_token

log = logging.getLogger(__name__)

DIGEST_KINDS = ("comment_added", "document_added", "availability_changed")
SEND_BATCH = 50
# A claim still unsent after this long lost its send task (broker down, worker lost): the next scan
# queues it again; the conditional UPDATE keeps a late original harmless.
REQUEUE_AFTER = timedelta(minutes=10)
EXCERPT = 160
AVAILABILITY_LABELS = {
    "in_stock": "in stock",
    "less_than_10": "less than 10 left",
    "out_of_stock": "out of stock",
    "unknown": "unknown",
}


def window_seconds() -> int:
    """The digest window from the config (WATCH_DIGEST_SECONDS, at least 10 s)."""
    return max(10, int(current_app.config.get("WATCH_DIGEST_SECONDS", 300)))


def settle_seconds() -> int:
    """How old an event must be before a scan takes it (WATCH_DIGEST_SETTLE_SECONDS, default 30).

    Event ids come from a sequence, so on PostgreSQL a transaction holding id 100 can commit after one
    holding id 101; a scan that took 101 would move the cursor past 100 for good. Taking only events
    older than any write transaction lasts (a poll's apply included) keeps the cursor behind them.
    """
    return max(0, int(current_app.config.get("WATCH_DIGEST_SETTLE_SECONDS", 30)))


def window_of(now: datetime) -> int:
    """The number of the window `now` falls in."""
    return int(now.timestamp()) // window_seconds()


def _relevant(user_column):
    """Conditions for an event a watcher (`user_column`) should hear about."""
    return (
        ProductEvent.kind.in_(DIGEST_KINDS),
        or_(ProductEvent.actor_id.is_(None), ProductEvent.actor_id != user_column),
        ProductEvent.created_at >= ProductWatch.created_at,
    )


def scan(now: datetime | None = None, enqueue: bool = True) -> dict:
    """Claim this window's digest for every watcher with news, and queue the sends."""
    now = now or utcnow()
    window = window_of(now)
    covered = (
        select(func.coalesce(func.max(WatchDigest.last_event_id), 0))
        .where(WatchDigest.user_id == ProductWatch.user_id)
        .correlate(ProductWatch)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(ProductWatch.user_id, covered, func.max(ProductEvent.id), func.count(ProductEvent.id))
        .join(ProductEvent, ProductEvent.product_id == ProductWatch.product_id)
        .join(User, User.id == ProductWatch.user_id)
        .where(
            User.active.is_(True),
            ProductEvent.id > covered,
            ProductEvent.created_at <= now - timedelta(seconds=settle_seconds()),
            *_relevant(ProductWatch.user_id),
        )
        .group_by(ProductWatch.user_id)
        .order_by(ProductWatch.user_id)
    ).all()
    table = WatchDigest.__table__
    statement = insert_ignore(table).returning(table.c.id)
    claimed = []
    for user_id, after, last, count in rows:
        values = {
            "user_id": user_id,
            "window": window,
            "after_event_id": after,
            "last_event_id": last,
            "status": "claimed",
            "event_count": count,
            "claimed_at": now,
        }
        claimed.extend(db.session.scalars(statement, [values]))
    stranded = list(
        db.session.scalars(
            select(WatchDigest.id).where(WatchDigest.status == "claimed", WatchDigest.claimed_at < now - REQUEUE_AFTER)
        )
    )
    to_send = sorted(set(claimed) | set(stranded))
    if enqueue:
        for start in range(0, len(to_send), SEND_BATCH):
            jobs.enqueue("trackbase.tasks.watch.send_digests", to_send[start : start + SEND_BATCH])
    db.session.commit()
    return {"window": window, "claimed": len(claimed), "requeued": len(stranded), "claim_ids": to_send}


def send_digests(claim_ids: list[int]) -> int:
    """Send the digests of these claims (each once); how many went out."""
    return sum(1 for claim_id in claim_ids if send_digest(claim_id))


def send_digest(claim_id: int, now: datetime | None = None) -> bool:
    """Send one claimed digest unless it was sent already; False when there was nothing (left) to send."""
    now = now or utcnow()
    claim = db.session.get(WatchDigest, claim_id)
    if claim is None or claim.status != "claimed":
        return False
    user = db.session.get(User, claim.user_id)
    # A claim of an earlier window that was sent later covers some of these events already.
    earlier = db.session.scalar(
        select(func.max(WatchDigest.last_event_id)).where(
            WatchDigest.user_id == claim.user_id,
            WatchDigest.status == "sent",
            WatchDigest.id != claim.id,
            WatchDigest.window < claim.window,
        )
    )
    after = max(claim.after_event_id, earlier or 0)
    events = _events(claim.user_id, after, claim.last_event_id) if user is not None and user.active else []
    mine = db.session.scalar(
        update(WatchDigest)
        .where(WatchDigest.id == claim_id, WatchDigest.status == "claimed")
        .values(status="sent" if events else "skipped", sent_at=now, event_count=len(events))
        .returning(WatchDigest.id)
    )
    if mine is None or not events:
        db.session.commit()
        return False
    _queue_email(user, events)
    db.session.commit()
    return True


def _events(user_id: int, after: int, last: int) -> list:
    return db.session.execute(
        select(ProductEvent, Product.name)
        .join(ProductWatch, (ProductWatch.product_id == ProductEvent.product_id) & (ProductWatch.user_id == user_id))
        .join(Product, Product.id == ProductEvent.product_id)
        .where(ProductEvent.id > after, ProductEvent.id <= last, *_relevant(user_id))
        .order_by(ProductEvent.id)
    ).all()


def _describe(event: ProductEvent, names: dict[int, str], comments: dict, documents: dict) -> str:
    data = event.data or {}
    who = names.get(event.actor_id, "someone")
    if event.kind == "comment_added":
        comment = comments.get(data.get("comment_id"))
        if comment is None:
            return f"New comment by {who}" + (" (since deleted)" if "comment_id" in data else "")
        body = " ".join(comment.body.split())
        return f"New comment by {who}: " + (body if len(body) <= EXCERPT else body[: EXCERPT - 1] + "…")
    if event.kind == "document_added":
        document = documents.get(data.get("document_id"))
        filename = document.filename if document is not None else data.get("filename", "a document")
        return f"New document from {who}: {filename}"
    if data.get("discontinued"):
        return "Discontinued by the supplier"
    old, new = data.get("old"), data.get("new")
    if new == "in_stock" and old in ("out_of_stock", "less_than_10", "unknown"):
        return f"Back in stock (was {AVAILABILITY_LABELS.get(old, old)})"
    return f"Availability: {AVAILABILITY_LABELS.get(old, old)} → {AVAILABILITY_LABELS.get(new, new)}"


def _queue_email(user: User, events: list) -> None:
    base = current_app.config["PUBLIC_URL"]
    actor_ids = {e.actor_id for e, _ in events if e.actor_id is not None}
    names = {u.id: (u.name or u.email) for u in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
    comment_ids = [e.data.get("comment_id") for e, _ in events if e.kind == "comment_added" and e.data]
    document_ids = [e.data.get("document_id") for e, _ in events if e.kind == "document_added" and e.data]
    comments = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids)))}
    documents = {d.id: d for d in db.session.scalars(select(Document).where(Document.id.in_(document_ids)))}
    products: OrderedDict[int, dict] = OrderedDict()
    for event, product_name in events:
        entry = products.setdefault(
            event.product_id, {"name": product_name, "url": f"{base}/products/{event.product_id}", "lines": []}
        )
        entry["lines"].append(_describe(event, names, comments, documents))
    count = len(events)
    listed = list(products.values())
    if len(listed) == 1:
        subject = f"{listed[0]['name']}: {count} update{'s' if count != 1 else ''} on a product you watch"
    else:
        subject = f"{count} updates on {len(listed)} products you watch"
    unsubscribe_url = f"{base}/watch/unsubscribe?token={unsubscribe_token(user.id)}"
    one_click = f"{base}/api/watch/unsubscribe?token={unsubscribe_token(user.id)}"
    mail.send_email(
        user.email,
        subject,
        "watch_digest",
        headers={"List-Unsubscribe": f"<{one_click}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
        user=user,
        products=listed,
        count=count,
        unsubscribe_url=unsubscribe_url,
    )
