"""Product export bundle task: build, store and email one product's ZIP; progress in the job."""

from __future__ import annotations

from celery import shared_task

from ..services import products
from .jobs import run_job


@shared_task(name="trackbase.tasks.product_export.export", bind=True, acks_late=True, max_retries=6)
def export_product_task(self, job_id: int) -> None:
    """Build, store and email a product's export bundle; progress in the job."""
    run_job(self, job_id, "The export", products.export.run_export)
