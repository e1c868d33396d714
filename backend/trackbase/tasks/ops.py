"""Operational tasks: the worker heartbeat that /api/health reads."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready

from ..services import health


@shared_task(name="trackbase.tasks.ops.heartbeat", acks_late=True, ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is alive and consuming the queue."""
    health.record_heartbeat()


@worker_ready.connect
def _beat_at_start(sender=None, **kwargs) -> None:
    """Report a live worker at once, not only at the first scheduled heartbeat."""
    heartbeat.delay()
