"""Watch digests with a real worker and captured mail: one email per watcher per window, others' news only."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.research_data import add_comment, add_document, make_product
from tests.support import body_html, body_text, poll
from trackbase.extensions import db
from trackbase.models import Product, ProductEvent, ProductWatch, WatchDigest, utcnow
from trackbase.services.products import digests


@pytest.fixture(autouse=True)
def _no_settle_time(app):
    """Scans take events at once here (one test covers the settle time itself)."""
    app.config["WATCH_DIGEST_SETTLE_SECONDS"] = 0
    yield
    app.config.pop("WATCH_DIGEST_SETTLE_SECONDS", None)


def watch(user, *products):
    for product in products:
        db.session.add(ProductWatch(user_id=user.id, product_id=product.id, created_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def quiet(smtp, count, seconds=1.0):
    """Wait a moment and assert that no more than `count` messages arrived."""
    time.sleep(seconds)
    assert len(smtp.messages) == count, [m["Subject"] for m in smtp.messages]


def test_digest_lists_others_comments_and_documents_but_not_my_own(app, user, make_user, smtp, celery_worker):
    other = make_user("ann@example.com", name="Ann")
    product = make_product(other, name="Solar panel")
    watch(user, product)
    add_comment(product, other, "Efficiency is **22%** per the datasheet")
    add_document(product, other, "datasheet.txt", b"rated 400 W")
    add_comment(product, user, "My own note that I do not need mailed")
    result = digests.scan()
    assert result["claimed"] == 1
    [message] = smtp.wait_for(count=1, to=user.email)
    text = body_text(message)
    assert message["Subject"] == "Solar panel: 2 updates on a product you watch"
    assert "New comment by Ann: Efficiency is **22%** per the datasheet" in text
    assert "New document from Ann: datasheet.txt" in text
    assert "My own note" not in text and "My own note" not in body_html(message)
    assert f"http://trackbase.test/products/{product.id}" in text
    assert message["List-Unsubscribe"].strip().startswith("<http://trackbase.test/api/watch/unsubscribe?token=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/watch/unsubscribe?token=" in text
    quiet(smtp, 1)  # Ann watches nothing: no mail for her


def test_one_email_per_window_across_products_then_only_new_news(app, user, make_user, smtp, celery_worker):
    other = make_user()
    first, second = make_product(other, name="First"), make_product(other, name="Second")
    watch(user, first, second)
    add_comment(first, other, "on first")
    add_comment(second, other, "on second")
    now = utcnow()
    digests.scan(now=now)
    [message] = smtp.wait_for(count=1, to=user.email)
    assert message["Subject"] == "2 updates on 2 products you watch"
    add_comment(first, other, "later news")
    assert digests.scan(now=now)["claimed"] == 0  # same window: waits for the next one
    digests.scan(now=now + timedelta(seconds=digests.window_seconds()))
    later = smtp.wait_for(count=2, to=user.email)[1]
    assert "later news" in body_text(later) and "on first" not in body_text(later)
    quiet(smtp, 2)


def test_two_scans_and_two_workers_send_a_window_once(app, user, make_user, smtp, celery_worker):
    other = make_user()
    product = make_product(other)
    watch(user, product)
    add_comment(product, other, "news")
    now = utcnow()
    results = []

    def scan_in_thread():
        with app.app_context():
            results.append(digests.scan(now=now))

    threads = [threading.Thread(target=scan_in_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # and the beat's task twice on the worker (concurrency 2)
    celery_worker.send_task("trackbase.tasks.watch.scan_digests")
    celery_worker.send_task("trackbase.tasks.watch.scan_digests")
    smtp.wait_for(count=1, to=user.email)
    quiet(smtp, 1, seconds=2.0)
    assert sorted(r["claimed"] for r in results) == [0, 1]
    [claim] = db.session.scalars(select(WatchDigest)).all()
    assert claim.status == "sent" and claim.event_count == 1
    assert digests.send_digest(claim.id) is False  # a redelivered send finds nothing to do


def test_events_from_before_watching_are_not_listed(app, user, make_user, smtp):
    other = make_user()
    product = make_product(other)
    add_comment(product, other, "old news")
    db.session.add(ProductWatch(user_id=user.id, product_id=product.id, created_at=utcnow() + timedelta(seconds=1)))
    db.session.commit()
    assert digests.scan(enqueue=False)["claimed"] == 0


def test_a_claim_whose_send_was_lost_is_queued_again(app, user, make_user, smtp, celery_worker):
    other = make_user()
    product = make_product(other)
    watch(user, product)
    add_comment(product, other, "news")
    now = utcnow()
    assert digests.scan(now=now, enqueue=False)["claimed"] == 1  # the send task never left
    later = now + digests.REQUEUE_AFTER + timedelta(seconds=1)
    assert digests.scan(now=later)["requeued"] == 1
    smtp.wait_for(count=1, to=user.email)


def test_a_real_poll_mails_watchers_availability_changes(app, sim, user, smtp, celery_worker):
    poll()
    supplier_products = db.session.scalars(select(Product).where(Product.source == "supplier")).all()
    watch(user, *supplier_products)
    sim.advance(1)
    run = poll()
    changed = {c["product_id"]: c for c in run.changes}
    assert changed, "the simulator moved no availability"
    events = db.session.scalars(select(ProductEvent).where(ProductEvent.kind == "availability_changed")).all()
    discontinued = {e.product_id for e in events if e.data.get("discontinued")}
    assert {e.product_id for e in events} == set(changed) | discontinued
    assert len(discontinued) == run.counts["discontinued"]
    digests.scan()
    [message] = smtp.wait_for(count=1, to=user.email)
    text = body_text(message)
    product_id, change = next(iter(changed.items()))
    name = db.session.get(Product, product_id).name
    assert name in text
    labels = digests.AVAILABILITY_LABELS
    if change["new"] == "in_stock" and change["old"] != "in_stock":
        assert f"Back in stock (was {labels[change['old']]})" in text
    else:
        assert f"Availability: {labels[change['old']]} → {labels[change['new']]}" in text
    if discontinued:
        assert "Discontinued by the supplier" in text
    assert message["Subject"].startswith(f"{len(events)} updates on ")


def test_a_poll_records_no_events_for_unwatched_products(app, sim, user):
    poll()
    sim.advance(1)
    run = poll()
    assert run.changes
    assert db.session.scalars(select(ProductEvent).where(ProductEvent.kind == "availability_changed")).all() == []


def test_a_scan_leaves_events_younger_than_the_settle_time_for_later(app, user, make_user):
    other = make_user()
    product = make_product(other)
    watch(user, product)
    add_comment(product, other, "just now")
    app.config["WATCH_DIGEST_SETTLE_SECONDS"] = 30
    now = utcnow()
    assert digests.scan(now=now, enqueue=False)["claimed"] == 0
    assert digests.scan(now=now + timedelta(seconds=31), enqueue=False)["claimed"] == 1


def test_a_comment_deleted_before_the_digest_is_listed_without_its_text(app, user, make_user, smtp, celery_worker):
    other = make_user("bo@example.com", name="Bo")
    product = make_product(other, name="Drill")
    watch(user, product)
    comment = add_comment(product, other, "a secret that was taken back")
    db.session.delete(comment)
    db.session.commit()
    digests.scan()
    text = body_text(smtp.wait_for(count=1, to=user.email)[0])
    assert "New comment by Bo (since deleted)" in text and "secret" not in text
