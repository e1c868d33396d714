"""Operational tasks: the worker heartbeat that /api/health reads, the outbox sweeper, carried cache bumps."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from .. import cache
from ..cache import REDIS_ERRORS
from ..services import health, outbox


@shared_task(name="trackbase.tasks.ops.heartbeat", acks_late=True, ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is alive and consuming the queue."""
    health.record_heartbeat()


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
