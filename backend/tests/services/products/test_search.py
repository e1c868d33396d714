"""The search index stays in sync in the same transaction; the parser; the reindex command; the poll's rows."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.research_data import add_comment, add_document
from tests.support import headers_for, make_product, make_tracker
from trackbase.models import Comment, Document, SearchEntry
from trackbase.services.products import search as search_service

_OPEN = search_service._OPEN


def found(user, q, **kw) -> list[tuple[str, int]]:
    page = search_service.search(user, q, kw.get("kinds"), 1, 50)
    return [(hit.kind, hit.id) for hit in page.items]


def entries(db) -> int:
    return db.session.scalar(select(func.count()).select_from(SearchEntry))


# ---------------------------------------------------------------- parsing


def test_parse_words_phrases_exclusions_and_or():
    query = search_service.parse('alpha "beta gamma" -delta -"eps zeta" one OR two omeg')
    terms = [[(t.tokens, t.prefix) for t in group] for group in query.groups]
    assert terms == [
        [(("alpha",), False)],
        [(("beta", "gamma"), False)],
        [(("one",), False), (("two",), False)],
        [(("omeg",), True)],
    ]
    assert [t.tokens for t in query.excluded] == [("delta",), ("eps", "zeta")]


def test_parse_keeps_only_letters_and_digits():
    query = search_service.parse('NEAR(a* b) ^c {title}:d "e')
    assert [t.tokens for group in query.groups for t in group] == [
        ("NEAR", "a"),
        ("b",),
        ("c",),
        ("title", "d"),
        ("e",),
    ]
    assert search_service.fts_expression(query) == '(("NEAR a") AND ("b") AND ("c") AND ("title d") AND ("e"))'
    assert search_service.fts_expression(search_service.parse("x zqxu1 "), ["zqxproduct"]) == (
        '(("x")) AND (scope : (zqxproduct))'
    )


def test_a_one_letter_last_word_is_not_a_prefix():
    assert search_service.parse("bond a").groups[-1][0].prefix is False
    assert search_service.parse("bond ab").groups[-1][0].prefix is True


# ---------------------------------------------------------------- sync


def test_product_edit_through_the_api_moves_its_entry(client, db, user):
    headers = headers_for(user)
    product = client.post("/api/products", json={"name": "Obsidian trust"}, headers=headers).get_json()["product"]
    assert found(user, "obsidian") == [("product", product["id"])]
    response = client.patch(
        f"/api/products/{product['id']}", json={"name": "Basalt trust", "tags": ["volcanic"]}, headers=headers
    )
    assert response.status_code == 200
    assert found(user, "obsidian") == []
    assert found(user, "basalt") == found(user, "volcanic") == [("product", product["id"])]
    client.patch(f"/api/products/{product['id']}", json={"tags": []}, headers=headers)
    assert found(user, "volcanic") == []


def test_product_delete_takes_its_comments_and_documents_entries(client, db, user):
    product = make_product(db, user, name="Doomed widget")
    add_comment(product, user, "A doomed remark")
    add_document(product, user, "notes.txt", b"doomed document text")
    assert len(found(user, "doomed")) == 3
    response = client.delete(f"/api/products/{product.id}", headers=headers_for(user))
    assert response.status_code == 204
    assert found(user, "doomed") == []
    assert entries(db) == 0


def test_comment_edit_and_delete_follow_in_the_same_commit(db, user):
    product = make_product(db, user, name="Quiet product")
    comment = add_comment(product, user, "Original marmalade remark")
    assert found(user, "marmalade") == [("comment", comment.id)]
    comment.body = "Revised treacle remark"
    db.session.commit()
    assert found(user, "marmalade") == []
    assert found(user, "treacle") == [("comment", comment.id)]
    db.session.delete(db.session.get(Comment, comment.id))
    db.session.commit()
    assert found(user, "treacle") == []


def test_a_rolled_back_change_leaves_the_index_as_it_was(db, user):
    product = make_product(db, user, name="Steady name")
    product.name = "Flighty name"
    db.session.flush()
    assert found(user, "flighty") == [("product", product.id)]  # same transaction: already searchable
    db.session.rollback()
    assert found(user, "flighty") == []
    assert found(user, "steady") == [("product", product.id)]


def test_document_text_arriving_later_is_indexed_and_deletion_removes_it(client, db, user):
    product = make_product(db, user, name="Cobalt refiner")
    document = add_document(product, user, "later.pdf", b"%PDF-1.4", content_type="application/pdf")
    assert found(user, "hydrometallurgy") == []
    row = db.session.get(Document, document.id)
    row.text, row.text_status = "Hydrometallurgy yields rose", "indexed"
    db.session.commit()
    assert found(user, "hydrometallurgy") == [("document", document.id)]
    response = client.delete(f"/api/documents/{document.id}", headers=headers_for(user))
    assert response.status_code == 204
    assert found(user, "hydrometallurgy") == []


def test_tracker_edit_and_delete_and_its_owners_deletion(db, user, make_user):
    tracker = make_tracker(db, user, name="Pilates minutes")
    assert found(user, "pilates") == [("tracker", tracker.id)]
    tracker.name = "Yoga minutes"
    db.session.commit()
    assert found(user, "pilates") == [] and found(user, "yoga") == [("tracker", tracker.id)]
    db.session.delete(tracker)
    db.session.commit()
    assert found(user, "yoga") == []
    other = make_user("leaving@example.com")
    make_tracker(db, other, name="Rowing metres")
    db.session.delete(other)
    db.session.commit()
    assert entries(db) == 0


def test_reindex_command_rebuilds_from_the_rows_and_prints_counts(app, db, user):
    product = make_product(db, user, name="Reindexed asset")
    add_comment(product, user, "first")
    add_comment(product, user, "second")
    add_document(product, user, "a.txt", b"alpha text")
    tracker = make_tracker(db, user, name="Reindexed tracker")
    db.session.execute(SearchEntry.__table__.delete())
    db.session.commit()
    assert found(user, "reindexed") == []
    result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 product, 2 comments, 1 document, 1 tracker (5 entries)" in result.output
    assert set(found(user, "reindexed")) == {("product", product.id), ("tracker", tracker.id)}
    assert entries(db) == 5


def test_rows_the_poll_writes_are_indexed_and_renames_reindexed(db, user, sim):
    from sqlalchemy import update

    from tests.support import poll
    from trackbase.models import InventorySource, Product

    poll()
    supplier = db.session.scalars(select(Product).where(Product.source == "supplier").order_by(Product.id)).first()
    assert entries(db) == db.session.scalar(select(func.count()).select_from(Product)) > 0
    assert ("product", supplier.id) in found(user, f'"{supplier.name}"', kinds=["product"])
    # a row changed behind the poll's back (bulk statements, index kept consistent by hand) is put right
    db.session.execute(update(Product).where(Product.id == supplier.id).values(name="Scrambledname"))
    search_service.index_products([supplier.id])
    db.session.execute(update(InventorySource).values(etag=None))  # the next poll reads the lists again
    db.session.commit()
    assert found(user, "scrambledname") == [("product", supplier.id)]
    poll()
    db.session.expire_all()
    assert db.session.get(Product, supplier.id).name != "Scrambledname"
    assert found(user, "scrambledname") == []


# ---------------------------------------------------------------- ranking and snippets


def test_more_hits_rank_higher_and_a_name_hit_above_all(db, user):
    product = make_product(db, user, name="Plain holding")
    once = add_comment(product, user, "the glimmerite seam is thin and the rest of this note is about other rock")
    thrice = add_comment(product, user, "glimmerite here, glimmerite there, glimmerite everywhere")
    named = make_product(db, user, name="Glimmerite assay", description="an assay")
    page = search_service.search(user, "glimmerite ", None, 1, 20)
    assert [(hit.kind, hit.id) for hit in page.items] == [
        ("product", named.id),
        ("comment", thrice.id),
        ("comment", once.id),
    ]
    assert page.items[0].score > page.items[1].score > page.items[2].score > 0
    assert page.total == 3 and page.total_capped is False


def test_a_long_body_gives_a_short_fragment_around_the_match(db, user):
    product = make_product(db, user, name="Long notes")
    words = [f"filler{i}" for i in range(120)]
    words[70] = "obsidianite"
    add_comment(product, user, " ".join(words))
    snippet = search_service.search(user, "obsidianite ", None, 1, 20).items[0].snippet_html
    assert "<mark>obsidianite</mark>" in snippet
    assert "filler69" in snippet and "filler0 " not in snippet and "filler119" not in snippet
    assert len(snippet) < 400


def test_fragment_picks_the_busiest_words_and_keeps_markers_balanced():
    o, c = "\ue000", "\ue001"
    text = " ".join(["w"] * 30 + [f"{o}red", f"copper{c}"] + ["w"] * 5 + [f"{o}red{c}"] + ["w"] * 30)
    piece = search_service._fragment(text)
    assert piece.startswith("…") and piece.endswith("…")
    assert piece.count(o) == piece.count(c) == 2 and f"{o}red copper{c}" in piece
    cut = search_service._fragment(" ".join(["w"] * 20 + [f"{o}a", "b", "c", f"d{c}"]), size=2)
    assert cut == f"…{o}a b{c}…"  # the phrase runs past the window: closed at its edge
    assert search_service._fragment("short text") == "short text"


def test_matches_past_the_body_window_still_get_their_snippets(db, user, monkeypatch):
    # On SQLite only the newest BODY_WINDOW bodies are read in the ranking pass; older hits on the
    # page get their snippet from the name or meta if those matched, else from FTS5's snippet().
    monkeypatch.setattr(search_service, "BODY_WINDOW", 1)
    product = make_product(db, user, name="Window check")
    older = [add_comment(product, user, f"note {i} about pyroclastite deposits") for i in range(3)]
    named = make_product(db, user, name="Pyroclastite fund", description="pyroclastite in the description too")
    newest = add_comment(product, user, "latest pyroclastite reading")
    page = search_service.search(user, "pyroclastite ", None, 1, 20)
    by_ref = {(hit.kind, hit.id): hit for hit in page.items}
    assert set(by_ref) == {("product", named.id), ("comment", newest.id)} | {("comment", c.id) for c in older}
    assert page.items[0].id == named.id
    for hit in page.items:
        assert "<mark>Pyroclastite</mark>" in hit.snippet_html or "<mark>pyroclastite</mark>" in hit.snippet_html
    if db.engine.dialect.name == "sqlite":  # the ranking pass read the newest body only
        window = search_service._window(search_service.SHARED_FTS, '("pyroclastite")')
        assert [c.body is not None for c in window] == [True, False, False, False, False]
        assert window[0].rowid > window[1].rowid and _OPEN in window[0].body


def test_a_broad_unfinished_word_is_ranked_among_its_whole_word_matches(db, user, monkeypatch):
    monkeypatch.setattr(search_service, "COUNT_CAP", 2)
    whole = [make_product(db, user, name=f"Quillomar lot {i}") for i in range(3)]
    longer = make_product(db, user, name="Quillomarine lot")  # the newest, a longer word
    page = search_service.search(user, "quillomar", None, 1, 20)
    ids = {hit.id for hit in page.items}
    assert page.total == 2 and page.total_capped is True
    if db.engine.dialect.name == "sqlite":
        # the word as typed already has more than COUNT_CAP matches: those are ranked
        assert ids == {p.id for p in whole}
    else:  # PostgreSQL ranks the newest COUNT_CAP + 1 matches of the prefix
        assert longer.id in ids and len(ids) == 3
    monkeypatch.setattr(search_service, "COUNT_CAP", 10)
    page = search_service.search(user, "quillomar", None, 1, 20)
    assert {hit.id for hit in page.items} == {p.id for p in [*whole, longer]} and page.total == 4
    assert search_service.parse("quillomar").groups[0][0].prefix  # still a prefix as parsed
