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
