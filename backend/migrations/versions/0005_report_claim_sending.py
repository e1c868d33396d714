"""report claims: a 'sending' state, so one task at a time owns a monthly report

Revision ID: 0005_report_claim_sending
Revises: 0004_tracker_export_storage
Create Date: 2026-12-01 19:30:00

"""

from alembic import op

revision = "0005_report_claim_sending"
down_revision = "0004_tracker_export_storage"
branch_labels = None
depends_on = None

NAME = "ck_report_claims_report_claim_status"


def upgrade():
    with op.batch_alter_table("report_claims") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
        batch.create_check_constraint(op.f(NAME), "status IN ('claimed', 'sending', 'sent', 'skipped')")


def downgrade():
    op.execute("UPDATE report_claims SET status = 'claimed' WHERE status = 'sending'")
    with op.batch_alter_table("report_claims") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
        batch.create_check_constraint(op.f(NAME), "status IN ('claimed', 'sent', 'skipped')")
