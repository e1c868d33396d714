"""Job resources: the owner's view of asynchronous work."""

from __future__ import annotations

from flask_security import current_user

from ..services import jobs
from .common import AuthResource, dump_page, page_params
from .schemas.jobs import JobSchema


class JobListResource(AuthResource):
    def get(self):
        """The signed-in user's jobs, newest first."""
        return dump_page(jobs.list_jobs(current_user.id, *page_params()), JobSchema())


class JobResource(AuthResource):
    def get(self, job_id: int):
        """One job of the signed-in user (404 for anyone else's)."""
        job = jobs.get_job_for_user(job_id, current_user.id)
        return {"job": JobSchema().dump(job)}
