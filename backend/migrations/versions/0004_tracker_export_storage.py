"""tracker exports: the CSV moves from a database column into storage (services/storage.py)

Revision ID: 0004_tracker_export_storage
Revises: 0003_tracking
Create Date: 2026-12-01 19:30:00

Exports already made are copied into storage under new keys, so their download links keep
working; the downgrade copies them back into the column.
"""

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004_tracker_export_storage"
down_revision = "0003_tracking"
branch_labels = None
depends_on = None

exports = sa.table(
    "tracker_exports",
    sa.column("id", sa.Integer),
    sa.column("job_id", sa.Integer),
    sa.column("content", sa.LargeBinary),
    sa.column("storage_key", sa.String),
    sa.column("size_bytes", sa.Integer),
)


def _storage():
    from trackbase.services.storage import get_storage  # needs the app context Flask-Migrate provides

    return get_storage()


def upgrade():
    with op.batch_alter_table("tracker_exports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("storage_key", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("size_bytes", sa.Integer(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(exports.c.id, exports.c.job_id, exports.c.content)).all()
    storage = _storage() if rows else None
    for export_id, job_id, content in rows:
        key = f"tracker-exports/{job_id}-{uuid.uuid4().hex}.csv"
        storage.put(key, content or b"", "text/csv")
        conn.execute(
            exports.update().where(exports.c.id == export_id).values(storage_key=key, size_bytes=len(content or b""))
        )
    with op.batch_alter_table("tracker_exports", schema=None) as batch_op:
        batch_op.alter_column("storage_key", existing_type=sa.String(length=200), nullable=False)
        batch_op.alter_column("size_bytes", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("content")


def downgrade():
    with op.batch_alter_table("tracker_exports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content", sa.LargeBinary(), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(sa.select(exports.c.id, exports.c.storage_key)).all()
    storage = _storage() if rows else None
    for export_id, key in rows:
        try:
            with storage.open(key) as stream:
                content = stream.read()
        except FileNotFoundError:
            content = b""
        conn.execute(exports.update().where(exports.c.id == export_id).values(content=content))
    with op.batch_alter_table("tracker_exports", schema=None) as batch_op:
        batch_op.alter_column("content", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("size_bytes")
        batch_op.drop_column("storage_key")
