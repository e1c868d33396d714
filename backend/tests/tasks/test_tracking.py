"""Tracking jobs on a real worker: CSV export (emailed, downloadable), the CSV round trip, reports."""

from __future__ import annotations

import csv
import io

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
    assert job["result"] == {"emailed_to": user.email, "trackers": 6, "logs": 12, "label": "2026-01-01 to 2026-01-31"}
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
