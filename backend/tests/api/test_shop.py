"""Shop API: cart, checkout with idempotency, orders, limits."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select

from tests.support import body_html, body_text, headers_for


def put_item(client, headers, product_id, quantity=1):
    return client.put(f"/api/cart/items/{product_id}", json={"quantity": quantity}, headers=headers)


def checkout(client, headers, key=None):
    return client.post("/api/checkout", headers={**headers, "Idempotency-Key": key or str(uuid.uuid4())})


def order_count(db):
    from trackbase.models import Order

    return db.session.scalar(select(func.count()).select_from(Order))


def test_cart_lines_and_totals_are_integer_cents_in_the_shop_currency(client, auth_headers, make_product):
    gloves, hat = make_product("Gloves", 1250), make_product("Hat", 999)
    put_item(client, auth_headers, gloves.id, 2)
    cart = put_item(client, auth_headers, hat.id, 1).get_json()["cart"]
    assert cart["currency"] == "EUR"
    assert [(i["name"], i["quantity"], i["line_total_cents"]) for i in cart["items"]] == [
        ("Gloves", 2, 2500),
        ("Hat", 1, 999),
    ]
    assert cart["total_cents"] == 3499 and cart["item_count"] == 3 and cart["purchasable"] is True


def test_quantity_zero_removes_the_line_and_100_is_refused(client, auth_headers, make_product):
    product = make_product()
    put_item(client, auth_headers, product.id, 3)
    assert put_item(client, auth_headers, product.id, 100).status_code == 400
    assert put_item(client, auth_headers, product.id, 0).get_json()["cart"]["items"] == []


def test_adding_an_unknown_product_is_404(client, auth_headers):
    assert put_item(client, auth_headers, 999999).status_code == 404


def test_a_line_is_flagged_when_its_product_changed_price_or_went_out_of_stock(client, db, auth_headers, make_product):
    product = make_product(price_cents=1000)
    put_item(client, auth_headers, product.id)
    product.price_cents = 1200
    product.availability = "out_of_stock"
    db.session.commit()
    line = client.get("/api/cart", headers=auth_headers).get_json()["cart"]["items"][0]
    assert set(line["flags"]) == {"price_changed", "out_of_stock"}
    assert (line["added_unit_price_cents"], line["unit_price_cents"]) == (1000, 1200)
    assert line["availability"] == "out_of_stock" and line["availability_as_of"] is not None
    assert line["purchasable"] is False


def test_nobody_sees_or_changes_another_users_cart(client, make_user, auth_headers, make_product):
    product = make_product()
    put_item(client, auth_headers, product.id, 4)
    other = headers_for(make_user())
    assert client.get("/api/cart", headers=other).get_json()["cart"]["items"] == []
    assert client.delete(f"/api/cart/items/{product.id}", headers=other).status_code == 404
    client.delete("/api/cart", headers=other)
    assert client.get("/api/cart", headers=auth_headers).get_json()["cart"]["items"][0]["quantity"] == 4


def test_checkout_without_an_idempotency_key_is_400(client, auth_headers, make_product):
    put_item(client, auth_headers, make_product().id)
    response = client.post("/api/checkout", headers=auth_headers)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "idempotency_key_required"


def test_checkout_snapshots_the_lines_and_empties_the_cart(client, auth_headers, make_product):
    product = make_product("Gloves", 1250)
    put_item(client, auth_headers, product.id, 2)
    response = checkout(client, auth_headers)
    assert response.status_code == 201
    order = response.get_json()["order"]
    uuid.UUID(order["id"], version=4)
    assert order["items"] == [
        {"product_id": product.id, "name": "Gloves", "unit_price_cents": 1250, "quantity": 2, "line_total_cents": 2500}
    ]
    assert (order["total_cents"], order["currency"], order["export_status"]) == (2500, "EUR", "local")
    assert client.get("/api/cart", headers=auth_headers).get_json()["cart"]["items"] == []


def test_the_same_key_again_answers_the_same_order_and_creates_nothing(client, db, auth_headers, make_product):
    put_item(client, auth_headers, make_product().id)
    first = checkout(client, auth_headers, "key-1")
    again = checkout(client, auth_headers, "key-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["order"]["id"] == again.get_json()["order"]["id"]
    assert order_count(db) == 1


def test_the_same_key_with_a_different_cart_is_422(client, db, auth_headers, make_product):
    put_item(client, auth_headers, make_product().id)
    checkout(client, auth_headers, "key-1")
    put_item(client, auth_headers, make_product().id, 3)
    response = checkout(client, auth_headers, "key-1")
    assert response.status_code == 422
    assert order_count(db) == 1


def test_ten_concurrent_checkouts_with_one_key_make_one_order(app, db, auth_headers, make_product):
    put_item(app.test_client(), auth_headers, make_product().id, 2)
    barrier = threading.Barrier(10)
    statuses, ids = [], []

    def run():
        client = app.test_client()
        barrier.wait()
        response = checkout(client, auth_headers, "same-key")
        statuses.append(response.status_code)
        ids.append(response.get_json()["order"]["id"])

    threads = [threading.Thread(target=run) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200] * 9 + [201]
    assert len(set(ids)) == 1
    assert order_count(db) == 1


def test_an_out_of_stock_line_refuses_checkout_and_names_it(client, db, auth_headers, make_product):
    good, gone = make_product(), make_product(availability="out_of_stock")
    put_item(client, auth_headers, good.id)
    put_item(client, auth_headers, gone.id)
    response = checkout(client, auth_headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["fields"] == {str(gone.id): "out_of_stock"}
    assert order_count(db) == 0
    assert len(client.get("/api/cart", headers=auth_headers).get_json()["cart"]["items"]) == 2


def test_a_discontinued_line_refuses_checkout(client, auth_headers, make_product):
    from trackbase.models import utcnow

    put_item(client, auth_headers, make_product(discontinued_at=utcnow()).id)
    assert checkout(client, auth_headers).status_code == 409


def test_an_empty_cart_refuses_checkout(client, auth_headers):
    assert checkout(client, auth_headers).status_code == 409


def test_checkout_limit_applies_per_user_on_top_of_the_gate(make_app, make_user, make_product):
    app = make_app(RATELIMIT_CHECKOUT="2 per minute", RATELIMIT_DEFAULT="1000 per minute")
    client = app.test_client()
    with app.app_context():
        headers = headers_for(make_user())
        other = headers_for(make_user())
    assert [checkout(client, headers).status_code for _ in range(3)] == [409, 409, 429]
    limited = checkout(client, headers)
    assert limited.status_code == 429 and limited.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    assert checkout(client, other).status_code == 409  # another user has their own budget


def test_cart_writes_are_limited_but_reads_are_not(make_app, make_user, make_product):
    app = make_app(RATELIMIT_CART="2 per minute")
    client = app.test_client()
    with app.app_context():
        headers = headers_for(make_user())
        product_id = make_product().id
    assert [put_item(client, headers, product_id).status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/api/cart", headers=headers).status_code == 200


def test_orders_are_visible_to_their_owner_and_admins_only(
    client, auth_headers, admin_headers, make_user, make_product
):
    put_item(client, auth_headers, make_product().id)
    order_id = checkout(client, auth_headers).get_json()["order"]["id"]
    other = headers_for(make_user())
    assert client.get(f"/api/orders/{order_id}", headers=other).status_code == 404
    assert client.get("/api/orders", headers=other).get_json()["total"] == 0
    mine = client.get("/api/orders", headers=auth_headers).get_json()
    assert [o["id"] for o in mine["items"]] == [order_id]
    assert client.get(f"/api/orders/{order_id}", headers=admin_headers).status_code == 200
    everyone = client.get("/api/orders?scope=all&export_status=local", headers=admin_headers).get_json()
    assert [o["id"] for o in everyone["items"]] == [order_id]
    assert client.get("/api/orders?scope=all&export_status=failed", headers=admin_headers).get_json()["total"] == 0
    assert client.get("/api/orders?scope=all", headers=other).get_json()["total"] == 0  # members: own only


def test_a_member_cannot_retry_an_export(client, auth_headers, make_product):
    put_item(client, auth_headers, make_product().id)
    order_id = checkout(client, auth_headers).get_json()["order"]["id"]
    assert client.post(f"/api/orders/{order_id}/export", headers=auth_headers).status_code == 403


def test_a_local_order_cannot_be_retried(client, auth_headers, admin_headers, make_product):
    put_item(client, auth_headers, make_product().id)
    order_id = checkout(client, auth_headers).get_json()["order"]["id"]
    assert client.post(f"/api/orders/{order_id}/export", headers=admin_headers).status_code == 409


def test_checkout_emails_a_confirmation_with_lines_and_total(
    client, celery_worker, smtp, user, auth_headers, make_product
):
    put_item(client, auth_headers, make_product("Winter gloves", 1250).id, 2)
    order_id = checkout(client, auth_headers).get_json()["order"]["id"]
    message = smtp.wait_for(1, to=user.email, subject=f"Your order {order_id[:8]}")[0]
    text = body_text(message)
    assert order_id in text
    assert "2 x Winter gloves at €12.50 = €25.00" in text  # money in the user's locale (English by default)
    assert "Total: €25.00" in text
    assert "Winter gloves" in body_html(message)
