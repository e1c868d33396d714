"""Job resources: the owner's view of asynchronous work."""

from __future__ import annotations

from flask_security import current_user

from ..services import jobs, products, tracking
from .common import AuthResource, page_params
from .schemas.jobs import JobSchema

# Finished exports keep their download link in the result; it is signed again for the account as it is
# now, so a link shown after a password change or "sign out everywhere" still works for its owner.
_FRESH_LINKS = {"tracker_export": tracking.export_download_path, "product_export": products.export.download_path}


def dump_job(job, user) -> dict:
    """A job as the API answers it, with any download link signed for `user` now."""
    body = JobSchema().dump(job)
    result = body.get("result")
    if isinstance(result, dict) and result.get("download_url") and job.kind in _FRESH_LINKS:
        body["result"] = {**result, "download_url": _FRESH_LINKS[job.kind](job.id, user)}
    return body


class JobListResource(AuthResource):
    def get(self):
        """The signed-in user's jobs, newest first."""
        page = jobs.list_jobs(current_user.id, *page_params())
        user = current_user._get_current_object()
        return {
            "items": [dump_job(job, user) for job in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
        }


class JobResource(AuthResource):
    def get(self, job_id: int):
        """One job of the signed-in user (404 for anyone else's)."""
        job = jobs.get_job_for_user(job_id, current_user.id)
        return {"job": dump_job(job, current_user._get_current_object())}
