"""Health: database, Redis and worker heartbeat."""

from __future__ import annotations

import time

from sqlalchemy import select, text

from ..extensions import db
from .redis import get_redis

HEARTBEAT_KEY = "trackbase:worker:heartbeat"
HEARTBEAT_STALE_SECONDS = 120


def record_heartbeat() -> None:
    """Store the time a worker last ran a task."""
    get_redis().set(HEARTBEAT_KEY, f"{time.time():.3f}", ex=24 * 3600)


def _last_poll() -> dict:
    """The last inventory poll and the last one that brought data (informational; never fails health)."""
    from ..models import InventoryPollRun

    try:
        last = db.session.execute(
            select(InventoryPollRun.status, InventoryPollRun.started_at, InventoryPollRun.finished_at)
            .order_by(InventoryPollRun.id.desc())
            .limit(1)
        ).first()
        success = db.session.scalar(
            select(InventoryPollRun.finished_at)
            .where(InventoryPollRun.status.in_(("ok", "partial")))
            .order_by(InventoryPollRun.id.desc())
            .limit(1)
        )
    except Exception as exc:
        db.session.rollback()
        return {"ok": False, "detail": type(exc).__name__}
    return {
        "ok": success is not None,
        "last_status": last.status if last else None,
        "last_started_at": last.started_at.isoformat() if last else None,
        "last_success_at": success.isoformat() if success else None,
    }


def check() -> dict:
    """Probe each dependency; never raises."""
    checks: dict = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:
        db.session.rollback()
        checks["database"] = {"ok": False, "detail": type(exc).__name__}
    beat = None
    try:
        client = get_redis()
        client.ping()
        checks["redis"] = {"ok": True}
        beat = client.get(HEARTBEAT_KEY)
    except Exception as exc:
        checks["redis"] = {"ok": False, "detail": type(exc).__name__}
    if beat is None:
        checks["worker"] = {"ok": False, "last_heartbeat_age_seconds": None}
    else:
        age = max(0.0, time.time() - float(beat))
        checks["worker"] = {"ok": age < HEARTBEAT_STALE_SECONDS, "last_heartbeat_age_seconds": round(age, 1)}
    checks["inventory_poll"] = _last_poll() if checks["database"]["ok"] else {"ok": False, "detail": "database down"}
    ok = checks["database"]["ok"] and checks["redis"]["ok"]
    status = "ok" if ok and checks["worker"]["ok"] else ("degraded" if ok else "down")
    return {"status": status, "checks": checks}
