"""One-click links in tracking emails: log yes/no from a reminder, unsubscribe from a kind of email.

Each link carries a token signed for its purpose (services/signing); the token is the permission.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ... import cache as tb_cache
from ...errors import ApiError, not_found
from ...extensions import db
from ...models import Tracker, TrackerLog, User, utcnow
from ..signing import BadSignature, SignatureExpired, account_current, account_stamp, signer
from .periods import UTC, period_of
from .preferences import get_preferences, set_preferences

UNSUBSCRIBE_MAX_AGE = 90 * 86400
EMAIL_KINDS = ("reminders", "reports")


def _serializer(purpose: str):
    return signer(f"tracking.{purpose}")


def quick_log_token(tracker: Tracker, period_key: str, period_end: datetime, value: bool) -> str:
    """A signed token to log `value` on a boolean tracker for one period; it expires when the period ends,
    or sooner when the account is deactivated, signed out everywhere or given a new password."""
    user = db.session.get(User, tracker.user_id)
    return _serializer("quick-log").dumps(
        {
            "t": tracker.id,
            "u": tracker.user_id,
            "p": period_key,
            "v": bool(value),
            "e": int(period_end.timestamp()),
            "s": account_stamp(user),
        }
    )


def _read_quick_token(token: str, now: datetime) -> tuple[dict, Tracker]:
    try:
        payload = _serializer("quick-log").loads(token or "", max_age=40 * 86400)
    except (BadSignature, SignatureExpired):
        raise ApiError(400, "invalid_token", "This link is not valid. Open Trackbase to log instead.") from None
    if not account_current(db.session.get(User, payload.get("u")), payload.get("s")):
        raise ApiError(
            400,
            "invalid_token",
            "This link no longer works: the account's sign-ins were reset. Open Trackbase to log instead.",
        )
    tracker = db.session.scalar(select(Tracker).where(Tracker.id == payload["t"], Tracker.user_id == payload["u"]))
    if tracker is None or tracker.type != "boolean":
        raise not_found("Tracker")
    if now.timestamp() >= payload["e"]:
        raise ApiError(410, "link_expired", "This link was for a period that has ended. Open Trackbase to log instead.")
    return payload, tracker


def quick_log_preview(token: str, now: datetime | None = None) -> dict:
    """What a quick-log link would do (no change): tracker name, value and period, and what is already logged."""
    now = now or utcnow()
    payload, tracker = _read_quick_token(token, now)
    existing = _period_log(tracker, payload, now)
    return {
        "tracker_id": tracker.id,
        "tracker_name": tracker.name,
        "value": payload["v"],
        "period_end": datetime.fromtimestamp(payload["e"], UTC),
        "already_logged": existing is not None,
        "status": "already_logged" if existing is not None else "ready",
        "logged": None
        if existing is None
        else {
            "log_id": existing.id,
            "value": bool(existing.value_num),
            "display": "Yes" if existing.value_num else "No",
            "timestamp": existing.timestamp,
            "note": existing.note or "",
        },
    }


def _period_log(tracker: Tracker, payload: dict, now: datetime):
    """The newest log of the link's period, if any."""
    user = db.session.get(User, tracker.user_id)
    period = period_of(
        tracker.frequency, datetime.fromtimestamp(payload["e"], UTC) - timedelta(seconds=1), user.timezone
    )
    return db.session.scalar(
        select(TrackerLog)
        .where(
            TrackerLog.tracker_id == tracker.id, TrackerLog.timestamp >= period.start, TrackerLog.timestamp < period.end
        )
        .order_by(TrackerLog.timestamp.desc(), TrackerLog.id.desc())
        .limit(1)
    )


def quick_log(token: str, now: datetime | None = None, change: bool = False) -> tuple[dict, bool]:
    """Log the link's value once for its period; (preview, created). A second use logs nothing, unless
    `change` is set and the period's (newest) log holds the other answer: then that log takes the link's."""
    now = now or utcnow()
    payload, tracker = _read_quick_token(token, now)
    existing = _period_log(tracker, payload, now)
    status = "already_logged"
    if existing is None:
        db.session.add(
            TrackerLog(
                tracker_id=tracker.id,
                timestamp=now,
                value_num=1.0 if payload["v"] else 0.0,
                note="Logged from a reminder email",
            )
        )
        status = "logged"
    elif change and bool(existing.value_num) != payload["v"]:
        existing.value_num = 1.0 if payload["v"] else 0.0
        status = "changed"
    if status != "already_logged":
        tb_cache.clear_tracking_user(tracker.user_id)
        db.session.commit()
    preview = quick_log_preview(token, now)
    preview["status"] = status
    return preview, status == "logged"


def unsubscribe_token(user_id: int, kind: str) -> str:
    """A signed link token that turns off one kind of tracking email for a user."""
    return _serializer("unsubscribe").dumps({"u": user_id, "k": kind})


def _read_unsubscribe(token: str) -> tuple[User, str]:
    try:
        payload = _serializer("unsubscribe").loads(token or "", max_age=UNSUBSCRIBE_MAX_AGE)
    except (BadSignature, SignatureExpired):
        raise ApiError(
            400, "invalid_token", "This unsubscribe link is not valid; change email settings in Trackbase."
        ) from None
    user = db.session.get(User, payload.get("u"))
    if user is None or payload.get("k") not in EMAIL_KINDS:
        raise ApiError(400, "invalid_token", "This unsubscribe link is not valid; change email settings in Trackbase.")
    return user, payload["k"]


def unsubscribe_preview(token: str) -> dict:
    """Which email a link would turn off, and for which (masked) address."""
    user, kind = _read_unsubscribe(token)
    pref = get_preferences(user.id)
    active = pref.reminder_emails if kind == "reminders" else pref.monthly_reports
    return {"kind": kind, "email": _mask(user.email), "subscribed": bool(active)}


def unsubscribe(token: str) -> dict:
    """Turn off the link's kind of email (idempotent)."""
    user, kind = _read_unsubscribe(token)
    set_preferences(user.id, {"reminder_emails" if kind == "reminders" else "monthly_reports": False})
    return {"kind": kind, "email": _mask(user.email), "subscribed": False}


def _mask(email: str) -> str:
    local, _, domain = email.partition("@")
    return (local[:1] + "***@" + domain) if domain else "***"
