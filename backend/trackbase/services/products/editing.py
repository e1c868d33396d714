"""Creating, editing and deleting products, and who may.

Member products belong to their creator: only the creator or an admin edits or deletes one.
Supplier rows belong to the poll: their supplier fields never change through the API, while their
research fields (description, tags) are open to every member. Every change is logged with
`activity.record` in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from ... import cache
from ...errors import forbidden, validation_error
from ...extensions import db
from ...models import Document, Product, ProductTag, Tracker
from .. import jobs
from . import activity
from .catalog import get_product

# What the poll owns on a supplier row (and what only the creator or an admin changes on a member row).
SUPPLIER_FIELDS = ("name", "category", "manufacturer", "price")
RESEARCH_FIELDS = ("description", "tags")


def may_edit(product: Product, user) -> bool:
    """Whether `user` may change anything on `product` (on supplier rows: the research fields)."""
    return product.source == "supplier" or user.is_admin or product.created_by_id == user.id


def may_delete(product: Product, user) -> bool:
    """Whether `user` may delete `product` (never a supplier row: the poll would bring it back)."""
    return product.source == "member" and (user.is_admin or product.created_by_id == user.id)


def _set_tags(product: Product, tags: list[str]) -> None:
    db.session.execute(delete(ProductTag).where(ProductTag.product_id == product.id))
    db.session.add_all(ProductTag(product_id=product.id, tag=tag) for tag in tags)


def _tags_of(product_id: int) -> list[str]:
    return list(db.session.scalars(select(ProductTag.tag).where(ProductTag.product_id == product_id)))


def _apply(product: Product, data: dict) -> list[str]:
    """Set the given fields on `product`; return the names of those that changed."""
    changed = []
    for key in ("name", "description", "category", "manufacturer"):
        if key in data and getattr(product, key) != data[key]:
            setattr(product, key, data[key])
            changed.append(key)
    if "price_cents" in data and product.price_cents != data["price_cents"]:
        product.price_cents = data["price_cents"]
        changed.append("price")
    if "tags" in data and sorted(_tags_of(product.id)) != sorted(data["tags"]):
        _set_tags(product, data["tags"])
        changed.append("tags")
    return changed


def create_product(user, data: dict) -> Product:
    """A new member product created by `user` (data: name, description, category, manufacturer, price_cents, tags)."""
    product = Product(
        name=data["name"],
        description=data.get("description", ""),
        category=data.get("category"),
        manufacturer=data.get("manufacturer"),
        price_cents=data.get("price_cents"),
        source="member",
        created_by_id=user.id,
    )
    db.session.add(product)
    db.session.flush()
    if data.get("tags"):
        _set_tags(product, data["tags"])
    activity.record(product, "created", user.id, {"name": product.name})
    db.session.commit()
    return product


def update_product(product_id: int, user, changes: dict) -> Product:
    """Apply `changes` to a product as `user` may (403/400 otherwise); log what changed."""
    product = get_product(product_id)
    if not may_edit(product, user):
        raise forbidden("Only the member who created this product, or an admin, can change it.")
    if product.source == "supplier":
        owned = [key for key in SUPPLIER_FIELDS if key in changes or (key == "price" and "price_cents" in changes)]
        if owned:
            raise validation_error(
                dict.fromkeys(owned, "Set by the supplier poll; it cannot be changed here."),
                "This product comes from the supplier: only its description and tags can be changed.",
            )
    changed = _apply(product, changes)
    if changed:
        activity.record(product, "updated", user.id, {"fields": changed})
        cache.clear_inventory()  # inventory rows and histories carry the product's fields
        db.session.commit()
    return product


def delete_product(product_id: int, user) -> None:
    """Delete a member product with its documents, comments and events; queue the stored files' removal."""
    product = get_product(product_id)
    if product.source == "supplier":
        raise forbidden("Supplier products are kept by the poll and cannot be deleted; edit their research instead.")
    if not may_delete(product, user):
        raise forbidden("Only the member who created this product, or an admin, can delete it.")
    keys = list(
        db.session.scalars(select(Document.storage_key).where(Document.product_id == product.id).order_by(Document.id))
    )
    tracker_owners = set(db.session.scalars(select(Tracker.user_id).where(Tracker.product_id == product.id)))
    db.session.delete(product)  # documents, comments, tags, watches and events go by ON DELETE CASCADE
    if keys:
        jobs.enqueue("trackbase.tasks.products.delete_objects", keys)
    cache.clear_inventory()
    for owner_id in tracker_owners:  # their trackers lose the link (ON DELETE SET NULL)
        cache.clear_tracking_user(owner_id)
    db.session.commit()
