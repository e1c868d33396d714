"""Backup and restore of the embedded default: the SQLite database (copied online, consistent while the
app writes) and the stored files, in one timestamped folder with a manifest.

PostgreSQL deployments back up with pg_dump / pg_restore (README, "Backup and restore"): the commands
here refuse and print that recipe rather than half-doing it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from . import __version__

DATABASE_FILE = "trackbase.db"
MANIFEST = "manifest.json"
# Folders of stored files (documents, export bundles) under the storage root, kept when present.
FILE_FOLDERS = ("documents", "exports")


class BackupError(click.ClickException):
    """A backup or restore that cannot be done as asked; the message says what to do instead."""


def _sqlite_path() -> Path:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        shown = url.set(drivername="postgresql").render_as_string(hide_password=True)
        raise BackupError(
            "This instance uses PostgreSQL: back it up with pg_dump, restore with pg_restore, e.g.\n"
            f"  pg_dump --format=custom --file trackbase-$(date -u +%Y%m%dT%H%M%SZ).dump '{shown}'\n"
            f"  pg_restore --clean --if-exists --no-owner --dbname '{shown}' trackbase-....dump\n"
            'and copy the stored files (S3 bucket or instance folder). See README.md, "Backup and restore".'
        )
    if url.get_backend_name() != "sqlite":
        raise BackupError(f"Backups handle SQLite and PostgreSQL, not {url.get_backend_name()}.")
    from .extensions import db

    database = db.engine.url.database  # Flask-SQLAlchemy has made a relative path absolute
    if not database or database == ":memory:":
        raise BackupError("An in-memory database cannot be backed up; set DATABASE_URL to a file.")
    return Path(database)


def storage_root() -> Path:
    """Where stored files live on disk: STORAGE_DIR when set, else the app's instance folder."""
    return Path(current_app.config.get("STORAGE_DIR") or current_app.instance_path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_database(source: Path, target: Path) -> None:
    """SQLite's online backup: one consistent snapshot, while other connections keep writing (WAL)."""
    if not source.is_file():
        raise BackupError(f"No database file at {source}.")
    src = sqlite3.connect(source, timeout=30)  # read-write like the app, so it reads the write-ahead log
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # all pages in one step: a single read transaction, so one point in time
        if dst.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"The copy of {source} failed SQLite's integrity check.")
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        dst.close()
        src.close()


def _describe_database(path: Path) -> dict:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        rows = {name: conn.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in tables}
        revision = None
        if "alembic_version" in tables:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = revision[0] if revision else None
    finally:
        conn.close()
    return {
        "file": DATABASE_FILE,
        "bytes": path.stat().st_size,
        "sha256": _sha256(path),
        "schema_revision": revision,
        "rows": rows,
    }


def create_backup(output: Path, now: datetime | None = None) -> Path:
    """Write <output>/trackbase-backup-<UTC time>/ with the database, stored files and manifest.json."""
    source = _sqlite_path()
    now = now or datetime.now(UTC)
    target = Path(output) / f"trackbase-backup-{now.strftime('%Y%m%dT%H%M%SZ')}"
    target.mkdir(parents=True, mode=0o700)  # exists already: refuse rather than mix two backups
    _copy_database(source, target / DATABASE_FILE)
    files = []
    root = storage_root()
    for folder in FILE_FOLDERS:
        if not (root / folder).is_dir():
            continue
        shutil.copytree(root / folder, target / "files" / folder)
        for path in sorted((target / "files" / folder).rglob("*")):
            if path.is_file():
                files.append(
                    {
                        "path": path.relative_to(target / "files").as_posix(),
                        "bytes": path.stat().st_size,
                        "sha256": _sha256(path),
                    }
                )
    manifest = {
        "format": 1,
        "created_at": now.isoformat(),
        "trackbase_version": __version__,
        "source": {"database": str(source), "storage_root": str(root)},
        "database": _describe_database(target / DATABASE_FILE),
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return target


def _verify(backup: Path) -> dict:
    try:
        manifest = json.loads((backup / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{backup} is not a Trackbase backup (no readable {MANIFEST}).") from exc
    expected = [(manifest["database"]["file"], manifest["database"]["sha256"])]
    expected += [(f"files/{item['path']}", item["sha256"]) for item in manifest["files"]]
    for relative, digest in expected:
        path = backup / relative
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"{path} is missing or differs from the manifest: the backup is damaged.")
    return manifest


def restore_backup(backup: Path, force: bool = False) -> dict:
    """Put a backup in place of this instance's database and stored files (the app must be stopped)."""
    backup = Path(backup)
    manifest = _verify(backup)
    target = _sqlite_path()
    from .extensions import db

    db.engine.dispose()
    if target.exists() and not force:
        raise BackupError(f"{target} exists. Stop the app and its workers, then run again with --force to replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".restoring")
    staging.unlink(missing_ok=True)
    _copy_database(backup / DATABASE_FILE, staging)
    for suffix in ("-wal", "-shm"):  # a write-ahead log of the replaced database must not replay onto this one
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(staging, target)
    root = storage_root()
    for folder in FILE_FOLDERS:
        saved = backup / "files" / folder
        if saved.is_dir():
            shutil.rmtree(root / folder, ignore_errors=True)
            shutil.copytree(saved, root / folder)
    return manifest


@click.command("backup")
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("backups"),
    show_default=True,
    help="Folder that receives the timestamped backup folder.",
)
@with_appcontext
def backup_command(output: Path) -> None:
    """Back up the SQLite database (online, while the app runs) and the stored files."""
    try:
        target = create_backup(output)
    except FileExistsError as exc:
        raise BackupError(f"{exc.filename} exists already; wait a second or choose another --output.") from exc
    manifest = json.loads((target / MANIFEST).read_text())
    rows = sum(manifest["database"]["rows"].values())
    click.echo(f"Backed up {rows} rows and {len(manifest['files'])} stored files to {target}")


@click.command("restore")
@click.argument("backup", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing database and stored files.")
@with_appcontext
def restore_command(backup: Path, force: bool) -> None:
    """Restore a backup folder made by `backup` into this instance (stop the app and workers first)."""
    manifest = restore_backup(backup, force=force)
    click.echo(
        f"Restored the backup of {manifest['created_at']} (schema {manifest['database']['schema_revision']}). "
        "Run `flask --app trackbase db upgrade` if this version is newer, then start the app."
    )
