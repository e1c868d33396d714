"""A worker killed (SIGKILL) under a running poll or export: its poll lock frees itself within a lease,
and the run and job it left `running` are reaped to `failed` with a message, by the read path and by
the beat reaper. Real worker processes (`celery -A celery_app worker`), a private redis-server as
broker and lock store, the supplier simulator slowed down, the tests' database (SQLite or PostgreSQL).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import threading
import time

import pytest
import redis
from celery import Celery
from sqlalchemy import select

from tests.processes import HEARTBEAT_KEY, CeleryWorkerProcess, RestartableRedis, app_environment, wait_until
from tests.support import headers_for, make_tracker, private_redis_config
from trackbase.models import InventoryPollRun, Job, TrackerLog, utcnow

LEASE = 3  # seconds: the lock's and the rows' lease in these tests (30 by default)
REAPED = re.compile(
    r"^The worker stopped while running this (job|poll); it was marked failed at \d\d:\d\d UTC\. Try again\.$"
)


@pytest.fixture
def broker():
    server = RestartableRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def web(make_app, broker, app, supplier):
    """The API on the private Redis (lock, cache, broker) with short leases."""
    celery = {**app.config["CELERY"], "broker_url": broker.url}
    return make_app(
        **private_redis_config(broker.url),
        CELERY=celery,
        SUPPLIER_API_URL=app.config["SUPPLIER_API_URL"],
        INVENTORY_RETRY_BACKOFF=0.01,
        INVENTORY_READ_TIMEOUT=60.0,
        INVENTORY_LOCK_LEASE_SECONDS=LEASE,
        JOB_LEASE_SECONDS=LEASE,
    )


@pytest.fixture
def workers(broker, app, database_url, smtp_server, tmp_path):
    """Start real worker processes on the private broker and the tests' database; all stopped at the end."""
    started = []

    def start(name: str, **extra) -> CeleryWorkerProcess:
        env = app_environment(
            broker.url,
            tmp_path,
            DATABASE_URL=database_url,
            MAIL_PORT=str(smtp_server.port),
            SUPPLIER_API_URL=app.config["SUPPLIER_API_URL"],
            INVENTORY_RETRY_BACKOFF="0.01",
            INVENTORY_READ_TIMEOUT="60",
            INVENTORY_LOCK_LEASE_SECONDS=str(LEASE),
            JOB_LEASE_SECONDS=str(LEASE),
            PUBLIC_URL="http://trackbase.test",
            **extra,
        )
        worker = CeleryWorkerProcess(env, tmp_path / f"{name}.log").start()
        started.append(worker)
        client = redis.Redis.from_url(broker.url)
        client.delete(HEARTBEAT_KEY)
        wait_until(lambda: client.exists(HEARTBEAT_KEY) or not worker.alive(), 90, what=f"worker {name} to start")
        assert worker.alive(), worker.log_tail()
        return worker

    yield start
    for worker in started:
        worker.stop()


def sigkill(worker: CeleryWorkerProcess) -> None:
    """Kill the worker and its pool children at once, as the OOM killer or a pulled plug does."""
    os.killpg(worker.process.pid, signal.SIGKILL)
    worker.process.wait(timeout=10)


def reload(db, model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def run_of_job(db, job_id):
    db.session.expire_all()
    return db.session.scalar(select(InventoryPollRun).where(InventoryPollRun.job_id == job_id))


def finished_job(client, headers, job_id):
    job = client.get(f"/api/jobs/{job_id}", headers=headers).get_json()["job"]
    return job if job["status"] in ("succeeded", "failed") else None


def test_killed_poll_frees_refresh_within_a_lease_and_is_reaped(web, workers, broker, sim, db, admin):
    client, headers = web.test_client(), headers_for(admin)
    first = workers("w1")
    sim.configure(availability_latency=120)  # the poll waits on the supplier, as on a slow day
    response = client.post("/api/inventory/refresh", headers=headers)
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["job"]["id"]
    lock = redis.Redis.from_url(broker.url)
    run = wait_until(lambda: run_of_job(db, job_id), 60, what="the poll to start on the worker")
    assert run.status == "running" and lock.exists("trackbase:inventory:poll-lock")
    assert reload(db, Job, job_id).status == "running"

    sigkill(first)
    killed_at = time.monotonic()
    assert client.post("/api/inventory/refresh", headers=headers).status_code == 409  # the lease still holds

    sim.configure(availability_latency=0)
    second = workers("w2")
    waited = None
    while time.monotonic() - killed_at < 60:
        response = client.post("/api/inventory/refresh", headers=headers)
        if response.status_code == 202:
            waited = time.monotonic() - killed_at
            break
        assert response.status_code == 409, response.get_json()
        time.sleep(0.2)
    assert waited is not None, "Refresh now stayed blocked for a minute after the worker was killed"
    # one lease for the lock (and the rows), plus the second worker's start-up in the worst case
    assert waited < LEASE + 30, waited
    new_job_id = response.get_json()["job"]["id"]

    killed_job = client.get(f"/api/jobs/{job_id}", headers=headers).get_json()["job"]
    assert killed_job["status"] == "failed"
    assert REAPED.match(killed_job["message"]), killed_job["message"]
    killed_run = reload(db, InventoryPollRun, run.id)
    assert killed_run.status == "failed" and REAPED.match(killed_run.message), killed_run.message
    assert killed_run.finished_at is not None

    job = wait_until(
        lambda: finished_job(client, headers, new_job_id), 90, what="the new refresh to finish on the second worker"
    )
    assert job["status"] == "succeeded", (job, second.log_tail())
    assert reload(db, InventoryPollRun, job["result"]["run_id"]).status == "ok"


class StalledEndpoint:
    """A TCP server that accepts connections and never answers: an S3 endpoint hanging mid-request."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def stalled_s3():
    endpoint = StalledEndpoint()
    yield endpoint
    endpoint.close()


def test_killed_export_job_is_reaped_by_the_beat_task(web, workers, broker, db, user, stalled_s3):
    tracker = make_tracker(db, user, name="Slept", kind="numeric")
    db.session.add(TrackerLog(tracker_id=tracker.id, timestamp=utcnow(), value_num=7.5, note=""))
    db.session.commit()
    s3 = {
        "S3_BUCKET": "exports",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{stalled_s3.port}",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    first = workers("w1", **s3)
    client, headers = web.test_client(), headers_for(user)
    response = client.post("/api/trackers/export", headers=headers, json={})
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["job"]["id"]
    wait_until(lambda: stalled_s3.accepted, 60, what="the export to reach the stalled storage")
    assert reload(db, Job, job_id).status == "running"
    time.sleep(LEASE + 1)
    assert reload(db, Job, job_id).status == "running"  # a live worker keeps renewing its lease

    sigkill(first)
    workers("w2", **s3)
    sender = Celery("trackbase-test-client", broker=broker.url, set_as_current=False)

    def reaped():
        if reload(db, Job, job_id).status == "failed":
            return True
        sender.send_task("trackbase.tasks.ops.reap_stale")  # what beat sends every half lease
        return False

    try:
        wait_until(reaped, LEASE * 10, interval=1, what="the beat reaper to fail the killed export")
    finally:
        sender.close()
    job = reload(db, Job, job_id)
    assert REAPED.match(job.message), job.message
    assert job.finished_at is not None
