"""Tracking: trackers of any type, their logs, stats, CSV import and export, reminders and reports.

Owns the models in models/tracking.py. Other areas, the API and the tasks use what is named here;
the modules behind it are the area's own:

- trackers: CRUD with ownership, type conversion of logs, dashboard summaries
- logs: adding and editing logs; values: parsing, checking and showing values per tracker type
- stats: buckets, streaks, completion, trend (pure) and one tracker's stats
- csv_io: the CSV format (import, and the writer exports and reports share); exports: the export job
- periods, durations: time-zone-aware periods and "1h 30m" durations; charts: PNG charts for reports
- reminders: due scan, claims, digests; links: one-click log and unsubscribe links; preferences: email choices
- reports: on request and monthly
"""

from __future__ import annotations

from .csv_io import import_csv
from .csv_io import max_bytes as import_max_bytes
from .csv_io import too_large as import_too_large
from .exports import download_path as export_download_path
from .exports import export_for_download, purge_expired_exports, run_export, start_export
from .links import quick_log, quick_log_preview, unsubscribe, unsubscribe_preview
from .logs import create_log, delete_log, get_log, list_logs, update_log
from .periods import UTC, zone
from .preferences import get_preferences, set_preferences
from .reminders import purge_old_claims, scan, send_digests
from .reports import FORMATS, PERIODS, monthly_check, run_report_job, send_monthly, start_report
from .stats import TrackerStats, tracker_stats
from .trackers import (
    Dashboard,
    LastLog,
    TrackerSummary,
    create_tracker,
    dashboard,
    delete_tracker,
    get_tracker,
    set_order,
    tracker_summary,
    update_tracker,
)
from .values import is_valid_text, output_value

__all__ = [
    "set_order",
    "FORMATS",
    "PERIODS",
    "UTC",
    "Dashboard",
    "LastLog",
    "TrackerStats",
    "TrackerSummary",
    "create_log",
    "create_tracker",
    "dashboard",
    "delete_log",
    "delete_tracker",
    "export_download_path",
    "export_for_download",
    "get_log",
    "get_preferences",
    "get_tracker",
    "import_csv",
    "import_max_bytes",
    "import_too_large",
    "is_valid_text",
    "list_logs",
    "monthly_check",
    "output_value",
    "purge_expired_exports",
    "purge_old_claims",
    "quick_log",
    "quick_log_preview",
    "run_export",
    "run_report_job",
    "scan",
    "send_digests",
    "send_monthly",
    "set_preferences",
    "start_export",
    "start_report",
    "tracker_stats",
    "tracker_summary",
    "unsubscribe",
    "unsubscribe_preview",
    "update_log",
    "update_tracker",
    "zone",
]
