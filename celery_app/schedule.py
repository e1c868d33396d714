"""The beat schedule as data (UTC). Each entry names a task in trackbase/tasks/."""
from __future__ import annotations

from datetime import timedelta


def beat_schedule(config: dict) -> dict:
    """Return the Celery beat schedule for this configuration."""
    poll_seconds = max(10, int(config.get("INVENTORY_POLL_SECONDS", 300)))
    digest_seconds = max(10, int(config.get("WATCH_DIGEST_SECONDS", 300)))
    sweep_seconds = max(5, int(config.get("ORDER_EXPORT_SWEEP_SECONDS", 60)))
    reap_seconds = max(5, int(config.get("JOB_LEASE_SECONDS", 30)) // 2)
    outbox_seconds = max(5, int(config.get("OUTBOX_SWEEP_SECONDS", 30)))
    return {
        "inventory-poll": {
            "task": "trackbase.tasks.inventory.poll",
            "schedule": timedelta(seconds=poll_seconds),
            "kwargs": {"trigger": "beat"},
            # a run that waited in the queue past the next one's start is dropped
            "options": {"expires": max(5, int(poll_seconds * 0.9))},
        },
        # Tracking: claims make both safe to run twice (two beats) or late (catch-up).
        "tracking-reminder-scan": {
            "task": "trackbase.tasks.tracking.scan_reminders",
            "schedule": timedelta(minutes=5),
            "options": {"expires": 240},
        },
        "tracking-monthly-reports": {
            "task": "trackbase.tasks.tracking.check_monthly_reports",
            "schedule": timedelta(hours=1),
            "options": {"expires": 3000},
        },
        # Watch digests: one email per watcher per window; claims make a second beat harmless.
        "watch-digests": {
            "task": "trackbase.tasks.watch.scan_digests",
            "schedule": timedelta(seconds=digest_seconds),
            "options": {"expires": max(5, int(digest_seconds * 0.9))},
        },
        # Shop: orders whose DynamoDB hand-off is still pending (claims keep two beats from double-sending).
        "shop-order-export-sweep": {
            "task": "trackbase.tasks.shop.sweep_order_exports",
            "schedule": timedelta(seconds=sweep_seconds),
            "options": {"expires": max(5, int(sweep_seconds * 0.9))},
        },
        # Jobs and poll runs whose worker was killed: failed with a message once their lease ran out.
        "reap-stale-work": {
            "task": "trackbase.tasks.ops.reap_stale",
            "schedule": timedelta(seconds=reap_seconds),
            "options": {"expires": max(4, int(reap_seconds * 0.9))},
        },
        # Outbox: queued work the broker did not take (Redis down at commit) is sent again; claims per row.
        "outbox-sweep": {
            "task": "trackbase.tasks.ops.sweep_outbox",
            "schedule": timedelta(seconds=outbox_seconds),
            "options": {"expires": max(5, int(outbox_seconds * 0.9))},
        },
        "worker-heartbeat": {
            "task": "trackbase.tasks.ops.heartbeat",
            "schedule": timedelta(seconds=30),
            "options": {"expires": 25},
        },
    }
