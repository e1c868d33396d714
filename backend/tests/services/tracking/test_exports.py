"""Tracker exports keep their CSV in storage: written by the job, served by the endpoint, purged with the row."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.support import wait_job
from trackbase.models import TrackerExport, utcnow
from trackbase.services.storage import StoredFileMissing, get_storage


def _export(client, headers):
    tracker = client.post("/api/trackers", json={"name": "Steps", "type": "numeric"}, headers=headers).get_json()
    client.post(f"/api/trackers/{tracker['tracker']['id']}/logs", json={"value": 5}, headers=headers)
    job = wait_job(client, headers, client.post("/api/trackers/export", headers=headers).get_json()["job"]["id"])
    assert job["status"] == "succeeded"
    return job


def test_export_csv_is_in_storage_and_served_from_there(client, db, auth_headers, celery_worker):
    job = _export(client, auth_headers)
    db.session.expire_all()
    export = db.session.scalar(select(TrackerExport).where(TrackerExport.job_id == job["id"]))
    with get_storage().open(export.storage_key) as stream:
        stored = stream.read()
    assert export.size_bytes == len(stored) == job["result"]["bytes"]
    assert export.storage_key.startswith("tracker-exports/") and export.filename not in export.storage_key
    response = client.get(job["result"]["download_url"])
    assert response.status_code == 200 and response.data == stored
    assert response.headers["Content-Length"] == str(len(stored))


def test_an_export_whose_file_is_gone_answers_404(client, db, auth_headers, celery_worker):
    job = _export(client, auth_headers)
    db.session.expire_all()
    export = db.session.scalar(select(TrackerExport).where(TrackerExport.job_id == job["id"]))
    get_storage().delete(export.storage_key)
    response = client.get(job["result"]["download_url"])
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_purge_removes_expired_rows_and_their_files(client, db, auth_headers, celery_worker):
    from trackbase.services.tracking import purge_expired_exports

    job = _export(client, auth_headers)
    db.session.expire_all()
    export = db.session.scalar(select(TrackerExport).where(TrackerExport.job_id == job["id"]))
    key = export.storage_key
    assert purge_expired_exports(utcnow()) == 0  # not expired yet: kept
    get_storage().open(key).close()
    assert purge_expired_exports(utcnow() + timedelta(days=8)) == 1
    assert db.session.scalar(select(TrackerExport).where(TrackerExport.job_id == job["id"])) is None
    try:
        get_storage().open(key).close()
        raise AssertionError("the file outlived its row")
    except StoredFileMissing:
        pass
