"""The research view of products: the searchable, filterable list and one product with its counts.

Every signed-in member sees every product (supplier rows and member rows alike). Counts, tags and
the "watched by me" flag are read in a fixed number of queries per page, never one per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import exists, func, or_, select

from ...extensions import db
from ...models import Comment, Document, Product, ProductTag, ProductWatch, User
from ..sql import Page, paginate
from .catalog import get_product
from .editing import may_delete, may_edit

LIST_SORTS = ("activity", "name", "-name", "price", "-price", "newest")


@dataclass
class ProductView:
    """A product with what the research pages show beside it (for the current user)."""

    product: Product
    tags: list[str] = field(default_factory=list)
    comment_count: int = 0
    document_count: int = 0
    watched: bool = False
    created_by: User | None = None
    can_edit: bool = False
    can_delete: bool = False


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _text_match(q: str):
    """Name or description contains `q`, case-insensitively (SQLite folds ASCII only; the upper-cased
    term also matches the supplier's upper-case names)."""
    lower, upper = _like(q.lower()), _like(q.upper())
    return or_(
        func.lower(Product.name).like(lower, escape="\\"),
        Product.name.like(upper, escape="\\"),
        func.lower(Product.description).like(lower, escape="\\"),
    )


def _order(sort: str):
    if sort == "name":
        return (func.lower(Product.name).asc(), Product.id.asc())
    if sort == "-name":
        return (func.lower(Product.name).desc(), Product.id.desc())
    if sort in ("price", "-price"):
        price = Product.price_cents.asc() if sort == "price" else Product.price_cents.desc()
        # products without a price go last either way
        return (Product.price_cents.is_(None).asc(), price, Product.id.asc())
    if sort == "newest":
        return (Product.created_at.desc(), Product.id.desc())
    return (Product.last_activity_at.desc(), Product.id.desc())


def list_query(
    user_id: int,
    q: str | None = None,
    category: list[str] | None = None,
    source: str | None = None,
    availability: list[str] | None = None,
    manufacturer: list[str] | None = None,
    tag: list[str] | None = None,
    watched: bool = False,
    sort: str = "activity",
):
    """The select of products matching the filters (each list: any value matches; tags: all must)."""
    stmt = select(Product)
    if q:
        stmt = stmt.where(_text_match(q))
    if category:
        stmt = stmt.where(func.lower(Product.category).in_(category))
    if source:
        stmt = stmt.where(Product.source == source)
    if availability:
        stmt = stmt.where(Product.availability.in_(availability))
    if manufacturer:
        stmt = stmt.where(func.lower(Product.manufacturer).in_(manufacturer))
    for one in tag or ():
        stmt = stmt.where(exists().where(ProductTag.product_id == Product.id, ProductTag.tag == one))
    if watched:
        stmt = stmt.where(exists().where(ProductWatch.product_id == Product.id, ProductWatch.user_id == user_id))
    return stmt.order_by(*_order(sort))


def list_products(user, page: int, per_page: int, sort: str = "activity", **filters) -> Page:
    """A page of ProductView for `user` (filters as in `list_query`)."""
    result = paginate(list_query(user.id, sort=sort, **filters), page, per_page)
    return Page(items=views(result.items, user), page=result.page, per_page=result.per_page, total=result.total)


def product_view(product_id: int, user) -> ProductView:
    """One product as `user` sees it, or a 404."""
    return views([get_product(product_id)], user)[0]


def views(products: list[Product], user) -> list[ProductView]:
    """ProductView of each product, with tags, counts, watched flag and creator in five queries at most."""
    if not products:
        return []
    ids = [p.id for p in products]
    tags: dict[int, list[str]] = {}
    for product_id, tag in db.session.execute(
        select(ProductTag.product_id, ProductTag.tag).where(ProductTag.product_id.in_(ids)).order_by(ProductTag.tag)
    ):
        tags.setdefault(product_id, []).append(tag)
    comments = _counts(Comment.product_id, ids)
    documents = _counts(Document.product_id, ids)
    watched = set(
        db.session.scalars(
            select(ProductWatch.product_id).where(ProductWatch.product_id.in_(ids), ProductWatch.user_id == user.id)
        )
    )
    creator_ids = {p.created_by_id for p in products if p.created_by_id is not None}
    creators = (
        {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(creator_ids)))} if creator_ids else {}
    )
    return [
        ProductView(
            product=p,
            tags=tags.get(p.id, []),
            comment_count=comments.get(p.id, 0),
            document_count=documents.get(p.id, 0),
            watched=p.id in watched,
            created_by=creators.get(p.created_by_id),
            can_edit=may_edit(p, user),
            can_delete=may_delete(p, user),
        )
        for p in products
    ]


def _counts(column, ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(select(column, func.count()).where(column.in_(ids)).group_by(column)).all())


def facets() -> dict[str, list[str]]:
    """The categories, manufacturers and (most used) tags in use, for the list's filter menus."""

    def distinct(column):
        return list(db.session.scalars(select(column).where(column.is_not(None)).distinct().order_by(column)))

    tags = db.session.scalars(
        select(ProductTag.tag).group_by(ProductTag.tag).order_by(func.count().desc(), ProductTag.tag).limit(50)
    )
    return {
        "categories": distinct(Product.category),
        "manufacturers": distinct(Product.manufacturer),
        "tags": sorted(tags),
    }
