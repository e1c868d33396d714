"""The DynamoDB hand-off against moto's server over HTTP: exactly one item per order, whatever happens."""

from __future__ import annotations

import threading
import time
import uuid

from tests.support import headers_for


def place_order(client, headers, product_id, quantity=1):
    client.put(f"/api/cart/items/{product_id}", json={"quantity": quantity}, headers=headers)
    response = client.post("/api/checkout", headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
    assert response.status_code == 201
    return response.get_json()["order"]


def place_pending(app, db, client, headers, product_id, count=1):
    """Orders placed with no hand-off queued (the session's worker may be running), then made pending as
    after an outage: only the code under test sends them."""
    from sqlalchemy import update

    from trackbase.models import Order

    table = app.config["ORDERS_TABLE"]
    app.config["ORDERS_TABLE"] = None
    ids = [place_order(client, headers, product_id)["id"] for _ in range(count)]
    app.config["ORDERS_TABLE"] = table
    db.session.execute(update(Order).where(Order.id.in_(ids)).values(export_status="pending"))
    db.session.commit()
    return ids


def order_row(db, order_id):
    from trackbase.models import Order

    db.session.expire_all()
    return db.session.get(Order, order_id)


def wait_until(predicate, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_dynamodb_down_at_checkout_then_up_exports_the_order_exactly_once(
    app, client, db, celery_worker, dynamodb, user, auth_headers, make_product
):
    order = place_order(client, auth_headers, make_product("Gloves", 1250).id, 2)
    assert order["export_status"] == "pending"  # the user has the order although DynamoDB is away
    wait_until(lambda: order_row(db, order["id"]).export_attempts >= 1 and order_row(db, order["id"]).export_error)
    dynamodb.up()
    celery_worker.send_task("trackbase.tasks.shop.sweep_order_exports")
    wait_until(lambda: order_row(db, order["id"]).export_status == "exported")
    assert (
        client.get(f"/api/orders/{order['id']}", headers=auth_headers).get_json()["order"]["export_status"]
        == "exported"
    )
    time.sleep(3)  # the task's own retry also comes round: the conditional put keeps one item
    items = dynamodb.items()
    assert len(items) == 1
    item = items[0]
    assert item["order_id"] == {"S": order["id"]}
    assert item["user_email"] == {"S": user.email}
    assert item["total_cents"] == {"N": "2500"} and item["currency"] == {"S": "EUR"}
    line = item["items"]["L"][0]["M"]
    assert line["name"] == {"S": "Gloves"} and line["quantity"] == {"N": "2"}
    assert line["unit_price_cents"] == {"N": "1250"}


def test_two_sweepers_at_once_send_each_order_once(app, client, db, dynamodb, auth_headers, make_product):
    from trackbase.services import shop

    dynamodb.up()
    ids = place_pending(app, db, client, auth_headers, make_product().id, count=6)
    barrier = threading.Barrier(2)

    def sweep():
        with app.app_context():
            barrier.wait()
            shop.sweep_pending()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    rows = [order_row(db, order_id) for order_id in ids]
    assert {row.export_status for row in rows} == {"exported"}
    assert [row.export_attempts for row in rows] == [1] * 6  # claimed: nobody sent an order twice
    assert sorted(i["order_id"]["S"] for i in dynamodb.items()) == sorted(ids)


def test_a_second_put_of_an_exported_order_is_a_success_not_a_second_item(
    app, client, db, dynamodb, auth_headers, make_product
):
    from trackbase.services import shop

    dynamodb.up()
    [order_id] = place_pending(app, db, client, auth_headers, make_product().id)
    assert shop.export_order(order_id) == "exported"
    assert shop.dynamo_item(order_row(db, order_id))["order_id"] == order_id
    from trackbase.services.shop.export import put_order

    assert put_order(order_row(db, order_id)) is False  # ConditionalCheckFailed: already there
    assert len(dynamodb.items()) == 1


def test_an_order_fails_after_its_attempts_and_an_admin_retry_exports_it(
    app, client, db, dynamodb, make_user, auth_headers, make_product
):
    from trackbase.services import shop

    app.config["ORDER_EXPORT_MAX_ATTEMPTS"] = 1
    [order_id] = place_pending(app, db, client, auth_headers, make_product().id)
    assert shop.export_order(order_id) == "failed"
    admin = headers_for(make_user(role="admin"))
    failed = client.get("/api/orders?scope=all&export_status=failed", headers=admin).get_json()
    assert [o["id"] for o in failed["items"]] == [order_id]
    dynamodb.up()
    response = client.post(f"/api/orders/{order_id}/export", headers=admin)
    assert response.status_code == 202 and response.get_json()["order"]["export_status"] == "pending"
    shop.sweep_pending()  # (or the worker, running the retry's task)
    wait_until(lambda: order_row(db, order_id).export_status == "exported")
    assert len(dynamodb.items()) == 1


def test_without_orders_table_orders_stay_local(client, auth_headers, make_product):
    order = place_order(client, auth_headers, make_product().id)
    assert order["export_status"] == "local"
