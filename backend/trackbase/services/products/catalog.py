"""Product reads: one product, a category's current supplier rows, their availability history and counts."""

from __future__ import annotations

from sqlalchemy import String, case, cast, exists, func, or_, select

from ...errors import not_found
from ...extensions import db
from ...models import AVAILABILITIES, AvailabilityHistory, Product
from ..sql import Page, paginate

_AVAILABILITY_ORDER = {value: rank for rank, value in enumerate(AVAILABILITIES)}

SORTS = {
    "name": (Product.name,),
    "price": (Product.price_cents,),
    "manufacturer": (Product.manufacturer, Product.name),
    "availability": (case(_AVAILABILITY_ORDER, value=Product.availability, else_=len(AVAILABILITIES)), Product.name),
}


def get_product(product_id: int) -> Product:
    """A product by id, or a 404."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise not_found("Product")
    return product


def product_exists(product_id: int) -> bool:
    """Whether a product with this id exists."""
    return bool(db.session.scalar(select(exists().where(Product.id == product_id))))


def has_supplier_products() -> bool:
    """True once any poll has stored supplier products."""
    return bool(db.session.scalar(select(exists().where(Product.source == "supplier"))))


def _current(category: str):
    return (Product.source == "supplier", Product.category == category, Product.discontinued_at.is_(None))


def category_query(
    category: str,
    availability: list[str] | None = None,
    manufacturer: list[str] | None = None,
    color: list[str] | None = None,
    q: str | None = None,
    sort: str = "name",
):
    """The select for one category's current supplier products with filters and a stable sort."""
    stmt = select(Product).where(*_current(category))
    if availability:
        stmt = stmt.where(Product.availability.in_(availability))
    if manufacturer:
        stmt = stmt.where(Product.manufacturer.in_(manufacturer))
    if color:
        # colours are validated to [a-z]+ by the schema, so matching the JSON text is exact and safe
        text = cast(Product.colors, String)
        stmt = stmt.where(or_(*(text.like(f'%"{c}"%') for c in color)))
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        # SQLite's lower()/LIKE fold ASCII only; matching the upper-cased term too covers Ä/Ö in
        # the supplier's upper-case names on both databases.
        stmt = stmt.where(
            or_(
                func.lower(Product.name).like(f"%{escaped.lower()}%", escape="\\"),
                Product.name.like(f"%{escaped.upper()}%", escape="\\"),
            )
        )
    descending = sort.startswith("-")
    columns = SORTS[sort.lstrip("-")]
    order = [c.desc() if descending else c.asc() for c in columns]
    order.append(Product.id.desc() if descending else Product.id.asc())
    return stmt.order_by(*order)


def list_category(category: str, page: int, per_page: int, sort: str = "name", **filters) -> Page:
    """A page of one category's current supplier products (filters: availability, manufacturer, color, q)."""
    return paginate(category_query(category, sort=sort, **filters), page, per_page)


def manufacturers_in(category: str) -> list[str]:
    """The manufacturers of a category's current products (for the filter menu)."""
    return list(
        db.session.scalars(
            select(Product.manufacturer)
            .where(*_current(category), Product.manufacturer.is_not(None))
            .distinct()
            .order_by(Product.manufacturer)
        )
    )


def availability_history(product_id: int, page: int, per_page: int) -> tuple[Product, Page]:
    """A product (404 if none) and a page of its availability changes, newest first."""
    product = get_product(product_id)
    stmt = (
        select(AvailabilityHistory)
        .where(AvailabilityHistory.product_id == product_id)
        .order_by(AvailabilityHistory.changed_at.desc(), AvailabilityHistory.id.desc())
    )
    return product, paginate(stmt, page, per_page)


def category_counts(categories: tuple[str, ...]) -> tuple[list[dict], int]:
    """Per category: current supplier products by availability; and how many show stale availability."""
    table = Product.__table__
    rows = db.session.execute(
        select(
            table.c.category,
            table.c.availability,
            func.count(),
            func.sum(case((table.c.availability_stale, 1), else_=0)),
        )
        .where(table.c.source == "supplier", table.c.discontinued_at.is_(None))
        .group_by(table.c.category, table.c.availability)
    ).all()
    per_category = {c: {"name": c, "total": 0, "availability": dict.fromkeys(AVAILABILITIES, 0)} for c in categories}
    stale_products = 0
    for category, value, count, stale in rows:
        if category not in per_category:
            continue
        per_category[category]["total"] += count
        per_category[category]["availability"][value] = count
        stale_products += int(stale or 0)
    return list(per_category.values()), stale_products
