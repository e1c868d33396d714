"""outbox: work a transaction decided on, written in the same commit and re-sent by the sweeper

Revision ID: 0012_outbox
Revises: 0011_discussion
Create Date: 2026-12-01 23:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import trackbase.models.base

# revision identifiers, used by Alembic.
revision = "0012_outbox"
down_revision = "0011_discussion"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_name", sa.String(length=200), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("kwargs", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", trackbase.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", trackbase.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", trackbase.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'sending', 'done', 'failed')", name=op.f("ck_outbox_outbox_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_status_next_attempt_at", ["status", "next_attempt_at"], unique=False)


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_next_attempt_at")
    op.drop_table("outbox")
