"""Reminders: find due trackers, claim each (tracker, period) once, send one digest per user.

(The one-click links a digest carries are in links.py; the email choices in preferences.py.)

A claim is a row in `reminder_claims` whose unique key (tracker_id, period_key) makes the claim
atomic: the scan inserts with ON CONFLICT DO NOTHING and only the rows it actually inserted are
its own. Two beats, two workers, or a scan re-run after a crash therefore never claim the same
period twice; a digest task flips its claims from "claimed" to "sent" with a conditional UPDATE,
so a redelivered task cannot send them again either.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from ...extensions import db
from ...models import ReminderClaim, Tracker, TrackerLog, TrackingPreference, User, utcnow
from .. import jobs, l10n, mail
from ..sql import insert_ignore
from .links import quick_log_token, unsubscribe_token
from .periods import period_of, zone
from .values import display_value

log = logging.getLogger(__name__)

CLAIM_CHUNK = 1000
DIGEST_BATCH = 50
CLAIM_KEEP_DAYS = 40
# A claim still unsent after this long lost its digest task (broker down at enqueue, worker lost):
# the next scan queues it again; send_digest's conditional update keeps a late original harmless.
REQUEUE_AFTER = timedelta(minutes=10)


# ---------------------------------------------------------------- time rules


def in_quiet_hours(hour: int, start: int | None, end: int | None) -> bool:
    """Whether a local hour falls in [start, end) (wrapping midnight when start > end); equal bounds mean none."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= hour < end
    return hour >= start or hour < end


def reminder_window_open(frequency: str, local: datetime, reminder_hour: int, quiet_start, quiet_end) -> bool:
    """Hourly trackers may be reminded any hour outside quiet hours; the others from the reminder hour on
    (so a run missed at that hour catches up later in the same period)."""
    if in_quiet_hours(local.hour, quiet_start, quiet_end):
        return False
    return frequency == "hourly" or local.hour >= reminder_hour


# ---------------------------------------------------------------- scan and claim


def scan(now: datetime | None = None, enqueue: bool = True) -> dict:
    """Claim every due (tracker, period) in its reminder window and queue the digests (one email per user)."""
    started = time.perf_counter()
    now = now or utcnow()
    last_log = (
        select(func.max(TrackerLog.timestamp))
        .where(TrackerLog.tracker_id == Tracker.id)
        .correlate(Tracker)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            Tracker.id,
            Tracker.user_id,
            Tracker.frequency,
            User.timezone,
            User.reminder_hour,
            User.quiet_hours_start,
            User.quiet_hours_end,
            last_log,
        )
        .join(User, User.id == Tracker.user_id)
        .outerjoin(TrackingPreference, TrackingPreference.user_id == User.id)
        .where(
            Tracker.reminders.is_(True),
            Tracker.archived.is_(False),
            User.active.is_(True),
            or_(TrackingPreference.reminder_emails.is_(None), TrackingPreference.reminder_emails.is_(True)),
        )
    ).all()
    # Claims of periods still running: those trackers are done for now (the unique key stays the arbiter).
    open_claims = set(
        db.session.execute(
            select(ReminderClaim.tracker_id, ReminderClaim.period_key).where(ReminderClaim.period_end > now)
        ).all()
    )
    candidates = []
    local_times: dict[str, datetime] = {}
    periods: dict[tuple[str, str], object] = {}
    for tracker_id, user_id, frequency, tz, hour, q_start, q_end, last_ts in rows:
        local = local_times.get(tz)
        if local is None:
            local = local_times[tz] = now.astimezone(zone(tz))
        if not reminder_window_open(frequency, local, hour, q_start, q_end):
            continue
        period = periods.get((frequency, tz))
        if period is None:
            period = periods[(frequency, tz)] = period_of(frequency, now, tz)
        if (last_ts is not None and last_ts >= period.start) or (tracker_id, period.key) in open_claims:
            continue
        candidates.append(
            {
                "tracker_id": tracker_id,
                "user_id": user_id,
                "period_key": period.key,
                "period_end": period.end,
                "status": "claimed",
                "claimed_at": now,
            }
        )
    # A stable order makes concurrent claimers contend on the same first row instead of splitting a user's set.
    candidates.sort(key=lambda c: (c["user_id"], c["tracker_id"]))
    claimed: dict[int, list[int]] = defaultdict(list)
    table = ReminderClaim.__table__
    statement = insert_ignore(table).returning(table.c.id, table.c.user_id)
    for offset in range(0, len(candidates), CLAIM_CHUNK):
        for claim_id, user_id in db.session.execute(statement, candidates[offset : offset + CLAIM_CHUNK]):
            claimed[user_id].append(claim_id)
    claimed_at = time.perf_counter()
    stranded = db.session.execute(
        select(ReminderClaim.id, ReminderClaim.user_id).where(
            ReminderClaim.status == "claimed",
            ReminderClaim.claimed_at < now - REQUEUE_AFTER,
            ReminderClaim.period_end > now,
        )
    ).all()
    for claim_id, user_id in stranded:
        claimed[user_id].append(claim_id)
    if enqueue:
        batch = [[user_id, sorted(ids)] for user_id, ids in sorted(claimed.items())]
        for offset in range(0, len(batch), DIGEST_BATCH):
            jobs.enqueue("trackbase.tasks.tracking.send_reminder_digests", batch[offset : offset + DIGEST_BATCH])
    db.session.commit()
    return {
        "due": len(candidates),
        "claimed": sum(len(v) for v in claimed.values()) - len(stranded),
        "requeued": len(stranded),
        "users": len(claimed),
        "claims": dict(claimed),
        "claim_seconds": round(claimed_at - started, 3),
        "enqueue_seconds": round(time.perf_counter() - claimed_at, 3),
    }


def send_digests(batch: list[list]) -> int:
    """Send the digests of a batch of [user_id, claim_ids] (each user independently); how many were sent."""
    return sum(1 for user_id, claim_ids in batch if send_digest(user_id, claim_ids))


def purge_old_claims(now: datetime | None = None) -> int:
    """Forget claims of periods that ended more than CLAIM_KEEP_DAYS ago (they can never be claimed again)."""
    result = db.session.execute(
        delete(ReminderClaim).where(ReminderClaim.period_end < (now or utcnow()) - timedelta(days=CLAIM_KEEP_DAYS))
    )
    db.session.commit()
    return result.rowcount or 0


def send_digest(user_id: int, claim_ids: list[int], now: datetime | None = None) -> int:
    """Send one digest for these claims (only those still due and not yet sent); returns how many it listed."""
    now = now or utcnow()
    user = db.session.get(User, user_id)
    if user is None or not claim_ids:
        return 0
    claims = db.session.execute(
        select(ReminderClaim, Tracker)
        .join(Tracker, Tracker.id == ReminderClaim.tracker_id)
        .where(ReminderClaim.id.in_(claim_ids), ReminderClaim.user_id == user_id, ReminderClaim.status == "claimed")
    ).all()
    last_logs = _last_logs([tracker.id for _, tracker in claims])
    still_due, done = [], []
    for claim, tracker in claims:
        period = period_of(tracker.frequency, claim.period_end - timedelta(seconds=1), user.timezone)
        last = last_logs.get(tracker.id)
        # Logs are never in the future, so a last log at or after the period's start means it was logged.
        logged = last is not None and last[0] >= period.start
        expired = claim.period_end <= now
        (done if logged or expired or not tracker.reminders or tracker.archived else still_due).append(claim.id)
    if done:
        db.session.execute(
            update(ReminderClaim)
            .where(ReminderClaim.id.in_(done), ReminderClaim.status == "claimed")
            .values(status="skipped")
        )
    mine = []
    if still_due:
        # The conditional UPDATE is the second gate: a redelivered or duplicated task finds nothing left to send.
        mine = list(
            db.session.scalars(
                update(ReminderClaim)
                .where(ReminderClaim.id.in_(still_due), ReminderClaim.status == "claimed")
                .values(status="sent", sent_at=now)
                .returning(ReminderClaim.id)
            )
        )
    if mine:
        _queue_digest_email(user, [c for c in claims if c[0].id in set(mine)], last_logs)
    db.session.commit()
    return len(mine)


def _last_logs(tracker_ids: list[int]) -> dict[int, tuple]:
    """tracker id -> (timestamp, value_num, value_text) of its newest log, in two queries."""
    if not tracker_ids:
        return {}
    newest = (
        select(TrackerLog.tracker_id, func.max(TrackerLog.timestamp).label("ts"))
        .where(TrackerLog.tracker_id.in_(tracker_ids))
        .group_by(TrackerLog.tracker_id)
        .subquery()
    )
    rows = db.session.execute(
        select(TrackerLog.tracker_id, TrackerLog.timestamp, TrackerLog.value_num, TrackerLog.value_text).join(
            newest, (newest.c.tracker_id == TrackerLog.tracker_id) & (newest.c.ts == TrackerLog.timestamp)
        )
    ).all()
    return {tracker_id: (ts, num, text) for tracker_id, ts, num, text in rows}


def _queue_digest_email(user: User, claims, last_logs: dict[int, tuple]) -> None:
    base = current_app.config["PUBLIC_URL"]
    items = []
    for claim, tracker in sorted(claims, key=lambda c: c[1].name.casefold()):
        last = last_logs.get(tracker.id)
        item = {
            "name": tracker.name,
            "frequency": tracker.frequency,
            "url": f"{base}/trackers/{tracker.id}",
            "last": None
            if last is None
            else {
                "when": l10n.datetime_text(last[0], user),
                "value": display_value(tracker.type, last[1], last[2], tracker.settings),
            },
            "quick": None,
        }
        if tracker.type == "boolean":
            item["quick"] = {
                answer: f"{base}/trackers/quick-log?token="
                + quick_log_token(tracker, claim.period_key, claim.period_end, value)
                for answer, value in (("yes", True), ("no", False))
            }
        items.append(item)
    count = len(items)
    subject = f"Reminder: {items[0]['name']} is due" if count == 1 else f"Reminder: {count} trackers are due"
    token = unsubscribe_token(user.id, "reminders")
    mail.send_email(
        user.email,
        subject,
        "reminder_digest",
        headers=mail.one_click_headers(f"{base}/api/tracking/unsubscribe?token={token}"),
        user=user,
        items=items,
        unsubscribe_url=f"{base}/trackers/unsubscribe?token={token}",
        settings_url=f"{base}/trackers",
    )
