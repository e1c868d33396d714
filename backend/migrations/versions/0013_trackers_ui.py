"""trackers ui: the user's locale (for emails) and a manual dashboard position per tracker

Revision ID: 0013_trackers_ui
Revises: 0012_outbox
Create Date: 2026-12-01 23:05:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_trackers_ui"
down_revision = "0012_outbox"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("users", sa.Column("locale", sa.String(length=35), nullable=True))
    op.add_column("trackers", sa.Column("position", sa.Integer(), nullable=True))


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+, PostgreSQL): a batch copy of `users` would drop and
    # recreate the table, and with foreign keys on that cascades to every row that references a user.
    op.drop_column("trackers", "position")
    op.drop_column("users", "locale")
