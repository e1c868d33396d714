"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from tests.support import Database
from trackbase.models.search import include_object


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
                context = MigrationContext.configure(conn, opts={"include_object": include_object})
                diff = compare_metadata(context, db.metadata)
                tables = set(inspect(conn).get_table_names())
            engine.dispose()
            db.engine.dispose()
        assert {"users", "roles", "invitations", "jobs"} <= tables
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        database.drop()


def test_exports_made_before_the_storage_move_keep_their_csv(make_app):
    from flask_migrate import downgrade

    from trackbase.extensions import db
    from trackbase.services.storage import get_storage

    database = Database()
    url = database.create()
    try:
        app = make_app(SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade(revision="0003_tracking")
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO users (id, email, password, active, fs_uniquifier, name, timezone, reminder_hour, "
                        "created_at) VALUES (1, 'a@example.com', 'x', true, 'u1', '', 'UTC', 8, '2026-11-30 10:00:00')"
                    )
                )
                conn.execute(
                    text(
                        "INSERT INTO jobs (id, user_id, kind, status, progress, message, created_at, updated_at) "
                        "VALUES (7, 1, 'tracker_export', 'succeeded', 100, 'Done', '2026-11-30 10:00:00', "
                        "'2026-11-30 10:00:00')"
                    )
                )
                conn.execute(
                    text(
                        "INSERT INTO tracker_exports (job_id, user_id, filename, content, row_count, created_at, "
                        "expires_at) VALUES (7, 1, 'logs.csv', :content, 1, '2026-11-30 10:00:00', "
                        "'2026-12-07 10:00:00')"
                    ),
                    {"content": b"tracker,type\nA,text\n"},
                )
            upgrade()
            with engine.connect() as conn:
                key, size = conn.execute(text("SELECT storage_key, size_bytes FROM tracker_exports")).one()
            with get_storage().open(key) as stream:
                assert stream.read() == b"tracker,type\nA,text\n"
            assert size == len(b"tracker,type\nA,text\n")
            downgrade(revision="0003_tracking")
            with engine.connect() as conn:
                assert (
                    conn.execute(text("SELECT content FROM tracker_exports")).scalar_one() == b"tracker,type\nA,text\n"
                )
            engine.dispose()
            db.engine.dispose()
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
