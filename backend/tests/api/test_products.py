"""Products API: create/read/edit/delete, the ownership matrix, supplier rows, search, filters, sorts, counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from celery.signals import before_task_publish
from sqlalchemy import func, select

from tests.support import headers_for, make_tracker
from trackbase.models import Comment, Document, Product, ProductEvent, ProductTag, ProductWatch, Tracker, utcnow


def create(client, headers, **fields):
    body = {"name": "Acme Bond 2030", **fields}
    response = client.post("/api/products", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["product"]


def supplier_row(db, name="GLOVE ALPHA", **fields) -> Product:
    product = Product(
        name=name,
        source="supplier",
        external_id=fields.pop("external_id", name.lower().replace(" ", "-")),
        category=fields.pop("category", "gloves"),
        manufacturer=fields.pop("manufacturer", "abiplos"),
        price_cents=fields.pop("price_cents", 1250),
        availability=fields.pop("availability", "in_stock"),
        **fields,
    )
    db.session.add(product)
    db.session.commit()
    return product


def events(db, product_id: int) -> list[ProductEvent]:
    return db.session.scalars(
        select(ProductEvent).where(ProductEvent.product_id == product_id).order_by(ProductEvent.id)
    ).all()


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


# ---------------------------------------------------------------- access


@pytest.mark.parametrize(
    "method, path", [("get", "/api/products"), ("post", "/api/products"), ("get", "/api/products/1"),
                     ("patch", "/api/products/1"), ("delete", "/api/products/1"), ("get", "/api/products/facets")]
)  # fmt: skip
def test_signed_out_caller_sees_nothing(client, method, path):
    response = getattr(client, method)(path, json={} if method in ("post", "patch") else None)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_missing_product_is_404(client, auth_headers):
    for method in ("get", "delete"):
        assert getattr(client, method)("/api/products/999", headers=auth_headers).status_code == 404
    assert client.patch("/api/products/999", json={"name": "x"}, headers=auth_headers).status_code == 404


# ---------------------------------------------------------------- create and read


def test_create_returns_the_product_owned_by_the_caller(client, auth_headers, user, db):
    product = create(
        client,
        auth_headers,
        description="# Thesis\n\nYield **4.1%**.",
        category="Bonds",
        manufacturer="Acme Corp",
        price=99.5,
        tags=["  Fixed Income ", "energy", "energy"],
    )
    assert product["source"] == "member" and product["external_id"] is None
    assert product["price"] == 99.5
    assert product["tags"] == ["energy", "fixed income"]
    assert product["description_html"].startswith("<h1>Thesis</h1>")
    assert "<strong>4.1%</strong>" in product["description_html"]
    assert product["created_by"] == {"id": user.id, "name": "Member"}
    assert product["can_edit"] is True and product["can_delete"] is True
    assert product["comment_count"] == 0 and product["document_count"] == 0 and product["watched"] is False
    assert [(e.kind, e.actor_id) for e in events(db, product["id"])] == [("created", user.id)]
    assert db.session.get(Product, product["id"]).price_cents == 9950


def test_whole_prices_answer_as_integers_and_blank_optional_fields_as_null(client, auth_headers):
    product = create(client, auth_headers, price=10, category="  ", manufacturer="")
    assert product["price"] == 10 and isinstance(product["price"], int)
    assert product["category"] is None and product["manufacturer"] is None
    assert create(client, auth_headers, name="No price")["price"] is None


def test_description_html_is_sanitized(client, auth_headers):
    product = create(client, auth_headers, description="<script>alert(1)</script> [x](javascript:alert(1))")
    assert "<script" not in product["description_html"]
    assert "href" not in product["description_html"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "ok", "price": 1.005}, "price"),
        ({"name": "ok", "price": -1}, "price"),
        ({"name": "ok", "price": "ten"}, "price"),
        ({"name": "ok", "price": True}, "price"),
        ({"name": "ok", "price": 10_000_001}, "price"),
        ({"name": "ok", "tags": "energy"}, "tags"),
        ({"name": "ok", "tags": ["<b>"]}, "tags"),
        ({"name": "ok", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"name": "ok", "category": "c" * 65}, "category"),
        ({"name": "ok\x00"}, "name"),
        ({"name": "ok", "source": "supplier"}, "source"),
        ({"name": "ok", "availability": "in_stock"}, "availability"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, auth_headers, body, field):
    response = client.post("/api/products", json=body, headers=auth_headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]


def test_a_body_that_is_not_json_is_415(client, auth_headers):
    response = client.post("/api/products", data="name=x", headers=auth_headers)
    assert response.status_code == 415


def test_every_member_sees_every_product(client, auth_headers, make_user, db):
    product = create(client, auth_headers)
    other = headers_for(make_user())
    body = client.get(f"/api/products/{product['id']}", headers=other).get_json()["product"]
    assert body["name"] == "Acme Bond 2030"
    assert body["can_edit"] is False and body["can_delete"] is False and body["editable_fields"] == []
    assert [p["id"] for p in client.get("/api/products", headers=other).get_json()["items"]] == [product["id"]]


# ---------------------------------------------------------------- the ownership matrix


@pytest.fixture
def member_product(client, auth_headers):
    return create(client, auth_headers, description="draft", tags=["a"])


def test_creator_edits_any_field_and_the_edit_is_logged(client, auth_headers, user, member_product, db):
    pid = member_product["id"]
    before = db.session.get(Product, pid).last_activity_at
    response = client.patch(
        f"/api/products/{pid}",
        json={"name": "Renamed", "price": 12.34, "tags": ["b", "a"], "description": "final"},
        headers=auth_headers,
    )
    assert response.status_code == 200
    body = response.get_json()["product"]
    assert body["name"] == "Renamed" and body["price"] == 12.34 and body["tags"] == ["a", "b"]
    assert body["description"] == "final" and body["description_html"] == "<p>final</p>\n"
    last = events(db, pid)[-1]
    assert (last.kind, last.actor_id) == ("updated", user.id)
    assert sorted(last.data["fields"]) == ["description", "name", "price", "tags"]
    db.session.expire_all()
    assert db.session.get(Product, pid).last_activity_at > before


def test_an_edit_that_changes_nothing_logs_nothing(client, auth_headers, member_product, db):
    pid = member_product["id"]
    client.patch(f"/api/products/{pid}", json={"description": "draft", "tags": ["A "]}, headers=auth_headers)
    assert [e.kind for e in events(db, pid)] == ["created"]


def test_another_member_cannot_edit_or_delete_a_member_product(client, member_product, make_user, db):
    other = headers_for(make_user())
    pid = member_product["id"]
    for response in (
        client.patch(f"/api/products/{pid}", json={"description": "mine now"}, headers=other),
        client.delete(f"/api/products/{pid}", headers=other),
    ):
        assert response.status_code == 403
        assert response.get_json()["error"]["code"] == "forbidden"
    db.session.expire_all()
    assert db.session.get(Product, pid).description == "draft"


def test_an_admin_edits_and_deletes_a_member_product(client, member_product, admin_headers, admin, db):
    pid = member_product["id"]
    response = client.patch(f"/api/products/{pid}", json={"name": "Fixed by admin"}, headers=admin_headers)
    assert response.status_code == 200 and response.get_json()["product"]["can_delete"] is True
    assert events(db, pid)[-1].actor_id == admin.id
    assert client.delete(f"/api/products/{pid}", headers=admin_headers).status_code == 204
    assert client.get(f"/api/products/{pid}", headers=admin_headers).status_code == 404


def test_creator_deletes_their_product(client, auth_headers, member_product, db):
    assert client.delete(f"/api/products/{member_product['id']}", headers=auth_headers).status_code == 204
    assert db.session.scalar(select(func.count()).select_from(Product)) == 0


# ---------------------------------------------------------------- supplier rows


def test_any_member_edits_research_fields_of_a_supplier_row_and_is_logged(client, make_user, db):
    row = supplier_row(db)
    editor = make_user(name="Editor")
    response = client.patch(
        f"/api/products/{row.id}", json={"description": "Good grip.", "tags": ["Winter"]}, headers=headers_for(editor)
    )
    assert response.status_code == 200
    body = response.get_json()["product"]
    assert body["description"] == "Good grip." and body["tags"] == ["winter"]
    assert body["editable_fields"] == ["description", "tags"] and body["can_delete"] is False
    last = events(db, row.id)[-1]
    assert (last.kind, last.actor_id, sorted(last.data["fields"])) == ("updated", editor.id, ["description", "tags"])


@pytest.mark.parametrize(
    "change",
    [{"name": "Mine"}, {"category": "x"}, {"manufacturer": "x"}, {"price": 1}, {"description": "ok", "price": 2}],
)
def test_supplier_fields_of_a_supplier_row_cannot_change(client, admin_headers, db, change):
    row = supplier_row(db)
    response = client.patch(f"/api/products/{row.id}", json=change, headers=admin_headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert "supplier" in error["message"]
    assert set(error["fields"]) == set(change) - {"description"}
    db.session.expire_all()
    assert db.session.get(Product, row.id).name == "GLOVE ALPHA" and db.session.get(Product, row.id).description == ""


def test_a_supplier_row_cannot_be_deleted_even_by_an_admin(client, admin_headers, db):
    row = supplier_row(db)
    response = client.delete(f"/api/products/{row.id}", headers=admin_headers)
    assert response.status_code == 403 and "poll" in response.get_json()["error"]["message"]
    assert db.session.get(Product, row.id) is not None


def test_editing_a_supplier_row_refreshes_the_cached_inventory_history(client, auth_headers, db):
    row = supplier_row(db)
    path = f"/api/products/{row.id}/availability"
    assert client.get(path, headers=auth_headers).get_json()["product"]["description"] == ""
    client.patch(f"/api/products/{row.id}", json={"description": "new notes"}, headers=auth_headers)
    assert client.get(path, headers=auth_headers).get_json()["product"]["description"] == "new notes"


# ---------------------------------------------------------------- delete removes the research


@pytest.fixture
def published():
    """Task messages published to the broker during the test: (task name, args)."""
    sent = []

    def record(sender=None, body=None, **_):
        sent.append((sender, list(body[0])))

    before_task_publish.connect(record, weak=False)
    yield sent
    before_task_publish.disconnect(record)


def test_delete_removes_documents_comments_and_queues_the_stored_objects(
    client, auth_headers, user, member_product, db, published
):
    pid = member_product["id"]
    for n in (1, 2):
        db.session.add(
            Document(product_id=pid, uploaded_by_id=user.id, filename=f"r{n}.pdf", content_type="application/pdf",
                     size_bytes=3, sha256="0" * 64, storage_key=f"documents/key-{n}")
        )  # fmt: skip
    db.session.add(Comment(product_id=pid, author_id=user.id, body="hi", body_html="<p>hi</p>"))
    db.session.add(ProductWatch(product_id=pid, user_id=user.id))
    tracker = make_tracker(db, user, product_id=pid)
    db.session.commit()

    assert client.delete(f"/api/products/{pid}", headers=auth_headers).status_code == 204

    for model in (Document, Comment, ProductWatch, ProductTag, ProductEvent):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0, model.__name__
    db.session.expire_all()
    assert db.session.get(Tracker, tracker.id).product_id is None
    assert published == [("trackbase.tasks.products.delete_objects", [["documents/key-1", "documents/key-2"]])]


def test_deleting_a_product_without_documents_queues_nothing(client, auth_headers, member_product, published):
    assert client.delete(f"/api/products/{member_product['id']}", headers=auth_headers).status_code == 204
    assert published == []


def test_a_tracker_pointing_at_a_deleted_product_loses_the_link_in_the_cached_list(
    client, auth_headers, user, member_product, db
):
    make_tracker(db, user, product_id=member_product["id"])
    db.session.commit()
    assert client.get("/api/trackers", headers=auth_headers).get_json()["items"][0]["product_id"] is not None
    client.delete(f"/api/products/{member_product['id']}", headers=auth_headers)
    assert client.get("/api/trackers", headers=auth_headers).get_json()["items"][0]["product_id"] is None


# ---------------------------------------------------------------- the list: search, filters, sorts, pages


@pytest.fixture
def catalog(client, auth_headers, user, make_user, db):
    """Two supplier rows and three member products with different fields, tags and activity times."""
    glove = supplier_row(db, "GLOVE ALPHA", price_cents=1250, availability="in_stock")
    mask = supplier_row(db, "MASK BETA", category="facemasks", manufacturer="reps", price_cents=300,
                        availability="out_of_stock")  # fmt: skip
    bond = create(client, auth_headers, name="Acme Bond", category="Bonds", manufacturer="Acme Corp", price=1000,
                  tags=["fixed income", "energy"], description="A ten-year note.")  # fmt: skip
    stock = create(client, auth_headers, name="Zeta Stock", category="Stocks", price=42, tags=["energy"],
                   description="Solar panels and batteries.")  # fmt: skip
    other = create(client, headers_for(make_user()), name="beta fund", category="Funds")
    now = utcnow()
    times = {glove.id: 5, mask.id: 4, bond["id"]: 3, stock["id"]: 2, other["id"]: 1}  # minutes ago
    for pid, minutes in times.items():
        product = db.session.get(Product, pid)
        product.last_activity_at = now - timedelta(minutes=minutes)
        product.created_at = now - timedelta(minutes=10 - minutes)
    db.session.add(ProductWatch(product_id=mask.id, user_id=user.id))
    db.session.add(Comment(product_id=bond["id"], author_id=user.id, body="a", body_html="<p>a</p>"))
    db.session.add(Comment(product_id=bond["id"], author_id=user.id, body="b", body_html="<p>b</p>"))
    db.session.add(
        Document(product_id=stock["id"], filename="a.txt", content_type="text/plain", size_bytes=1, sha256="0" * 64,
                 storage_key="documents/one")
    )  # fmt: skip
    db.session.commit()
    return {"glove": glove.id, "mask": mask.id, "bond": bond["id"], "stock": stock["id"], "other": other["id"]}


def test_default_sort_is_last_activity_newest_first(client, auth_headers, catalog):
    assert names(client.get("/api/products", headers=auth_headers)) == [
        "beta fund", "Zeta Stock", "Acme Bond", "MASK BETA", "GLOVE ALPHA"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("name", ["Acme Bond", "beta fund", "GLOVE ALPHA", "MASK BETA", "Zeta Stock"]),
        ("-name", ["Zeta Stock", "MASK BETA", "GLOVE ALPHA", "beta fund", "Acme Bond"]),
        ("price", ["MASK BETA", "GLOVE ALPHA", "Zeta Stock", "Acme Bond", "beta fund"]),
        ("-price", ["Acme Bond", "Zeta Stock", "GLOVE ALPHA", "MASK BETA", "beta fund"]),
        ("newest", ["GLOVE ALPHA", "MASK BETA", "Acme Bond", "Zeta Stock", "beta fund"]),
    ],
)
def test_sorts(client, auth_headers, catalog, sort, expected):
    assert names(client.get("/api/products", query_string={"sort": sort}, headers=auth_headers)) == expected


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"q": "beta"}, ["beta fund", "MASK BETA"]),
        ({"q": "SOLAR"}, ["Zeta Stock"]),
        ({"q": "100%"}, []),
        ({"category": "bonds,STOCKS"}, ["Zeta Stock", "Acme Bond"]),
        ({"source": "supplier"}, ["MASK BETA", "GLOVE ALPHA"]),
        ({"source": "member"}, ["beta fund", "Zeta Stock", "Acme Bond"]),
        ({"availability": "out_of_stock"}, ["MASK BETA"]),
        ({"manufacturer": "acme corp"}, ["Acme Bond"]),
        ({"tag": "energy"}, ["Zeta Stock", "Acme Bond"]),
        ({"tag": "energy,fixed income"}, ["Acme Bond"]),
        ({"watched": "me"}, ["MASK BETA"]),
        ({"q": "a", "source": "member", "tag": "energy", "sort": "name"}, ["Acme Bond", "Zeta Stock"]),
    ],
)
def test_filters(client, auth_headers, catalog, params, expected):
    assert names(client.get("/api/products", query_string=params, headers=auth_headers)) == expected


def test_rows_carry_counts_tags_and_the_callers_watched_flag(client, auth_headers, make_user, catalog):
    items = {i["id"]: i for i in client.get("/api/products", headers=auth_headers).get_json()["items"]}
    assert items[catalog["bond"]]["comment_count"] == 2 and items[catalog["bond"]]["document_count"] == 0
    assert items[catalog["stock"]]["document_count"] == 1
    assert items[catalog["bond"]]["tags"] == ["energy", "fixed income"]
    assert items[catalog["mask"]]["watched"] is True and items[catalog["glove"]]["watched"] is False
    assert items[catalog["glove"]]["created_by"] is None
    theirs = client.get("/api/products", headers=headers_for(make_user())).get_json()["items"]
    assert not any(i["watched"] for i in theirs)


def test_pages_are_stable_and_counted(client, auth_headers, catalog):
    seen = []
    for page in (1, 2, 3):
        body = client.get("/api/products", query_string={"per_page": 2, "page": page}, headers=auth_headers).get_json()
        assert body["total"] == 5 and body["page"] == page
        seen += [i["id"] for i in body["items"]]
    assert len(seen) == 5 and len(set(seen)) == 5


def test_a_page_reads_in_a_fixed_number_of_queries(client, auth_headers, catalog, db):
    from sqlalchemy import event

    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get("/api/products", query_string={"per_page": 2}, headers=auth_headers)
        small = len(statements)
        statements.clear()
        client.get("/api/products", query_string={"per_page": 5}, headers=auth_headers)
        assert len(statements) == small
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.mark.parametrize(
    "params",
    [{"sort": "price_desc"}, {"source": "robot"}, {"availability": "plenty"}, {"watched": "you"}, {"page": 0},
     {"per_page": 500}, {"q": "x" * 101}, {"q": "a\x00b"}, {"category": "\x00"}, {"manufacturer": "a\x01"},
     {"tag": "<b>"}, {"tag": "a,b,c,d,e,f"}],
)  # fmt: skip
def test_bad_list_arguments_are_400(client, auth_headers, params):
    response = client.get("/api/products", query_string=params, headers=auth_headers)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "validation_error"


def test_facets_list_the_values_in_use(client, auth_headers, catalog):
    facets = client.get("/api/products/facets", headers=auth_headers).get_json()["facets"]
    assert facets["categories"] == ["Bonds", "Funds", "Stocks", "facemasks", "gloves"]
    assert facets["manufacturers"] == ["Acme Corp", "abiplos", "reps"]
    assert facets["tags"] == ["energy", "fixed income"]
