"""The supplier client against the simulator over HTTP: retries for every failure mode, ETag, safe XML."""

from __future__ import annotations

import pytest

from tests.support import free_port
from trackbase.services.inventory.supplier_client import (
    ClientSettings,
    SupplierClient,
    parse_availability,
    parse_payload,
)

ENTITY_BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    "<AVAILABILITY><CODE>200</CODE><INSTOCKVALUE>&lol2;</INSTOCKVALUE></AVAILABILITY>"
)


@pytest.fixture
def client(sim, app):
    """A client with instant backoff pointed at the simulator (overrides the HTTP test client here)."""
    c = SupplierClient(
        ClientSettings(base_url=app.config["SUPPLIER_API_URL"], backoff=0.001, attempts=4, read_timeout=5.0, hedge=1)
    )
    yield c
    c.close()


def snapshot_availability(sim, manufacturer):
    return {i: v for i, v in sim.snapshot().availability[manufacturer]}


def test_payload_parser_reads_the_three_values():
    template = "<AVAILABILITY>\n  <CODE>200</CODE>\n  <INSTOCKVALUE>{}</INSTOCKVALUE>\n</AVAILABILITY>"
    assert parse_payload(template.format("INSTOCK")) == "in_stock"
    assert parse_payload(template.format("LESSTHAN10")) == "less_than_10"
    assert parse_payload(template.format("OUTOFSTOCK")) == "out_of_stock"


@pytest.mark.parametrize(
    "payload",
    [
        ENTITY_BOMB,
        "<AVAILABILITY><CODE>",
        "Internal Server Error",
        "",
        None,
        "<AVAILABILITY><INSTOCKVALUE>MAYBE</INSTOCKVALUE></AVAILABILITY>",
    ],
)
def test_payload_parser_refuses_malformed_and_entity_expansion(payload):
    assert parse_payload(payload) is None


def test_availability_parser_upper_cases_ids_and_counts_bad_entries():
    body = (
        b'{"code":200,"response":[{"id":"abc1","DATAPAYLOAD":"<AVAILABILITY><INSTOCKVALUE>INSTOCK'
        b'</INSTOCKVALUE></AVAILABILITY>"},{"id":"ABC2","DATAPAYLOAD":"<broken"}]}'
    )
    data, invalid = parse_availability(body)
    assert data == {"ABC1": "in_stock", "ABC2": None}
    assert invalid == 1


def test_category_fetch_returns_normalised_products(client, sim):
    result = client.fetch_category("gloves")
    assert result.status == "ok" and result.attempts == 1
    truth = sim.snapshot().products["gloves"]
    assert [p["external_id"] for p in result.data] == [p["id"] for p in truth]
    first = result.data[0]
    assert first["price_cents"] == truth[0]["price"] * 100
    assert first["colors"] == truth[0]["color"]
    assert result.etag


def test_availability_fetch_joins_on_upper_case_ids(client, sim):
    result = client.fetch_manufacturer("abiplos")
    expected = {
        i: {"INSTOCK": "in_stock", "LESSTHAN10": "less_than_10", "OUTOFSTOCK": "out_of_stock"}[v]
        for i, v in snapshot_availability(sim, "abiplos").items()
    }
    assert result.status == "ok"
    assert result.data == expected


@pytest.mark.parametrize("mode", ["availability-empty", "503", "504", "empty-body", "truncated-json", "malformed-xml"])
def test_availability_failure_mode_is_retried_until_good(client, sim, mode):
    sim.configure(force={"availability/ippal": {"modes": [mode], "times": 2}})
    result = client.fetch_manufacturer("ippal")
    assert result.status == "ok"
    assert result.attempts == 3
    assert result.invalid_entries == 0
    assert len(result.data) == len(sim.snapshot().availability["ippal"])
    assert all(v is not None for v in result.data.values())


@pytest.mark.parametrize("mode", ["503", "504", "empty-body", "truncated-json"])
def test_product_list_failure_mode_is_retried_until_good(client, sim, mode):
    sim.configure(force={"products/beanies": {"modes": [mode], "times": 3}})
    result = client.fetch_category("beanies")
    assert result.status == "ok"
    assert result.attempts == 4
    assert len(result.data) == len(sim.snapshot().products["beanies"])


def test_the_forced_empty_response_header_mode_counts_as_failure(client, sim):
    sim.configure(force={"availability/laion": ["availability-empty"]})
    result = client.fetch_manufacturer("laion")
    assert result.status == "failed"
    assert result.attempts == 4
    assert "availability-empty" in result.error
    assert result.data is None


def test_timeouts_are_retried(sim, app):
    sim.configure(slow_seconds=1.5, force={"availability/juuran": {"modes": ["slow"], "times": 1}})
    c = SupplierClient(
        ClientSettings(base_url=app.config["SUPPLIER_API_URL"], backoff=0.001, read_timeout=0.5, hedge=1)
    )
    try:
        result = c.fetch_manufacturer("juuran")
    finally:
        c.close()
    assert result.status == "ok"
    assert result.attempts == 2
    assert "timed out" in result.errors[0]


def test_unknown_category_empty_body_fails_after_retries(client):
    result = client.fetch_category("socks")
    assert result.status == "failed"
    assert result.error == "empty body"
    assert result.attempts == 4


def test_refused_connection_fails_after_retries():
    c = SupplierClient(ClientSettings(base_url=f"http://127.0.0.1:{free_port()}", backoff=0.001, attempts=2, hedge=1))
    try:
        result = c.fetch_category("gloves")
    finally:
        c.close()
    assert result.status == "failed"
    assert result.error == "connection failed"


def test_etag_gives_not_modified_without_a_body(client, sim):
    first = client.fetch_manufacturer("umpante")
    sim.reset_stats()
    again = client.fetch_manufacturer("umpante", etag=first.etag)
    assert again.status == "not_modified"
    assert again.data is None
    assert sim.stats()["not_modified"]["availability"] == 1


def test_persistently_malformed_payloads_keep_the_good_entries_without_an_etag(client, sim):
    sim.configure(force={"availability/niksleh": ["malformed-xml"]})
    result = client.fetch_manufacturer("niksleh")
    assert result.status == "ok"
    assert result.invalid_entries >= 1
    assert result.etag is None
    assert sum(v is None for v in result.data.values()) == result.invalid_entries


def test_retries_are_hedged_so_one_more_failure_does_not_cost_another_round(sim, app):
    # the first request and one of the two parallel retries fail; the other retry wins
    sim.configure(force={"availability/abiplos": {"modes": ["availability-empty"], "times": 2}})
    c = SupplierClient(ClientSettings(base_url=app.config["SUPPLIER_API_URL"], backoff=0.001, hedge=2))
    try:
        result = c.fetch_manufacturer("abiplos")
    finally:
        c.close()
    assert result.status == "ok"
    assert result.attempts == 2 and result.requests == 3
    assert len(result.data) == len(sim.snapshot().availability["abiplos"])


def test_hedged_retries_that_all_fail_keep_retrying(sim, app):
    sim.configure(force={"availability/ippal": {"modes": ["503"], "times": 3}})
    c = SupplierClient(ClientSettings(base_url=app.config["SUPPLIER_API_URL"], backoff=0.001, hedge=2))
    try:
        result = c.fetch_manufacturer("ippal")
    finally:
        c.close()
    assert result.status == "ok"
    assert result.attempts == 3 and result.requests == 5
    assert result.errors == ["attempt 1: HTTP 503", "attempt 2: HTTP 503"]
