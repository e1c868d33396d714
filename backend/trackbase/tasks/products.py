"""Product research tasks."""

from __future__ import annotations

from celery import shared_task

from ..services import storage


@shared_task(
    name="trackbase.tasks.products.delete_objects",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=None,  # a stored file must not be orphaned: keep trying until storage confirms
)
def delete_objects(keys: list[str]) -> None:
    """Remove stored files whose rows are gone (deleting a missing file is not an error, so a retry is safe)."""
    backend = storage.get_storage()
    for key in keys:
        backend.delete(key)
