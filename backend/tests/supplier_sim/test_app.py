"""The simulator over real HTTP: upstream endpoints, every failure mode, ETags and the control API."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from xml.etree.ElementTree import ParseError

import pytest
import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from supplier_sim.testing import run_in_thread, serve

EMPTY_AVAILABILITY = b'{"code":200,"response":"[]"}'


def _instock_value(payload: str) -> str | None:
    try:
        value = fromstring(payload).findtext("INSTOCKVALUE")
    except (ParseError, DefusedXmlException):
        return None
    return value if value in {"INSTOCK", "LESSTHAN10", "OUTOFSTOCK"} else None


# -- the upstream contract ------------------------------------------------------------------


def test_products_answer_the_epoch_bytes_with_an_etag(sim_server, http):
    url, sim = sim_server
    response = http.get(f"{url}/v2/products/gloves")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.content == sim.snapshot().products_body["gloves"]
    assert response.headers["ETag"] == sim.snapshot().products_etag["gloves"]
    assert response.headers["X-Error-Modes-Active"] == ""
    assert all(p["type"] == "gloves" for p in response.json())


def test_unknown_category_answers_200_with_an_empty_body(sim_server, http):
    url, _ = sim_server
    response = http.get(f"{url}/v2/products/socks")
    assert response.status_code == 200
    assert response.content == b""


def test_availability_covers_the_manufacturer_with_upper_case_ids(sim_server, http):
    url, sim = sim_server
    response = http.get(f"{url}/v2/availability/ippal")
    assert response.status_code == 200
    assert "X-Error-Modes-Active" in response.headers and response.headers["X-Error-Modes-Active"] == ""
    body = response.json()
    assert body["code"] == 200
    ids = {entry["id"] for entry in body["response"]}
    assert all(i == i.upper() for i in ids)
    expected = {
        p["id"].upper() for items in sim.snapshot().products.values() for p in items if p["manufacturer"] == "ippal"
    }
    assert expected <= ids
    assert all(_instock_value(entry["DATAPAYLOAD"]) for entry in body["response"])


def test_unknown_manufacturer_answers_an_empty_list(sim_server, http):
    url, _ = sim_server
    response = http.get(f"{url}/v2/availability/hennex")
    assert response.status_code == 200
    assert response.json() == {"code": 200, "response": []}


def test_unknown_path_is_404(sim_server, http):
    url, _ = sim_server
    assert http.get(f"{url}/v1/products/gloves").status_code == 404


# -- the "[]" failure -------------------------------------------------------------------------


def test_force_error_mode_all_gives_the_empty_string_response(sim_server, http):
    url, _ = sim_server
    response = http.get(f"{url}/v2/availability/laion", headers={"x-force-error-mode": "all"})
    assert response.status_code == 200
    assert response.content == EMPTY_AVAILABILITY
    assert response.json()["response"] == "[]"
    assert response.headers["X-Error-Modes-Active"] == "availability-empty"


def test_force_error_mode_does_not_touch_product_lists(sim_server, http):
    url, sim = sim_server
    response = http.get(f"{url}/v2/products/beanies", headers={"x-force-error-mode": "all"})
    assert response.content == sim.snapshot().products_body["beanies"]


def test_empty_rate_one_always_fails_availability(sim_server, http):
    url, sim = sim_server
    sim.configure(empty_rate=1.0)
    for manufacturer in ("abiplos", "umpante"):
        response = http.get(f"{url}/v2/availability/{manufacturer}")
        assert response.content == EMPTY_AVAILABILITY
        assert response.headers["X-Error-Modes-Active"] == "availability-empty"
    assert http.get(f"{url}/v2/products/gloves").headers["X-Error-Modes-Active"] == ""


def test_empty_list_alias_in_sim_mode_header(sim_server, http):
    url, _ = sim_server
    response = http.get(f"{url}/v2/availability/ippal", headers={"x-sim-mode": "empty-list"})
    assert response.content == EMPTY_AVAILABILITY


def test_failure_draws_replay_for_the_same_seed_and_request_sequence():
    def outcomes() -> list[tuple[int, bytes]]:
        with (
            serve(products_per_category=50, epoch=0, seed=11, empty_rate=0.4, error_rate=0.2) as (url, _),
            requests.Session() as session,
        ):
            return [
                (r.status_code, r.content[:40])
                for r in (session.get(f"{url}/v2/availability/ippal") for _ in range(30))
            ]

    first, second = outcomes(), outcomes()
    assert first == second
    kinds = {status if body != EMPTY_AVAILABILITY else "empty" for status, body in first}
    assert {"empty", 200} <= kinds and kinds & {503, 504}


# -- 503 / 504 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [503, 504])
def test_forced_gateway_errors_on_both_endpoints(sim_server, http, status):
    url, _ = sim_server
    for path in ("/v2/products/gloves", "/v2/availability/ippal"):
        response = http.get(url + path, headers={"x-sim-mode": str(status)})
        assert response.status_code == status
        assert "ETag" not in response.headers
        assert "X-Error-Modes-Active" not in response.headers
        assert response.headers["X-Sim-Modes"] == str(status)


def test_error_rate_one_fails_every_request(sim_server, http):
    url, sim = sim_server
    sim.configure(error_rate=1.0)
    statuses = {http.get(f"{url}/v2/products/facemasks").status_code for _ in range(20)}
    assert statuses == {503, 504}


def test_sim_mode_none_suppresses_random_failures(sim_server, http):
    url, sim = sim_server
    sim.configure(error_rate=1.0, empty_rate=1.0)
    response = http.get(f"{url}/v2/availability/ippal", headers={"x-sim-mode": "none"})
    assert response.status_code == 200
    assert response.content == sim.snapshot().availability_body["ippal"]


# -- failures forced on a path by configuration ------------------------------------------------------


def test_force_setting_fails_one_manufacturer_for_every_client(sim_server, http):
    url, sim = sim_server
    http.post(f"{url}/_sim/config", json={"force": {"availability/ippal": ["availability-empty"]}})
    for _ in range(3):
        assert http.get(f"{url}/v2/availability/ippal").content == EMPTY_AVAILABILITY
    assert http.get(f"{url}/v2/availability/laion").content == sim.snapshot().availability_body["laion"]


def test_counted_force_fails_the_next_requests_then_recovers(sim_server, http):
    url, sim = sim_server
    http.post(f"{url}/_sim/config", json={"force": {"products/*": {"modes": ["503"], "times": 2}}})
    statuses = [http.get(f"{url}/v2/products/{c}").status_code for c in ("gloves", "beanies", "gloves", "beanies")]
    assert statuses == [503, 503, 200, 200]
    assert sim.stats()["force_remaining"] == {"products/*": 0}
    http.post(f"{url}/_sim/config", json={"force": sim.config.force})  # posting it again re-arms it
    assert http.get(f"{url}/v2/products/gloves").status_code == 503


@pytest.mark.parametrize(
    "force",
    [
        {"availability": ["503"]},
        {"availability/ippal": ["explode"]},
        {"products/*": {"modes": ["503"], "times": 0}},
        {"products/*": {"modes": ["503"], "times": 1, "extra": 1}},
        ["products/*"],
    ],
)
def test_invalid_force_setting_is_a_400(sim_server, http, force):
    url, _ = sim_server
    assert http.post(f"{url}/_sim/config", json={"force": force}).status_code == 400


# -- latency ------------------------------------------------------------------------------------


def test_endpoint_latency_is_applied_per_endpoint(sim_server, http, fake_sleep):
    url, sim = sim_server
    sim.configure(products_latency=0.5, availability_latency=2.0)
    http.get(f"{url}/v2/products/gloves")
    http.get(f"{url}/v2/availability/ippal")
    products_delay, availability_delay = fake_sleep.calls
    assert 0.3 < products_delay <= 0.5
    assert 1.8 < availability_delay <= 2.0


def test_slow_mode_adds_slow_seconds(sim_server, http, fake_sleep):
    url, sim = sim_server
    sim.configure(slow_seconds=7.0)
    response = http.get(f"{url}/v2/products/gloves", headers={"x-sim-mode": "slow"})
    assert response.status_code == 200
    assert 6.8 < fake_sleep.calls[-1] <= 7.0
    assert sim.stats()["modes"]["slow"] == 1


def test_slow_mode_combines_with_an_error(sim_server, http, fake_sleep):
    url, _ = sim_server
    response = http.get(f"{url}/v2/availability/ippal", headers={"x-sim-mode": "slow, 504"})
    assert response.status_code == 504
    assert fake_sleep.calls and fake_sleep.calls[-1] > 4.8


def test_delay_header_adds_seconds(sim_server, http, fake_sleep):
    url, _ = sim_server
    http.get(f"{url}/v2/products/gloves", headers={"x-sim-delay": "3"})
    assert 2.8 < fake_sleep.calls[-1] <= 3.0


def test_a_slow_response_trips_a_client_read_timeout():
    with (
        serve(products_per_category=20, epoch=0, slow_seconds=3.0) as (url, _),
        pytest.raises(requests.exceptions.ReadTimeout),
    ):
        requests.get(f"{url}/v2/products/gloves", headers={"x-sim-mode": "slow"}, timeout=(2, 0.3))


def test_requests_are_served_concurrently(sim_server, fake_sleep):
    url, sim = sim_server
    sim.configure(availability_latency=1.0)
    manufacturers = sim.config.manufacturers
    fake_sleep.barrier = threading.Barrier(len(manufacturers))  # every request waits for all the others
    with ThreadPoolExecutor(len(manufacturers)) as pool:
        statuses = list(pool.map(lambda m: requests.get(f"{url}/v2/availability/{m}").status_code, manufacturers))
    assert statuses == [200] * len(manufacturers)
    assert sim.stats()["max_in_flight"]["availability"] == len(manufacturers)


# -- corrupt bodies -------------------------------------------------------------------------------


def test_malformed_xml_breaks_some_payloads_only(sim_server, http):
    url, sim = sim_server
    sim.configure(malformed_xml_fraction=0.05)
    response = http.get(f"{url}/v2/availability/juuran", headers={"x-sim-mode": "malformed-xml"})
    assert response.status_code == 200
    assert response.headers["X-Error-Modes-Active"] == ""
    entries = response.json()["response"]
    values = [_instock_value(e["DATAPAYLOAD"]) for e in entries]
    broken = values.count(None)
    assert 1 <= broken <= 0.1 * len(entries)
    assert response.headers["ETag"] != sim.snapshot().availability_etag["juuran"]


def test_malformed_xml_includes_entity_expansion_that_safe_parsers_refuse():
    with serve(products_per_category=300, epoch=0, seed=3, malformed_xml_rate=1.0, malformed_xml_fraction=1.0) as (
        url,
        _,
    ):
        entries = requests.get(f"{url}/v2/availability/niksleh").json()["response"]
    assert any("<!ENTITY" in e["DATAPAYLOAD"] for e in entries)
    assert all(_instock_value(e["DATAPAYLOAD"]) is None for e in entries)


@pytest.mark.parametrize("path", ["/v2/products/gloves", "/v2/availability/ippal"])
def test_truncated_json_is_a_cut_prefix_without_etag(sim_server, http, path):
    url, sim = sim_server
    full = http.get(url + path).content
    response = http.get(url + path, headers={"x-sim-mode": "truncated-json"})
    assert response.status_code == 200
    assert 0 < len(response.content) < len(full.rstrip())
    assert full.startswith(response.content)
    assert "ETag" not in response.headers
    with pytest.raises(ValueError):
        json.loads(response.content)


@pytest.mark.parametrize("path", ["/v2/products/gloves", "/v2/availability/ippal"])
def test_empty_body_mode(sim_server, http, path):
    url, _ = sim_server
    response = http.get(url + path, headers={"x-sim-mode": "empty-body"})
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["X-Error-Modes-Active"] == ""


def test_truncated_rate_one_corrupts_every_response(sim_server, http):
    url, sim = sim_server
    sim.configure(truncated_rate=1.0)
    for _ in range(5):
        with pytest.raises(ValueError):
            json.loads(http.get(f"{url}/v2/availability/abiplos").content)


def test_unknown_sim_mode_is_a_400(sim_server, http):
    url, _ = sim_server
    response = http.get(f"{url}/v2/products/gloves", headers={"x-sim-mode": "explode"})
    assert response.status_code == 400
    assert "explode" in response.json()["error"]


def test_bad_delay_header_is_a_400(sim_server, http):
    url, _ = sim_server
    assert http.get(f"{url}/v2/products/gloves", headers={"x-sim-delay": "soon"}).status_code == 400


# -- ETag / If-None-Match ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v2/products/gloves", "/v2/availability/ippal", "/v2/products/socks"])
def test_matching_if_none_match_gives_304_without_body(sim_server, http, path):
    url, sim = sim_server
    tag = http.get(url + path).headers["ETag"]
    response = http.get(url + path, headers={"If-None-Match": tag})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == tag
    assert sim.stats()["not_modified"]["products" if "products" in path else "availability"] == 1


def test_if_none_match_without_weak_prefix_still_matches(sim_server, http):
    url, _ = sim_server
    tag = http.get(f"{url}/v2/products/gloves").headers["ETag"]
    assert tag.startswith('W/"')
    assert http.get(f"{url}/v2/products/gloves", headers={"If-None-Match": tag[2:]}).status_code == 304


def test_stale_etag_gets_the_new_data_after_rotation(sim_server, http):
    url, sim = sim_server
    sim.configure(product_churn=0.2)
    old = http.get(f"{url}/v2/products/gloves")
    sim.advance()
    response = http.get(f"{url}/v2/products/gloves", headers={"If-None-Match": old.headers["ETag"]})
    assert response.status_code == 200
    assert response.headers["ETag"] != old.headers["ETag"]
    assert response.content != old.content


def test_etag_does_not_hide_the_empty_failure(sim_server, http):
    url, _ = sim_server
    tag = http.get(f"{url}/v2/availability/ippal").headers["ETag"]
    response = http.get(f"{url}/v2/availability/ippal", headers={"If-None-Match": tag, "x-force-error-mode": "all"})
    assert response.status_code == 200
    assert response.content == EMPTY_AVAILABILITY


# -- control API ----------------------------------------------------------------------------------


def test_control_config_reads_and_changes_settings(sim_server, http):
    url, sim = sim_server
    assert http.get(f"{url}/_sim/config").json()["empty_rate"] == 0.0
    response = http.post(f"{url}/_sim/config", json={"empty_rate": 1.0, "availability_latency": 0.25})
    assert response.status_code == 200
    assert response.json()["empty_rate"] == 1.0
    assert sim.config.availability_latency == 0.25
    assert http.get(f"{url}/v2/availability/ippal").content == EMPTY_AVAILABILITY


@pytest.mark.parametrize(
    "body", [{"empty_rate": 1.5}, {"no_such_setting": 1}, {"rotation_seconds": 0}, {"seed": "x"}, [1, 2]]
)
def test_control_config_rejects_invalid_settings(sim_server, http, body):
    url, sim = sim_server
    response = http.post(f"{url}/_sim/config", json=body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert sim.config.empty_rate == 0.0


def test_control_config_rejects_non_json(sim_server, http):
    url, _ = sim_server
    assert http.post(f"{url}/_sim/config", data="rate=1").status_code == 400


def test_control_advance_rotates_the_data(sim_server, http):
    url, sim = sim_server
    sim.configure(product_churn=0.2)
    before = http.get(f"{url}/_sim/snapshot").json()
    status = http.post(f"{url}/_sim/advance", json={"periods": 2}).json()
    assert status["epoch"] == 2 and status["pinned"] is True
    after = http.get(f"{url}/_sim/snapshot").json()
    assert after["epoch"] == 2
    assert set(before["products"]["gloves"]) != set(after["products"]["gloves"])
    assert http.post(f"{url}/_sim/advance").json()["epoch"] == 3


@pytest.mark.parametrize("body", [{"periods": "two"}, {"periods": 1.5}, {"periods": True}])
def test_control_advance_rejects_a_non_integer_period_count(sim_server, http, body):
    url, sim = sim_server
    assert http.post(f"{url}/_sim/advance", json=body).status_code == 400
    assert sim.current_epoch() == 0


def test_head_request_has_headers_without_body(sim_server, http):
    url, sim = sim_server
    response = http.head(f"{url}/v2/products/gloves")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["ETag"] == sim.snapshot().products_etag["gloves"]


def test_control_snapshot_matches_the_served_data(sim_server, http):
    url, _ = sim_server
    snapshot = http.get(f"{url}/_sim/snapshot").json()
    served = [p["id"] for p in http.get(f"{url}/v2/products/beanies").json()]
    assert snapshot["products"]["beanies"] == served
    entries = http.get(f"{url}/v2/availability/umpante").json()["response"]
    for entry in entries:
        assert _instock_value(entry["DATAPAYLOAD"]) == snapshot["availability"][entry["id"]]


def test_control_status_reports_epoch_and_counts(http):
    now = [3000.0]
    base_url, _, stop = run_in_thread(products_per_category=40, clock=lambda: now[0])
    try:
        status = http.get(f"{base_url}/_sim/status").json()
    finally:
        stop()
    assert status["epoch"] == 10 and status["pinned"] is False
    assert status["next_rotation_at"] == 3300.0
    assert status["seconds_to_next_rotation"] == 300.0
    assert set(status["categories"]) == {"gloves", "facemasks", "beanies"}
    assert len(status["manufacturers"]) == 6


def test_control_stats_count_requests_per_endpoint_and_reset(sim_server, http):
    url, _ = sim_server
    http.get(f"{url}/v2/products/gloves")
    http.get(f"{url}/v2/products/gloves", headers={"x-sim-mode": "503"})
    http.get(f"{url}/v2/availability/ippal", headers={"x-force-error-mode": "all"})
    stats = http.get(f"{url}/_sim/stats").json()
    assert stats["requests"]["products"] == 2
    assert stats["requests"]["availability"] == 1
    assert stats["paths"]["/v2/products/gloves"] == 2
    assert stats["statuses"] == {"200": 2, "503": 1}
    assert stats["modes"] == {"503": 1, "availability-empty": 1}
    http.post(f"{url}/_sim/stats/reset")
    assert http.get(f"{url}/_sim/stats").json()["requests"]["products"] == 0


def test_control_reset_restores_the_starting_settings(sim_server, http):
    url, sim = sim_server
    http.post(f"{url}/_sim/config", json={"error_rate": 1.0})
    http.post(f"{url}/_sim/advance")
    http.get(f"{url}/v2/products/gloves")
    assert http.post(f"{url}/_sim/reset").status_code == 200
    assert sim.config.error_rate == 0.0 and sim.current_epoch() == 0
    assert sim.stats()["requests"]["products"] == 0


def test_control_api_can_be_disabled(http):
    with serve(products_per_category=10, epoch=0, control=False) as (url, _):
        assert http.get(f"{url}/_sim/status").status_code == 404
        assert http.post(f"{url}/_sim/config", json={"error_rate": 1}).status_code == 404
        assert http.get(f"{url}/v2/products/gloves").status_code == 200


def test_stop_closes_the_port(http):
    url, _, stop = run_in_thread(products_per_category=10, epoch=0)
    assert http.get(f"{url}/v2/products/gloves").status_code == 200
    stop()
    stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(f"{url}/v2/products/gloves", timeout=2)
