"""Admins are emailed when the supplier poll keeps failing: once per incident, and once on recovery.

An incident starts with the run that makes INVENTORY_ALERT_AFTER finished runs in a row failed or
partial; that run is marked `alert="failing"`. The first ok run after it is marked `alert="recovered"`.
Polls run one at a time, so the marks on the runs are the whole state (nothing in Redis to lose).
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...models import InventoryPollRun
from .. import accounts, mail
from .settings import alert_after

log = logging.getLogger(__name__)

BAD_STATUSES = ("failed", "partial")


def check_alert(run: InventoryPollRun) -> str | None:
    """After a run finished: start or end an incident, emailing every active admin; the alert sent, if any."""
    after = alert_after()
    if after <= 0 or run.status == "running":
        return None
    last_alert = db.session.scalar(
        select(InventoryPollRun.alert)
        .where(InventoryPollRun.alert.is_not(None), InventoryPollRun.id < run.id)
        .order_by(InventoryPollRun.id.desc())
        .limit(1)
    )
    in_incident = last_alert == "failing"
    if run.status == "ok":
        if not in_incident:
            return None
        alert = "recovered"
        streak = []
    else:
        if in_incident:
            return None
        streak = db.session.scalars(
            select(InventoryPollRun)
            .where(InventoryPollRun.status != "running", InventoryPollRun.id <= run.id)
            .order_by(InventoryPollRun.id.desc())
            .limit(after)
        ).all()
        if len(streak) < after or any(r.status not in BAD_STATUSES for r in streak):
            return None
        alert = "failing"
    run.alert = alert
    _email_admins(alert, run, list(reversed(streak)))
    db.session.commit()
    log.warning("inventory poll alert %r sent with run %s", alert, run.id)
    return alert


def _email_admins(alert: str, run: InventoryPollRun, streak: list[InventoryPollRun]) -> None:
    """Queue the alert email to every active admin (sent when the caller commits)."""
    if alert == "failing":
        count = len(streak)
        subject = f"Trackbase: the supplier poll is failing ({count} poll{'s' if count != 1 else ''} in a row)"
    else:
        subject = "Trackbase: the supplier poll works again"
    since = _incident_start(run) if alert == "recovered" else (streak[0].started_at if streak else run.started_at)
    link = f"{current_app.config['PUBLIC_URL']}/inventory"
    for email in accounts.active_admin_emails():
        mail.send_email(email, subject, "inventory_alert", alert=alert, run=run, streak=streak, since=since, link=link)


def _incident_start(run: InventoryPollRun):
    """When the incident a recovering run ends began: the first bad run after the last good one before it."""
    last_good = db.session.scalar(
        select(InventoryPollRun.id)
        .where(InventoryPollRun.status == "ok", InventoryPollRun.id < run.id)
        .order_by(InventoryPollRun.id.desc())
        .limit(1)
    )
    query = select(InventoryPollRun.started_at).where(
        InventoryPollRun.status.in_(BAD_STATUSES), InventoryPollRun.id < run.id
    )
    if last_good is not None:
        query = query.where(InventoryPollRun.id > last_good)
    return db.session.scalar(query.order_by(InventoryPollRun.id).limit(1))
