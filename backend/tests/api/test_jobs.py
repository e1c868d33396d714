"""Jobs are visible to their owner only."""

from __future__ import annotations

from tests.support import headers_for


def make_job(db, user, kind="export", status="running", progress=40):
    from trackbase.models import Job

    job = Job(user_id=user.id, kind=kind, status=status, progress=progress, message="Working", result=None)
    db.session.add(job)
    db.session.commit()
    return job


def test_owner_sees_job(client, db, user, auth_headers):
    job = make_job(db, user)
    data = client.get(f"/api/jobs/{job.id}", headers=auth_headers).json["job"]
    assert (data["kind"], data["status"], data["progress"]) == ("export", "running", 40)


def test_other_user_gets_404_for_job(client, db, user, make_user):
    job = make_job(db, user)
    other = make_user("other@example.com")
    response = client.get(f"/api/jobs/{job.id}", headers=headers_for(other))
    assert response.status_code == 404
    assert client.get("/api/jobs", headers=headers_for(other)).json["total"] == 0


def test_job_list_is_newest_first_and_paginated(client, db, user, auth_headers):
    ids = [make_job(db, user, kind=f"k{i}").id for i in range(3)]
    page = client.get("/api/jobs?per_page=2", headers=auth_headers).json
    assert [item["id"] for item in page["items"]] == ids[::-1][:2]
    assert page["total"] == 3
