"""Signed links that act for an account stop working when the account's sign-ins end.

Each kind — a tracker export download, a product export download, an emailed Yes/No quick-log link and
an app-signed document link — is checked to work, then to fail after each of: deactivation, signing out
everywhere, and a password change.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from tests.support import headers_for, make_product, make_tracker, wait_job

NEW_PASSWORD = "lantern-orbit-meadow-4"


def _links(client, db, user, headers) -> dict[str, str]:
    """One working link of each kind for the user (GET paths that need no token)."""
    from trackbase.models import utcnow
    from trackbase.services.tracking import links

    make_tracker(db, user, name="Weight", kind="numeric")
    job = wait_job(client, headers, client.post("/api/trackers/export", headers=headers).get_json()["job"]["id"])
    tracker_export = job["result"]["download_url"]

    product = make_product(db, name="Heat pump")
    job = client.post(f"/api/products/{product.id}/export", headers=headers).get_json()["job"]
    product_export = wait_job(client, headers, job["id"])["result"]["download_url"]

    boolean = make_tracker(db, user, name="Meditated")
    end = utcnow() + timedelta(hours=6)
    token = links.quick_log_token(boolean, "D-today", end, True)
    quick_log = f"/api/trackers/quick-log?token={token}"

    uploaded = client.post(
        f"/api/products/{product.id}/documents",
        data={"file": (io.BytesIO(b"plain notes"), "notes.txt")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    document = uploaded.get_json()["document"]["download_url"]
    assert document.startswith("/api/documents/")  # signed by the app (no S3 in this test)
    return {
        "tracker export": tracker_export,
        "product export": product_export,
        "quick log": quick_log,
        "document": document,
    }


def _deactivate(client, user, headers, admin_headers):
    assert client.patch(f"/api/users/{user.id}", json={"active": False}, headers=admin_headers).status_code == 200


def _sign_out_everywhere(client, user, headers, admin_headers):
    assert client.post("/api/auth/logout-everywhere", headers=headers).status_code == 204
    assert client.get("/api/me", headers=headers).status_code == 401


def _change_password(client, user, headers, admin_headers):
    response = client.post(
        "/api/auth/change",
        json={"password": "correct-horse-9", "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize(
    "event", [_deactivate, _sign_out_everywhere, _change_password], ids=["deactivation", "everywhere", "password"]
)
def test_every_signed_link_stops_working(client, db, user, admin_headers, smtp, celery_worker, event):
    headers = headers_for(user)
    links = _links(client, db, user, headers)
    for kind, url in links.items():
        assert client.get(url).status_code == 200, kind
    event(client, user, headers, admin_headers)
    for kind, url in links.items():
        answer = client.get(url)
        assert answer.status_code in (400, 404), (kind, answer.status_code)
        assert "error" in answer.get_json(), kind
    quick = client.post("/api/trackers/quick-log", json={"token": links["quick log"].split("token=")[1]})
    assert quick.status_code == 400 and "no longer works" in quick.get_json()["error"]["message"]


def test_signing_in_again_gives_links_that_work(client, db, user, smtp, celery_worker):
    headers = headers_for(user)
    old = _links(client, db, user, headers)["tracker export"]
    _sign_out_everywhere(client, user, headers, None)
    db.session.refresh(user)
    fresh = headers_for(user)
    job = wait_job(client, fresh, client.post("/api/trackers/export", headers=fresh).get_json()["job"]["id"])
    assert client.get(job["result"]["download_url"]).status_code == 200
    assert client.get(old).status_code == 404


def test_a_stamp_is_not_the_uniquifier_and_fails_for_another_account(app, user, make_user):
    from trackbase.services.signing import account_current, account_stamp

    with app.test_request_context():
        other = make_user()
        stamp = account_stamp(user)
        assert user.fs_uniquifier not in stamp
        assert account_current(user, stamp)
        assert not account_current(other, stamp)
        assert not account_current(user, None)
        assert not account_current(None, stamp)


def test_a_finished_jobs_link_is_signed_again_for_the_account_as_it_is_now(client, db, user, smtp, celery_worker):
    headers = headers_for(user)
    job = wait_job(client, headers, client.post("/api/trackers/export", headers=headers).get_json()["job"]["id"])
    old = job["result"]["download_url"]
    _change_password(client, user, headers, None)
    db.session.refresh(user)
    fresh_headers = headers_for(user)
    shown = client.get(f"/api/jobs/{job['id']}", headers=fresh_headers).get_json()["job"]["result"]["download_url"]
    listed = client.get("/api/jobs", headers=fresh_headers).get_json()["items"][0]["result"]["download_url"]
    assert client.get(old).status_code == 404
    assert client.get(shown).status_code == 200 and client.get(listed).status_code == 200
