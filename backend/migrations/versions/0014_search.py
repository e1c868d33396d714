"""search: the search_entries index (FTS5 with triggers on SQLite, a generated tsvector with GIN on PostgreSQL)

Revision ID: 0014_search
Revises: 0013_trackers_ui
Create Date: 2026-12-01 23:00:00

The entries are filled by `flask --app trackbase search reindex` (run it once after upgrading) and
kept in sync by the application from then on.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_search"
down_revision = "0013_trackers_ui"
branch_labels = None
depends_on = None

SHARED_FTS, TRACKER_FTS = "search_fts", "search_fts_trackers"


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


def upgrade():
    op.create_table(
        "search_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('product', 'comment', 'document', 'tracker')", name="search_entry_kind"),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "ref_id", name="uq_search_entries_kind_ref_id"),
    )
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.create_index("ix_search_entries_owner_id", ["owner_id"], unique=False)
        batch_op.create_index("ix_search_entries_product_id", ["product_id"], unique=False)
    statements = SQLITE_DDL if op.get_bind().dialect.name == "sqlite" else POSTGRESQL_DDL
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_DROP:
            op.execute(statement)
    with op.batch_alter_table("search_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_search_entries_product_id")
        batch_op.drop_index("ix_search_entries_owner_id")
    op.drop_table("search_entries")
