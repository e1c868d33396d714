"""Watching a product over the API: watch, unwatch, who watches, the digest's unsubscribe link."""

from __future__ import annotations

from tests.research_data import make_product
from tests.support import headers_for
from trackbase.services.products import watch


def test_watch_is_idempotent_and_counted(client, auth_headers, user):
    product = make_product(user)
    url = f"/api/products/{product.id}/watch"
    assert client.get(url, headers=auth_headers).get_json()["watch"] == {
        "product_id": product.id,
        "watching": False,
        "watchers": 0,
    }
    first = client.put(url, headers=auth_headers)
    second = client.put(url, headers=auth_headers)
    assert first.status_code == 200 and second.status_code == 200
    assert second.get_json()["watch"] == {"product_id": product.id, "watching": True, "watchers": 1}
    assert client.delete(url, headers=auth_headers).get_json()["watch"]["watching"] is False
    assert client.delete(url, headers=auth_headers).get_json()["watch"]["watchers"] == 0


def test_watchers_lists_every_member_watching_in_order(client, user, make_user):
    product = make_product(user)
    ann = make_user("ann@example.com", name="Ann")
    bob = make_user("bob@example.com")
    for who in (ann, bob):
        client.put(f"/api/products/{product.id}/watch", headers=headers_for(who))
    body = client.get(f"/api/products/{product.id}/watchers", headers=headers_for(user)).get_json()
    assert body["total"] == 2
    assert [w["name"] for w in body["items"]] == ["Ann", "bob"]
    assert [w["id"] for w in body["items"]] == [ann.id, bob.id]


def test_watch_of_a_missing_product_is_404(client, auth_headers):
    assert client.put("/api/products/999999/watch", headers=auth_headers).status_code == 404
    assert client.get("/api/products/999999/watchers", headers=auth_headers).status_code == 404


def test_watching_needs_sign_in(client, user):
    product = make_product(user)
    assert client.put(f"/api/products/{product.id}/watch").status_code == 401
    assert client.get(f"/api/products/{product.id}/watchers").status_code == 401


def test_watchers_rejects_a_bad_page(client, auth_headers, user):
    product = make_product(user)
    response = client.get(f"/api/products/{product.id}/watchers?per_page=0", headers=auth_headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "validation_error"


def test_unsubscribe_link_previews_then_stops_every_watch(client, auth_headers, user):
    for name in ("One", "Two"):
        client.put(f"/api/products/{make_product(user, name=name).id}/watch", headers=auth_headers)
    token = watch.unsubscribe_token(user.id)
    preview = client.get(f"/api/watch/unsubscribe?token={token}").get_json()["unsubscribe"]
    assert preview == {"email": user.email, "watching": 2, "unsubscribed": False}
    done = client.post("/api/watch/unsubscribe", json={"token": token}).get_json()["unsubscribe"]
    assert done == {"email": user.email, "watching": 0, "unsubscribed": True}


def test_one_click_unsubscribe_posts_the_token_in_the_query(client, auth_headers, user):
    product = make_product(user)
    client.put(f"/api/products/{product.id}/watch", headers=auth_headers)
    token = watch.unsubscribe_token(user.id)
    response = client.post(f"/api/watch/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert (
        client.get(f"/api/products/{product.id}/watch", headers=auth_headers).get_json()["watch"]["watching"] is False
    )


def test_a_forged_unsubscribe_token_is_400(client, user):
    forged = watch.unsubscribe_token(user.id)[:-3] + "abc"
    assert client.get(f"/api/watch/unsubscribe?token={forged}").status_code == 400
    assert client.post("/api/watch/unsubscribe", json={"token": forged}).status_code == 400
    assert client.post("/api/watch/unsubscribe", data="x").status_code == 400
