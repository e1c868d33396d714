"""discussion: the members each comment mentioned and who were notified once

Revision ID: 0011_discussion
Revises: 0010_poll_lease
Create Date: 2026-12-01 23:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

import trackbase.models.base  # noqa: F401

# revision identifiers, used by Alembic.
revision = "0011_discussion"
down_revision = "0010_poll_lease"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "comment_mentions",
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", trackbase.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"], ["comments.id"], name=op.f("fk_comment_mentions_comment_id_comments"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_comment_mentions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("comment_id", "user_id", name="pk_comment_mentions"),
    )
    with op.batch_alter_table("comment_mentions", schema=None) as batch_op:
        batch_op.create_index("ix_comment_mentions_user_id", ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("comment_mentions", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_mentions_user_id")
    op.drop_table("comment_mentions")
