"""Applying a poll: what is written, kept, discontinued and recorded, against the simulator over HTTP."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.support import poll
from trackbase.models import AvailabilityHistory, InventoryPollRun, InventorySource, Product

VALUES = {"INSTOCK": "in_stock", "LESSTHAN10": "less_than_10", "OUTOFSTOCK": "out_of_stock"}
MANUFACTURERS = ("abiplos", "ippal", "juuran", "laion", "niksleh", "umpante")


def truth(sim) -> dict[str, dict]:
    """{lower id: {"category", "manufacturer", "availability"}} as the simulator serves it now."""
    snap = sim.snapshot()
    availability = snap.availability_map()
    return {
        p["id"]: {
            "category": category,
            "manufacturer": p["manufacturer"],
            "availability": VALUES.get(availability.get(p["id"].upper()), "unknown"),
        }
        for category, products in snap.products.items()
        for p in products
    }


def products(db) -> dict[str, Product]:
    db.session.expire_all()
    return {p.external_id: p for p in db.session.scalars(select(Product).where(Product.source == "supplier"))}


def history_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AvailabilityHistory))


def test_first_poll_stores_every_product_with_its_joined_availability(sim, db):
    run = poll()
    expected = truth(sim)
    stored = products(db)
    assert run.status == "ok"
    assert set(stored) == set(expected)
    for external_id, want in expected.items():
        row = stored[external_id]
        assert (row.category, row.manufacturer, row.availability) == (
            want["category"],
            want["manufacturer"],
            want["availability"],
        )
        assert row.availability_stale is False and row.discontinued_at is None
    assert run.counts["inserted"] == len(expected) == run.counts["seen"]
    assert history_count(db) == len(expected)
    assert run.changes == []  # new products are history, not "changes" of known products


def test_prices_are_stored_in_cents_and_colours_as_lists(sim, db):
    poll()
    upstream = sim.snapshot().products["gloves"][0]
    row = products(db)[upstream["id"]]
    assert row.price_cents == upstream["price"] * 100
    assert row.colors == upstream["color"]
    assert row.name == upstream["name"]


def test_second_poll_of_unchanged_data_writes_nothing(sim, db):
    poll()
    before = {k: (p.updated_at, p.availability_as_of) for k, p in products(db).items()}
    history_before = history_count(db)
    sim.reset_stats()
    run = poll()
    after = {k: (p.updated_at, p.availability_as_of) for k, p in products(db).items()}
    assert after == before
    assert history_count(db) == history_before
    assert run.counts["written"] == 0 and run.counts["unchanged"] == len(before)
    assert all(outcome["status"] == "not_modified" for outcome in run.sources.values())
    assert sim.stats()["not_modified"] == {"products": 3, "availability": 6}


def test_unchanged_data_fetched_in_full_writes_nothing(sim, db):
    poll()
    before = {k: (p.updated_at, p.availability_as_of) for k, p in products(db).items()}
    history_before = history_count(db)
    # Forget the ETags: every list comes back in full (200) with the same content and is compared row by row.
    db.session.execute(InventorySource.__table__.update().values(etag=None))
    db.session.commit()
    run = poll()
    assert all(outcome["status"] == "ok" for outcome in run.sources.values())
    assert {k: (p.updated_at, p.availability_as_of) for k, p in products(db).items()} == before
    assert history_count(db) == history_before
    assert run.counts["written"] == 0 and run.counts["unchanged"] == len(before)


def test_new_period_applies_changes_discontinues_and_records_history(sim, db):
    poll()
    old = truth(sim)
    sim.advance(1)
    new = truth(sim)
    history_before = history_count(db)
    run = poll()
    stored = products(db)
    gone = set(old) - set(new)
    appeared = set(new) - set(old)
    changed = {k for k in set(old) & set(new) if old[k]["availability"] != new[k]["availability"]}
    assert gone and appeared and changed
    for k in gone:
        assert stored[k].discontinued_at is not None  # kept, never deleted
    for k in set(new):
        assert stored[k].discontinued_at is None
        assert stored[k].availability == new[k]["availability"]
    assert run.counts["discontinued"] == len(gone)
    assert run.counts["inserted"] == len(appeared)
    assert {c["external_id"] for c in run.changes} == changed
    new_history = db.session.scalars(select(AvailabilityHistory).where(AvailabilityHistory.poll_run_id == run.id)).all()
    appeared_known = {k for k in appeared if new[k]["availability"] != "unknown"}
    assert history_count(db) - history_before == len(changed) + len(appeared_known) == len(new_history)
    for entry in new_history:
        if entry.old_availability is not None:
            assert (entry.old_availability, entry.availability) != (None, None)
            assert entry.old_availability != entry.availability


def test_a_product_that_reappears_is_no_longer_discontinued(sim, db):
    poll()
    sim.advance(1)
    poll()
    gone = [p for p in products(db).values() if p.discontinued_at is not None]
    assert gone
    sim.advance(-1)
    run = poll()
    stored = products(db)
    assert all(stored[p.external_id].discontinued_at is None for p in gone)
    assert run.counts["reappeared"] == len(gone)


def test_failed_manufacturer_keeps_last_availability_flagged_stale(sim, db):
    poll()
    source = db.session.scalar(select(InventorySource).where(InventorySource.name == "ippal"))
    last_good = source.last_success_at
    sim.configure(force={"availability/ippal": ["availability-empty"]})
    sim.advance(1)
    run = poll()
    new = truth(sim)
    stored = products(db)
    assert run.status == "partial"
    assert run.sources["manufacturer:ippal"]["status"] == "failed"
    assert run.sources["manufacturer:ippal"]["attempts"] == 4
    ippal = [
        p
        for p in stored.values()
        if p.manufacturer == "ippal" and p.discontinued_at is None and p.created_at < run.started_at
    ]
    others = [p for p in stored.values() if p.manufacturer != "ippal" and p.discontinued_at is None]
    assert ippal and others
    for p in ippal:
        assert p.availability_stale is True
        assert p.availability_as_of == last_good
    for p in others:
        assert p.availability_stale is False
        assert p.availability == new[p.external_id]["availability"]
    # old values kept: none of ippal's products changed history in this run
    ippal_ids = {p.id for p in ippal}
    assert not db.session.scalars(
        select(AvailabilityHistory).where(
            AvailabilityHistory.poll_run_id == run.id, AvailabilityHistory.product_id.in_(ippal_ids)
        )
    ).all()

    sim.configure(force={})
    recovered = poll()
    stored = products(db)
    assert recovered.status == "ok"
    assert all(not stored[p.external_id].availability_stale for p in ippal)
    assert all(stored[p.external_id].availability == new[p.external_id]["availability"] for p in ippal)


def test_manufacturer_failing_on_the_first_poll_leaves_unknown_stale_rows(sim, db):
    sim.configure(force={"availability/abiplos": ["503"]})
    run = poll()
    rows = [p for p in products(db).values() if p.manufacturer == "abiplos"]
    assert run.status == "partial"
    assert rows and all(p.availability == "unknown" and p.availability_stale for p in rows)


def test_failed_category_never_discontinues_its_products(sim, db):
    poll()
    gloves_before = {k for k, p in products(db).items() if p.category == "gloves"}
    sim.configure(force={"products/gloves": ["503"]})
    sim.advance(1)
    run = poll()
    new = truth(sim)
    stored = products(db)
    assert run.status == "partial"
    assert run.sources["category:gloves"]["status"] == "failed"
    assert all(stored[k].discontinued_at is None for k in gloves_before)
    # their availability still follows the manufacturers' lists
    for k in gloves_before & set(new):
        assert stored[k].availability == new[k]["availability"]
    # other categories were applied normally
    assert any(p.discontinued_at is not None for p in stored.values() if p.category != "gloves")


def test_unknown_configured_category_is_a_failed_source_not_a_wipe(sim, db, app):
    app.config["INVENTORY_CATEGORIES"] = "gloves,facemasks,beanies,socks"
    run = poll()
    assert run.status == "partial"
    assert run.sources["category:socks"] == {
        "status": "failed",
        "attempts": 4,
        "requests": 4,
        "seconds": run.sources["category:socks"]["seconds"],
        "error": "empty body",
        "retried": [f"attempt {n}: empty body" for n in range(1, 5)],
    }
    assert len(products(db)) == len(truth(sim))


def test_every_source_failing_changes_nothing(sim, db):
    poll()
    before = {k: (p.availability, p.updated_at, p.discontinued_at) for k, p in products(db).items()}
    sim.configure(force={"products/*": ["503"], "availability/*": ["504"]})
    sim.advance(1)
    run = poll()
    after = {k: (p.availability, p.updated_at, p.discontinued_at) for k, p in products(db).items()}
    assert run.status == "failed"
    assert after == before or all(after[k][0] == before[k][0] and after[k][2] is None for k in before)
    assert all(p.discontinued_at is None for p in products(db).values())


@pytest.mark.parametrize(
    "mode", ["availability-empty", "503", "504", "empty-body", "truncated-json", "malformed-xml", "slow"]
)
def test_each_failure_mode_alone_is_retried_into_a_complete_poll(sim, db, app, mode):
    if mode == "slow":
        sim.configure(slow_seconds=1.0)
        app.config["INVENTORY_READ_TIMEOUT"] = 0.4
    force = {f"availability/{m}": {"modes": [mode], "times": 1} for m in MANUFACTURERS}
    if mode not in ("availability-empty", "malformed-xml"):
        force.update({f"products/{c}": {"modes": [mode], "times": 1} for c in ("gloves", "facemasks", "beanies")})
    sim.configure(force=force)
    run = poll()
    assert run.status == "ok", run.sources
    for name, outcome in run.sources.items():
        retried = name.startswith("manufacturer:") or mode not in ("availability-empty", "malformed-xml")
        assert outcome["attempts"] == (2 if retried else 1), name
    stored = products(db)
    assert {k: p.availability for k, p in stored.items()} == {k: v["availability"] for k, v in truth(sim).items()}


def test_mixed_failures_never_lose_good_data(sim, db, app):
    poll()
    sim.advance(1)
    app.config["INVENTORY_FETCH_ATTEMPTS"] = 3
    sim.configure(empty_rate=0.3, error_rate=0.2, truncated_rate=0.1, empty_body_rate=0.1, malformed_xml_rate=0.2)
    before = products(db)
    run = poll()
    new = truth(sim)
    stored = products(db)
    assert set(before) <= set(stored)  # nothing deleted
    failed_categories = {
        name.split(":")[1]
        for name, o in run.sources.items()
        if name.startswith("category:") and o["status"] == "failed"
    }
    good_manufacturers = {
        name.split(":")[1]
        for name, o in run.sources.items()
        if name.startswith("manufacturer:") and o["status"] != "failed" and "invalid_entries" not in o
    }
    for k, p in stored.items():
        if k not in new:
            if p.category in failed_categories:
                assert p.discontinued_at is None
            continue
        assert p.discontinued_at is None
        if p.manufacturer in good_manufacturers:
            assert p.availability == new[k]["availability"] and not p.availability_stale
        elif p.availability_stale:
            assert p.availability == before[k].availability if k in before else p.availability == "unknown"
    assert run.status in ("ok", "partial")


def test_run_records_sources_counts_and_timing(sim, db):
    run = poll()
    db.session.expire_all()
    stored = db.session.get(InventoryPollRun, run.id)
    assert stored.status == "ok" and stored.finished_at >= stored.started_at
    assert set(stored.sources) == {f"category:{c}" for c in ("gloves", "facemasks", "beanies")} | {
        f"manufacturer:{m}" for m in MANUFACTURERS
    }
    assert stored.counts["seen"] == len(truth(sim))
