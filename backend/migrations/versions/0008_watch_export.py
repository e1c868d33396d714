"""watch digests and product export bundles

Revision ID: 0008_watch_export
Revises: 0007_revoked_tokens
Create Date: 2026-12-01 20:05:00.000000

"""

import flask_security  # noqa: F401  (autogenerate may reference its column types)
import sqlalchemy as sa
from alembic import op

import trackbase.models.base  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0008_watch_export"
down_revision = "0007_revoked_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "watch_digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("window", sa.BigInteger(), nullable=False),
        sa.Column("after_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("last_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("claimed_at", trackbase.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", trackbase.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('claimed', 'sent', 'skipped')", name=op.f("ck_watch_digests_watch_digest_status")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_watch_digests_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_digests")),
        sa.UniqueConstraint("user_id", "window", name="uq_watch_digests_user_id_window"),
    )
    with op.batch_alter_table("watch_digests", schema=None) as batch_op:
        batch_op.create_index("ix_watch_digests_status_claimed_at", ["status", "claimed_at"], unique=False)

    op.create_table(
        "product_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", trackbase.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", trackbase.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.id"], name=op.f("fk_product_exports_job_id_jobs"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_product_exports_product_id_products"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_product_exports_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_exports")),
        sa.UniqueConstraint("job_id", name=op.f("uq_product_exports_job_id")),
    )
    with op.batch_alter_table("product_exports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_product_exports_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_exports_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_product_exports_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("product_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_exports_user_id"))
        batch_op.drop_index(batch_op.f("ix_product_exports_product_id"))
        batch_op.drop_index(batch_op.f("ix_product_exports_expires_at"))
    op.drop_table("product_exports")
    with op.batch_alter_table("watch_digests", schema=None) as batch_op:
        batch_op.drop_index("ix_watch_digests_status_claimed_at")
    op.drop_table("watch_digests")
