"""Scheduling and the admin refresh: the next beat run's time, and a poll run as a user's job."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import select

from ... import cache as cache_helpers
from ...errors import conflict
from ...extensions import db
from ...models import InventoryPollRun, Job, utcnow
from .. import jobs, products
from ..redis import get_redis
from .poll import poll_running, reap_stale_runs, run_poll
from .settings import NEXT_POLL_KEY, max_poll_seconds, poll_seconds

REFRESH_JOB_KIND = "inventory_refresh"


def note_scheduled_run() -> None:
    """Remember when beat will run the next poll (read by the status endpoint)."""
    next_at = time.time() + poll_seconds()
    get_redis().set(NEXT_POLL_KEY, f"{next_at:.3f}", ex=poll_seconds() * 3)
    cache_helpers.clear_inventory_status(committed=True)


def has_data() -> bool:
    """True once any poll has stored supplier products."""
    return products.has_supplier_products()


def active_refresh_job() -> Job | None:
    """A refresh job that is still queued or running, if any."""
    return db.session.scalar(
        select(Job)
        .where(
            Job.kind == REFRESH_JOB_KIND,
            Job.status.in_(("queued", "running")),
            Job.created_at >= utcnow() - timedelta(seconds=max_poll_seconds()),
        )
        .order_by(Job.id.desc())
        .limit(1)
    )


def request_refresh(user_id: int) -> Job:
    """Queue a poll as a job for the user; 409 when a poll is already running or queued.

    Runs and refresh jobs whose worker is gone are reaped first, so a killed worker blocks a refresh
    for one lease at most.
    """
    reap_stale_runs()
    jobs.reap_stale_jobs(kind=REFRESH_JOB_KIND)
    if poll_running() or active_refresh_job() is not None:
        raise conflict("A supplier poll is already running or queued; its result appears when it finishes.")
    job = jobs.create_job(user_id, REFRESH_JOB_KIND, message="Waiting for a worker")
    jobs.enqueue("trackbase.tasks.inventory.poll", job_id=job.id, trigger="manual")
    db.session.commit()
    return job


def run_refresh_job(job_id: int) -> None:
    """The worker side of a refresh: poll with progress on the job, or wait for the poll that is running.

    A job already finished (or reaped after its worker was lost) is left alone when its task is delivered again.
    """
    job = db.session.get(Job, job_id)
    if job is None or job.status in ("succeeded", "failed"):
        return
    with jobs.keep_alive(job_id):
        _refresh(job_id)


def _refresh(job_id: int) -> None:
    jobs.update_job(job_id, progress=1, message="Starting the poll")

    def progress(pct, message):
        jobs.update_job(job_id, progress=min(pct, 99), message=message)

    run = run_poll(trigger="manual", job_id=job_id, progress=progress)
    if run is None:
        jobs.update_job(job_id, progress=50, message="Another poll is running; waiting for it to finish")
        deadline = time.monotonic() + max_poll_seconds()
        while poll_running() and time.monotonic() < deadline:
            time.sleep(0.5)
        db.session.expire_all()
        run = db.session.scalar(select(InventoryPollRun).order_by(InventoryPollRun.id.desc()).limit(1))
    if run is None or run.status == "running":
        jobs.fail_job(job_id, "The poll did not finish in time; the next scheduled poll will try again.")
        return
    result = {"run_id": run.id, "status": run.status, "counts": run.counts, "message": run.message}
    if run.status == "failed":
        jobs.fail_job(job_id, "The poll failed; the last good data is kept. " + run.message)
    else:
        jobs.finish_job(job_id, result, message=run.message)
