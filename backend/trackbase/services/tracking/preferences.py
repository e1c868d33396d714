"""A user's tracking email choices: reminder emails and monthly reports, each on or off."""

from __future__ import annotations

from ...extensions import db
from ...models import TrackingPreference, utcnow
from ..sql import insert_ignore


def get_preferences(user_id: int) -> TrackingPreference:
    """The user's tracking email preferences (defaults when never set)."""
    pref = db.session.get(TrackingPreference, user_id)
    return pref or TrackingPreference(user_id=user_id, reminder_emails=True, monthly_reports=True)


def set_preferences(user_id: int, changes: dict) -> TrackingPreference:
    """Turn reminder emails and monthly reports on or off."""
    pref = db.session.get(TrackingPreference, user_id)
    if pref is None:
        db.session.execute(
            insert_ignore(TrackingPreference.__table__).values(
                user_id=user_id, reminder_emails=True, monthly_reports=True, updated_at=utcnow()
            )
        )
        pref = db.session.get(TrackingPreference, user_id)
    for key in ("reminder_emails", "monthly_reports"):
        if key in changes:
            setattr(pref, key, changes[key])
    db.session.commit()
    return pref
