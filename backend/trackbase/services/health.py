"""Health: database, Redis and worker heartbeat."""
from __future__ import annotations

import time

from sqlalchemy import text

from ..extensions import db
from .redis import get_redis

HEARTBEAT_KEY = "trackbase:worker:heartbeat"
HEARTBEAT_STALE_SECONDS = 120


def record_heartbeat() -> None:
    """Store the time a worker last ran a task."""
    get_redis().set(HEARTBEAT_KEY, f"{time.time():.3f}", ex=24 * 3600)


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
    ok = checks["database"]["ok"] and checks["redis"]["ok"]
    status = "ok" if ok and checks["worker"]["ok"] else ("degraded" if ok else "down")
    return {"status": status, "checks": checks}
