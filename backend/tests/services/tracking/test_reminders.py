"""Reminders: due trackers, reminder windows, atomic claims with concurrent scans, digests and their links."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.support import body_html, body_text, make_tracker, set_hours


def claims(db):
    from trackbase.models import ReminderClaim

    db.session.expire_all()
    return db.session.scalars(select(ReminderClaim).order_by(ReminderClaim.id)).all()


def test_a_due_tracker_is_claimed_once_per_period(db, user):
    from trackbase.services.tracking import reminders

    set_hours(db, user)
    make_tracker(db, user)
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert reminders.scan(now, enqueue=False)["claimed"] == 1
    assert reminders.scan(now + timedelta(minutes=5), enqueue=False)["claimed"] == 0
    # The next day is a new period.
    assert reminders.scan(now + timedelta(days=1), enqueue=False)["claimed"] == 1
    assert [c.period_key for c in claims(db)] == ["D2026-11-22", "D2026-11-23"]


def test_a_tracker_logged_in_its_period_is_not_due(db, user):
    from trackbase.models import TrackerLog
    from trackbase.services.tracking import reminders

    set_hours(db, user, tz="Europe/Helsinki")
    tracker = make_tracker(db, user)
    # 22:30 UTC on the 21st is 00:30 on the 22nd in Helsinki: it counts for the 22nd.
    db.session.add(
        TrackerLog(tracker_id=tracker.id, timestamp=datetime(2026, 11, 21, 22, 30, tzinfo=UTC), value_num=1.0)
    )
    db.session.commit()
    assert reminders.scan(datetime(2026, 11, 22, 10, 0, tzinfo=UTC), enqueue=False)["due"] == 0


def test_no_reminder_before_the_reminder_hour_or_in_quiet_hours(db, user):
    from trackbase.services.tracking import reminders

    set_hours(db, user, tz="America/New_York", hour=9, quiet=(22, 7))
    make_tracker(db, user)
    make_tracker(db, user, name="Water", frequency="hourly")
    # 08:30 local: daily not yet, hourly yes (outside quiet hours).
    result = reminders.scan(datetime(2026, 11, 22, 13, 30, tzinfo=UTC), enqueue=False)
    assert result["claimed"] == 1
    # 23:30 local: quiet hours, nothing at all.
    assert reminders.scan(datetime(2026, 11, 23, 4, 30, tzinfo=UTC), enqueue=False)["due"] == 0


def test_a_missed_run_catches_up_later_in_the_same_period(db, user):
    from trackbase.services.tracking import reminders

    set_hours(db, user, hour=9)
    make_tracker(db, user, frequency="weekly")
    # The worker was down all Monday; Wednesday afternoon the weekly reminder still goes out, once.
    assert reminders.scan(datetime(2026, 11, 25, 15, 0, tzinfo=UTC), enqueue=False)["claimed"] == 1
    assert reminders.scan(datetime(2026, 11, 27, 15, 0, tzinfo=UTC), enqueue=False)["claimed"] == 0


def test_archived_trackers_reminders_off_and_unsubscribed_users_are_skipped(db, user, make_user):
    from trackbase.services import tracking
    from trackbase.services.tracking import reminders

    set_hours(db, user)
    make_tracker(db, user, archived=True)
    make_tracker(db, user, name="Off", reminders=False)
    other = make_user()
    set_hours(db, other)
    make_tracker(db, other)
    tracking.set_preferences(other.id, {"reminder_emails": False})
    assert reminders.scan(datetime(2026, 11, 22, 10, 0, tzinfo=UTC), enqueue=False)["due"] == 0


def test_two_concurrent_scans_claim_each_reminder_once_and_send_one_digest_per_user(
    app, db, make_user, smtp, celery_worker
):
    from trackbase.models import ReminderClaim
    from trackbase.services.tracking import reminders

    users = [make_user() for _ in range(6)]
    for person in users:
        set_hours(db, person)
        make_tracker(db, person)
        make_tracker(db, person, name="Read", kind="numeric")
    emails = {p.id: p.email for p in users}
    now = datetime.now(UTC)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            with app.app_context():
                barrier.wait()
                results.append(reminders.scan(now))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(r["claimed"] for r in results) == 12
    claimed_users = [set(r["claims"]) for r in results]
    assert not (claimed_users[0] & claimed_users[1]), "a user's reminders were split across two scans"
    messages = smtp.wait_for(count=6)
    assert sorted(str(m["To"]) for m in messages) == sorted(emails.values())
    db.session.expire_all()
    statuses = db.session.scalars(select(ReminderClaim.status)).all()
    assert statuses == ["sent"] * 12
    # A redelivered digest task finds nothing left to send.
    for result in results:
        for user_id, claim_ids in result["claims"].items():
            assert reminders.send_digest(user_id, claim_ids) == 0


def test_digest_lists_due_trackers_with_one_click_links_and_unsubscribe(client, db, user, smtp, celery_worker):
    from trackbase.models import TrackerLog
    from trackbase.services import tracking
    from trackbase.services.tracking import reminders

    set_hours(db, user)
    meditated = make_tracker(db, user)
    make_tracker(db, user, name="Weight", kind="numeric")
    result = reminders.scan(datetime.now(UTC))
    assert result["claimed"] == 2
    message = smtp.wait_for(count=1, to=user.email)[0]
    assert message["Subject"] == "Reminder: 2 trackers are due"
    text, html = body_text(message), body_html(message)
    assert "Meditated" in text and "Weight" in text and "Never logged yet" in html
    yes = re.search(r"http://trackbase\.test/trackers/quick-log\?token=([\w.\-]+)", text).group(1)
    assert text.count("quick-log?token=") == 2  # yes and no, only for the boolean tracker
    unsubscribe = re.search(r"/trackers/unsubscribe\?token=([\w.\-]+)", text).group(1)

    preview = client.get(f"/api/trackers/quick-log?token={yes}")
    assert preview.status_code == 200 and preview.get_json()["quick_log"]["status"] == "ready"
    assert db.session.query(TrackerLog).count() == 0  # the GET changed nothing
    first = client.post("/api/trackers/quick-log", json={"token": yes})
    assert first.status_code == 201 and first.get_json()["quick_log"]["value"] is True
    again = client.post("/api/trackers/quick-log", json={"token": yes})
    assert again.status_code == 200 and again.get_json()["quick_log"]["status"] == "already_logged"
    db.session.expire_all()
    assert [entry.value_num for entry in db.session.query(TrackerLog).filter_by(tracker_id=meditated.id)] == [1.0]

    assert client.get(f"/api/tracking/unsubscribe?token={unsubscribe}").get_json()["unsubscribe"]["subscribed"] is True
    done = client.post("/api/tracking/unsubscribe", json={"token": unsubscribe}).get_json()["unsubscribe"]
    assert done == {"kind": "reminders", "email": "m***@example.com", "subscribed": False}
    assert tracking.get_preferences(user.id).reminder_emails is False


def test_a_claim_logged_before_the_digest_runs_is_skipped(db, user, smtp):
    from trackbase.models import TrackerLog
    from trackbase.services.tracking import reminders

    set_hours(db, user)
    tracker = make_tracker(db, user)
    now = datetime.now(UTC)
    result = reminders.scan(now, enqueue=False)
    db.session.add(TrackerLog(tracker_id=tracker.id, timestamp=now, value_num=1.0))
    db.session.commit()
    assert reminders.send_digest(user.id, result["claims"][user.id]) == 0
    assert [c.status for c in claims(db)] == ["skipped"]


def test_scan_task_runs_on_the_worker(db, user, smtp, celery_worker):
    from trackbase.tasks.tracking import scan_reminders_task

    set_hours(db, user)
    make_tracker(db, user)
    scan_reminders_task.delay()
    assert smtp.wait_for(count=1, to=user.email)[0]["Subject"] == "Reminder: Meditated is due"


def test_a_redelivered_digest_batch_sends_nothing_twice(db, user, make_user, smtp, celery_worker):
    from trackbase.services.tracking import reminders

    other = make_user()
    for person in (user, other):
        set_hours(db, person)
        make_tracker(db, person)
    result = reminders.scan(datetime.now(UTC), enqueue=False)
    batch = [[uid, ids] for uid, ids in result["claims"].items()]
    assert reminders.send_digests(batch) == 2
    assert reminders.send_digests(batch) == 0
    assert len(smtp.wait_for(count=2)) == 2


def test_claims_of_long_ended_periods_are_purged(db, user):
    from trackbase.services.tracking import reminders

    set_hours(db, user)
    make_tracker(db, user)
    reminders.scan(datetime(2026, 1, 1, 12, tzinfo=UTC), enqueue=False)
    reminders.scan(datetime(2026, 3, 1, 12, tzinfo=UTC), enqueue=False)
    assert reminders.purge_old_claims(datetime(2026, 3, 1, 13, tzinfo=UTC)) == 1
    assert [c.period_key for c in claims(db)] == ["D2026-03-01"]


def test_a_claim_whose_digest_task_was_lost_is_queued_again_and_sent_once(db, user, smtp, celery_worker):
    from trackbase.services.tracking import reminders

    set_hours(db, user)
    make_tracker(db, user)
    # Both scans in one day's period (a run just after midnight UTC would put the first in yesterday's).
    now = max(datetime.now(UTC), datetime.now(UTC).replace(hour=0, minute=20, second=0, microsecond=0))
    reminders.scan(now - timedelta(minutes=15), enqueue=False)  # claimed, but its task never reached the broker
    result = reminders.scan(now)
    assert (result["claimed"], result["requeued"]) == (0, 1)
    assert smtp.wait_for(count=1, to=user.email)[0]["Subject"] == "Reminder: Meditated is due"
    assert reminders.scan(now + timedelta(minutes=1))["requeued"] == 0
    assert [c.status for c in claims(db)] == ["sent"]
