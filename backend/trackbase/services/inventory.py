"""Inventory: poll the supplier, apply what changed in one transaction, answer inventory reads.

A poll never loses good data: a category list that fails is replaced by its last good copy and
never discontinues anything; a manufacturer that fails keeps its products' last availability,
flagged stale. Only rows that really changed are written; every availability change is kept
as history and published on Redis for the watch notifications.
"""
from __future__ import annotations

import json
import logging
import time
from collections import namedtuple
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import LockError
from sqlalchemy import Text, bindparam, case, cast, exists, func, or_, select, update
from sqlalchemy import String as SAString
from sqlalchemy.dialects import postgresql, sqlite

from .. import cache as cache_helpers
from ..errors import conflict
from ..extensions import db
from ..models import (
    AVAILABILITIES, AvailabilityHistory, InventoryPollRun, InventorySource, Job, Product, utcnow,
)
from . import jobs
from .redis import get_redis
from .supplier_client import ClientSettings, FetchResult, SupplierClient

log = logging.getLogger(__name__)

DEFAULT_CATEGORIES = ("gloves", "facemasks", "beanies")
LOCK_KEY = "trackbase:inventory:poll-lock"
NEXT_POLL_KEY = "trackbase:inventory:next-poll-at"
CHANGES_CHANNEL = "trackbase:inventory:changes"
REFRESH_JOB_KIND = "inventory_refresh"
BATCH = 1000

_PRODUCT_FIELDS = ("name", "category", "manufacturer", "colors", "price_cents")
_COUNT_KEYS = ("seen", "inserted", "updated", "unchanged", "discontinued", "reappeared", "availability_changes",
               "stale", "invalid_entries", "written")
_AVAILABILITY_ORDER = {value: rank for rank, value in enumerate(AVAILABILITIES)}


# -- configuration -----------------------------------------------------------------------------

def categories() -> tuple[str, ...]:
    """The upstream categories polled (config INVENTORY_CATEGORIES, a list or comma string)."""
    raw = current_app.config.get("INVENTORY_CATEGORIES") or DEFAULT_CATEGORIES
    if isinstance(raw, str):
        raw = raw.split(",")
    return tuple(c.strip().lower() for c in raw if c.strip())


def poll_seconds() -> int:
    return max(10, int(current_app.config.get("INVENTORY_POLL_SECONDS", 300)))


def lock_timeout() -> int:
    """The poll lock lives a little less than one interval, so a crashed holder never blocks the next run."""
    interval = poll_seconds()
    return max(5, min(interval - 5, int(interval * 0.9)))


def poll_lock():
    """The Redis lock (token-based, released only by its holder) that keeps polls one at a time."""
    return get_redis().lock(LOCK_KEY, timeout=lock_timeout(), blocking=False, thread_local=False)


def poll_running() -> bool:
    return bool(get_redis().exists(LOCK_KEY))


# -- the poll ----------------------------------------------------------------------------------

def run_poll(trigger: str = "beat", job_id: int | None = None, progress=None) -> InventoryPollRun | None:
    """Run one poll under the lock; None when another poll holds it (this one is skipped)."""
    lock = poll_lock()
    if not lock.acquire(blocking=False):
        log.info("inventory poll (%s) skipped: another poll is running", trigger)
        return None
    try:
        report = progress or (lambda pct, msg: None)

        def step(pct, message):
            # Each step renews the lock's lease, so a slow but live poll is never overtaken.
            try:
                lock.reacquire()
            except LockError:
                log.warning("inventory poll lock was lost; another poll may start")
            report(pct, message)

        return _poll_locked(trigger, job_id, step)
    finally:
        try:
            lock.release()
        except Exception:  # expired while we worked: the next holder owns it now
            log.warning("inventory poll lock had expired before release")


def _poll_locked(trigger: str, job_id: int | None, progress) -> InventoryPollRun:
    run = InventoryPollRun(trigger=trigger, job_id=job_id, status="running", started_at=utcnow(),
                           sources={}, counts={}, changes=[], message="")
    db.session.add(run)
    db.session.commit()
    cache_helpers.clear_inventory_status()
    run_id = run.id
    try:
        states = {(s.kind, s.name): s for s in db.session.scalars(select(InventorySource))}
        known_manufacturers = sorted(
            name for (kind, name), s in states.items() if kind == "manufacturer" and s.last_success_at is not None
        )
        progress(5, "Fetching from the supplier")
        preloaded = {}
        # The current rows are read while the requests are in flight (the lock keeps them ours).
        results = fetch_all(states, known_manufacturers, progress,
                            while_waiting=lambda: preloaded.update(rows=_existing_rows()))
        progress(85, "Applying changes")
        published = apply_results(run, states, results, existing=preloaded.get("rows"))
        db.session.commit()
    except Exception as exc:
        db.session.rollback()
        log.exception("inventory poll %s failed", run_id)
        run = db.session.get(InventoryPollRun, run_id)
        if run is not None:
            run.status = "failed"
            run.finished_at = utcnow()
            run.message = f"The poll stopped with an internal error ({exc.__class__.__name__})."
            db.session.commit()
        cache_helpers.clear_inventory_status()
        raise
    if run.counts.get("written"):
        cache_helpers.clear_inventory()
    else:
        cache_helpers.clear_inventory_status()
    if published:
        _publish(run.id, published)
    progress(100, run.message)
    return run


def fetch_all(states: dict, known_manufacturers: list[str], progress=None,
              while_waiting=None) -> dict[tuple[str, str], FetchResult]:
    """Fetch every category and manufacturer concurrently.

    Known manufacturers start at once; any new one is started as soon as a category list
    naming it arrives, so the wall time stays close to the slowest single call.
    `while_waiting()` runs in this thread once every first request is on its way.
    """
    settings = ClientSettings.from_config(current_app.config)
    client = SupplierClient(settings)
    results: dict[tuple[str, str], FetchResult] = {}
    cats = categories()

    def etag_for(kind, name):
        state = states.get((kind, name))
        return state.etag if state is not None and state.data is not None else None

    try:
        with ThreadPoolExecutor(max_workers=settings.pool_size, thread_name_prefix="supplier") as pool:
            pending = {}
            started_manufacturers = set()

            def start_manufacturer(name):
                if name and name not in started_manufacturers:
                    started_manufacturers.add(name)
                    pending[pool.submit(client.fetch_manufacturer, name, etag_for("manufacturer", name))] = name

            for category in cats:
                pending[pool.submit(client.fetch_category, category, etag_for("category", category))] = category
            for name in known_manufacturers:
                start_manufacturer(name)
            if while_waiting is not None:
                while_waiting()
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    pending.pop(future)
                    result = future.result()
                    results[(result.kind, result.name)] = result
                    if result.kind == "category":
                        for product in category_data(result, states.get(("category", result.name))) or ():
                            start_manufacturer(product.get("manufacturer"))
                    if progress is not None:
                        total = len(cats) + len(started_manufacturers)
                        progress(5 + int(75 * len(results) / max(total, 1)),
                                 f"Fetched {len(results)} of {total} supplier lists")
    finally:
        client.close()
    return results


def category_data(result: FetchResult | None, state: InventorySource | None) -> list | None:
    """The product list to use for a category: fresh, the cached copy on 304, or the last good copy."""
    if result is not None and result.status == "ok":
        return result.data
    return state.data if state is not None else None


def apply_results(run: InventoryPollRun, states: dict, results: dict, existing: dict | None = None) -> list[dict]:
    """Write the poll's effect in the session (no commit); returns the availability changes to publish.

    `existing` is the current supplier rows (from _existing_rows()), read here when not given.
    """
    now = utcnow()
    cats = categories()
    table = Product.__table__

    # What upstream says now. A failed category falls back to its last good list (never discontinues).
    upstream: dict[str, dict] = {}
    fresh_categories = set()
    for category in cats:
        result = results.get(("category", category))
        data = category_data(result, states.get(("category", category)))
        if result is not None and result.status in ("ok", "not_modified") and data is not None:
            fresh_categories.add(category)
        for product in data or ():
            upstream.setdefault(product["external_id"], product)

    availability: dict[str, str | None] = {}
    good_manufacturers: set[str] = set()
    stale_as_of: dict[str, datetime | None] = {}
    invalid_entries = 0
    for (kind, name), result in results.items():
        if kind != "manufacturer":
            continue
        state = states.get((kind, name))
        if result.status == "ok":
            data = result.data
            invalid_entries += result.invalid_entries
        elif result.status == "not_modified" and state is not None:
            data = state.data
        else:
            data = None
        if data is None:
            stale_as_of[name] = state.last_success_at if state is not None else None
            continue
        good_manufacturers.add(name)
        availability.update(data)

    if _nothing_to_apply(results, cats):
        # Every list answered 304 and no row is stale: the rows already say exactly this.
        counts = dict.fromkeys(_COUNT_KEYS, 0)
        counts.update(seen=len(upstream), unchanged=len(upstream))
        return _finish_run(run, states, results, now, counts, [])

    if existing is None:
        existing = _existing_rows()

    inserts, updates, history, published = [], [], [], []
    counts = dict.fromkeys(_COUNT_KEYS, 0)
    counts.update(seen=len(upstream), invalid_entries=invalid_entries)
    new_availability: dict[str, str] = {}

    for external_id, product in upstream.items():
        row = existing.get(external_id)
        manufacturer = product.get("manufacturer")
        old_value = row.availability if row is not None else "unknown"
        old_as_of = row.availability_as_of if row is not None else None
        if manufacturer in good_manufacturers:
            value = availability.get(external_id.upper(), "unknown")
            if value is None:  # a malformed payload: keep what we knew
                value, stale, as_of = old_value, True, old_as_of
            else:
                stale = False
                as_of = now if (value != old_value or row is None or row.availability_stale) else old_as_of
        elif manufacturer is None:
            value, stale, as_of = old_value, False, old_as_of
        else:  # the manufacturer failed: last known value, flagged stale as of its last good fetch
            value, stale = old_value, True
            as_of = old_as_of if row is not None and row.availability_stale else stale_as_of.get(manufacturer) or old_as_of
        counts["stale"] += stale
        new_availability[external_id] = value
        if row is None:
            inserts.append({
                **{f: product[f] for f in _PRODUCT_FIELDS}, "external_id": external_id, "source": "supplier",
                "description": "", "availability": value, "availability_stale": stale, "availability_as_of": as_of,
                "discontinued_at": None, "created_at": now, "updated_at": now,
            })
            continue
        wanted = (product["name"], product["category"], product["manufacturer"], product["colors"],
                  product["price_cents"], value, stale, as_of, None)
        if row.discontinued_at is not None:
            counts["reappeared"] += 1
        if row[2:] != wanted:
            updates.append({"b_id": row.id, **dict(zip(_Row._fields[2:], wanted)), "updated_at": now})
            if value != row.availability:
                history.append({"product_id": row.id, "old_availability": row.availability, "availability": value,
                                "changed_at": now, "poll_run_id": run.id})
                published.append({"product_id": row.id, "external_id": external_id,
                                  "old": row.availability, "new": value})
        else:
            counts["unchanged"] += 1

    for external_id, row in existing.items():
        if external_id in upstream or row.discontinued_at is not None or row.category not in fresh_categories:
            continue
        updates.append({"b_id": row.id, "name": row.name, "category": row.category, "manufacturer": row.manufacturer,
                        "colors": row.colors, "price_cents": row.price_cents, "availability": row.availability,
                        "availability_stale": row.availability_stale, "availability_as_of": row.availability_as_of,
                        "discontinued_at": now, "updated_at": now})
        counts["discontinued"] += 1

    for start in range(0, len(inserts), BATCH):
        chunk = inserts[start:start + BATCH]
        # executemany with RETURNING: one compiled statement, batched by SQLAlchemy's insertmanyvalues
        for product_id, external_id in db.session.execute(_upsert().returning(table.c.id, table.c.external_id), chunk):
            value = new_availability[external_id]
            if value != "unknown":
                history.append({"product_id": product_id, "old_availability": None, "availability": value,
                                "changed_at": now, "poll_run_id": run.id})
    if updates:
        # No .values(): the SET clause comes from the parameter keys, typed by their columns.
        stmt = update(table).where(table.c.id == bindparam("b_id"))
        for start in range(0, len(updates), BATCH):
            db.session.execute(stmt, updates[start:start + BATCH])
    if history:
        db.session.execute(AvailabilityHistory.__table__.insert(), history)

    counts["inserted"] = len(inserts)
    counts["updated"] = len(updates) - counts["discontinued"]
    counts["availability_changes"] = len(history)
    counts["written"] = len(inserts) + len(updates)
    return _finish_run(run, states, results, now, counts, published)


def _finish_run(run: InventoryPollRun, states: dict, results: dict, now: datetime, counts: dict,
                published: list[dict]) -> list[dict]:
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
    run.message = _summary(run.status, counts, failed)
    return published


_Row = namedtuple("_Row", "id external_id name category manufacturer colors price_cents availability "
                          "availability_stale availability_as_of discontinued_at")


def _existing_rows() -> dict[str, _Row]:
    """Every supplier product's comparable fields, keyed by external id.

    Colours are read as JSON text and parsed once per distinct value (there are a few dozen),
    which keeps loading ~18,000 rows cheap.
    """
    table = Product.__table__
    parsed: dict[str | None, list] = {}
    existing = {}
    rows = db.session.execute(
        select(table.c.id, table.c.external_id, table.c.name, table.c.category, table.c.manufacturer,
               cast(table.c.colors, Text).label("colors_text"), table.c.price_cents, table.c.availability,
               table.c.availability_stale, table.c.availability_as_of, table.c.discontinued_at)
        .where(table.c.source == "supplier")
    )
    for row in rows:
        text = row.colors_text
        colors = parsed.get(text)
        if colors is None:
            colors = parsed[text] = json.loads(text) if text else []
        existing[row.external_id] = _Row(row.id, row.external_id, row.name, row.category, row.manufacturer, colors,
                                         row.price_cents, row.availability, bool(row.availability_stale),
                                         row.availability_as_of, row.discontinued_at)
    return existing


def _nothing_to_apply(results: dict, cats: tuple[str, ...]) -> bool:
    """True when every list answered 304 (so upstream is what was last applied) and no row is stale."""
    if not results or any(r.status != "not_modified" for r in results.values()):
        return False
    if any(("category", c) not in results for c in cats):
        return False
    table = Product.__table__
    return not db.session.scalar(
        select(exists().where(table.c.source == "supplier", table.c.availability_stale.is_(True))))


def _upsert():
    """INSERT .. ON CONFLICT (source, external_id) DO UPDATE, in the session's dialect."""
    table = Product.__table__
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    stmt = module.insert(table)
    refreshed = {c: stmt.excluded[c] for c in (*_PRODUCT_FIELDS, "availability", "availability_stale",
                                               "availability_as_of", "discontinued_at", "updated_at")}
    return stmt.on_conflict_do_update(index_elements=["source", "external_id"], set_=refreshed)


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


def _summary(status: str, counts: dict, failed: list[str]) -> str:
    parts = [f"{counts['seen']} products", f"{counts['inserted']} new", f"{counts['updated']} updated",
             f"{counts['discontinued']} discontinued", f"{counts['availability_changes']} availability changes"]
    text = ", ".join(parts)
    if failed:
        text += "; failed after retries: " + ", ".join(failed) + " (last good data kept)"
    if counts.get("invalid_entries"):
        text += f"; {counts['invalid_entries']} malformed availability entries kept their last value"
    return text


def _publish(run_id: int, changes: list[dict]) -> None:
    """Announce availability changes on CHANGES_CHANNEL (best effort: they stay on the run too)."""
    try:
        get_redis().publish(CHANGES_CHANNEL, json.dumps({"run_id": run_id, "changes": changes}))
    except Exception:
        log.exception("could not publish inventory changes of run %s", run_id)


# -- scheduling and the refresh job ------------------------------------------------------------

def note_scheduled_run() -> None:
    """Remember when beat will run the next poll (read by the status endpoint)."""
    next_at = time.time() + poll_seconds()
    get_redis().set(NEXT_POLL_KEY, f"{next_at:.3f}", ex=poll_seconds() * 3)
    cache_helpers.clear_inventory_status()


def has_data() -> bool:
    """True once any poll has stored supplier products or succeeded."""
    return db.session.scalar(select(func.count()).select_from(
        select(Product.id).where(Product.source == "supplier").limit(1).subquery())) > 0


def active_refresh_job() -> Job | None:
    """A refresh job that is still queued or running, if any."""
    return db.session.scalar(
        select(Job).where(Job.kind == REFRESH_JOB_KIND, Job.status.in_(("queued", "running")),
                          Job.created_at >= utcnow() - timedelta(seconds=lock_timeout()))
        .order_by(Job.id.desc()).limit(1)
    )


def request_refresh(user_id: int) -> Job:
    """Queue a poll as a job for the user; 409 when a poll is already running or queued."""
    if poll_running() or active_refresh_job() is not None:
        raise conflict("A supplier poll is already running or queued; its result appears when it finishes.")
    job = jobs.create_job(user_id, REFRESH_JOB_KIND, message="Waiting for a worker")
    jobs.enqueue("trackbase.tasks.inventory.poll", job_id=job.id, trigger="manual")
    db.session.commit()
    return job


def run_refresh_job(job_id: int) -> None:
    """The worker side of a refresh: poll with progress on the job, or wait for the poll that is running."""
    jobs.update_job(job_id, progress=1, message="Starting the poll")

    def progress(pct, message):
        jobs.update_job(job_id, progress=min(pct, 99), message=message)

    run = run_poll(trigger="manual", job_id=job_id, progress=progress)
    if run is None:
        jobs.update_job(job_id, progress=50, message="Another poll is running; waiting for it to finish")
        deadline = time.monotonic() + lock_timeout()
        while poll_running() and time.monotonic() < deadline:
            time.sleep(0.5)
        db.session.expire_all()
        run = db.session.scalar(select(InventoryPollRun).order_by(InventoryPollRun.id.desc()).limit(1))
    if run is None or run.status == "running":
        jobs.fail_job(job_id, "The poll did not finish in time; the next scheduled poll will try again.")
        return
    result = {"run_id": run.id, "status": run.status, "counts": run.counts, "message": run.message}
    if run.status == "failed":
        jobs.fail_job(job_id, "The supplier could not be reached; the last good data is kept. " + run.message)
    else:
        jobs.finish_job(job_id, result, message=run.message)


# -- reads ---------------------------------------------------------------------------------------

def inventory_status() -> dict:
    """Last run, last success, next poll, staleness and per-category counts."""
    interval = poll_seconds()
    last_run = db.session.scalar(select(InventoryPollRun).order_by(InventoryPollRun.id.desc()).limit(1))
    last_finished = db.session.scalar(
        select(InventoryPollRun).where(InventoryPollRun.status != "running")
        .order_by(InventoryPollRun.id.desc()).limit(1))
    last_success = db.session.scalar(
        select(InventoryPollRun.finished_at).where(InventoryPollRun.status.in_(("ok", "partial")))
        .order_by(InventoryPollRun.id.desc()).limit(1))
    next_at = None
    raw = get_redis().get(NEXT_POLL_KEY)
    if raw:
        next_at = datetime.fromtimestamp(float(raw), tz=utcnow().tzinfo)
    elif last_run is not None:
        next_at = last_run.started_at + timedelta(seconds=interval)

    table = Product.__table__
    rows = db.session.execute(
        select(table.c.category, table.c.availability, func.count(), func.sum(case((table.c.availability_stale, 1), else_=0)))
        .where(table.c.source == "supplier", table.c.discontinued_at.is_(None))
        .group_by(table.c.category, table.c.availability)
    ).all()
    per_category = {c: {"name": c, "total": 0, "availability": dict.fromkeys(AVAILABILITIES, 0)} for c in categories()}
    stale_products = 0
    for category, value, count, stale in rows:
        if category not in per_category:
            continue
        per_category[category]["total"] += count
        per_category[category]["availability"][value] = count
        stale_products += int(stale or 0)

    now = utcnow()
    reasons = []
    if last_success is None:
        reasons.append("No successful poll yet.")
    elif now - last_success > timedelta(seconds=2 * interval + 60):
        reasons.append("The last successful poll is older than two poll intervals.")
    if last_finished is not None and last_finished.status == "failed":
        reasons.append("The last poll failed; the last good data is shown.")
    elif last_finished is not None and last_finished.status == "partial":
        reasons.append("Part of the last poll failed; affected products keep their last known availability.")
    if stale_products:
        reasons.append(f"{stale_products} products show availability that could not be refreshed.")
    return {
        "poll_seconds": interval,
        "running": poll_running(),
        "last_run": last_run,
        "last_success_at": last_success,
        "next_poll_at": next_at,
        "stale": bool(reasons),
        "stale_reasons": reasons,
        "stale_products": stale_products,
        "data_version": cache_helpers.inventory_data_version(),
        "categories": list(per_category.values()),
    }


SORTS = {
    "name": (Product.name,),
    "price": (Product.price_cents,),
    "manufacturer": (Product.manufacturer, Product.name),
    "availability": (case(_AVAILABILITY_ORDER, value=Product.availability, else_=len(AVAILABILITIES)), Product.name),
}


def inventory_query(category: str, availability: list[str] | None = None, manufacturer: list[str] | None = None,
                    color: list[str] | None = None, q: str | None = None, sort: str = "name"):
    """The select for one category's current supplier products with filters and a stable sort."""
    stmt = select(Product).where(Product.source == "supplier", Product.category == category,
                                 Product.discontinued_at.is_(None))
    if availability:
        stmt = stmt.where(Product.availability.in_(availability))
    if manufacturer:
        stmt = stmt.where(Product.manufacturer.in_(manufacturer))
    if color:
        # colours are validated to [a-z]+ by the schema, so matching the JSON text is exact and safe
        text = cast(Product.colors, SAString)
        stmt = stmt.where(or_(*(text.like(f'%"{c}"%') for c in color)))
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        # SQLite's lower()/LIKE fold ASCII only; matching the upper-cased term too covers Ä/Ö in
        # the supplier's upper-case names on both databases.
        stmt = stmt.where(or_(func.lower(Product.name).like(f"%{escaped.lower()}%", escape="\\"),
                              Product.name.like(f"%{escaped.upper()}%", escape="\\")))
    descending = sort.startswith("-")
    columns = SORTS[sort.lstrip("-")]
    order = [c.desc() if descending else c.asc() for c in columns]
    order.append(Product.id.desc() if descending else Product.id.asc())
    return stmt.order_by(*order)


def manufacturers_in(category: str) -> list[str]:
    """The manufacturers of a category's current products (for the filter menu)."""
    return list(db.session.scalars(
        select(Product.manufacturer).where(Product.source == "supplier", Product.category == category,
                                           Product.discontinued_at.is_(None), Product.manufacturer.is_not(None))
        .distinct().order_by(Product.manufacturer)))


def get_product(product_id: int) -> Product | None:
    return db.session.get(Product, product_id)


def availability_history_query(product_id: int):
    """A product's availability changes, newest first."""
    return (select(AvailabilityHistory).where(AvailabilityHistory.product_id == product_id)
            .order_by(AvailabilityHistory.changed_at.desc(), AvailabilityHistory.id.desc()))
