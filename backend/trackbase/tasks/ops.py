"""Operational tasks: the worker heartbeat that /api/health reads, the reaper of work whose worker is gone,
the outbox sweeper and carried cache bumps."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from .. import cache
from ..cache import REDIS_ERRORS
from ..services import health, inventory, jobs, outbox


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


@shared_task(name="trackbase.tasks.ops.sweep_outbox", acks_late=True, ignore_result=True)
def sweep_outbox() -> dict:
    """Beat: re-send outbox rows the broker did not take, free dead mail leases, prune old rows."""
    return outbox.sweep()


@shared_task(
    name="trackbase.tasks.ops.bump_cache_versions",
    acks_late=True,
    autoretry_for=REDIS_ERRORS,
    retry_backoff=True,
    max_retries=8,
    ignore_result=True,
)
def bump_cache_versions(keys: list[str]) -> None:
    """Bump cache version keys a write could not bump after its commit (Redis was unreachable)."""
    cache.bump_versions(keys)
