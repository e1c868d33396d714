"""trackers ui: the user's locale (for emails) and a manual dashboard position per tracker

Revision ID: 0015_trackers_ui
Revises: 0009_shop
Create Date: 2026-12-01 23:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_trackers_ui"
down_revision = "0009_shop"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=35), nullable=True))
    with op.batch_alter_table("trackers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("trackers", schema=None) as batch_op:
        batch_op.drop_column("position")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locale")
