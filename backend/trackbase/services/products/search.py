"""One search over products, comments, document text and the caller's own trackers.

The index is `search_entries` (models/search.py): FTS5 on SQLite, a tsvector with GIN on
PostgreSQL. It is kept in sync in the same transaction as the rows it describes: an `after_flush`
session event rewrites the entries of every Product, Comment, Document and Tracker the flush
wrote or deleted, whichever service did it; a product's deletion takes its comments' and
documents' entries by foreign key. Rows written with bulk statements (the supplier poll) are
indexed by `index_products`, and `rebuild` (the `search reindex` command) refills everything.

Queries are parsed here into words (all must match), "quoted phrases", -exclusions and OR, and
rebuilt from letter/digit tokens only, so user input never reaches FTS5's MATCH or to_tsquery raw.
The last word is also matched as a prefix while the user is still typing it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce

from sqlalchemy import bindparam, delete, event, func, insert, literal_column, select, text, true
from sqlalchemy.orm import Session
from sqlalchemy.types import UserDefinedType

from ...extensions import db
from ...models import SCOPE_PREFIX, SEARCH_KINDS, Comment, Document, Product, ProductTag, SearchEntry, Tracker

# Snippet markers: private-use characters stripped from all indexed text, so only the index's own
# highlighting can produce them; escaping the snippet and then turning them into <mark> is safe.
_OPEN, _CLOSE = "\ue000", "\ue001"
_STRIP = str.maketrans("", "", _OPEN + _CLOSE + "\x00")
BODY_MAX_CHARS = 200_000  # a tsvector holds at most 1 MB; the head of a long document is what we index
COUNT_CAP = 1000  # totals are counted up to here ("1000+"), never over every match
BODY_WINDOW = 100  # on SQLite the body of this many of the newest matches is read for the score and snippet
MIN_PREFIX = 2  # the FTS5 prefix index covers 2 and 3 characters; a 1-letter prefix matches whole words only
PREFIX_INDEXED = 3  # the longest prefix the FTS5 prefix index covers (prefix='2 3')
_TOKEN = re.compile(r"[^\W_]+")
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_PG_CONFIG = "english"
_PG_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"  # D, C, B, A: title (A) counts most, then meta, then body
SHARED_FTS, TRACKER_FTS = "search_fts", "search_fts_trackers"


def _clean(value: str | None, limit: int | None = None) -> str:
    value = (value or "").translate(_STRIP)
    return value[:limit] if limit else value


# ---------------------------------------------------------------- entries


def _product_entry(product: Product, tags: list[str]) -> dict:
    meta = " ".join(v for v in (product.manufacturer, product.category, " ".join(sorted(tags))) if v)
    return {
        "kind": "product",
        "ref_id": product.id,
        "product_id": product.id,
        "owner_id": None,
        "scope": f"{SCOPE_PREFIX}product",
        "title": _clean(product.name),
        "meta": _clean(meta),
        "body": _clean(product.description, BODY_MAX_CHARS),
    }


def _comment_entry(comment: Comment) -> dict:
    return {
        "kind": "comment",
        "ref_id": comment.id,
        "product_id": comment.product_id,
        "owner_id": None,
        "scope": f"{SCOPE_PREFIX}comment",
        "title": "",
        "meta": "",
        "body": _clean(comment.body, BODY_MAX_CHARS),
    }


def _document_entry(document: Document) -> dict:
    return {
        "kind": "document",
        "ref_id": document.id,
        "product_id": document.product_id,
        "owner_id": None,
        "scope": f"{SCOPE_PREFIX}document",
        "title": _clean(document.filename),
        "meta": "",
        "body": _clean(document.text, BODY_MAX_CHARS),
    }


def _tracker_entry(tracker: Tracker) -> dict:
    return {
        "kind": "tracker",
        "ref_id": tracker.id,
        "product_id": None,
        "owner_id": tracker.user_id,
        "scope": f"{SCOPE_PREFIX}u{tracker.user_id}",
        "title": _clean(tracker.name),
        "meta": "",
        "body": _clean(tracker.description, BODY_MAX_CHARS),
    }


def _tags_by_product(connection, product_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(product_ids)
    tags: dict[int, list[str]] = {}
    for start in range(0, len(ids), 500):
        rows = connection.execute(
            select(ProductTag.product_id, ProductTag.tag).where(ProductTag.product_id.in_(ids[start : start + 500]))
        )
        for product_id, tag in rows:
            tags.setdefault(product_id, []).append(tag)
    return tags


def _write(connection, removed: set[tuple[str, int]], entries: list[dict]) -> None:
    """Replace the entries of (kind, ref_id) pairs: delete the old ones (and `removed`), insert `entries`."""
    gone = removed | {(e["kind"], e["ref_id"]) for e in entries}
    by_kind: dict[str, list[int]] = {}
    for kind, ref_id in gone:
        by_kind.setdefault(kind, []).append(ref_id)
    table = SearchEntry.__table__
    for kind, ids in by_kind.items():
        for start in range(0, len(ids), 500):
            connection.execute(delete(table).where(table.c.kind == kind, table.c.ref_id.in_(ids[start : start + 500])))
    if entries:
        connection.execute(insert(table), entries)


# ---------------------------------------------------------------- sync in the flush

_PRODUCT_FIELDS = ("name", "description", "category", "manufacturer")
_TRACKER_FIELDS = ("name", "description", "user_id")
_TAGS_TOUCHED = "trackbase_search_tags_touched"


def _changed(obj, fields: tuple[str, ...]) -> bool:
    state = db.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_tag_delete(state):
    # editing.py replaces tags with a bulk DELETE the flush never sees; products flushed next are re-read.
    if state.is_delete and state.bind_mapper is not None and state.bind_mapper.class_ is ProductTag:
        state.session.info[_TAGS_TOUCHED] = True


@event.listens_for(Session, "after_flush")
def _sync_after_flush(session, _flush_context):
    """Rewrite the entries of what this flush inserted, changed or deleted (same transaction)."""
    removed: set[tuple[str, int]] = set()
    products: dict[int, Product] = {}
    comments: list[Comment] = []
    documents: list[Document] = []
    trackers: list[Tracker] = []
    tag_products: set[int] = set()
    tags_touched = session.info.pop(_TAGS_TOUCHED, False)
    for obj in session.deleted:
        if isinstance(obj, Product):
            removed.add(("product", obj.id))
        elif isinstance(obj, Comment):
            removed.add(("comment", obj.id))
        elif isinstance(obj, Document):
            removed.add(("document", obj.id))
        elif isinstance(obj, Tracker):
            removed.add(("tracker", obj.id))
        elif isinstance(obj, ProductTag):
            tag_products.add(obj.product_id)
    deleted_products = {ref for kind, ref in removed if kind == "product"}
    for obj in session.new:
        if isinstance(obj, Product):
            products[obj.id] = obj
        elif isinstance(obj, Comment):
            comments.append(obj)
        elif isinstance(obj, Document):
            documents.append(obj)
        elif isinstance(obj, Tracker):
            trackers.append(obj)
        elif isinstance(obj, ProductTag):
            tag_products.add(obj.product_id)
    for obj in session.dirty:
        if isinstance(obj, Product) and (tags_touched or _changed(obj, _PRODUCT_FIELDS)):
            products[obj.id] = obj
        elif isinstance(obj, Comment) and _changed(obj, ("body", "product_id")):
            comments.append(obj)
        elif isinstance(obj, Document) and _changed(obj, ("text", "filename", "product_id")):
            documents.append(obj)
        elif isinstance(obj, Tracker) and _changed(obj, _TRACKER_FIELDS):
            trackers.append(obj)
    tag_products -= deleted_products
    if not (removed or products or comments or documents or trackers or tag_products):
        return
    connection = session.connection()
    missing = sorted(tag_products - products.keys())
    if missing:  # tags changed on a product this flush did not write: read its row
        table = Product.__table__
        for row in connection.execute(select(table).where(table.c.id.in_(missing))):
            products[row.id] = row
    tags = _tags_by_product(connection, products.keys())
    entries = [_product_entry(p, tags.get(pid, [])) for pid, p in products.items()]
    entries += [_comment_entry(c) for c in comments if c.product_id not in deleted_products]
    entries += [_document_entry(d) for d in documents if d.product_id not in deleted_products]
    entries += [_tracker_entry(t) for t in trackers]
    _write(connection, removed, entries)


def index_products(product_ids: Iterable[int]) -> int:
    """(Re)write the entries of products written with bulk statements (the supplier poll); in the session."""
    ids = sorted(set(product_ids))
    connection = db.session.connection()
    count = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows = connection.execute(select(Product.__table__).where(Product.__table__.c.id.in_(chunk))).all()
        tags = _tags_by_product(connection, chunk)
        entries = [_product_entry(row, tags.get(row.id, [])) for row in rows]
        _write(connection, set(), entries)
        count += len(entries)
    return count


def _batched(connection, stmt, build, size: int = 2000) -> int:
    table = SearchEntry.__table__
    count = 0
    batch: list[dict] = []
    for row in connection.execute(stmt.execution_options(yield_per=size)):
        batch.append(build(row))
        if len(batch) >= size:
            connection.execute(insert(table), batch)
            count += len(batch)
            batch = []
    if batch:
        connection.execute(insert(table), batch)
        count += len(batch)
    return count


def rebuild() -> dict[str, int]:
    """Empty the index and fill it from every product, comment, document and tracker; commit. Counts per kind."""
    connection = db.session.connection()
    connection.execute(delete(SearchEntry.__table__))
    # Tags are read in one pass (a few per product) rather than per row.
    all_tags: dict[int, list[str]] = {}
    for product_id, tag in connection.execute(select(ProductTag.product_id, ProductTag.tag)):
        all_tags.setdefault(product_id, []).append(tag)
    products = Product.__table__
    counts = {
        "product": _batched(
            connection,
            select(
                products.c.id, products.c.name, products.c.manufacturer, products.c.category, products.c.description
            ),
            lambda row: _product_entry(row, all_tags.get(row.id, [])),
        ),
        "comment": _batched(
            connection, select(Comment.__table__.c.id, Comment.product_id, Comment.body), _comment_entry
        ),
        "document": _batched(
            connection,
            select(Document.__table__.c.id, Document.product_id, Document.filename, Document.text),
            _document_entry,
        ),
        "tracker": _batched(
            connection,
            select(Tracker.__table__.c.id, Tracker.user_id, Tracker.name, Tracker.description),
            _tracker_entry,
        ),
    }
    if connection.dialect.name == "sqlite":
        for table in (SHARED_FTS, TRACKER_FTS):
            connection.execute(text(f"INSERT INTO {table}({table}) VALUES ('optimize')"))
    db.session.commit()
    return counts


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class Term:
    """Tokens that must appear in order (one token: a word); `prefix`: the last one may be unfinished."""

    tokens: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """Groups that must all match (each group: any of its terms), and terms none may match."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...]


def parse(q: str) -> Query:
    """Words (all), "phrases", -exclusions and OR; everything but letters and digits only separates tokens."""
    items: list[tuple[str, Term | None]] = []  # ("or", None) | ("+", term) | ("-", term)
    chunks = list(_CHUNK.finditer(q))
    for index, match in enumerate(chunks):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word == "OR":
            items.append(("or", None))
            continue
        if phrase is not None:
            tokens = tuple(_TOKEN.findall(phrase))
            sign = "-" if negated else "+"
            prefix = False
        else:
            sign = "-" if word.startswith("-") and len(word) > 1 else "+"
            tokens = tuple(_TOKEN.findall(word))
            last = index == len(chunks) - 1
            # still typing the last word, or an explicit trailing *
            prefix = sign == "+" and (word.endswith("*") or (last and not q[-1:].isspace()))
        tokens = tuple(t for t in tokens if not t.lower().startswith(SCOPE_PREFIX))  # reserved for scopes
        if not tokens:
            continue
        if prefix and len(tokens[-1]) < MIN_PREFIX:
            prefix = False
        items.append((sign, Term(tokens, prefix)))
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    joining = False
    for kind, term in items:
        if kind == "or":
            joining = bool(groups)
            continue
        if kind == "-":
            excluded.append(term)
            joining = False
            continue
        if joining:
            groups[-1].append(term)
        else:
            groups.append([term])
        joining = False
    return Query(tuple(tuple(g) for g in groups), tuple(excluded))


def _fts_term(term: Term) -> str:
    return '"' + " ".join(term.tokens) + '"' + (" *" if term.prefix else "")


def fts_expression(query: Query, scopes: list[str] | None = None, columns: str | None = None) -> str:
    """The FTS5 MATCH text for a parsed query (tokens are letters and digits only), optionally limited
    to entries with one of `scopes` and to the positive terms matching in `columns` (e.g. "{title}")."""
    positive = " AND ".join("(" + " OR ".join(_fts_term(t) for t in group) + ")" for group in query.groups)
    expression = f"({columns} : ({positive}))" if columns else f"({positive})"
    if query.excluded:
        expression = f"({expression} NOT ({' OR '.join(_fts_term(t) for t in query.excluded)}))"
    if scopes:
        expression = f"{expression} AND (scope : ({' OR '.join(scopes)}))"
    return expression


class TsQuery(UserDefinedType):
    cache_ok = True

    def get_col_spec(self, **kw):
        return "tsquery"


def _config():
    return literal_column(f"'{_PG_CONFIG}'::regconfig")


def _pg_term(term: Term):
    words = " ".join(term.tokens)
    exact = func.websearch_to_tsquery(_config(), f'"{words}"' if len(term.tokens) > 1 else words, type_=TsQuery)
    if not term.prefix:
        return exact
    # the last token also as a prefix, 'tok':* (tokens are letters and digits: to_tsquery sees no operators)
    prefix = " <-> ".join((*term.tokens[:-1], term.tokens[-1] + ":*"))
    return func.tsquery_or(exact, func.to_tsquery(_config(), prefix, type_=TsQuery), type_=TsQuery)


def pg_tsquery(query: Query):
    """The tsquery of a parsed query: groups ANDed, a group's terms ORed, exclusions negated."""

    def both(a, b):
        return func.tsquery_and(a, b, type_=TsQuery)

    def either(a, b):
        return func.tsquery_or(a, b, type_=TsQuery)

    expression = reduce(both, [reduce(either, [_pg_term(t) for t in group]) for group in query.groups])
    for term in query.excluded:
        expression = both(expression, func.tsquery_not(_pg_term(term), type_=TsQuery))
    return expression


@dataclass(frozen=True)
class Hit:
    """One search result: what it is, where it belongs, and a highlighted snippet (safe HTML)."""

    kind: str
    id: int
    title: str
    snippet_html: str
    score: float
    product: dict | None
    tracker: dict | None


@dataclass(frozen=True)
class SearchPage:
    """A page of hits; `total` counts matches up to COUNT_CAP (`total_capped` says there are more)."""

    items: list[Hit]
    page: int
    per_page: int
    total: int
    total_capped: bool


def snippet_html(raw: str) -> str:
    """The index's marked snippet as HTML: everything escaped, the match markers turned into <mark>."""
    escaped = html.escape(raw or "", quote=True)
    return escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


_SHARED_KINDS = ("product", "comment", "document")


_K1, _B = 1.2, 0.75  # the usual BM25 constants (FTS5's bm25 uses the same)
_NAME_W, _META_W, _BODY_W = 10.0, 4.0, 1.0  # a hit in the name counts most, then meta, then body
SNIPPET_WORDS = 16


@dataclass
class _Candidate:
    table: str
    rowid: int
    title: str  # the field as highlight() returns it: the whole text, each match between the markers
    meta: str
    body: str | None  # None past BODY_WINDOW: the body was not read
    score: float = 0.0

    @property
    def titled(self) -> bool:
        return _OPEN in self.title


def _window(table: str, match: str) -> list[_Candidate]:
    """The newest COUNT_CAP + 1 matches of `match` in one FTS5 table, each with its name and meta
    highlighted, and its body for the newest BODY_WINDOW only.

    One statement: FTS5 walks its lists newest first and stops at the LIMIT, and highlight() only
    re-reads the row it is on. bm25() is not used: its first call counts every row matching each
    phrase of the query over the whole table (a full pass for a common word or a phrase), which is
    what made broad queries slow; the score is computed in `_score` from the highlights instead.
    The body's highlight (the long part) is skipped past the newest BODY_WINDOW rows by a per-call
    counter (CASE evaluates it lazily, row by row, in rowid order).
    """
    seen = [0]

    def body_wanted() -> int:
        seen[0] += 1
        return int(seen[0] <= BODY_WINDOW)

    raw = db.session.connection().connection.driver_connection  # the sqlite3 connection, for its rows as they are
    raw.create_function("trackbase_search_body_wanted", 0, body_wanted)
    rows = raw.execute(
        f"SELECT rowid, highlight({table}, 0, ?1, ?2), highlight({table}, 1, ?1, ?2), "
        f"CASE WHEN trackbase_search_body_wanted() THEN highlight({table}, 2, ?1, ?2) END "
        f"FROM {table} WHERE {table} MATCH ?3 ORDER BY rowid DESC LIMIT ?4",
        (_OPEN, _CLOSE, match, COUNT_CAP + 1),
    ).fetchall()
    return [_Candidate(table, rowid, title or "", meta or "", body) for rowid, title, meta, body in rows]


def _score(candidates: list[_Candidate]) -> None:
    """BM25 over the weighted count of highlighted hits (name 10, meta 4, body 1), normalised by the
    entry's length (in characters) against the candidates' average; no term rarity (that needs a
    pass over every match, see `_window`). A body past BODY_WINDOW counts no hits and the average
    body length."""
    bodies = [len(c.body) for c in candidates if c.body is not None]
    body_avg = sum(bodies) / len(bodies) if bodies else 0.0
    lengths = [len(c.title) + len(c.meta) + (len(c.body) if c.body is not None else body_avg) for c in candidates]
    average = (sum(lengths) / len(lengths) if lengths else 0.0) or 1.0
    for candidate, length in zip(candidates, lengths, strict=True):
        hits = _NAME_W * candidate.title.count(_OPEN) + _META_W * candidate.meta.count(_OPEN)
        if candidate.body is not None:
            hits += _BODY_W * candidate.body.count(_OPEN)
        norm = _K1 * (1 - _B + _B * length / average)
        candidate.score = hits * (_K1 + 1) / (hits + norm) if hits else 0.0


def _fragment(highlighted: str, size: int = SNIPPET_WORDS) -> str:
    """The `size` words of a highlighted field with the most matches in them (the first such), with
    "…" where the field goes on; markers cut by the window's edges are closed or reopened."""
    words = highlighted.split()
    if len(words) <= size:
        return " ".join(words)
    marks = [int(_OPEN in w) for w in words]
    count = sum(marks[:size])
    best, best_count = 0, count
    for start in range(1, len(words) - size + 1):  # slide the window one word at a time
        count += marks[start + size - 1] - marks[start - 1]
        if count > best_count:
            best, best_count = start, count
    if best_count > 0:  # start a word or two before the first match, when there is room
        first = marks.index(1, best)
        best = max(0, min(first - min(2, (size - 1) // 2), len(words) - size))
    piece = " ".join(words[best : best + size])
    before = " ".join(words[:best])
    if before.rfind(_OPEN) > before.rfind(_CLOSE):  # a match runs into the window
        piece = _OPEN + piece
    if piece.rfind(_OPEN) > piece.rfind(_CLOSE):
        piece += _CLOSE
    return ("…" if best > 0 else "") + piece + ("…" if best + size < len(words) else "")


def _snippet(candidate: _Candidate) -> str | None:
    """The body's best fragment if it matched, else the meta's, else the name's. A body past
    BODY_WINDOW was not read: the meta's or the name's fragment if they matched, else None (the
    caller asks FTS5 for the body's)."""
    fields = (
        (candidate.meta, candidate.title)
        if candidate.body is None
        else (candidate.body, candidate.meta, candidate.title)
    )
    for field in fields:
        if _OPEN in field:
            return _fragment(field)
    return None if candidate.body is None else _fragment(candidate.body or candidate.meta)


def _snippets(table: str, match: str, ids: list[int]) -> dict[int, str]:
    """snippet() for rows whose body `_window` did not read: the body's best fragment, else the meta's,
    else the title's.

    One pass over the matches between the lowest and highest rowid asked for: `+rowid IN` is applied
    after FTS5 (a rowid IN handed to FTS5 would evaluate the query once per row, and a prefix term
    would be expanded each time), and snippet() runs on the rows that pass it only.
    """
    if not ids:
        return {}
    found = db.session.execute(
        text(
            f"SELECT rowid, snippet({table}, 2, :o, :c, '…', 16), snippet({table}, 1, :o, :c, '…', 16), "
            f"snippet({table}, 0, :o, :c, '…', 16) FROM {table} WHERE {table} MATCH :match "
            "AND rowid BETWEEN :low AND :high AND +rowid IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        {"match": match, "o": _OPEN, "c": _CLOSE, "ids": ids, "low": min(ids), "high": max(ids)},
    ).all()
    return {
        rowid: next((s for s in (body, meta, title) if s and _OPEN in s), body or meta or "")
        for rowid, body, meta, title in found
    }


def _whole_words(query: Query) -> Query | None:
    """The query with its prefix terms longer than the prefix index covers taken as whole words,
    or None when it has none."""
    changed = False
    groups = []
    for group in query.groups:
        terms = []
        for term in group:
            if term.prefix and len(term.tokens[-1]) > PREFIX_INDEXED:
                term = Term(term.tokens, False)
                changed = True
            terms.append(term)
        groups.append(tuple(terms))
    return Query(tuple(groups), query.excluded) if changed else None


def _broad(table: str, match: str) -> bool:
    """Whether `match` has more than COUNT_CAP matches (FTS5 stops at the LIMIT: cheap for whole words)."""
    return (
        db.session.execute(
            text(
                f"SELECT count(*) FROM (SELECT rowid FROM {table} WHERE {table} MATCH :match "
                "ORDER BY rowid DESC LIMIT :size)"
            ),
            {"match": match, "size": COUNT_CAP + 1},
        ).scalar_one()
        > COUNT_CAP
    )


def _ranked_sqlite(query: Query, user, kinds: list[str], limit: int, offset: int):
    # Shared entries and trackers live in two FTS5 tables: a search over every shared kind needs no
    # filter at all (the fast path), and a tracker is only looked up under its owner's scope token.
    shared = [k for k in kinds if k in _SHARED_KINDS]
    matches: dict[str, str] = {}
    if shared:
        scopes = None if len(shared) == len(_SHARED_KINDS) else [f"{SCOPE_PREFIX}{k}" for k in shared]
        matches[SHARED_FTS] = fts_expression(query, scopes)
        # A prefix longer than the prefix index makes FTS5 merge the whole lists of every word starting
        # with it before it returns a row (7 ms for the commonest word of the benchmark, 0.3 ms as a
        # whole word): when the word as typed already matches more than COUNT_CAP entries, the total is
        # "1000+" either way and the newest matches of the whole word are the ones ranked.
        whole = _whole_words(query)
        if whole is not None and _broad(SHARED_FTS, fts_expression(whole, scopes)):
            matches[SHARED_FTS] = fts_expression(whole, scopes)
    if "tracker" in kinds:
        matches[TRACKER_FTS] = fts_expression(query, [f"{SCOPE_PREFIX}u{int(user.id)}"])
    # Name matches first (a product's name, a file name, a tracker's name), then the rest, each by
    # score. One pass over the newest COUNT_CAP + 1 matches gives the capped total and the rows to
    # rank (a broad query is ranked among those, as on PostgreSQL).
    window = [hit for table, match in matches.items() for hit in _window(table, match)]
    total = len(window)
    _score(window)
    window.sort(key=lambda w: (not w.titled, -w.score, -w.rowid))
    page = window[offset : offset + limit]
    snippets: dict[int, str] = {}
    unread: dict[str, list[int]] = {}
    for candidate in page:
        snippet = _snippet(candidate)
        if snippet is None:
            unread.setdefault(candidate.table, []).append(candidate.rowid)
        else:
            snippets[candidate.rowid] = snippet
    for table, ids in unread.items():
        snippets.update(_snippets(table, matches[table], ids))
    return [(c.rowid, c.score) for c in page], total, snippets


def _ranked_postgresql(query: Query, user, kinds: list[str], limit: int, offset: int):
    table = SearchEntry.__table__
    vector = literal_column("search_entries.search_vector")
    tsquery = pg_tsquery(query).label("q")
    q = select(tsquery).subquery("q")
    where = [
        vector.op("@@")(q.c.q),
        table.c.kind.in_(kinds),
        (table.c.kind != "tracker") | (table.c.owner_id == user.id),
    ]
    # As on SQLite: the newest COUNT_CAP + 1 matches give the capped total and are ranked (name
    # matches first, then ts_rank_cd); the rank runs on those rows only, outside the LIMIT.
    matched = (
        select(table.c.id, vector.label("v"))
        .select_from(table.join(q, true()))
        .where(*where)
        .order_by(table.c.id.desc())
        .limit(COUNT_CAP + 1)
        .subquery("matched")
    )
    again = select(pg_tsquery(query).label("q")).subquery("q2")
    score = func.ts_rank_cd(text(f"'{_PG_WEIGHTS}'::float4[]"), matched.c.v, again.c.q)
    titled = func.ts_filter(matched.c.v, literal_column("'{a}'")).op("@@")(again.c.q)
    window = db.session.execute(
        select(matched.c.id, score.label("score"), titled.label("titled")).select_from(matched.join(again, true()))
    ).all()
    total = len(window)
    ordered = sorted(window, key=lambda w: (not w.titled, -w.score, -w.id))
    rows = ordered[offset : offset + limit]
    snippets: dict[int, str] = {}
    if rows:
        options = (
            f'StartSel={_OPEN}, StopSel={_CLOSE}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
        )

        def headline(column):
            return func.ts_headline(_config(), column, q.c.q, options)

        found = db.session.execute(
            select(table.c.id, headline(table.c.body), headline(table.c.meta), headline(table.c.title))
            .select_from(table.join(q, true()))
            .where(table.c.id.in_([r.id for r in rows]))
        ).all()
        for entry_id, body, meta, title in found:
            snippets[entry_id] = next((s for s in (body, meta, title) if s and _OPEN in s), body or meta or "")
    return [(r.id, float(r.score)) for r in rows], total or 0, snippets


def search(user, q: str, kinds: list[str] | None, page: int, per_page: int) -> SearchPage:
    """Ranked hits for `q` among `kinds` (default all) that `user` may see; trackers only their own."""
    kinds = [k for k in SEARCH_KINDS if k in (kinds or SEARCH_KINDS)]
    query = parse(q)
    if not query.groups:
        return SearchPage([], page, per_page, 0, False)
    offset = (page - 1) * per_page
    if db.session.get_bind().dialect.name == "postgresql":
        ranked, total, snippets = _ranked_postgresql(query, user, kinds, per_page, offset)
    else:
        ranked, total, snippets = _ranked_sqlite(query, user, kinds, per_page, offset)
    items = _hits(ranked, snippets)
    return SearchPage(items, page, per_page, min(total, COUNT_CAP), total > COUNT_CAP)


def _hits(ranked: list[tuple[int, float]], snippets: dict[int, str]) -> list[Hit]:
    if not ranked:
        return []
    table = SearchEntry.__table__
    products = Product.__table__
    trackers = Tracker.__table__
    rows = db.session.execute(
        select(table.c.id, table.c.kind, table.c.ref_id, table.c.title, products.c.id, products.c.name, trackers.c.name)
        .select_from(
            table.outerjoin(products, products.c.id == table.c.product_id).outerjoin(
                trackers, (table.c.kind == "tracker") & (trackers.c.id == table.c.ref_id)
            )
        )
        .where(table.c.id.in_([entry_id for entry_id, _ in ranked]))
    ).all()
    by_id = {row[0]: row for row in rows}
    hits = []
    for entry_id, score in ranked:
        row = by_id.get(entry_id)
        if row is None:
            continue
        _, kind, ref_id, title, product_id, product_name, tracker_name = row
        product = {"id": product_id, "name": product_name} if product_id is not None else None
        tracker = {"id": ref_id, "name": tracker_name} if kind == "tracker" else None
        if kind == "comment":
            title = product_name or ""
        hits.append(
            Hit(
                kind=kind,
                id=ref_id,
                title=title,
                snippet_html=snippet_html(snippets.get(entry_id, "")),
                score=round(score, 6),
                product=product,
                tracker=tracker,
            )
        )
    return hits
