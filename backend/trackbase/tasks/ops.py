"""Operational tasks: the worker heartbeat that /api/health reads, and the reaper of work whose worker is gone."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from ..services import health, inventory, jobs


@shared_task(name="trackbase.tasks.ops.heartbeat", acks_late=True, ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is alive and consuming the queue."""
    health.record_heartbeat()


@shared_task(name="trackbase.tasks.ops.reap_stale", acks_late=True, ignore_result=True)
def reap_stale() -> dict:
    """Fail running jobs and poll runs whose lease ran out (their worker was killed or lost)."""
    return {"jobs": jobs.reap_stale_jobs(), "poll_runs": inventory.reap_stale_runs()}


@worker_ready.connect
def _beat_at_start(sender=None, **kwargs) -> None:
    """Report a live worker at once, not only at the first scheduled heartbeat."""
    heartbeat.delay()
