"""Watching products: who watches what, the one-click unsubscribe, and the poll's availability events.

Watching is private to nobody: every member may see who watches a product (the product page lists
them). The digest itself is in digests.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from ...errors import ApiError
from ...extensions import db
from ...models import Product, ProductEvent, ProductWatch, User, utcnow
from ..signing import BadSignature, SignatureExpired, signer
from ..sql import Page, insert_ignore, paginate
from .catalog import get_product

UNSUBSCRIBE_MAX_AGE = 90 * 86400
CHUNK = 500


def watch_state(product_id: int, user_id: int) -> dict:
    """Whether the user watches the product, and how many members do."""
    count = db.session.scalar(select(func.count()).where(ProductWatch.product_id == product_id)) or 0
    mine = db.session.get(ProductWatch, (user_id, product_id)) is not None
    return {"product_id": product_id, "watching": mine, "watchers": count}


def watch(user: User, product_id: int) -> dict:
    """Start watching a product (404 if there is none); watching twice is the same as once."""
    get_product(product_id)
    db.session.execute(
        insert_ignore(ProductWatch.__table__).values(user_id=user.id, product_id=product_id, created_at=utcnow())
    )
    db.session.commit()
    return watch_state(product_id, user.id)


def unwatch(user: User, product_id: int) -> dict:
    """Stop watching a product (404 if there is none); not watching it already is fine."""
    get_product(product_id)
    db.session.execute(
        delete(ProductWatch).where(ProductWatch.user_id == user.id, ProductWatch.product_id == product_id)
    )
    db.session.commit()
    return watch_state(product_id, user.id)


def list_watchers(product_id: int, page: int, per_page: int) -> Page:
    """A page of (user, since) rows of the members watching a product, oldest watcher first."""
    get_product(product_id)
    stmt = (
        select(User, ProductWatch.created_at)
        .join(ProductWatch, ProductWatch.user_id == User.id)
        .where(ProductWatch.product_id == product_id)
        .order_by(ProductWatch.created_at, User.id)
    )
    return paginate(stmt, page, per_page, scalars=False)


def watched_ids(user_id: int, product_ids: list[int]) -> set[int]:
    """Which of these products the user watches (for a bell in lists)."""
    if not product_ids:
        return set()
    return set(
        db.session.scalars(
            select(ProductWatch.product_id).where(
                ProductWatch.user_id == user_id, ProductWatch.product_id.in_(product_ids)
            )
        )
    )


# ---------------------------------------------------------------- unsubscribe links


def _signer():
    return signer("products.watch-unsubscribe")


def unsubscribe_token(user_id: int) -> str:
    """A signed token that stops every watch of one user (the permission is the token)."""
    return _signer().dumps({"u": user_id})


def _token_user(token: str) -> User:
    try:
        payload = _signer().loads(token or "", max_age=UNSUBSCRIBE_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise ApiError(
            400, "invalid_token", "This unsubscribe link is not valid. Open Trackbase to stop watching instead."
        ) from None
    user = db.session.get(User, payload.get("u"))
    if user is None:
        raise ApiError(
            400, "invalid_token", "This unsubscribe link is not valid. Open Trackbase to stop watching instead."
        )
    return user


def unsubscribe_preview(token: str) -> dict:
    """What an unsubscribe link would stop (changes nothing): the user's email and how many products they watch."""
    user = _token_user(token)
    count = db.session.scalar(select(func.count()).where(ProductWatch.user_id == user.id)) or 0
    return {"email": user.email, "watching": count, "unsubscribed": False}


def unsubscribe(token: str) -> dict:
    """Stop every watch of the link's user, so no more watch digests go out to them."""
    user = _token_user(token)
    db.session.execute(delete(ProductWatch).where(ProductWatch.user_id == user.id))
    db.session.commit()
    return {"email": user.email, "watching": 0, "unsubscribed": True}


# ---------------------------------------------------------------- availability events from the poll


def record_availability_changes(changes: list[dict], discontinued: list[int], at: datetime | None = None) -> int:
    """Add an availability_changed event for each watched product the poll changed (in the caller's transaction).

    `changes` are the poll's published changes ({product_id, old, new}); `discontinued` the ids it
    marked discontinued. Unwatched products get no event (their history is in availability_history).
    Returns how many events were added.
    """
    at = at or utcnow()
    by_product: dict[int, dict] = {}
    for change in changes:
        by_product[change["product_id"]] = {"old": change["old"], "new": change["new"]}
    for product_id in discontinued:
        by_product.setdefault(product_id, {}).update(discontinued=True)
    ids = sorted(by_product)
    watched: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        watched.update(
            db.session.scalars(select(ProductWatch.product_id).where(ProductWatch.product_id.in_(chunk)).distinct())
        )
    if not watched:
        return 0
    rows = [
        {"product_id": pid, "actor_id": None, "kind": "availability_changed", "data": by_product[pid], "created_at": at}
        for pid in sorted(watched)
    ]
    db.session.execute(ProductEvent.__table__.insert(), rows)
    db.session.execute(update(Product).where(Product.id.in_(sorted(watched))).values(last_activity_at=at))
    return len(rows)
