"""Admins are emailed when the supplier poll keeps failing (INVENTORY_ALERT_AFTER failed or partial runs
in a row): once per incident and once on recovery. Real polls against the simulator, a real worker
delivering the mail, the aiosmtpd sink receiving it."""

from __future__ import annotations

import time

from sqlalchemy import select

from tests.support import body_html, body_text
from trackbase.models import InventoryPollRun
from trackbase.services import inventory


def supplier_down(sim):
    sim.configure(error_rate=1.0)  # every request answers 503 or 504


def one_manufacturer_down(sim):
    sim.configure(error_rate=0.0, force={"availability/ippal": ["503"]})


def supplier_up(sim):
    sim.configure(error_rate=0.0, force={})


def poll_once() -> InventoryPollRun:
    run = inventory.run_poll("beat")
    assert run is not None
    return run


def settle(mailbox, seconds: float = 1.5) -> None:
    """Give the worker time to deliver anything else that was queued (the assertions count messages)."""
    time.sleep(seconds)


def to(mailbox, address: str) -> list:
    return [m for m in mailbox.messages if address in str(m["To"])]


def test_admins_are_emailed_once_per_incident_and_once_on_recovery(sim, db, smtp, celery_worker, admin, make_user):
    other_admin = make_user("ops@example.com", role="admin")
    member = make_user("someone@example.com")
    poll_once()  # a good run before the incident
    supplier_down(sim)
    assert poll_once().status == "failed"
    one_manufacturer_down(sim)
    assert poll_once().status == "partial"
    settle(smtp)
    assert smtp.messages == []  # two bad runs: not yet

    supplier_down(sim)
    third = poll_once()
    assert third.status == "failed" and third.alert == "failing"
    smtp.wait_for(1, to=admin.email)
    smtp.wait_for(1, to=other_admin.email)
    alert = to(smtp, admin.email)[0]
    assert alert["Subject"] == "Trackbase: the supplier poll is failing (3 polls in a row)"
    assert "failed or only partly succeeded 3 times in a row" in body_text(alert)
    assert third.message in body_text(alert)
    assert "http://trackbase.test/inventory" in body_html(alert)

    fourth = poll_once()
    assert fourth.status == "failed" and fourth.alert is None
    settle(smtp)
    assert len(to(smtp, admin.email)) == 1  # the same incident: no second alert

    supplier_up(sim)
    recovered = poll_once()
    assert recovered.status == "ok" and recovered.alert == "recovered"
    smtp.wait_for(2, to=admin.email)
    smtp.wait_for(2, to=other_admin.email)
    back = to(smtp, admin.email)[1]
    assert "works again" in back["Subject"]
    assert "after failing since" in body_text(back)

    assert poll_once().alert is None  # further good runs say nothing
    settle(smtp)
    assert len(to(smtp, admin.email)) == 2
    assert len(to(smtp, other_admin.email)) == 2
    assert to(smtp, member.email) == []
    marks = db.session.scalars(select(InventoryPollRun.alert).order_by(InventoryPollRun.id)).all()
    assert marks == [None, None, None, "failing", None, "recovered", None]


def test_a_new_incident_after_recovery_alerts_again(sim, db, smtp, celery_worker, admin, app):
    app.config["INVENTORY_ALERT_AFTER"] = 1
    try:
        supplier_down(sim)
        assert poll_once().alert == "failing"
        supplier_up(sim)
        assert poll_once().alert == "recovered"
        supplier_down(sim)
        assert poll_once().alert == "failing"
        smtp.wait_for(3, to=admin.email)
    finally:
        app.config.pop("INVENTORY_ALERT_AFTER", None)
    subjects = [m["Subject"] for m in to(smtp, admin.email)]
    assert sorted(subjects) == sorted(
        [
            "Trackbase: the supplier poll is failing (1 poll in a row)",
            "Trackbase: the supplier poll works again",
            "Trackbase: the supplier poll is failing (1 poll in a row)",
        ]
    )


def test_alerts_can_be_turned_off(sim, db, smtp, celery_worker, admin, app):
    app.config["INVENTORY_ALERT_AFTER"] = 0
    try:
        supplier_down(sim)
        runs = [poll_once() for _ in range(4)]
    finally:
        app.config.pop("INVENTORY_ALERT_AFTER", None)
    assert [r.alert for r in runs] == [None] * 4
    settle(smtp)
    assert smtp.messages == []
