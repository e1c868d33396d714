"""The search index: one row per searchable thing (a product, a comment, a document, a tracker).

`search_entries` is an ordinary table on both databases; the full-text part is dialect-specific
and made by DDL beside the table (and by migration 0014_search):

- SQLite: FTS5 tables with external content (`content='search_entries'`), kept
  equal to the table by three triggers, stemming with porter over unicode61 and a prefix index of
  2 and 3 characters for type-ahead.
- PostgreSQL: a generated `search_vector` tsvector column (title weight A, meta B, body C) with a
  GIN index.

Neither is mapped on the model (they are not columns SQLAlchemy could create portably);
`include_object` keeps Alembic's comparison from reporting them.

Trackers go to their own FTS5 table (`search_fts_trackers`), the shared kinds to `search_fts`, so a
search over every shared kind needs no filter. `scope` holds the token a query filters on inside
MATCH: `zqxproduct`, `zqxcomment` or `zqxdocument`, and `zqxu<owner id>` for a tracker, so a tracker
is only ever found by its owner (the parser drops query words starting with `zqx`).
Entries go with their product and their owner through foreign keys (ON DELETE CASCADE), so a
product's deletion takes its comments' and documents' entries in the same statement.
"""

from __future__ import annotations

from sqlalchemy import DDL, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import one_of

SEARCH_KINDS = ("product", "comment", "document", "tracker")
SHARED_FTS, TRACKER_FTS = "search_fts", "search_fts_trackers"
SCOPE_PREFIX = "zqx"  # scope tokens start with it; the query parser drops words that do


def _fts_ddl() -> tuple[str, ...]:
    tables = ((SHARED_FTS, "<>"), (TRACKER_FTS, "="))
    columns = "rowid, title, meta, body, scope"

    def add(row: str) -> str:
        return " ".join(
            f"INSERT INTO {t}({columns}) SELECT {row}.id, {row}.title, {row}.meta, {row}.body, {row}.scope "
            f"WHERE {row}.kind {op} 'tracker';"
            for t, op in tables
        )

    def remove(row: str) -> str:
        return " ".join(
            f"INSERT INTO {t}({t}, {columns}) SELECT 'delete', {row}.id, {row}.title, {row}.meta, {row}.body, "
            f"{row}.scope WHERE {row}.kind {op} 'tracker';"
            for t, op in tables
        )

    return (
        *(
            f"CREATE VIRTUAL TABLE {t} USING fts5(title, meta, body, scope, content='search_entries', "
            "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2', prefix='2 3')"
            for t, _ in tables
        ),
        f"CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN {add('new')} END",
        f"CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN {remove('old')} END",
        f"CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN {remove('old')} {add('new')} END",
    )


SQLITE_DDL = _fts_ddl()
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS search_entries_au",
    "DROP TRIGGER IF EXISTS search_entries_ad",
    "DROP TRIGGER IF EXISTS search_entries_ai",
    f"DROP TABLE IF EXISTS {TRACKER_FTS}",
    f"DROP TABLE IF EXISTS {SHARED_FTS}",
)
POSTGRESQL_DDL = (
    "ALTER TABLE search_entries ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(meta, '')), 'B') || "
    "setweight(to_tsvector('english'::regconfig, coalesce(body, '')), 'C')) STORED",
    "CREATE INDEX ix_search_entries_vector ON search_entries USING gin (search_vector)",
)
# What the full-text DDL adds outside the model (ignored when comparing models and migrations).
UNMAPPED_TABLE_PREFIX = "search_fts"
UNMAPPED_NAMES = {"search_vector", "ix_search_entries_vector"}


class SearchEntry(db.Model):
    """The searchable text of one product, comment, document or tracker (`kind` + `ref_id`)."""

    __tablename__ = "search_entries"
    __table_args__ = (
        one_of("kind", SEARCH_KINDS, name="search_entry_kind"),
        UniqueConstraint("kind", "ref_id", name="uq_search_entries_kind_ref_id"),
        Index("ix_search_entries_product_id", "product_id"),
        Index("ix_search_entries_owner_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[int] = mapped_column(Integer)
    # The product a product/comment/document entry belongs to (a tracker's link is not followed).
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    # The owner of a tracker entry: only they find it.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text, default="")
    meta: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave the dialect's full-text objects (FTS5 tables, tsvector column, GIN index) alone."""
    if type_ == "table" and name and name.startswith(UNMAPPED_TABLE_PREFIX):
        return False
    return not (reflected and compare_to is None and name in UNMAPPED_NAMES)


for _statement in SQLITE_DDL:
    event.listen(SearchEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_DDL:
    event.listen(SearchEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
for _statement in SQLITE_DROP:
    event.listen(SearchEntry.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))
