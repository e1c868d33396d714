"""Job leases: the worker's heartbeat keeps a running job alive, a retry's wait pushes the lease out,
and a running job whose lease ran out is failed by the reaper and by the reads that show it."""

from __future__ import annotations

import time
from datetime import timedelta

from tests.support import headers_for
from trackbase.models import Job, utcnow
from trackbase.services import jobs


def running_job(db, user, lease_from_now: float, kind: str = "tracker_export") -> Job:
    job = jobs.create_job(user.id, kind)
    job.status, job.started_at = "running", utcnow()
    job.lease_expires_at = utcnow() + timedelta(seconds=lease_from_now)
    db.session.commit()
    return job


def reload(db, job_id) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_reaper_fails_only_running_jobs_whose_lease_ran_out(db, user):
    stale = running_job(db, user, -1)
    live = running_job(db, user, 20)
    queued = jobs.create_job(user.id, "report")
    db.session.commit()
    assert jobs.reap_stale_jobs() == 1
    assert reload(db, stale.id).status == "failed"
    assert reload(db, stale.id).message.startswith("The worker stopped while running this job; it was marked failed at")
    assert reload(db, stale.id).finished_at is not None
    assert reload(db, live.id).status == "running"
    assert reload(db, queued.id).status == "queued"
    assert jobs.reap_stale_jobs() == 0  # a reaped job stays as it is


def test_keep_alive_renews_the_lease_while_the_work_runs(db, user, app):
    app.config["JOB_LEASE_SECONDS"] = 2
    try:
        job = running_job(db, user, 2)
        with jobs.keep_alive(job.id):
            time.sleep(3)  # longer than the lease
            assert jobs.reap_stale_jobs() == 0
        assert reload(db, job.id).lease_expires_at > utcnow()
        time.sleep(2.2)  # the heartbeat stopped with the work
        assert jobs.reap_stale_jobs() == 1
    finally:
        app.config.pop("JOB_LEASE_SECONDS", None)


def test_a_retry_waiting_its_countdown_is_not_reaped(db, user):
    job = running_job(db, user, -1)
    jobs.extend_lease(job.id, 120)
    assert jobs.reap_stale_jobs() == 0
    assert reload(db, job.id).lease_expires_at > utcnow() + timedelta(seconds=120)


def test_a_redelivered_task_leaves_a_reaped_job_alone(db, user):
    job = running_job(db, user, -1)
    jobs.reap_stale_jobs()
    assert jobs.load_for_run(job.id) is None


def test_reading_a_job_whose_worker_is_gone_shows_it_failed(client, db, user, make_user):
    job = running_job(db, user, -1)
    other = make_user("other@example.com")
    others = running_job(db, other, -1)
    body = client.get(f"/api/jobs/{job.id}", headers=headers_for(user)).get_json()["job"]
    assert body["status"] == "failed" and "The worker stopped" in body["message"]
    listed = client.get("/api/jobs", headers=headers_for(user)).get_json()["items"]
    assert [j["status"] for j in listed] == ["failed"]
    assert reload(db, others.id).status == "running"  # one user's reads touch only their own jobs
    listed = client.get("/api/jobs", headers=headers_for(other)).get_json()["items"]
    assert [j["status"] for j in listed] == ["failed"]
