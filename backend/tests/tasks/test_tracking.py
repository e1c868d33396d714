"""Tracking jobs on a real worker: CSV export (emailed, downloadable), the CSV round trip, reports."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.processes import wait_until
from tests.support import body_text, headers_for, wait_job


def seed(client, headers):
    trackers = [
        {"name": "Weight", "type": "numeric", "settings": {"unit": "kg", "min": 0}},
        {"name": "Sleep", "type": "duration"},
        {"name": "Mood", "type": "rating", "settings": {"scale": 5}},
        {"name": "Drink", "type": "choice", "settings": {"options": ["Tea", "Coffee, black"]}},
        {"name": "Meditated", "type": "boolean"},
        {"name": "Journal", "type": "text"},
    ]
    values = {
        "Weight": 71.25,
        "Sleep": "7h 5m",
        "Mood": 4,
        "Drink": "Coffee, black",
        "Meditated": False,
        "Journal": 'He said "fine", then\nleft',
    }
    ids = {}
    for body in trackers:
        ids[body["name"]] = client.post("/api/trackers", json=body, headers=headers).get_json()["tracker"]["id"]
        for day in (1, 2):
            response = client.post(
                f"/api/trackers/{ids[body['name']]}/logs",
                headers=headers,
                json={"value": values[body["name"]], "timestamp": f"2026-01-0{day}T08:30:00Z", "note": f"n{day}, ok"},
            )
            assert response.status_code == 201
    return ids


def all_logs(client, headers, ids):
    out = set()
    for name, tracker_id in ids.items():
        for log in client.get(f"/api/trackers/{tracker_id}/logs", headers=headers).get_json()["items"]:
            out.add((name, log["timestamp"], str(log["value"]), log["note"]))
    return out


def test_export_job_emails_the_csv_and_serves_it_to_the_owner_only(
    client, auth_headers, user, make_user, smtp, celery_worker
):
    ids = seed(client, auth_headers)
    response = client.post("/api/trackers/export", headers=auth_headers)
    assert response.status_code == 202
    job = wait_job(client, auth_headers, response.get_json()["job"]["id"])
    assert job["status"] == "succeeded" and job["result"]["rows"] == 12
    url = job["result"]["download_url"]
    by_token = client.get(url.split("?")[0], headers=auth_headers)
    assert by_token.status_code == 200 and by_token.mimetype == "text/csv"
    assert client.get(url).data == by_token.data  # the signed link works without a token
    assert client.get(url.split("?")[0], headers=headers_for(make_user())).status_code == 404
    message = smtp.wait_for(count=1, to=user.email)[0]
    assert "12 logs" in body_text(message)
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/csv"
    rows = list(csv.DictReader(io.StringIO(by_token.data.decode())))
    assert len(rows) == 12 and {r["tracker"] for r in rows} == set(ids)
    sleep = [r for r in rows if r["tracker"] == "Sleep"][0]
    assert sleep["value"] == "25500" and sleep["type"] == "duration"


def test_csv_round_trip_restores_every_log(client, auth_headers, celery_worker):
    ids = seed(client, auth_headers)
    before = all_logs(client, auth_headers, ids)
    job = wait_job(
        client, auth_headers, client.post("/api/trackers/export", json={}, headers=auth_headers).get_json()["job"]["id"]
    )
    exported = client.get(job["result"]["download_url"]).data
    for tracker_id in ids.values():
        for log in client.get(f"/api/trackers/{tracker_id}/logs", headers=auth_headers).get_json()["items"]:
            client.delete(f"/api/trackers/{tracker_id}/logs/{log['id']}", headers=auth_headers)
    assert all_logs(client, auth_headers, ids) == set()
    response = client.post(
        "/api/trackers/import",
        data={"file": (io.BytesIO(exported), "export.csv")},
        headers=auth_headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201 and response.get_json()["imported"] == 12
    assert all_logs(client, auth_headers, ids) == before


def test_export_of_selected_trackers_and_range(client, auth_headers, celery_worker):
    ids = seed(client, auth_headers)
    response = client.post(
        "/api/trackers/export",
        headers=auth_headers,
        json={"tracker_ids": [ids["Weight"]], "from": "2026-01-02T00:00:00Z", "to": "2026-01-03T00:00:00Z"},
    )
    job = wait_job(client, auth_headers, response.get_json()["job"]["id"])
    assert job["result"]["rows"] == 1


def test_report_on_request_is_a_job_that_emails_html_and_csv(client, auth_headers, user, smtp, celery_worker):
    seed(client, auth_headers)
    response = client.post(
        "/api/reports", json={"period": "custom", "from": "2026-01-01", "to": "2026-01-31"}, headers=auth_headers
    )
    assert response.status_code == 202
    job = wait_job(client, auth_headers, response.get_json()["job"]["id"])
    assert job["status"] == "succeeded", job
    assert job["result"] == {
        "emailed_to": user.email,
        "trackers": 6,
        "logs": 12,
        "label": "Jan 1, 2026 to Jan 31, 2026",
    }
    message = smtp.wait_for(count=1, to=user.email)[0]
    text = body_text(message)
    assert "Weight" in text and "Journal" in text and "Coffee, black: 2" in text
    csv_parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/csv"]
    assert len(csv_parts) == 1


def test_csv_format_report_has_no_html(client, auth_headers, user, smtp, celery_worker):
    seed(client, auth_headers)
    response = client.post("/api/reports", json={"period": "last_30_days", "format": "csv"}, headers=auth_headers)
    job = wait_job(client, auth_headers, response.get_json()["job"]["id"])
    assert job["status"] == "succeeded"
    message = smtp.wait_for(count=1, to=user.email)[0]
    assert message.get_body(preferencelist=("html",)) is None


# ---------------------------------------------------------------- monthly reports on a real worker

MONTHLY_NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)  # October's reports are due


def seed_monthly(db, make_user, count: int) -> list:
    """`count` users, each with a tracker logged in October 2026 (so each is due one monthly report)."""
    from trackbase.models import Tracker, TrackerLog

    users = []
    for n in range(count):
        user = make_user(f"monthly{n}@example.com")
        user.created_at = datetime(2026, 9, 1, tzinfo=UTC)
        tracker = Tracker(
            user_id=user.id,
            name="Weight",
            type="numeric",
            frequency="daily",
            settings={"unit": "kg"},
            created_at=datetime(2026, 9, 1, tzinfo=UTC),
        )
        db.session.add(tracker)
        db.session.flush()
        for day in range(1, 21):
            db.session.add(
                TrackerLog(
                    tracker_id=tracker.id,
                    timestamp=datetime(2026, 10, day, 7, tzinfo=UTC),
                    value_num=80.0 - day * 0.1,
                )
            )
        users.append(user)
    db.session.commit()
    return users


def claim_states(db) -> list[str]:
    from trackbase.models import ReportClaim

    db.session.rollback()
    return [c.status for c in db.session.scalars(select(ReportClaim).order_by(ReportClaim.id))]


def settle(db, smtp, expected: int) -> list:
    """Wait until no claim is waiting or being sent, and a moment longer for any late duplicate."""
    wait_until(
        lambda: all(state in ("sent", "skipped") for state in claim_states(db)),
        60,
        what="every monthly report claim to be settled",
    )
    smtp.wait_for(count=expected)
    time.sleep(1.5)
    return list(smtp.messages)


def test_a_monthly_report_delivered_twice_at_once_or_later_is_sent_once(db, make_user, smtp, celery_worker):
    from trackbase.services.tracking import reports
    from trackbase.tasks.tracking import monthly_report_task

    users = seed_monthly(db, make_user, 5)
    claims = reports.monthly_check(MONTHLY_NOW, enqueue=False)
    assert len(claims) == 5
    for claim_id in claims:  # two deliveries of each claim's task, side by side on the two worker threads
        monthly_report_task.apply_async((claim_id,))
        monthly_report_task.apply_async((claim_id,))
    messages = settle(db, smtp, 5)
    assert sorted(str(m["To"]) for m in messages) == sorted(u.email for u in users)

    for claim_id in claims:  # a redelivery long after
        monthly_report_task.apply_async((claim_id,))
    time.sleep(2)
    assert len(smtp.messages) == 5
    assert claim_states(db) == ["sent"] * 5


def test_a_stranded_monthly_claim_is_queued_again_and_sent_once(db, make_user, smtp, celery_worker):
    from trackbase.services.tracking import reports

    [user] = seed_monthly(db, make_user, 1)
    reports.monthly_check(MONTHLY_NOW - timedelta(minutes=20), enqueue=False)  # its task never reached the broker
    assert reports.monthly_check(MONTHLY_NOW) == []  # nothing new claimed, the stranded claim queued again
    [message] = settle(db, smtp, 1)
    assert message["To"] == user.email and "October 2026" in message["Subject"]
    reports.monthly_check(MONTHLY_NOW + timedelta(minutes=30))
    time.sleep(1.5)
    assert len(smtp.messages) == 1


def mark_sending(db, since: datetime) -> None:
    from sqlalchemy import update

    from trackbase.models import ReportClaim

    db.session.execute(update(ReportClaim).values(status="sending", claimed_at=since))
    db.session.commit()


def test_a_claim_whose_sender_died_is_taken_again_after_its_lease_only(db, make_user, smtp, celery_worker):
    from trackbase.models import utcnow
    from trackbase.services.tracking import reports

    [user] = seed_monthly(db, make_user, 1)
    [claim_id] = reports.monthly_check(MONTHLY_NOW, enqueue=False)
    mark_sending(db, utcnow())
    assert reports.send_monthly(claim_id) is False  # a live sender holds it
    mark_sending(db, MONTHLY_NOW)
    assert reports.stranded_claims(MONTHLY_NOW + timedelta(minutes=5)) == []
    assert reports.stranded_claims(MONTHLY_NOW + timedelta(hours=1)) == [claim_id]
    reports.monthly_check(MONTHLY_NOW + timedelta(hours=1))
    [message] = settle(db, smtp, 1)
    assert message["To"] == user.email
