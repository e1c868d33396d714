"""Search API: ranking, safe snippets, prefix type-ahead, kinds, tracker privacy, query syntax, bad input."""

from __future__ import annotations

import io
import random
import time

import pytest

from tests.research_data import add_comment
from tests.support import headers_for, make_product, make_tracker, pdf_bytes


def search(client, headers, q, **params):
    response = client.get("/api/search", query_string={"q": q, **params}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def refs(body) -> list[tuple[str, int]]:
    return [(hit["kind"], hit["id"]) for hit in body["items"]]


def test_signed_out_caller_gets_401(client):
    assert client.get("/api/search?q=bond").status_code == 401


def test_a_name_hit_ranks_above_a_description_hit(client, db, user, auth_headers):
    in_description = make_product(
        db, user, name="Municipal bond ladder", description="Compared with the Zephyrine fund over ten years."
    )
    in_name = make_product(db, user, name="Zephyrine fund", description="An index fund.")
    body = search(client, auth_headers, "zephyrine")
    assert refs(body) == [("product", in_name.id), ("product", in_description.id)]
    assert body["items"][0]["score"] > body["items"][1]["score"]
    assert body["items"][0]["product"] == {"id": in_name.id, "name": "Zephyrine fund"}
    assert body["items"][0]["title"] == "Zephyrine fund" and body["items"][0]["tracker"] is None
    assert body["total"] == 2 and body["total_capped"] is False and body["page"] == 1


def test_manufacturer_category_and_tags_are_searchable(client, db, user, auth_headers):
    from trackbase.models import ProductTag

    product = make_product(db, user, name="Plain name", manufacturer="Quorvex", category="semiconductors")
    db.session.add(ProductTag(product_id=product.id, tag="dividendish"))
    db.session.commit()
    for word in ("quorvex", "semiconductors", "dividendish"):
        assert refs(search(client, auth_headers, word)) == [("product", product.id)], word


def test_snippet_marks_the_match_and_escapes_everything_else(client, db, user, auth_headers):
    hostile = (
        'Before <script>alert("x")</script> <img src=x onerror=alert(1)> &amp; '
        "the quixotic <mark>fake</mark> <b>bold</b> claim after"
    )
    make_product(db, user, name="Hostile", description=hostile)
    snippet = search(client, auth_headers, "quixotic")["items"][0]["snippet_html"]
    assert "<mark>quixotic</mark>" in snippet
    # SQLite keeps tag-like text (escaped); PostgreSQL's parser drops what it reads as tags: neither is markup
    assert "alert(&quot;x&quot;)" in snippet and "<script" not in snippet
    assert "&lt;img src=x onerror=alert(1)&gt;" in snippet and "<b>" not in snippet
    assert "<mark>fake" not in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    assert "&amp;amp;" in snippet


def test_the_private_marker_characters_in_text_cannot_forge_markup(client, db, user, auth_headers):
    make_product(db, user, name="Marker", description="start \ue000<script>x</script>\ue001 quibbling end")
    snippet = search(client, auth_headers, "quibbling")["items"][0]["snippet_html"]
    assert "<script" not in snippet and snippet.count("<mark>") == 1


def test_the_last_word_matches_as_a_prefix_while_typing(client, db, user, auth_headers):
    product = make_product(db, user, name="Transcontinental railway bond")
    assert refs(search(client, auth_headers, "transcon")) == [("product", product.id)]
    assert refs(search(client, auth_headers, "railway transcon")) == [("product", product.id)]
    assert search(client, auth_headers, "transcon ")["items"] == []  # a finished word is a whole word
    assert refs(search(client, auth_headers, "transcon* bond")) == [("product", product.id)]


def test_words_must_all_match_phrases_keep_order_minus_excludes_or_widens(client, db, user, auth_headers):
    red = make_product(db, user, name="Red copper cable")
    blue = make_product(db, user, name="Blue copper wire")
    cable_red = make_product(db, user, name="Cable red rope")
    assert set(refs(search(client, auth_headers, "copper red "))) == {("product", red.id)}
    assert set(refs(search(client, auth_headers, '"red copper" '))) == {("product", red.id)}
    assert set(refs(search(client, auth_headers, "copper -red "))) == {("product", blue.id)}
    assert set(refs(search(client, auth_headers, 'cable -"red copper" '))) == {("product", cable_red.id)}
    assert set(refs(search(client, auth_headers, "wire OR rope "))) == {("product", blue.id), ("product", cable_red.id)}
    assert search(client, auth_headers, "-copper ")["items"] == []  # nothing to look for but exclusions


def test_a_comment_is_found_with_its_product(client, db, user, auth_headers):
    product = make_product(db, user, name="Graphite miner")
    comment = add_comment(product, user, "The **kilnworks** audit looks clean to me.")
    body = search(client, auth_headers, "kilnworks")
    assert refs(body) == [("comment", comment.id)]
    hit = body["items"][0]
    assert hit["product"] == {"id": product.id, "name": "Graphite miner"} and hit["title"] == "Graphite miner"
    assert "<mark>kilnworks</mark>" in hit["snippet_html"]


def test_kind_limits_the_hits(client, db, user, auth_headers):
    product = make_product(db, user, name="Ostrava steel")
    comment = add_comment(product, user, "Ostrava output rose")
    assert refs(search(client, auth_headers, "ostrava", kind="comment")) == [("comment", comment.id)]
    assert refs(search(client, auth_headers, "ostrava", kind="product")) == [("product", product.id)]
    assert len(search(client, auth_headers, "ostrava", kind="product,comment")["items"]) == 2


def test_document_text_is_found_once_the_worker_extracted_it(client, db, user, auth_headers, celery_worker):
    from trackbase.models import Document

    product = make_product(db, user, name="Lithium producer")
    response = client.post(
        f"/api/products/{product.id}/documents",
        headers=auth_headers,
        data={"file": (io.BytesIO(pdf_bytes("Spodumene concentrate grades improved", "page two")), "q3.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.get_json()
    document_id = response.get_json()["document"]["id"]
    deadline = time.monotonic() + 20
    while True:
        db.session.rollback()
        if db.session.get(Document, document_id).text_status != "pending" or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert db.session.get(Document, document_id).text_status == "indexed"
    body = search(client, auth_headers, "spodumene concentrate")
    assert refs(body) == [("document", document_id)]
    assert body["items"][0]["title"] == "q3.pdf"
    assert body["items"][0]["product"] == {"id": product.id, "name": "Lithium producer"}
    assert "<mark>Spodumene</mark>" in body["items"][0]["snippet_html"]


def test_trackers_are_found_by_their_owner_only(client, db, user, make_user, auth_headers):
    mine = make_tracker(db, user, name="Vortexine intake", description="grams per day")
    other = make_user("other@example.com")
    make_tracker(db, other, name="Vortexine theirs")
    body = search(client, auth_headers, "vortexine")
    assert refs(body) == [("tracker", mine.id)]
    assert body["items"][0]["tracker"] == {"id": mine.id, "name": "Vortexine intake"}
    assert body["items"][0]["product"] is None
    theirs = search(client, headers_for(other), "vortexine", kind="tracker")
    assert [hit["tracker"]["name"] for hit in theirs["items"]] == ["Vortexine theirs"]
    admin = make_user("boss@example.com", role="admin")
    assert search(client, headers_for(admin), "vortexine")["items"] == []


def test_pages_and_a_capped_total(client, db, user, auth_headers):
    from trackbase.models import Product

    db.session.add_all(
        Product(name=f"Pagination item {i}", source="member", description="plentiful") for i in range(1005)
    )
    db.session.commit()
    first = search(client, auth_headers, "plentiful", per_page=10)
    assert first["total"] == 1000 and first["total_capped"] is True and len(first["items"]) == 10
    second = search(client, auth_headers, "plentiful", per_page=10, page=2)
    assert not set(refs(first)) & set(refs(second))


@pytest.mark.parametrize(
    "params, field",
    [({}, "q"), ({"q": ""}, "q"), ({"q": "x" * 201}, "q"), ({"q": "ok\x00"}, "q"), ({"q": "a", "kind": "user"}, "kind"),
     ({"q": "a", "page": "0"}, "page"), ({"q": "a", "per_page": "101"}, "per_page"), ({"q": "a", "page": "x"}, "page")],
)  # fmt: skip
def test_bad_parameters_are_400_with_the_field(client, auth_headers, params, field):
    response = client.get("/api/search", query_string=params, headers=auth_headers)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "validation_error" and field in error["fields"]


HOSTILE_QUERIES = [
    '"', '""', '"unterminated phrase', "(", ")", "((a)", "a)b(", "NEAR(a b)", "NEAR(a b, 3)", "a NEAR b", "*", "a*",
    "*a", "^", "^a", "a^", "a:b", "title:a", "{title}: a", "-", "--", "- -a", "OR", "a OR", "OR a", "AND", "NOT",
    "a AND NOT b", "a + b", "'", "''", "\\", "\\\"", "%", "_", "a%_", "ünïcödé", "東京 株式", "🙂", "💥 crash",
    "a" * 200, "ab " * 66, "&", "|", "!", "!!a", "a & b | !c", "a:*", "a <-> b", "<->", "::", "'a':*", "null",
]  # fmt: skip


@pytest.mark.parametrize("q", HOSTILE_QUERIES)
def test_query_syntax_never_fails_the_server(client, db, user, auth_headers, q):
    make_product(db, user, name="A product for the syntax fuzz", description="ab a b unicode ünïcödé 東京")
    response = client.get("/api/search", query_string={"q": q}, headers=auth_headers)
    assert response.status_code in (200, 400), (q, response.get_json())


def test_random_queries_never_fail_the_server(client, db, user, auth_headers):
    make_product(db, user, name="Fuzz target", description='quotes " and (parens) near NEAR star * caret ^')
    alphabet = "ab \"()*^:-+{}[]<>!&|~\\'NEAROT\u00e9\u6771\U0001f642 "
    generator = random.Random(10)
    for _ in range(300):
        q = "".join(generator.choice(alphabet) for _ in range(generator.randint(1, 30))).strip() or "a"
        response = client.get("/api/search", query_string={"q": q}, headers=auth_headers)
        assert response.status_code in (200, 400), (q, response.get_json())
