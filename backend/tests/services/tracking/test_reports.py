"""Reports: monthly claims (once, catching up), report contents, charts and the CSV attachment."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.support import body_html, body_text

UTC = UTC


def seed(db, user):
    """A numeric and a boolean tracker with logs in October and one in November 2026 (UTC)."""
    from trackbase.models import Tracker, TrackerLog

    weight = Tracker(
        user_id=user.id,
        name="Weight",
        type="numeric",
        frequency="daily",
        settings={"unit": "kg"},
        created_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    done = Tracker(
        user_id=user.id,
        name="Meditated",
        type="boolean",
        frequency="daily",
        settings={},
        created_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    db.session.add_all([weight, done])
    db.session.flush()
    for day in range(1, 11):
        db.session.add(
            TrackerLog(
                tracker_id=weight.id,
                timestamp=datetime(2026, 10, day, 7, tzinfo=UTC),
                value_num=80.0 - day * 0.2,
                note=f"day {day}",
            )
        )
        db.session.add(
            TrackerLog(
                tracker_id=done.id, timestamp=datetime(2026, 10, day, 20, tzinfo=UTC), value_num=float(day % 3 != 0)
            )
        )
    db.session.add(TrackerLog(tracker_id=weight.id, timestamp=datetime(2026, 11, 2, 7, tzinfo=UTC), value_num=77.0))
    user.created_at = datetime(2026, 9, 1, tzinfo=UTC)
    user.reminder_hour = 8
    db.session.commit()
    return weight, done


def report_claims(db):
    from trackbase.models import ReportClaim

    db.session.expire_all()
    return db.session.scalars(select(ReportClaim)).all()


def test_monthly_report_is_claimed_once_from_the_first_at_the_reminder_hour(db, user):
    from trackbase.services.tracking import reports

    seed(db, user)
    assert reports.monthly_check(datetime(2026, 11, 1, 7, 30, tzinfo=UTC), enqueue=False) == []
    assert len(reports.monthly_check(datetime(2026, 11, 1, 8, 5, tzinfo=UTC), enqueue=False)) == 1
    assert reports.monthly_check(datetime(2026, 11, 1, 9, 5, tzinfo=UTC), enqueue=False) == []
    assert [(c.month, c.status) for c in report_claims(db)] == [("2026-10", "claimed")]


def test_a_missed_monthly_run_catches_up_later_in_the_month(db, user):
    from trackbase.services.tracking import reports

    seed(db, user)
    assert len(reports.monthly_check(datetime(2026, 11, 6, 3, 0, tzinfo=UTC), enqueue=False)) == 1


def test_the_first_of_the_month_is_in_the_users_timezone(db, user):
    from trackbase.services.tracking import reports

    seed(db, user)
    user.timezone = "Pacific/Auckland"  # UTC+13: Nov 1 08:00 local is Oct 31 19:00 UTC
    db.session.commit()
    assert len(reports.monthly_check(datetime(2026, 10, 31, 19, 30, tzinfo=UTC), enqueue=False)) == 1
    assert report_claims(db)[0].month == "2026-10"


def test_users_without_trackers_or_who_opted_out_get_no_monthly_report(db, user, make_user):
    from trackbase.services.tracking import preferences, reports

    seed(db, user)
    preferences.set_preferences(user.id, {"monthly_reports": False})
    make_user()
    assert reports.monthly_check(datetime(2026, 11, 2, 12, tzinfo=UTC), enqueue=False) == []


def test_monthly_report_email_has_summaries_charts_and_the_months_logs_as_csv(db, user, smtp):
    from trackbase.services.tracking import reports

    seed(db, user)
    [claim_id] = reports.monthly_check(datetime(2026, 11, 1, 9, tzinfo=UTC), enqueue=False)
    assert reports.send_monthly(claim_id) is True
    assert reports.send_monthly(claim_id) is False  # sent once
    message = smtp.wait_for(count=1, to=user.email)[0]
    assert message["Subject"] == "Your Trackbase report: October 2026"
    html, text = body_html(message), body_text(message)
    assert "Weight" in html and "Meditated" in html and "Unsubscribe from monthly reports" in html
    assert "10 logs" in text and "min 78 kg" in text and "max 79.8 kg" in text
    assert "yes: 7, no: 3" in text
    assert "trend -1.4 kg per week" in text
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0].get_content().startswith(b"\x89PNG")
    cid = images[0]["Content-ID"].strip("<>")
    assert f"cid:{cid}" in html
    [attachment] = [p for p in message.iter_attachments() if p.get_content_type() == "text/csv"]
    rows = list(
        csv.DictReader(
            io.StringIO(
                attachment.get_content()
                if isinstance(attachment.get_content(), str)
                else attachment.get_content().decode()
            )
        )
    )
    assert len(rows) == 20  # October only: November's log is not in the report
    assert rows[0] == {
        "tracker": "Meditated",
        "type": "boolean",
        "timestamp": "2026-10-01T20:00:00Z",
        "value": "true",
        "note": "",
    }
    assert {r["tracker"] for r in rows} == {"Weight", "Meditated"}
    assert report_claims(db)[0].status == "sent"


def test_report_periods_resolve_in_the_users_timezone():
    from trackbase.services.tracking.reports import resolve_period

    now = datetime(2027, 1, 1, 3, tzinfo=UTC)  # still Dec 31 in New York
    start, end, label = resolve_period("this_month", "America/New_York", now)
    assert (start, end, label) == (
        datetime(2026, 12, 1, 5, tzinfo=UTC),
        datetime(2027, 1, 1, 5, tzinfo=UTC),
        "December 2026",
    )
    start, end, label = resolve_period("last_year", "UTC", now)
    assert (start.year, end.year, label) == (2026, 2027, "2026")
    start, end, _ = resolve_period("last_7_days", "UTC", now)
    assert (end - start).days == 7


def test_a_monthly_report_that_fails_to_send_hands_its_claim_back_for_the_retry(db, user, make_app, smtp):
    from tests.support import free_port
    from trackbase.services.tracking import reports

    seed(db, user)
    [claim_id] = reports.monthly_check(datetime(2026, 11, 1, 9, tzinfo=UTC), enqueue=False)
    no_mail_server = make_app(MAIL_PORT=free_port())
    with no_mail_server.app_context(), pytest.raises(OSError):
        reports.send_monthly(claim_id)
    assert [c.status for c in report_claims(db)] == ["claimed"]
    assert reports.send_monthly(claim_id) is True
    assert len(smtp.wait_for(count=1, to=user.email)) == 1
    assert [c.status for c in report_claims(db)] == ["sent"]
