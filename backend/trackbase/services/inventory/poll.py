"""The supplier poll: one at a time under a Redis lock, every list fetched concurrently, applied in one
transaction, changes published; and the poll's status for the inventory screen.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

from flask import current_app
from redis.exceptions import LockError
from sqlalchemy import select

from ... import cache as cache_helpers
from ...extensions import db
from ...models import InventoryPollRun, InventorySource, utcnow
from .. import products
from ..redis import get_redis
from .apply import apply_results, category_data, existing_rows
from .settings import CHANGES_CHANNEL, LOCK_KEY, NEXT_POLL_KEY, categories, lock_timeout, poll_seconds
from .supplier_client import ClientSettings, FetchResult, SupplierClient

log = logging.getLogger(__name__)


def poll_lock():
    """The Redis lock (token-based, released only by its holder) that keeps polls one at a time."""
    return get_redis().lock(LOCK_KEY, timeout=lock_timeout(), blocking=False, thread_local=False)


def poll_running() -> bool:
    """Whether a poll holds the lock now."""
    return bool(get_redis().exists(LOCK_KEY))


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
    run = InventoryPollRun(
        trigger=trigger,
        job_id=job_id,
        status="running",
        started_at=utcnow(),
        sources={},
        counts={},
        changes=[],
        message="",
    )
    db.session.add(run)
    db.session.commit()
    cache_helpers.clear_inventory_status(committed=True)
    run_id = run.id
    try:
        states = {(s.kind, s.name): s for s in db.session.scalars(select(InventorySource))}
        known_manufacturers = sorted(
            name for (kind, name), s in states.items() if kind == "manufacturer" and s.last_success_at is not None
        )
        progress(5, "Fetching from the supplier")
        preloaded = {}
        # The current rows are read while the requests are in flight (the lock keeps them ours).
        results = fetch_all(
            states, known_manufacturers, progress, while_waiting=lambda: preloaded.update(rows=existing_rows())
        )
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
        cache_helpers.clear_inventory_status(committed=True)
        raise
    if run.counts.get("written"):
        cache_helpers.clear_inventory(committed=True)
    else:
        cache_helpers.clear_inventory_status(committed=True)
    if published:
        _publish(run.id, published)
    progress(100, run.message)
    return run


def fetch_all(
    states: dict, known_manufacturers: list[str], progress=None, while_waiting=None
) -> dict[tuple[str, str], FetchResult]:
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
                        progress(
                            5 + int(75 * len(results) / max(total, 1)),
                            f"Fetched {len(results)} of {total} supplier lists",
                        )
    finally:
        client.close()
    return results


def _publish(run_id: int, changes: list[dict]) -> None:
    """Announce availability changes on CHANGES_CHANNEL (best effort: they stay on the run too)."""
    try:
        get_redis().publish(CHANGES_CHANNEL, json.dumps({"run_id": run_id, "changes": changes}))
    except Exception:
        log.exception("could not publish inventory changes of run %s", run_id)


def inventory_status() -> dict:
    """Last run, last success, next poll, staleness and per-category counts."""
    interval = poll_seconds()
    last_run = db.session.scalar(select(InventoryPollRun).order_by(InventoryPollRun.id.desc()).limit(1))
    last_finished = db.session.scalar(
        select(InventoryPollRun)
        .where(InventoryPollRun.status != "running")
        .order_by(InventoryPollRun.id.desc())
        .limit(1)
    )
    last_success = db.session.scalar(
        select(InventoryPollRun.finished_at)
        .where(InventoryPollRun.status.in_(("ok", "partial")))
        .order_by(InventoryPollRun.id.desc())
        .limit(1)
    )
    next_at = None
    raw = get_redis().get(NEXT_POLL_KEY)
    if raw:
        next_at = datetime.fromtimestamp(float(raw), tz=utcnow().tzinfo)
    elif last_run is not None:
        next_at = last_run.started_at + timedelta(seconds=interval)

    per_category, stale_products = products.category_counts(categories())

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
        "categories": per_category,
    }
