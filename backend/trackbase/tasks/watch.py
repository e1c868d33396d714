"""Watch tasks: the digest scan (beat) and the sends it queues."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from ..services import products


@shared_task(
    name="trackbase.tasks.watch.scan_digests",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def scan_digests_task() -> dict:
    """Claim this window's watch digest of every watcher with news and queue the sends; drop expired export bundles."""
    products.export.purge_expired()
    result = products.digests.scan()
    return {k: v for k, v in result.items() if k != "claim_ids"}


@shared_task(
    name="trackbase.tasks.watch.send_digests",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def send_digests_task(claim_ids: list[int]) -> int:
    """Send a batch of claimed digests; each claim flips to sent once, so a retry resends nothing."""
    return products.digests.send_digests(claim_ids)
