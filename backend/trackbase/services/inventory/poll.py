"""The supplier poll: one at a time under a Redis lock with a short lease that the running poll renews,
every list fetched concurrently, applied in one transaction, changes published; and the poll's status
for the inventory screen.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from datetime import datetime, timedelta

import redis
from flask import current_app
from redis.exceptions import LockNotOwnedError
from sqlalchemy import and_, or_, select, update

from ... import cache as cache_helpers
from ...extensions import db
from ...models import InventoryPollRun, InventorySource, utcnow
from .. import jobs, products
from ..heartbeat import Heartbeat
from ..redis import get_redis
from .alerts import check_alert
from .apply import apply_results, category_data, existing_rows
from .settings import CHANGES_CHANNEL, LOCK_KEY, NEXT_POLL_KEY, categories, lock_lease, max_poll_seconds, poll_seconds
from .supplier_client import ClientSettings, FetchResult, SupplierClient

log = logging.getLogger(__name__)

LOST_LOCK_MESSAGE = (
    "The poll lost its lock before applying (Redis restarted or could not be reached for a whole lease), "
    "so another poll may have started; nothing was written. The next poll will try again."
)
OVERTAKEN_MESSAGE = (
    "This poll was marked failed or overtaken by a newer poll while it was fetching; nothing was written."
)


class PollAborted(Exception):
    """The poll can no longer prove it is the only one: it stops before writing anything."""


def poll_lock():
    """The Redis lock (token-based, released only by its holder) that keeps polls one at a time."""
    return get_redis().lock(LOCK_KEY, timeout=lock_lease(), blocking=False, thread_local=False)


class LockKeeper:
    """Renews the poll lock every third of its lease from a thread, and knows when it was lost.

    Lost means Redis answered that the lock is not ours (it restarted empty, or the lease ran out and
    someone else took it), or Redis could not be reached for a whole lease (the key may have expired).
    """

    def __init__(self, lock):
        self.lock = lock
        self.lease = lock_lease()
        self.lost = threading.Event()
        self._renewed = time.monotonic()
        self._heartbeat = Heartbeat(self.renew, self.lease / 3, "inventory-poll-lock")

    def renew(self) -> None:
        if self.lost.is_set():
            return
        try:
            self.lock.reacquire()
            self._renewed = time.monotonic()
        except LockNotOwnedError:
            log.warning("inventory poll lock was lost (not ours any more)")
            self.lost.set()
        except redis.RedisError:
            if time.monotonic() - self._renewed >= self.lease:
                log.warning("inventory poll lock could not be renewed for a whole lease; treated as lost")
                self.lost.set()

    def check(self) -> None:
        """Renew now; PollAborted when the lock is no longer ours."""
        self.renew()
        if self.lost.is_set():
            raise PollAborted(LOST_LOCK_MESSAGE)

    def __enter__(self) -> LockKeeper:
        self._heartbeat.start()
        return self

    def __exit__(self, *exc) -> None:
        self._heartbeat.stop()


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
        with LockKeeper(lock) as keeper:
            return _poll_locked(trigger, job_id, progress or (lambda pct, msg: None), keeper)
    finally:
        try:
            lock.release()
        except Exception:  # lost or expired while we worked: the next holder owns it now
            log.warning("inventory poll lock was no longer ours at release")


def _renew_run_lease(run_id: int):
    """A heartbeat function that pushes the run's lease out by one lease (its own connection)."""
    engine = db.engine
    seconds = jobs.lease_seconds()

    def beat():
        with engine.begin() as conn:
            conn.execute(
                update(InventoryPollRun)
                .where(InventoryPollRun.id == run_id, InventoryPollRun.status == "running")
                .values(lease_expires_at=utcnow() + timedelta(seconds=seconds))
            )

    return beat


def _poll_locked(trigger: str, job_id: int | None, progress, keeper: LockKeeper) -> InventoryPollRun:
    started = utcnow()
    run = InventoryPollRun(
        trigger=trigger,
        job_id=job_id,
        status="running",
        started_at=started,
        lease_expires_at=started + timedelta(seconds=jobs.lease_seconds()),
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
        with Heartbeat(_renew_run_lease(run_id), jobs.lease_seconds() / 3, f"poll-run-{run_id}-lease"):
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
            keeper.check()
            _check_not_overtaken(run_id)
            progress(85, "Applying changes")
            published = apply_results(run, states, results, existing=preloaded.get("rows"))
            keeper.check()  # the last moment before anything is written for good
            db.session.commit()
    except PollAborted as exc:
        db.session.rollback()
        log.warning("inventory poll %s aborted: %s", run_id, exc)
        _finish_failed(run_id, str(exc))
        return db.session.get(InventoryPollRun, run_id)
    except Exception as exc:
        db.session.rollback()
        log.exception("inventory poll %s failed", run_id)
        _finish_failed(run_id, f"The poll stopped with an internal error ({exc.__class__.__name__}).", alert=True)
        raise
    if run.counts.get("written"):
        cache_helpers.clear_inventory(committed=True)
    else:
        cache_helpers.clear_inventory_status(committed=True)
    if published:
        _publish(run.id, published)
    check_alert(run)
    progress(100, run.message)
    return run


def _finish_failed(run_id: int, message: str, alert: bool = False) -> None:
    """Record a run that ended without applying (commits); `alert` counts it towards the admins' alert."""
    run = db.session.get(InventoryPollRun, run_id)
    if run is not None and run.status == "running":
        run.status = "failed"
        run.finished_at = utcnow()
        run.message = message
        db.session.commit()
        if alert:
            check_alert(run)
    cache_helpers.clear_inventory_status(committed=True)


def _check_not_overtaken(run_id: int) -> None:
    """PollAborted when this run was reaped, or a run started after it has already applied.

    With the lock held neither can happen; they are the database's word on it, for a lock that was
    lost without this worker noticing (a pause longer than the lease). Ids, not clocks, order the runs.
    """
    status = db.session.scalar(select(InventoryPollRun.status).where(InventoryPollRun.id == run_id))
    if status != "running":
        raise PollAborted(OVERTAKEN_MESSAGE)
    newer = db.session.scalar(
        select(InventoryPollRun.id)
        .where(InventoryPollRun.id > run_id, InventoryPollRun.status.in_(("ok", "partial")))
        .limit(1)
    )
    if newer is not None:
        raise PollAborted(OVERTAKEN_MESSAGE)


def reap_stale_runs() -> int:
    """Mark running poll runs whose lease ran out failed (their worker is gone); how many. Commits."""
    now = utcnow()
    expired = or_(
        InventoryPollRun.lease_expires_at < now,
        and_(
            InventoryPollRun.lease_expires_at.is_(None),
            InventoryPollRun.started_at < now - timedelta(seconds=max_poll_seconds()),
        ),
    )
    stale = db.session.scalars(select(InventoryPollRun.id).where(InventoryPollRun.status == "running", expired)).all()
    if not stale:
        return 0
    result = db.session.execute(
        update(InventoryPollRun)
        .where(InventoryPollRun.id.in_(stale), InventoryPollRun.status == "running", expired)
        .values(status="failed", finished_at=now, message=jobs.reaped_message("poll", now))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:
        log.warning("reaped %s inventory poll run(s) whose worker stopped: %s", result.rowcount, stale)
        cache_helpers.clear_inventory_status(committed=True)
    return result.rowcount


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
    """Last run, last success, next poll, staleness and per-category counts (a run whose worker is gone is reaped)."""
    interval = poll_seconds()
    reap_stale_runs()
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
