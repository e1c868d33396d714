"""Inventory tasks: the scheduled supplier poll, the admin refresh job and the first poll at start."""

from __future__ import annotations

import logging

import redis
from celery import shared_task
from celery.signals import worker_ready
from flask import current_app
from sqlalchemy.exc import OperationalError

from ..services import inventory

log = logging.getLogger(__name__)


@shared_task(
    bind=True,
    name="trackbase.tasks.inventory.poll",
    acks_late=True,
    autoretry_for=(OperationalError, redis.ConnectionError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=3,
    ignore_result=True,
)
def poll_inventory(self, trigger: str = "beat", job_id: int | None = None) -> None:
    """One supplier poll: scheduled (beat), at worker start when there is no data, or a refresh job."""
    if job_id is not None:
        inventory.run_refresh_job(job_id)
        return
    if trigger == "beat":
        inventory.note_scheduled_run()
    elif trigger == "startup" and (not current_app.config.get("INVENTORY_POLL_ON_START", True) or inventory.has_data()):
        return
    inventory.run_poll(trigger=trigger)


@worker_ready.connect
def _first_poll_at_start(sender=None, **kwargs) -> None:
    """Ask for a poll when a worker starts; the task itself does nothing when data exists."""
    try:
        poll_inventory.apply_async(kwargs={"trigger": "startup"}, expires=120)
    except Exception:  # the broker went away: the next beat run polls
        log.exception("could not queue the first inventory poll")
