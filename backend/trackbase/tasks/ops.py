"""Operational tasks: the worker heartbeat that /api/health reads."""
from __future__ import annotations

from celery import shared_task

from ..services import health


@shared_task(name="trackbase.tasks.ops.heartbeat", acks_late=True, ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is alive and consuming the queue."""
    health.record_heartbeat()
