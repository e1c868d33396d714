"""The simulator's output against the recorded upstream data (small samples in fixtures/)."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from defusedxml.ElementTree import fromstring

from supplier_sim.catalog import render_products

CATEGORIES = ("gloves", "facemasks", "beanies")
ID_RE = re.compile(r"^[0-9a-f]{18,24}$")
NAME_RE = re.compile(r"^[A-ZÄÖ]+( [A-ZÄÖ]+){1,2}$")
COLORS = {"black", "blue", "green", "grey", "purple", "red", "white", "yellow"}


def _shape(product: dict) -> dict:
    return {key: type(value).__name__ for key, value in product.items()}


def _check_product(product: dict, category: str) -> None:
    assert ID_RE.match(product["id"]), product
    assert product["type"] == category
    assert NAME_RE.match(product["name"]), product
    assert 1 <= len(product["color"]) <= 2 and len(set(product["color"])) == len(product["color"])
    assert set(product["color"]) <= COLORS
    assert isinstance(product["price"], int) and 10 <= product["price"] <= 999


def test_recorded_sample_satisfies_the_contract_checks(recorded_products):
    for category, products in recorded_products.items():
        for product in products:
            _check_product(product, category)


@pytest.mark.parametrize("category", CATEGORIES)
def test_products_have_the_recorded_keys_types_and_formats(full_sim, recorded_products, category):
    simulated = json.loads(full_sim.snapshot().products_body[category])
    recorded_shapes = {json.dumps(_shape(p)) for p in recorded_products[category]}
    assert {json.dumps(_shape(p)) for p in simulated} == recorded_shapes
    assert list(simulated[0]) == list(recorded_products[category][0])  # same key order
    for product in simulated:
        _check_product(product, category)
    assert {m for p in simulated for m in [p["manufacturer"]]} == {
        "abiplos", "ippal", "juuran", "laion", "niksleh", "umpante",
    }  # fmt: skip


def test_product_bytes_are_formatted_like_the_recorded_lists(recorded_products, recorded_product_bytes):
    for category in CATEGORIES:
        assert render_products(recorded_products[category]) == recorded_product_bytes[category]


def test_names_use_upper_case_with_umlauts_in_utf8(full_sim):
    body = full_sim.snapshot().products_body["gloves"]
    assert "Ä".encode() in body and "Ö".encode() in body
    names = [p["name"] for p in json.loads(body)]
    assert Counter(len(n.split()) for n in names).keys() == {2, 3}


def test_value_distributions_resemble_the_recorded_data(full_sim):
    products = [p for items in full_sim.snapshot().products.values() for p in items]
    share_two_colors = sum(len(p["color"]) == 2 for p in products) / len(products)
    share_cheap = sum(p["price"] < 100 for p in products) / len(products)
    assert 0.05 <= share_two_colors <= 0.15  # recorded: 9.5%
    assert 0.85 <= share_cheap <= 0.95  # recorded: 90%
    assert Counter(c for p in products for c in p["color"]).keys() == COLORS


def test_category_sizes_are_within_20_percent_of_the_recorded_ones(full_sim, recorded_summary):
    sizes = {c: len(items) for c, items in full_sim.snapshot().products.items()}
    for snapshot in recorded_summary["category_sizes"].values():
        for category, recorded_size in snapshot.items():
            assert abs(sizes[category] - recorded_size) <= 0.2 * recorded_size, (category, sizes)


def test_ids_are_unique_across_categories(full_sim):
    ids = [p["id"] for items in full_sim.snapshot().products.values() for p in items]
    assert len(ids) == len(set(ids))


def test_availability_entries_have_the_recorded_shape(full_sim, recorded_availability):
    body = json.loads(full_sim.snapshot().availability_body["abiplos"])
    assert body.keys() == recorded_availability.keys()
    assert body["code"] == recorded_availability["code"] == 200
    recorded_entry = recorded_availability["response"][0]
    for entry in body["response"]:
        assert entry.keys() == recorded_entry.keys()
        assert re.match(r"^[0-9A-F]{18,24}$", entry["id"])
        # Same XML layout, only the value differs.
        assert re.sub(r">[A-Z0-9]+</INSTOCKVALUE", ">X</INSTOCKVALUE", entry["DATAPAYLOAD"]) == re.sub(
            r">[A-Z0-9]+</INSTOCKVALUE", ">X</INSTOCKVALUE", recorded_entry["DATAPAYLOAD"]
        )
        root = fromstring(entry["DATAPAYLOAD"])
        assert root.findtext("CODE") == "200"
        assert root.findtext("INSTOCKVALUE") in {"INSTOCK", "LESSTHAN10", "OUTOFSTOCK"}


def test_recorded_availability_id_joins_a_recorded_product_case_insensitively(recorded_availability, recorded_products):
    recorded_ids = {p["id"] for p in recorded_products["gloves"]}
    assert recorded_availability["response"][0]["id"].lower() in recorded_ids


def test_availability_ids_join_products_case_insensitively(full_sim):
    data = full_sim.snapshot()
    product_ids = {p["id"]: p for items in data.products.values() for p in items}
    for manufacturer in data.availability:
        entries = json.loads(data.availability_body[manufacturer])["response"]
        joined = [product_ids.get(e["id"].lower()) for e in entries]
        matched = [p for p in joined if p is not None]
        assert all(p["manufacturer"] == manufacturer for p in matched)
        assert len(matched) >= 0.99 * len(entries)  # the rest: products removed this period
    listed = {e_id.lower() for entries in data.availability.values() for e_id, _ in entries}
    assert set(product_ids) <= listed  # one manufacturer's list covers all categories


def test_one_manufacturer_list_spans_every_category(full_sim):
    data = full_sim.snapshot()
    ids = {i.lower() for i, _ in data.availability["laion"]}
    categories = {p["type"] for items in data.products.values() for p in items if p["id"] in ids}
    assert categories == set(CATEGORIES)


def test_availability_mix_matches_the_recorded_90_5_5(full_sim, recorded_summary):
    values = Counter(full_sim.snapshot().availability_map().values())
    total = sum(values.values())
    recorded = recorded_summary["availability_mix_2021-01-11"]
    recorded_total = sum(recorded.values())
    for value, label in (("INSTOCK", "In stock"), ("LESSTHAN10", "Less than 10"), ("OUTOFSTOCK", "Out of stock")):
        assert abs(values[value] / total - recorded[label] / recorded_total) < 0.02, values
