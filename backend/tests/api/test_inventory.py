"""Inventory API: status, category lists with filters/sort/pages, history, ETag/304, cache, refresh."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.support import headers_for
from trackbase.models import Job, Product
from trackbase.services import inventory


@pytest.fixture
def polled(sim, db):
    """The simulator's data, polled once."""
    run = inventory.run_poll("manual")
    assert run.status == "ok"
    return sim


def gloves(db):
    return db.session.scalars(
        select(Product).where(Product.category == "gloves", Product.discontinued_at.is_(None))
    ).all()


@pytest.mark.parametrize("path", ["/api/inventory/status", "/api/inventory/gloves", "/api/products/1/availability"])
def test_inventory_reads_need_a_signed_in_user(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_status_before_any_poll_is_stale_with_zero_counts(client, auth_headers, sim):
    body = client.get("/api/inventory/status", headers=auth_headers).get_json()
    assert body["last_run"] is None and body["last_success_at"] is None
    assert body["stale"] is True
    assert [c["name"] for c in body["categories"]] == ["gloves", "facemasks", "beanies"]
    assert all(c["total"] == 0 for c in body["categories"])


def test_status_after_a_poll_counts_per_category_and_availability(client, auth_headers, polled, db):
    body = client.get("/api/inventory/status", headers=auth_headers).get_json()
    assert body["last_run"]["status"] == "ok"
    assert body["stale"] is False and body["stale_reasons"] == []
    assert body["next_poll_at"] is not None
    counts = {c["name"]: c for c in body["categories"]}
    rows = gloves(db)
    assert counts["gloves"]["total"] == len(rows)
    assert counts["gloves"]["availability"]["in_stock"] == sum(p.availability == "in_stock" for p in rows)
    assert sum(counts["gloves"]["availability"].values()) == len(rows)


def test_status_reports_a_partial_poll_as_stale(client, auth_headers, polled):
    polled.configure(force={"availability/abiplos": ["503"]})
    inventory.run_poll("manual")
    body = client.get("/api/inventory/status", headers=auth_headers).get_json()
    assert body["last_run"]["status"] == "partial"
    assert body["stale"] is True and body["stale_products"] > 0
    assert body["last_run"]["sources"]["manufacturer:abiplos"]["status"] == "failed"


def test_category_list_is_sorted_by_name_and_paginated(client, auth_headers, polled, db):
    response = client.get("/api/inventory/gloves?per_page=10&page=2", headers=auth_headers)
    body = response.get_json()
    names = sorted((p.name, p.id) for p in gloves(db))
    assert body["total"] == len(names)
    assert [i["name"] for i in body["items"]] == [n for n, _ in names[10:20]]
    assert body["page"] == 2 and body["per_page"] == 10
    assert body["category"] == "gloves"
    assert body["manufacturers"] == sorted({p.manufacturer for p in gloves(db)})
    item = body["items"][0]
    assert item["source"] == "supplier" and isinstance(item["price"], (int, float))


@pytest.mark.parametrize(
    "sort,key,reverse",
    [
        ("price", lambda i: i["price"], False),
        ("-price", lambda i: i["price"], True),
        ("-name", lambda i: i["name"], True),
        ("manufacturer", lambda i: i["manufacturer"], False),
        (
            "availability",
            lambda i: ["in_stock", "less_than_10", "out_of_stock", "unknown"].index(i["availability"]),
            False,
        ),
    ],
)
def test_category_list_sorts(client, auth_headers, polled, sort, key, reverse):
    body = client.get(f"/api/inventory/gloves?sort={sort}&per_page=200", headers=auth_headers).get_json()
    values = [key(i) for i in body["items"]]
    assert values == sorted(values, reverse=reverse)


def test_category_list_filters_by_availability_manufacturer_colour_and_text(client, auth_headers, polled, db):
    rows = gloves(db)
    target = rows[0]
    body = client.get(
        f"/api/inventory/gloves?manufacturer={target.manufacturer}&availability={target.availability}&per_page=200",
        headers=auth_headers,
    ).get_json()
    assert body["total"] == sum(
        p.manufacturer == target.manufacturer and p.availability == target.availability for p in rows
    )
    assert all(i["manufacturer"] == target.manufacturer for i in body["items"])

    colour = target.colors[0]
    body = client.get(f"/api/inventory/gloves?color={colour}&per_page=200", headers=auth_headers).get_json()
    assert body["total"] == sum(colour in p.colors for p in rows)
    assert all(colour in i["colors"] for i in body["items"])

    word = target.name.split()[0].lower()
    body = client.get(f"/api/inventory/gloves?q={word}&per_page=200", headers=auth_headers).get_json()
    assert target.id in {i["id"] for i in body["items"]}
    assert all(word in i["name"].lower() for i in body["items"])

    body = client.get(
        "/api/inventory/gloves?availability=in_stock,out_of_stock&per_page=200", headers=auth_headers
    ).get_json()
    assert body["total"] == sum(p.availability in ("in_stock", "out_of_stock") for p in rows)


def test_text_search_folds_case_of_umlauts(client, auth_headers, polled, db):
    product = db.session.scalar(select(Product).where(Product.name.like("%Ä%") | Product.name.like("%Ö%")))
    assert product is not None
    word = next(w for w in product.name.split() if "Ä" in w or "Ö" in w).lower()
    body = client.get(f"/api/inventory/{product.category}?q={word}&per_page=200", headers=auth_headers).get_json()
    assert product.id in {i["id"] for i in body["items"]}


def test_text_search_treats_wildcards_literally(client, auth_headers, polled):
    body = client.get("/api/inventory/gloves?q=%25", headers=auth_headers).get_json()
    assert body["total"] == 0


def test_discontinued_products_are_left_out_of_the_list(client, auth_headers, polled, db):
    polled.advance(1)
    inventory.run_poll("manual")
    gone = db.session.scalars(select(Product).where(Product.discontinued_at.is_not(None))).all()
    assert gone
    ids = set()
    for category in ("gloves", "facemasks", "beanies"):
        body = client.get(f"/api/inventory/{category}?per_page=200", headers=auth_headers).get_json()
        ids |= {i["id"] for i in body["items"]}
    assert not ids & {p.id for p in gone}


def test_unknown_category_is_404(client, auth_headers, polled):
    response = client.get("/api/inventory/socks", headers=auth_headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "query,field",
    [
        ("sort=colour", "sort"),
        ("sort=", "sort"),
        ("availability=plenty", "availability"),
        ("page=0", "page"),
        ("page=x", "page"),
        ("per_page=201", "per_page"),
        ("per_page=-1", "per_page"),
        ("manufacturer=%27%3B drop", "manufacturer"),
        ("color=red%25", "color"),
        ("q=" + "a" * 101, "q"),
        ("availability=,", "availability"),
    ],
)
def test_bad_list_parameters_answer_400_naming_the_field(client, auth_headers, polled, query, field):
    response = client.get(f"/api/inventory/gloves?{query}", headers=auth_headers)
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]


def test_unknown_parameters_are_ignored(client, auth_headers, polled):
    assert client.get("/api/inventory/gloves?_=123", headers=auth_headers).status_code == 200


def test_list_answers_etag_and_304_on_if_none_match(client, auth_headers, polled):
    first = client.get("/api/inventory/gloves", headers=auth_headers)
    assert first.headers["Cache-Control"] == "private, max-age=0, must-revalidate"
    etag = first.headers["ETag"]
    again = client.get("/api/inventory/gloves", headers={**auth_headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag


def test_unchanged_poll_keeps_the_etag_and_a_changing_poll_invalidates_the_cache(client, auth_headers, polled, db):
    first = client.get("/api/inventory/gloves?per_page=200", headers=auth_headers)
    inventory.run_poll("manual")
    assert (
        client.get("/api/inventory/gloves?per_page=200", headers=auth_headers).headers["ETag"] == first.headers["ETag"]
    )
    polled.advance(1)
    inventory.run_poll("manual")
    after = client.get(
        "/api/inventory/gloves?per_page=200", headers={**auth_headers, "If-None-Match": first.headers["ETag"]}
    )
    assert after.status_code == 200
    fresh = {p.id: p.availability for p in gloves(db)}
    assert {i["id"]: i["availability"] for i in after.get_json()["items"]} == fresh


def test_cached_list_is_served_without_the_database(client, auth_headers, polled, db):
    client.get("/api/inventory/gloves", headers=auth_headers)
    # a write behind the poller's back is not seen until the version is bumped: the answer came from Redis
    product = gloves(db)[0]
    db.session.execute(Product.__table__.update().values(name="ZZZ CHANGED").where(Product.id == product.id))
    db.session.commit()
    cached = client.get("/api/inventory/gloves?per_page=200", headers=auth_headers).get_json()
    assert "ZZZ CHANGED" in {i["name"] for i in cached["items"]}  # a different key: built fresh
    again = client.get("/api/inventory/gloves", headers=auth_headers).get_json()
    assert "ZZZ CHANGED" not in {i["name"] for i in again["items"]}
    from trackbase import cache as cache_helpers

    cache_helpers.clear_inventory()
    assert "ZZZ CHANGED" in {
        i["name"] for i in client.get("/api/inventory/gloves?sort=-name", headers=auth_headers).get_json()["items"]
    }


def test_status_answers_304_when_nothing_changed(client, auth_headers, polled):
    first = client.get("/api/inventory/status", headers=auth_headers)
    again = client.get("/api/inventory/status", headers={**auth_headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_history_is_newest_first_and_paginated(client, auth_headers, polled, db):
    polled.advance(1)
    run = inventory.run_poll("manual")
    product_id = run.changes[0]["product_id"]
    body = client.get(f"/api/products/{product_id}/availability", headers=auth_headers).get_json()
    assert body["total"] == 2
    assert body["items"][0]["old_availability"] == run.changes[0]["old"]
    assert body["items"][0]["availability"] == run.changes[0]["new"] == body["product"]["availability"]
    assert body["items"][1]["old_availability"] is None
    page2 = client.get(f"/api/products/{product_id}/availability?per_page=1&page=2", headers=auth_headers).get_json()
    assert [i["id"] for i in page2["items"]] == [body["items"][1]["id"]]


def test_history_of_a_missing_product_is_404(client, auth_headers, polled):
    response = client.get("/api/products/999999/availability", headers=auth_headers)
    assert response.status_code == 404


def test_history_bad_page_is_400(client, auth_headers, polled, db):
    product = gloves(db)[0]
    response = client.get(f"/api/products/{product.id}/availability?page=0", headers=auth_headers)
    assert response.status_code == 400


def test_refresh_is_for_admins_only(client, auth_headers, sim):
    response = client.post("/api/inventory/refresh", headers=auth_headers)
    assert response.status_code == 403


def test_refresh_while_a_poll_runs_is_409(client, admin_headers, sim):
    lock = inventory.poll_lock()
    assert lock.acquire(blocking=False)
    try:
        response = client.post("/api/inventory/refresh", headers=admin_headers)
    finally:
        lock.release()
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "conflict"


def wait_for_job(client, headers, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    seen = set()
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}", headers=headers).get_json()["job"]
        seen.add(job["progress"])
        if job["status"] in ("succeeded", "failed"):
            return job, seen
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_refresh_job_polls_end_to_end_on_a_real_worker(client, admin_headers, sim, db, celery_worker):
    sim.configure(availability_latency=0.3)
    response = client.post("/api/inventory/refresh", headers=admin_headers)
    assert response.status_code == 202
    job = response.get_json()["job"]
    assert job["kind"] == "inventory_refresh" and job["status"] in ("queued", "running")
    # a second click while the first is queued or running is refused
    assert client.post("/api/inventory/refresh", headers=admin_headers).status_code == 409
    done, progress_seen = wait_for_job(client, admin_headers, job["id"])
    assert done["status"] == "succeeded", done["message"]
    assert done["progress"] == 100
    assert done["result"]["status"] == "ok" and done["result"]["counts"]["inserted"] > 0
    assert len(progress_seen) >= 2
    body = client.get("/api/inventory/gloves", headers=admin_headers).get_json()
    assert body["total"] > 0


def test_refresh_job_of_another_admin_is_invisible(client, admin_headers, make_user, sim, celery_worker):
    job = client.post("/api/inventory/refresh", headers=admin_headers).get_json()["job"]
    other = make_user("other-admin@example.com", role="admin")
    assert client.get(f"/api/jobs/{job['id']}", headers=headers_for(other)).status_code == 404
    wait_for_job(client, admin_headers, job["id"])


def test_refresh_job_waits_for_a_poll_that_is_already_running(sim, db, admin, app):
    import threading

    from trackbase.services import jobs

    job = jobs.create_job(admin.id, inventory.REFRESH_JOB_KIND)
    db.session.commit()
    sim.configure(availability_latency=0.5)
    thread_run = {}

    def beat_poll():
        with app.app_context():
            thread_run["run"] = inventory.run_poll("beat").id

    thread = threading.Thread(target=beat_poll)
    thread.start()
    while not inventory.poll_running():
        time.sleep(0.01)
    inventory.run_refresh_job(job.id)
    thread.join()
    db.session.expire_all()
    stored = db.session.get(Job, job.id)
    assert stored.status == "succeeded"
    assert stored.result["run_id"] == thread_run["run"]
