"""Product research tasks: document text extraction and the deletion of stored objects."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from ..services.products import documents


@shared_task(
    name="trackbase.tasks.products.extract_document",
    acks_late=True,
    autoretry_for=(OSError, OperationalError),  # storage or the database away for a moment
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def extract_document_task(document_id: int) -> str | None:
    """Read a new document's text for search (a document no longer pending is left alone)."""
    return documents.extract_text(document_id)


@shared_task(
    name="trackbase.tasks.products.delete_objects",
    bind=True,
    acks_late=True,
    max_retries=None,  # an object no row points at must go, however long storage is away
)
def delete_objects_task(self, keys: list[str]) -> int:
    """Delete stored objects; retry those that failed, with backoff (capped at 10 minutes), until they go."""
    failed = documents.delete_objects(keys)
    if failed:
        countdown = min(600, 2 ** min(self.request.retries, 10))
        raise self.retry(args=[failed], countdown=countdown)
    return len(keys)
