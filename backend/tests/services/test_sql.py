"""services/sql: the count-then-page query and the dialect-aware inserts, on the test database."""

from __future__ import annotations

from sqlalchemy import select

from trackbase.models import TrackingPreference, User
from trackbase.services.sql import insert_ignore, paginate


def test_paginate_counts_the_whole_list_and_returns_one_page(db, make_user):
    users = [make_user() for _ in range(5)]
    page = paginate(select(User).order_by(User.id), page=2, per_page=2)
    assert (page.page, page.per_page, page.total) == (2, 2, 5)
    assert [u.id for u in page.items] == [users[2].id, users[3].id]
    assert paginate(select(User).order_by(User.id), page=9, per_page=2).items == []


def test_insert_ignore_keeps_the_first_row(db, user):
    table = TrackingPreference.__table__
    db.session.execute(insert_ignore(table).values(user_id=user.id, reminder_emails=False, monthly_reports=True))
    db.session.execute(insert_ignore(table).values(user_id=user.id, reminder_emails=True, monthly_reports=False))
    db.session.commit()
    pref = db.session.get(TrackingPreference, user.id)
    assert (pref.reminder_emails, pref.monthly_reports) == (False, True)
