"""Deterministic generation and rotation of the simulated catalog."""

from __future__ import annotations

import json

from supplier_sim import Simulator
from supplier_sim.catalog import Catalog, etag
from supplier_sim.config import SimConfig


def _ids(data) -> dict[str, set[str]]:
    return {c: {p["id"] for p in items} for c, items in data.products.items()}


def test_same_seed_and_epoch_give_the_same_bytes():
    first = Catalog(SimConfig(seed=7, products_per_category=400)).build(123)
    second = Catalog(SimConfig(seed=7, products_per_category=400)).build(123)
    assert first.products_body == second.products_body
    assert first.availability_body == second.availability_body
    assert first.products_etag == second.products_etag


def test_a_far_epoch_is_built_directly_and_reproducibly():
    epoch = 6_000_000  # about where time.time() / 300 is
    first = Catalog(SimConfig(products_per_category=200)).build(epoch)
    again = Catalog(SimConfig(products_per_category=200)).build(epoch)
    assert first.products_body == again.products_body


def test_another_seed_gives_other_products():
    a = Catalog(SimConfig(seed=1, products_per_category=200)).build(0)
    b = Catalog(SimConfig(seed=2, products_per_category=200)).build(0)
    assert not _ids(a)["gloves"] & _ids(b)["gloves"]


def test_rotation_replaces_a_few_products_per_period():
    catalog = Catalog(SimConfig())
    before, after = catalog.build(500), catalog.build(501)
    for category in before.products:
        old, new = _ids(before)[category], _ids(after)[category]
        gone, arrived = old - new, new - old
        assert 1 <= len(gone) <= 40, category
        assert 1 <= len(arrived) <= 40, category
        assert len(old & new) >= 0.99 * len(old)


def test_rotation_changes_some_availability_values():
    catalog = Catalog(SimConfig(products_per_category=2000))
    before, after = catalog.build(40).availability_map(), catalog.build(41).availability_map()
    common = before.keys() & after.keys()
    changed = [i for i in common if before[i] != after[i]]
    assert 0 < len(changed) < 0.05 * len(common)


def test_product_fields_stay_the_same_while_a_product_lives():
    catalog = Catalog(SimConfig(products_per_category=500))
    before = {p["id"]: p for items in catalog.build(10).products.values() for p in items}
    after = {p["id"]: p for items in catalog.build(11).products.values() for p in items}
    for product_id in before.keys() & after.keys():
        assert before[product_id] == after[product_id]


def test_zero_churn_freezes_the_data():
    catalog = Catalog(SimConfig(products_per_category=300, product_churn=0, availability_churn=0))
    assert catalog.build(1).products_body == catalog.build(99).products_body
    assert catalog.build(1).availability_body == catalog.build(99).availability_body


def test_availability_lists_products_removed_in_this_period():
    catalog = Catalog(SimConfig(products_per_category=1000))
    previous, current = catalog.build(70), catalog.build(71)
    removed = set().union(*_ids(previous).values()) - set().union(*_ids(current).values())
    assert removed
    listed = {i.lower() for i in current.availability_map()}
    assert removed <= listed


def test_etag_is_the_express_style_weak_hash_of_the_body():
    assert etag(b"") == 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"'
    data = Catalog(SimConfig(products_per_category=50)).build(0)
    assert data.products_etag["gloves"] == etag(data.products_body["gloves"])
    assert data.products_etag["gloves"] != data.products_etag["beanies"]


def test_clock_moves_the_epoch_each_rotation_period():
    now = [3000.0]
    sim = Simulator(products_per_category=100, product_churn=0.1, rotation_seconds=300, clock=lambda: now[0])
    assert sim.current_epoch() == 10
    assert sim.next_rotation_at() == 3300.0
    first = sim.snapshot().products_body["gloves"]
    now[0] = 3299.9
    assert sim.current_epoch() == 10
    now[0] = 3300.0
    assert sim.current_epoch() == 11
    assert sim.snapshot().products_body["gloves"] != first


def test_advance_moves_a_clock_driven_simulator_by_whole_periods():
    sim = Simulator(products_per_category=100, clock=lambda: 1_000_000.0)
    start = sim.current_epoch()
    assert sim.advance(3) == start + 3
    assert sim.config.time_offset == 900.0


def test_advance_moves_a_pinned_epoch():
    sim = Simulator(products_per_category=100, epoch=5)
    assert sim.advance() == 6
    assert sim.next_rotation_at() is None


def test_snapshot_bodies_parse_as_json():
    data = Simulator(products_per_category=100, epoch=0).snapshot()
    for body in (*data.products_body.values(), *data.availability_body.values()):
        json.loads(body)
