"""`flask --app trackbase backup` / `restore`: an online SQLite backup taken while the app writes, restored
into a fresh instance where the data is found again; PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, insert, select

UTC = UTC


def fill(app, storage: Path) -> dict:
    """Two users with trackers and 20,000 logs, and stored files: what an instance holds after a while."""
    from trackbase.extensions import db
    from trackbase.models import Tracker, TrackerLog
    from trackbase.services import accounts

    with app.app_context():
        upgrade()
        accounts.ensure_roles()
        alice = accounts.create_user("alice@example.com", "correct-horse-9", name="Alice")
        bob = accounts.create_user("bob@example.com", "correct-horse-9", role="admin", name="Bob")
        db.session.flush()
        trackers = {}
        for user in (alice, bob):
            tracker = Tracker(
                user_id=user.id,
                name=f"Weight of {user.name}",
                type="numeric",
                frequency="daily",
                settings={"unit": "kg"},
            )
            db.session.add(tracker)
            db.session.flush()
            trackers[user.email] = tracker.id
        start = datetime(2025, 1, 1, tzinfo=UTC)
        db.session.execute(
            insert(TrackerLog),
            [
                {
                    "tracker_id": trackers["alice@example.com"],
                    "timestamp": start + timedelta(minutes=n),
                    "value_num": 70 + n % 10,
                    "note": f"log {n}",
                }
                for n in range(20000)
            ],
        )
        db.session.commit()
    (storage / "documents" / "ab").mkdir(parents=True)
    (storage / "documents" / "ab" / "spec.pdf").write_bytes(b"%PDF-1.7 spec sheet" * 100)
    (storage / "exports").mkdir()
    (storage / "exports" / "bundle.zip").write_bytes(b"PK\x03\x04 bundle")
    return trackers


class Writer(threading.Thread):
    """Keeps adding logs through the app, one commit each, as a busy instance does during a backup."""

    def __init__(self, app, tracker_id: int):
        super().__init__(daemon=True)
        self.app, self.tracker_id = app, tracker_id
        self.stop = threading.Event()
        self.committed = 0

    def run(self):
        from trackbase.extensions import db
        from trackbase.models import TrackerLog

        with self.app.app_context():
            while not self.stop.is_set():
                db.session.add(TrackerLog(tracker_id=self.tracker_id, timestamp=datetime.now(UTC), value_num=1.0))
                db.session.commit()
                self.committed += 1
            db.session.remove()


def cli(app, args: list[str]):
    """Run a flask command against this app (the session app's context is active during tests)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=args)


def count_logs(app) -> int:
    from trackbase.extensions import db
    from trackbase.models import TrackerLog

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(TrackerLog))


def test_backup_taken_while_writing_restores_into_a_fresh_instance(make_app, tmp_path):
    storage = tmp_path / "live"
    live = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live' / 'trackbase.db'}", STORAGE_DIR=str(storage))
    storage.mkdir()
    trackers = fill(live, storage)

    writer = Writer(live, trackers["bob@example.com"])
    writer.start()
    time.sleep(0.3)
    before = count_logs(live)
    result = cli(live, ["backup", "--output", str(tmp_path / "backups")])
    after = count_logs(live)
    time.sleep(0.3)
    writer.stop.set()
    writer.join(timeout=10)
    assert result.exit_code == 0, result.output
    assert writer.committed > 0 and count_logs(live) > after
    [backup] = (tmp_path / "backups").iterdir()
    assert backup.name.startswith("trackbase-backup-") and str(backup) in result.output
    manifest = json.loads((backup / "manifest.json").read_text())
    assert before <= manifest["database"]["rows"]["tracker_logs"] <= after
    assert manifest["database"]["schema_revision"]
    assert sorted(f["path"] for f in manifest["files"]) == ["documents/ab/spec.pdf", "exports/bundle.zip"]

    fresh_storage = tmp_path / "fresh"
    fresh = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{fresh_storage / 'trackbase.db'}", STORAGE_DIR=str(fresh_storage)
    )
    result = cli(fresh, ["restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert count_logs(fresh) == manifest["database"]["rows"]["tracker_logs"]
    assert (fresh_storage / "documents" / "ab" / "spec.pdf").read_bytes() == b"%PDF-1.7 spec sheet" * 100
    assert (fresh_storage / "exports" / "bundle.zip").read_bytes() == b"PK\x03\x04 bundle"

    client = fresh.test_client()
    login = client.post("/api/auth/login", json={"email": "alice@example.com", "password": "correct-horse-9"})
    assert login.status_code == 200, login.get_json()
    headers = {"Authentication-Token": login.get_json()["token"]}
    [tracker] = client.get("/api/trackers", headers=headers).get_json()["items"]
    assert tracker["name"] == "Weight of Alice"
    logs = client.get(f"/api/trackers/{tracker['id']}/logs", headers=headers).get_json()
    assert logs["total"] == 20000


def test_restore_refuses_to_replace_a_database_without_force_and_a_damaged_backup(make_app, tmp_path):
    live = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}", STORAGE_DIR=str(tmp_path / "files"))
    fill(live, tmp_path / "files")
    assert cli(live, ["backup", "-o", str(tmp_path / "b")]).exit_code == 0
    [backup] = (tmp_path / "b").iterdir()

    refused = cli(live, ["restore", str(backup)])
    assert refused.exit_code == 1 and "--force" in refused.output
    assert cli(live, ["restore", "--force", str(backup)]).exit_code == 0
    assert count_logs(live) == 20000

    (backup / "files" / "exports" / "bundle.zip").write_bytes(b"changed")
    damaged = cli(live, ["restore", "--force", str(backup)])
    assert damaged.exit_code == 1 and "damaged" in damaged.output


def test_backup_of_a_postgresql_instance_gives_the_pg_dump_recipe_without_the_password(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://trackbase:s3cret@db.internal:5432/trackbase")
    result = cli(app, ["backup", "--output", str(tmp_path)])
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output and "pg_restore" in result.output
    assert "postgresql://trackbase:***@db.internal:5432/trackbase" in result.output
    assert "s3cret" not in result.output
    assert "Backup and restore" in result.output
    assert list(tmp_path.iterdir()) == []
