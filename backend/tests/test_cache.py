"""Cached reads held in process memory are keyed by the versions the auth gate read: never stale."""

from __future__ import annotations

import redis as redis_lib

from tests.support import RedisServer, private_redis_config


def _product(db, name: str):
    from trackbase.models import Product

    product = Product(
        name=name,
        description="",
        category="gloves",
        manufacturer="acme",
        source="supplier",
        external_id=name,
        availability="in_stock",
    )
    db.session.add(product)
    db.session.commit()
    return product


def test_a_bump_or_a_flush_is_seen_at_once(make_app, db, user):
    from trackbase import cache as cache_helpers

    server = RedisServer(private=True)
    url = server.start()
    try:
        app = make_app(**private_redis_config(url))
        headers = {"Authentication-Token": user.get_auth_token()}
        product = _product(db, "glove-one")

        def names():
            with app.app_context():
                response = app.test_client().get("/api/inventory/gloves", headers=headers)
                assert response.status_code == 200
                return [item["name"] for item in response.get_json()["items"]]

        assert names() == ["glove-one"]
        assert names() == ["glove-one"]  # now also held in this process's memory
        client = redis_lib.Redis.from_url(url)
        gets_before = client.info("commandstats").get("cmdstat_mget", {}).get("calls", 0)
        assert names() == ["glove-one"]
        assert client.info("commandstats").get("cmdstat_mget", {}).get("calls", 0) == gets_before  # memory hit

        product.name = "glove-renamed"
        db.session.commit()
        with app.app_context():
            cache_helpers.clear_inventory()  # what every inventory write does after its commit
        assert names() == ["glove-renamed"]

        product.name = "glove-after-flush"
        db.session.commit()
        client.flushdb()  # Redis lost everything, versions included: memory entries must not be trusted
        assert names() == ["glove-after-flush"]
    finally:
        server.stop()
