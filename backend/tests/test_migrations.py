"""The migrations build exactly the schema the models describe."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect

from tests.support import Database


def test_upgrade_from_empty_matches_models(make_app):
    from trackbase.extensions import db

    database = Database()
    url = database.create()
    try:
        app = make_app(SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            engine = create_engine(url)
            with engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
                tables = set(inspect(conn).get_table_names())
            engine.dispose()
            db.engine.dispose()
        assert {"users", "roles", "invitations", "jobs"} <= tables
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        database.drop()



def test_migrated_report_claims_accept_sending_and_refuse_unknown_states(make_app):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from trackbase.extensions import db
    from trackbase.models import ReportClaim
    from trackbase.services import accounts

    database = Database()
    url = database.create()
    try:
        app = make_app(SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            accounts.ensure_roles()
            user = accounts.create_user("claims@example.com", "correct-horse-9")
            db.session.add(ReportClaim(user_id=user.id, month="2026-10", status="sending"))
            db.session.commit()
            db.session.add(ReportClaim(user_id=user.id, month="2026-11", status="lost"))
            with pytest.raises(IntegrityError):
                db.session.commit()
            db.session.rollback()
            db.session.remove()
            db.engine.dispose()
    finally:
        database.drop()
