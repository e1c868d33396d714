"""Applying one poll's results: what changed is written in the session, in one transaction, in steps.

A category list that fails is replaced by its last good copy and never discontinues anything; a
manufacturer that fails keeps its products' last availability, flagged stale. Only rows that
really changed are written; every availability change is kept as history (and returned, to be
published for the watch notifications).
"""

from __future__ import annotations

import json
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Text, bindparam, cast, exists, select, update

from ...extensions import db
from ...models import AvailabilityHistory, InventoryPollRun, InventorySource, Product, utcnow
from .. import products
from ..sql import upsert
from .settings import categories
from .supplier_client import FetchResult

BATCH = 1000
_PRODUCT_FIELDS = ("name", "category", "manufacturer", "colors", "price_cents")
_COUNT_KEYS = (
    "seen",
    "inserted",
    "updated",
    "unchanged",
    "discontinued",
    "reappeared",
    "availability_changes",
    "stale",
    "invalid_entries",
    "written",
)

_Row = namedtuple(
    "_Row",
    "id external_id name category manufacturer colors price_cents availability "
    "availability_stale availability_as_of discontinued_at",
)


@dataclass
class Upstream:
    """What the supplier says now: products by external id, and the categories whose list is current."""

    products: dict[str, dict] = field(default_factory=dict)
    fresh_categories: set[str] = field(default_factory=set)


@dataclass
class Availability:
    """Availability by upper-cased external id from the manufacturers that answered, and the ones that did not."""

    values: dict[str, str | None] = field(default_factory=dict)
    good_manufacturers: set[str] = field(default_factory=set)
    stale_as_of: dict[str, datetime | None] = field(default_factory=dict)
    invalid_entries: int = 0


@dataclass
class Changes:
    """The rows to write and what to record about them."""

    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    history: list[dict] = field(default_factory=list)
    published: list[dict] = field(default_factory=list)
    discontinued: list[int] = field(default_factory=list)
    new_availability: dict[str, str] = field(default_factory=dict)
    renamed: set[int] = field(default_factory=set)  # updated rows whose searchable text changed
    counts: dict = field(default_factory=lambda: dict.fromkeys(_COUNT_KEYS, 0))


def category_data(result: FetchResult | None, state: InventorySource | None) -> list | None:
    """The product list to use for a category: fresh, the cached copy on 304, or the last good copy."""
    if result is not None and result.status == "ok":
        return result.data
    return state.data if state is not None else None


def apply_results(run: InventoryPollRun, states: dict, results: dict, existing: dict | None = None) -> list[dict]:
    """Write the poll's effect in the session (no commit); returns the availability changes to publish.

    `existing` is the current supplier rows (from existing_rows()), read here when not given.
    """
    now = utcnow()
    cats = categories()
    upstream = upstream_products(cats, states, results)
    availability = manufacturer_availability(states, results)
    if _nothing_to_apply(results, cats):
        # Every list answered 304 and no row is stale: the rows already say exactly this.
        counts = dict.fromkeys(_COUNT_KEYS, 0)
        counts.update(seen=len(upstream.products), unchanged=len(upstream.products))
        return _finish_run(run, states, results, now, counts, [])
    if existing is None:
        existing = existing_rows()
    changes = Changes()
    changes.counts.update(seen=len(upstream.products), invalid_entries=availability.invalid_entries)
    compare_products(run, upstream, availability, existing, now, changes)
    discontinue_missing(upstream, existing, now, changes)
    write_changes(run, now, changes)
    return _finish_run(run, states, results, now, changes.counts, changes.published)


def upstream_products(cats: tuple[str, ...], states: dict, results: dict) -> Upstream:
    """Every product the category lists name; a failed list falls back to its last good copy."""
    upstream = Upstream()
    for category in cats:
        result = results.get(("category", category))
        data = category_data(result, states.get(("category", category)))
        if result is not None and result.status in ("ok", "not_modified") and data is not None:
            upstream.fresh_categories.add(category)
        for product in data or ():
            upstream.products.setdefault(product["external_id"], product)
    return upstream


def manufacturer_availability(states: dict, results: dict) -> Availability:
    """The availability lists of the manufacturers that answered (fresh or 304), and when the others last did."""
    found = Availability()
    for (kind, name), result in results.items():
        if kind != "manufacturer":
            continue
        state = states.get((kind, name))
        if result.status == "ok":
            data = result.data
            found.invalid_entries += result.invalid_entries
        elif result.status == "not_modified" and state is not None:
            data = state.data
        else:
            data = None
        if data is None:
            found.stale_as_of[name] = state.last_success_at if state is not None else None
            continue
        found.good_manufacturers.add(name)
        found.values.update(data)
    return found


def resolve_availability(
    row: _Row | None, product: dict, availability: Availability, now: datetime
) -> tuple[str, bool, datetime | None]:
    """(value, stale, as_of) of one upstream product, given what its manufacturer's list said (or did not)."""
    manufacturer = product.get("manufacturer")
    old_value = row.availability if row is not None else "unknown"
    old_as_of = row.availability_as_of if row is not None else None
    if manufacturer in availability.good_manufacturers:
        value = availability.values.get(product["external_id"].upper(), "unknown")
        if value is None:  # a malformed payload: keep what we knew
            return old_value, True, old_as_of
        changed = value != old_value or row is None or row.availability_stale
        return value, False, now if changed else old_as_of
    if manufacturer is None:
        return old_value, False, old_as_of
    # the manufacturer failed: last known value, flagged stale as of its last good fetch
    if row is not None and row.availability_stale:
        return old_value, True, old_as_of
    return old_value, True, availability.stale_as_of.get(manufacturer) or old_as_of


def compare_products(
    run: InventoryPollRun,
    upstream: Upstream,
    availability: Availability,
    existing: dict,
    now: datetime,
    changes: Changes,
) -> None:
    """Sort each upstream product into an insert, an update (with history when availability moved) or unchanged."""
    counts = changes.counts
    for external_id, product in upstream.products.items():
        row = existing.get(external_id)
        value, stale, as_of = resolve_availability(row, product, availability, now)
        counts["stale"] += stale
        changes.new_availability[external_id] = value
        if row is None:
            changes.inserts.append(
                {
                    **{f: product[f] for f in _PRODUCT_FIELDS},
                    "external_id": external_id,
                    "source": "supplier",
                    "description": "",
                    "availability": value,
                    "availability_stale": stale,
                    "availability_as_of": as_of,
                    "discontinued_at": None,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            continue
        wanted = (
            product["name"],
            product["category"],
            product["manufacturer"],
            product["colors"],
            product["price_cents"],
            value,
            stale,
            as_of,
            None,
        )
        if row.discontinued_at is not None:
            counts["reappeared"] += 1
        if row[2:] == wanted:
            counts["unchanged"] += 1
            continue
        changes.updates.append({"b_id": row.id, **dict(zip(_Row._fields[2:], wanted, strict=True)), "updated_at": now})
        if row[2:5] != wanted[:3]:
            changes.renamed.add(row.id)
        if value != row.availability:
            changes.history.append(
                {
                    "product_id": row.id,
                    "old_availability": row.availability,
                    "availability": value,
                    "changed_at": now,
                    "poll_run_id": run.id,
                }
            )
            changes.published.append(
                {"product_id": row.id, "external_id": external_id, "old": row.availability, "new": value}
            )


def discontinue_missing(upstream: Upstream, existing: dict, now: datetime, changes: Changes) -> None:
    """Mark discontinued the stored products a current category list no longer names."""
    for external_id, row in existing.items():
        if external_id in upstream.products or row.discontinued_at is not None:
            continue
        if row.category not in upstream.fresh_categories:
            continue
        changes.updates.append(
            {
                "b_id": row.id,
                "name": row.name,
                "category": row.category,
                "manufacturer": row.manufacturer,
                "colors": row.colors,
                "price_cents": row.price_cents,
                "availability": row.availability,
                "availability_stale": row.availability_stale,
                "availability_as_of": row.availability_as_of,
                "discontinued_at": now,
                "updated_at": now,
            }
        )
        changes.counts["discontinued"] += 1
        changes.discontinued.append(row.id)


def write_changes(run: InventoryPollRun, now: datetime, changes: Changes) -> None:
    """Insert, update and record history in batches (in the session), and finish the counts."""
    table = Product.__table__
    refreshed = (
        *_PRODUCT_FIELDS,
        "availability",
        "availability_stale",
        "availability_as_of",
        "discontinued_at",
        "updated_at",
    )
    insert = upsert(table, ("source", "external_id"), refreshed).returning(table.c.id, table.c.external_id)
    written: list[int] = []
    for start in range(0, len(changes.inserts), BATCH):
        # executemany with RETURNING: one compiled statement, batched by SQLAlchemy's insertmanyvalues
        for product_id, external_id in db.session.execute(insert, changes.inserts[start : start + BATCH]):
            written.append(product_id)
            value = changes.new_availability[external_id]
            if value != "unknown":
                changes.history.append(
                    {
                        "product_id": product_id,
                        "old_availability": None,
                        "availability": value,
                        "changed_at": now,
                        "poll_run_id": run.id,
                    }
                )
    if changes.updates:
        # No .values(): the SET clause comes from the parameter keys, typed by their columns.
        stmt = update(table).where(table.c.id == bindparam("b_id"))
        for start in range(0, len(changes.updates), BATCH):
            db.session.execute(stmt, changes.updates[start : start + BATCH])
    if changes.history:
        db.session.execute(AvailabilityHistory.__table__.insert(), changes.history)
    # Bulk statements pass the session's flush events by: index the rows whose text may have changed.
    products.search.index_products(written + [u["b_id"] for u in changes.updates if u["b_id"] in changes.renamed])
    # Watchers hear of availability changes and discontinued products through the activity log.
    products.watch.record_availability_changes(changes.published, changes.discontinued, now)
    counts = changes.counts
    counts["inserted"] = len(changes.inserts)
    counts["updated"] = len(changes.updates) - counts["discontinued"]
    counts["availability_changes"] = len(changes.history)
    counts["written"] = len(changes.inserts) + len(changes.updates)


def _finish_run(
    run: InventoryPollRun, states: dict, results: dict, now: datetime, counts: dict, published: list[dict]
) -> list[dict]:
    """Save the sources' state and the run's outcome (in the session); returns `published`."""
    _save_sources(states, results, now)
    failed = sorted(f"{kind} {name} ({r.error})" for (kind, name), r in results.items() if r.status == "failed")
    run.sources = {f"{kind}:{name}": r.outcome() for (kind, name), r in sorted(results.items())}
    run.counts = counts
    run.changes = published
    run.finished_at = utcnow()
    if results and len(failed) == len(results):
        run.status = "failed"
    elif failed or counts["invalid_entries"]:
        run.status = "partial"
    else:
        run.status = "ok"
    run.message = _summary(counts, failed)
    return published


def existing_rows() -> dict[str, _Row]:
    """Every supplier product's comparable fields, keyed by external id.

    Colours are read as JSON text and parsed once per distinct value (there are a few dozen),
    which keeps loading ~18,000 rows cheap.
    """
    table = Product.__table__
    parsed: dict[str | None, list] = {}
    existing = {}
    rows = db.session.execute(
        select(
            table.c.id,
            table.c.external_id,
            table.c.name,
            table.c.category,
            table.c.manufacturer,
            cast(table.c.colors, Text).label("colors_text"),
            table.c.price_cents,
            table.c.availability,
            table.c.availability_stale,
            table.c.availability_as_of,
            table.c.discontinued_at,
        ).where(table.c.source == "supplier")
    )
    for row in rows:
        text = row.colors_text
        colors = parsed.get(text)
        if colors is None:
            colors = parsed[text] = json.loads(text) if text else []
        existing[row.external_id] = _Row(
            row.id,
            row.external_id,
            row.name,
            row.category,
            row.manufacturer,
            colors,
            row.price_cents,
            row.availability,
            bool(row.availability_stale),
            row.availability_as_of,
            row.discontinued_at,
        )
    return existing


def _nothing_to_apply(results: dict, cats: tuple[str, ...]) -> bool:
    """True when every list answered 304 (so upstream is what was last applied) and no row is stale."""
    if not results or any(r.status != "not_modified" for r in results.values()):
        return False
    if any(("category", c) not in results for c in cats):
        return False
    table = Product.__table__
    return not db.session.scalar(
        select(exists().where(table.c.source == "supplier", table.c.availability_stale.is_(True)))
    )


def _save_sources(states: dict, results: dict, now: datetime) -> None:
    for (kind, name), result in results.items():
        state = states.get((kind, name))
        if state is None:
            state = InventorySource(kind=kind, name=name, last_status="never", last_error="")
            db.session.add(state)
            states[(kind, name)] = state
        state.last_attempt_at = now
        state.last_status = result.status
        if result.status == "failed":
            state.last_error = result.error[:2000]
            continue
        state.last_error = ""
        state.last_success_at = now
        if result.status == "ok":
            state.data = result.data
            state.etag = result.etag


def _summary(counts: dict, failed: list[str]) -> str:
    parts = [
        f"{counts['seen']} products",
        f"{counts['inserted']} new",
        f"{counts['updated']} updated",
        f"{counts['discontinued']} discontinued",
        f"{counts['availability_changes']} availability changes",
    ]
    text = ", ".join(parts)
    if failed:
        text += "; failed after retries: " + ", ".join(failed) + " (last good data kept)"
    if counts.get("invalid_entries"):
        text += f"; {counts['invalid_entries']} malformed availability entries kept their last value"
    return text
