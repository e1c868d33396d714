"""poll lease: heartbeats on jobs and poll runs (a reaper fails rows whose worker is gone), the poll-failure alert mark

Revision ID: 0010_poll_lease
Revises: 0009_shop
Create Date: 2026-12-01 23:00:00.000000

"""

import flask_security  # noqa: F401  (autogenerate may reference its column types)
import sqlalchemy as sa
from alembic import op

from trackbase.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0010_poll_lease"
down_revision = "0009_shop"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN, not batch mode: on SQLite a batch rebuild drops and recreates the table, which
    # fires the ON DELETE actions of the rows pointing at it (tracker exports, availability history).
    op.add_column("jobs", sa.Column("lease_expires_at", UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_jobs_status_lease", "jobs", ["status", "lease_expires_at"], unique=False)
    op.add_column("inventory_poll_runs", sa.Column("lease_expires_at", UTCDateTime(timezone=True), nullable=True))
    op.add_column("inventory_poll_runs", sa.Column("alert", sa.String(length=16), nullable=True))
    if op.get_bind().dialect.name != "sqlite":  # SQLite cannot add a constraint without that rebuild
        op.create_check_constraint("poll_alert", "inventory_poll_runs", "alert IN ('failing', 'recovered')")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("poll_alert", "inventory_poll_runs", type_="check")
    op.drop_column("inventory_poll_runs", "alert")
    op.drop_column("inventory_poll_runs", "lease_expires_at")
    op.drop_index("ix_jobs_status_lease", table_name="jobs")
    op.drop_column("jobs", "lease_expires_at")
