"""One-click links: a quick-log token is only good for its period."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support import make_tracker, set_hours


def test_quick_log_link_expires_with_its_period(client, db, user):
    from trackbase.services.tracking import links

    set_hours(db, user)
    tracker = make_tracker(db, user)
    token = links.quick_log_token(tracker, "D2026-01-01", datetime(2026, 1, 2, tzinfo=UTC), True)
    response = client.post("/api/trackers/quick-log", json={"token": token})
    assert response.status_code == 410


def _today_link(tracker, value: bool) -> str:
    from trackbase.services.tracking import links
    from trackbase.services.tracking.periods import period_of

    period = period_of(tracker.frequency, datetime.now(UTC), "UTC")
    return links.quick_log_token(tracker, period.key, period.end, value)


def test_a_link_to_an_already_logged_period_says_what_was_logged(client, db, user):
    set_hours(db, user)
    tracker = make_tracker(db, user)
    assert client.post("/api/trackers/quick-log", json={"token": _today_link(tracker, False)}).status_code == 201
    preview = client.get(f"/api/trackers/quick-log?token={_today_link(tracker, True)}")
    body = preview.get_json()["quick_log"]
    assert preview.status_code == 200 and body["status"] == "already_logged" and body["value"] is True
    assert body["logged"]["value"] is False and body["logged"]["display"] == "No"
    assert body["logged"]["note"] == "Logged from a reminder email"


def test_the_yes_link_changes_a_logged_no_only_when_asked(client, db, user):
    from trackbase.models import TrackerLog

    set_hours(db, user)
    tracker = make_tracker(db, user)
    client.post("/api/trackers/quick-log", json={"token": _today_link(tracker, False)})
    yes = _today_link(tracker, True)
    again = client.post("/api/trackers/quick-log", json={"token": yes})
    assert again.status_code == 200 and again.get_json()["quick_log"]["status"] == "already_logged"
    changed = client.post("/api/trackers/quick-log", json={"token": yes, "change": True})
    body = changed.get_json()["quick_log"]
    assert changed.status_code == 200 and body["status"] == "changed" and body["logged"]["value"] is True
    db.session.expire_all()
    assert [log.value_num for log in db.session.query(TrackerLog).filter_by(tracker_id=tracker.id)] == [1.0]
    # the same answer again changes nothing
    same = client.post("/api/trackers/quick-log", json={"token": yes, "change": True})
    assert same.get_json()["quick_log"]["status"] == "already_logged"


def test_change_must_be_a_boolean(client, db, user):
    set_hours(db, user)
    tracker = make_tracker(db, user)
    answer = client.post("/api/trackers/quick-log", json={"token": _today_link(tracker, True), "change": "maybe"})
    assert answer.status_code == 400 and "change" in answer.get_json()["error"]["fields"]
