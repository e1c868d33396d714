"""Discussion API: comments CRUD, who may change them, pages, validation, counts and activity, mentions."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from tests.support import body_html, body_text, headers_for, make_product


@pytest.fixture
def product(db, user):
    return make_product(db, user, name="Solar inverter")


def post(client, headers, product_id, body):
    return client.post(f"/api/products/{product_id}/comments", headers=headers, json={"body": body})


def quiet(smtp, count, seconds=1.0):
    """Nothing more arrives for a while (the real worker had time to send anything it was given)."""
    time.sleep(seconds)
    assert len(smtp.messages) == count, [m["Subject"] for m in smtp.messages]


# ---------------------------------------------------------------- create, read, edit, delete
def test_member_posts_a_markdown_comment_and_every_member_reads_it(client, product, user, auth_headers, make_user):
    answer = post(client, auth_headers, product.id, "Efficiency is **22%**")
    assert answer.status_code == 201
    comment = answer.get_json()["comment"]
    assert comment["body"] == "Efficiency is **22%**"
    assert comment["body_html"] == "<p>Efficiency is <strong>22%</strong></p>\n"
    assert comment["author"] == {"id": user.id, "name": "Member", "handle": "member"}
    assert comment["edited_at"] is None and comment["can_edit"] is True
    listed = client.get(f"/api/products/{product.id}/comments", headers=headers_for(make_user())).get_json()
    assert [c["id"] for c in listed["items"]] == [comment["id"]] and listed["total"] == 1
    assert listed["items"][0]["can_edit"] is False


def test_author_edits_a_comment_and_it_is_marked_edited(client, product, auth_headers):
    comment = post(client, auth_headers, product.id, "first").get_json()["comment"]
    answer = client.patch(f"/api/comments/{comment['id']}", headers=auth_headers, json={"body": "*second*"})
    assert answer.status_code == 200
    edited = answer.get_json()["comment"]
    assert edited["body"] == "*second*" and edited["body_html"] == "<p><em>second</em></p>\n"
    assert edited["edited_at"] is not None and edited["created_at"] == comment["created_at"]
    assert client.get(f"/api/comments/{comment['id']}", headers=auth_headers).get_json()["comment"] == edited


def test_saving_the_same_text_is_not_an_edit(client, product, auth_headers):
    comment = post(client, auth_headers, product.id, "same").get_json()["comment"]
    again = client.patch(f"/api/comments/{comment['id']}", headers=auth_headers, json={"body": "same"})
    assert again.status_code == 200 and again.get_json()["comment"]["edited_at"] is None


def test_author_deletes_a_comment(client, product, auth_headers):
    comment = post(client, auth_headers, product.id, "gone soon").get_json()["comment"]
    assert client.delete(f"/api/comments/{comment['id']}", headers=auth_headers).status_code == 204
    assert client.get(f"/api/comments/{comment['id']}", headers=auth_headers).status_code == 404
    assert client.get(f"/api/products/{product.id}/comments", headers=auth_headers).get_json()["total"] == 0


def test_a_comment_whose_author_is_gone_shows_no_author(client, db, product, make_user, auth_headers):
    from trackbase.models import User

    leaver = make_user(name="Leaver")
    comment = post(client, headers_for(leaver), product.id, "bye").get_json()["comment"]
    db.session.delete(db.session.get(User, leaver.id))
    db.session.commit()
    shown = client.get(f"/api/comments/{comment['id']}", headers=auth_headers).get_json()["comment"]
    assert shown["author"] is None and shown["can_edit"] is False


# ---------------------------------------------------------------- who may change a comment
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_member_cannot_change_a_comment(client, product, auth_headers, make_user, method):
    comment = post(client, auth_headers, product.id, "mine").get_json()["comment"]
    answer = getattr(client, method)(
        f"/api/comments/{comment['id']}", headers=headers_for(make_user()), json={"body": "hijacked"}
    )
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"
    assert client.get(f"/api/comments/{comment['id']}", headers=auth_headers).get_json()["comment"]["body"] == "mine"


def test_admin_edits_and_deletes_a_members_comment(client, product, auth_headers, admin_headers):
    comment = post(client, auth_headers, product.id, "rude words").get_json()["comment"]
    shown = client.get(f"/api/comments/{comment['id']}", headers=admin_headers).get_json()["comment"]
    assert shown["can_edit"] is True
    edited = client.patch(f"/api/comments/{comment['id']}", headers=admin_headers, json={"body": "[removed]"})
    assert edited.status_code == 200 and edited.get_json()["comment"]["body"] == "[removed]"
    assert edited.get_json()["comment"]["author"]["name"] == "Member"  # still the author's comment
    assert client.delete(f"/api/comments/{comment['id']}", headers=admin_headers).status_code == 204


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_unknown_comment_is_404(client, auth_headers, method):
    answer = getattr(client, method)("/api/comments/999999", headers=auth_headers, json={"body": "x"})
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"


def test_comments_of_an_unknown_product_are_404(client, auth_headers):
    assert client.get("/api/products/999999/comments", headers=auth_headers).status_code == 404
    assert post(client, auth_headers, 999999, "hello").status_code == 404


def test_signed_out_requests_get_401(client, product):
    assert client.get(f"/api/products/{product.id}/comments").status_code == 401
    assert client.post(f"/api/products/{product.id}/comments", json={"body": "x"}).status_code == 401


# ---------------------------------------------------------------- pages
def test_comments_come_oldest_first_in_pages(client, product, auth_headers):
    ids = [post(client, auth_headers, product.id, f"comment {n}").get_json()["comment"]["id"] for n in range(5)]
    first = client.get(f"/api/products/{product.id}/comments?per_page=2", headers=auth_headers).get_json()
    third = client.get(f"/api/products/{product.id}/comments?per_page=2&page=3", headers=auth_headers).get_json()
    assert [c["id"] for c in first["items"]] == ids[:2] and first["total"] == 5 and first["per_page"] == 2
    assert [c["id"] for c in third["items"]] == ids[4:]


@pytest.mark.parametrize("query", ["page=0", "per_page=500", "page=x"])
def test_bad_paging_is_400(client, product, auth_headers, query):
    answer = client.get(f"/api/products/{product.id}/comments?{query}", headers=auth_headers)
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "validation_error"


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "payload",
    [{}, {"body": ""}, {"body": "   \n\t"}, {"body": None}, {"body": 42}, {"body": ["x"]}, {"body": "a" * 10_001},
     {"body": "nul\x00byte"}, {"body": "x", "extra": 1}],
)  # fmt: skip
def test_bad_bodies_are_400_with_the_field(client, product, auth_headers, payload):
    answer = client.post(f"/api/products/{product.id}/comments", headers=auth_headers, json=payload)
    assert answer.status_code == 400
    error = answer.get_json()["error"]
    assert error["code"] == "validation_error" and error["fields"]


def test_the_longest_comment_is_accepted(client, product, auth_headers):
    assert post(client, auth_headers, product.id, "a" * 10_000).status_code == 201


def test_a_body_that_is_not_json_is_refused_in_the_envelope(client, product, auth_headers):
    answer = client.post(
        f"/api/products/{product.id}/comments", headers=auth_headers, data="body=hi", content_type="text/plain"
    )
    assert answer.status_code in (400, 415) and "error" in answer.get_json()


def test_an_edit_is_validated_like_a_new_comment(client, product, auth_headers):
    comment = post(client, auth_headers, product.id, "fine").get_json()["comment"]
    answer = client.patch(f"/api/comments/{comment['id']}", headers=auth_headers, json={"body": " "})
    assert answer.status_code == 400 and answer.get_json()["error"]["fields"]["body"]


# ---------------------------------------------------------------- sanitizing
def test_raw_html_and_script_urls_are_stored_inert(client, product, auth_headers):
    body = '<img src=x onerror="alert(1)"> [x](javascript:alert(1)) <script>alert(2)</script>'
    html = post(client, auth_headers, product.id, body).get_json()["comment"]["body_html"]
    assert "<img" not in html and "<script" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as text


def test_preview_renders_without_saving(client, product, auth_headers, make_user):
    make_user(name="Ada Lovelace")
    answer = client.post("/api/comments/preview", headers=auth_headers, json={"body": "**hi** @adalovelace"})
    assert answer.status_code == 200
    assert answer.get_json()["body_html"].startswith('<p><strong>hi</strong> <a class="mention"')
    assert client.get(f"/api/products/{product.id}/comments", headers=auth_headers).get_json()["total"] == 0


# ---------------------------------------------------------------- counts and activity
def test_the_product_list_count_and_last_activity_follow_comments(client, db, product, auth_headers):
    from trackbase.models import Product

    def listed():
        items = client.get("/api/products", headers=auth_headers).get_json()["items"]
        return next(p for p in items if p["id"] == product.id)

    before = listed()
    comment = post(client, auth_headers, product.id, "one").get_json()["comment"]
    post(client, auth_headers, product.id, "two")
    after_posts = listed()
    assert before["comment_count"] == 0 and after_posts["comment_count"] == 2
    assert after_posts["last_activity_at"] > (before["last_activity_at"] or "")
    time.sleep(0.01)
    client.delete(f"/api/comments/{comment['id']}", headers=auth_headers)
    after_delete = listed()
    assert after_delete["comment_count"] == 1 and after_delete["last_activity_at"] > after_posts["last_activity_at"]
    db.session.expire_all()
    assert db.session.get(Product, product.id).last_activity_at is not None


def test_create_edit_and_delete_are_logged_with_who_did_it(client, db, product, user, auth_headers, admin):
    from trackbase.models import ProductEvent

    cid = post(client, auth_headers, product.id, "v1").get_json()["comment"]["id"]
    client.patch(f"/api/comments/{cid}", headers=auth_headers, json={"body": "v2"})
    client.delete(f"/api/comments/{cid}", headers=headers_for(admin))
    events = db.session.execute(
        select(ProductEvent.kind, ProductEvent.actor_id, ProductEvent.data)
        .where(ProductEvent.product_id == product.id, ProductEvent.kind.like("comment_%"))
        .order_by(ProductEvent.id)
    ).all()
    assert [(k, a, d["comment_id"]) for k, a, d in events] == [
        ("comment_added", user.id, cid),
        ("comment_edited", user.id, cid),
        ("comment_deleted", admin.id, cid),
    ]


# ---------------------------------------------------------------- mentions
def test_a_mentioned_member_is_emailed_once_and_an_edit_does_not_email_again(
    client, product, user, auth_headers, make_user, smtp, celery_worker
):
    ada = make_user("ada@example.com", name="Ada Lovelace")
    answer = post(client, auth_headers, product.id, "What do you think, @adalovelace? cc @member @nobody")
    comment = answer.get_json()["comment"]
    assert f'<a class="mention" href="/members/{ada.id}"' in comment["body_html"]
    assert "@nobody" in comment["body_html"] and "/members/" not in comment["body_html"].split("@nobody")[1]
    [message] = smtp.wait_for(count=1, to=ada.email)
    assert message["Subject"] == "Member mentioned you on Solar inverter"
    assert "What do you think, @adalovelace?" in body_text(message)
    assert f"/products/{product.id}#comment-{comment['id']}" in body_html(message)
    client.patch(f"/api/comments/{comment['id']}", headers=auth_headers, json={"body": "Edited: @adalovelace?"})
    quiet(smtp, 1)  # the author mentioned themself (@member): never mailed; Ada: only once


def test_an_edit_that_adds_a_mention_notifies_only_the_new_member(
    client, product, auth_headers, make_user, smtp, celery_worker
):
    ada = make_user("ada@example.com", name="Ada")
    bob = make_user("bob@example.com", name="Bob")
    comment = post(client, auth_headers, product.id, "@ada first").get_json()["comment"]
    smtp.wait_for(count=1, to=ada.email)
    client.patch(f"/api/comments/{comment['id']}", headers=auth_headers, json={"body": "@ada and now @Bob"})
    [message] = smtp.wait_for(count=1, to=bob.email)
    assert "@ada and now @Bob" in body_text(message)
    quiet(smtp, 2)


def test_a_deactivated_or_ambiguous_handle_stays_plain_text(client, db, product, auth_headers, make_user, smtp):
    gone = make_user("gone@example.com", name="Gone")
    gone.active = False
    make_user("sam1@example.com", name="Sam")
    make_user("sam2@example.com", name="Sam")
    db.session.commit()
    html = post(client, auth_headers, product.id, "@gone @sam").get_json()["comment"]["body_html"]
    assert html == "<p>@gone @sam</p>\n"


def test_members_are_found_by_handle_or_name_for_autocomplete(client, auth_headers, make_user):
    ada = make_user("ada@example.com", name="Ada Lovelace")
    make_user("zed@example.com", name="Zed")
    found = client.get("/api/members?q=@ada", headers=auth_headers).get_json()["items"]
    assert found == [{"id": ada.id, "name": "Ada Lovelace", "handle": "adalovelace"}]
    assert client.get("/api/members?q=love", headers=auth_headers).get_json()["items"][0]["id"] == ada.id
    assert client.get(f"/api/members/{ada.id}", headers=auth_headers).get_json()["member"]["handle"] == "adalovelace"
    assert client.get("/api/members?limit=0", headers=auth_headers).status_code == 400
    assert client.get("/api/members/999999", headers=auth_headers).status_code == 404


def test_a_member_without_a_name_has_the_email_name_as_handle(client, product, auth_headers, make_user):
    nameless = make_user("j.doe+x@example.com")
    found = client.get("/api/members?q=jdoe", headers=auth_headers).get_json()["items"]
    assert found == [{"id": nameless.id, "name": "jdoex", "handle": "jdoex"}]


# ---------------------------------------------------------------- limits
def test_comment_writes_are_limited_per_user(make_app, make_user):
    from trackbase.extensions import db

    app = make_app(RATELIMIT_COMMENTS="2 per minute")
    client = app.test_client()
    with app.app_context():
        author = make_user()
        headers = headers_for(author)
        other = headers_for(make_user())
        product_id = make_product(db, author).id
    codes = [post(client, headers, product_id, f"n{n}").status_code for n in range(3)]
    assert codes == [201, 201, 429]
    assert int(post(client, headers, product_id, "again").headers["Retry-After"]) >= 1
    assert client.get(f"/api/products/{product_id}/comments", headers=headers).status_code == 200
    assert post(client, other, product_id, "mine").status_code == 201
