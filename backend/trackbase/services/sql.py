"""SQL helpers shared by every area: dialect-aware inserts and the one count-then-page query."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db


def _dialect_insert(table):
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


def insert_ignore(table):
    """INSERT ... ON CONFLICT DO NOTHING for the session's database."""
    return _dialect_insert(table).on_conflict_do_nothing()


def upsert(table, index_elements: Iterable[str], refreshed: Iterable[str]):
    """INSERT ... ON CONFLICT (index_elements) DO UPDATE SET each refreshed column to the new row's value."""
    stmt = _dialect_insert(table)
    return stmt.on_conflict_do_update(
        index_elements=list(index_elements), set_={c: stmt.excluded[c] for c in refreshed}
    )


@dataclass(frozen=True)
class Page:
    """One page of a list: the rows, where the page is, and how many rows the whole list has."""

    items: list[Any]
    page: int
    per_page: int
    total: int


def paginate(stmt, page: int, per_page: int, scalars: bool = True) -> Page:
    """Run a select as a count and one LIMIT/OFFSET page (rows as scalars, or as tuples)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    paged = stmt.limit(per_page).offset((page - 1) * per_page)
    rows = db.session.scalars(paged).all() if scalars else db.session.execute(paged).all()
    return Page(items=list(rows), page=page, per_page=per_page, total=total or 0)
