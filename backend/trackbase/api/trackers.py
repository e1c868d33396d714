"""Tracking resources: trackers, logs, stats, CSV import/export, reports and the emailed links."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from urllib.parse import quote

from flask import Response, redirect, request
from flask_restful import Resource
from flask_security import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from .. import cache as cache_helpers
from ..services import tracking
from ..services.tracking import UTC, zone
from .common import MULTIPART_SLACK, AuthResource, dump_page, load_args, load_json, page_params, wants_html
from .errors import ApiError, validation_error
from .schemas.jobs import JobSchema
from .schemas.tracking import (
    DashboardArgsSchema,
    ExportCreateSchema,
    LogCreateSchema,
    LogSchema,
    LogUpdateSchema,
    PreferencesSchema,
    PreferencesUpdateSchema,
    QuickLogInputSchema,
    QuickLogSchema,
    RangeArgsSchema,
    ReportCreateSchema,
    StatsArgsSchema,
    StatsSchema,
    TokenSchema,
    TrackerCreateSchema,
    TrackerOrderSchema,
    TrackerSchema,
    TrackerUpdateSchema,
    UnsubscribeSchema,
)


def _tracker_body(tracker) -> dict:
    return {"tracker": TrackerSchema().dump(tracking.tracker_summary(current_user, tracker))}


def _log_body(tracker, entry) -> dict:
    return {"log": LogSchema(tracker.type).dump(entry)}


MIN_BOUND = datetime(1970, 1, 1, tzinfo=UTC)
MAX_BOUND = datetime(9000, 1, 1, tzinfo=UTC)
RANGE_MESSAGE = "Must be between 1970-01-01 and 9000-01-01."


def parse_bound(raw: str | None, name: str, tz: str, end: bool = False) -> datetime | None:
    """A from/to query value: a date (local midnight; `to` dates include the whole day) or an ISO date-time."""
    if raw in (None, ""):
        return None
    try:
        if len(raw) == 10:
            day = date.fromisoformat(raw)
            day = day + timedelta(days=1) if end else day
            value = datetime.combine(day, datetime.min.time(), tzinfo=zone(tz)).astimezone(UTC)
        else:
            text = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
            value = datetime.fromisoformat(text)
            if value.tzinfo is None:
                value = value.replace(tzinfo=zone(tz))
            value = value.astimezone(UTC)
    except ValueError:
        raise validation_error({name: "Use a date (2026-11-22) or an ISO-8601 date and time."}) from None
    except OverflowError:
        raise validation_error({name: RANGE_MESSAGE}) from None
    if not MIN_BOUND <= value <= MAX_BOUND:
        raise validation_error({name: RANGE_MESSAGE})
    return value


class TrackerListResource(AuthResource):
    def get(self):
        """The dashboard: the user's trackers with last value, due state and sparkline (cached per user)."""
        args = load_args(DashboardArgsSchema())
        page, per_page = page_params()
        user = current_user._get_current_object()
        key = cache_helpers.tracking_key(user.id, "dashboard", user.timezone, args["archived"], page, per_page)

        def build():
            board = tracking.dashboard(user, args["archived"], page, per_page)
            return dump_page(board.page, TrackerSchema()), board.fresh_seconds

        return cache_helpers.cached(key, cache_helpers.tracking_versions(user.id), build)

    def post(self):
        """Create a tracker (409 when the name is taken)."""
        tracker = tracking.create_tracker(current_user, load_json(TrackerCreateSchema()))
        return _tracker_body(tracker), 201


class TrackerOrderResource(AuthResource):
    def put(self):
        """Set the manual dashboard order of the user's trackers (an empty list clears it)."""
        data = load_json(TrackerOrderSchema())
        ids = tracking.set_order(current_user, data["ids"])
        return {"order": {"ids": ids, "manual": bool(ids)}}


class TrackerResource(AuthResource):
    def get(self, tracker_id: int):
        """One tracker with its summary."""
        return _tracker_body(tracking.get_tracker(current_user.id, tracker_id))

    def patch(self, tracker_id: int):
        """Change a tracker; a type change converts every log or answers 409 with the reason."""
        changes = load_json(TrackerUpdateSchema(), partial=True)
        return _tracker_body(tracking.update_tracker(current_user, tracker_id, changes))

    def delete(self, tracker_id: int):
        """Delete a tracker and its logs."""
        tracking.delete_tracker(current_user, tracker_id)
        return "", 204


class TrackerLogListResource(AuthResource):
    def get(self, tracker_id: int):
        """The tracker's logs, newest first, optionally from/to."""
        tracking.get_tracker(current_user.id, tracker_id)  # 404 before 400s about the query
        args = load_args(RangeArgsSchema())
        tz = current_user.timezone
        start, end = parse_bound(args["from_"], "from", tz), parse_bound(args["to"], "to", tz, end=True)
        tracker, page = tracking.list_logs(current_user, tracker_id, start, end, *page_params())
        return dump_page(page, LogSchema(tracker.type))

    def post(self, tracker_id: int):
        """Add a log; the value must fit the tracker's type (durations as "1h 29m" or seconds)."""
        tracker, entry = tracking.create_log(current_user, tracker_id, load_json(LogCreateSchema()))
        return _log_body(tracker, entry), 201


class TrackerLogResource(AuthResource):
    def get(self, tracker_id: int, log_id: int):
        """One log."""
        tracker, entry = tracking.get_log(current_user.id, tracker_id, log_id)
        return _log_body(tracker, entry)

    def patch(self, tracker_id: int, log_id: int):
        """Edit a log's value, timestamp or note."""
        changes = load_json(LogUpdateSchema(), partial=True)
        tracker, entry = tracking.update_log(current_user, tracker_id, log_id, changes)
        return _log_body(tracker, entry)

    def delete(self, tracker_id: int, log_id: int):
        """Delete a log."""
        tracking.delete_log(current_user, tracker_id, log_id)
        return "", 204


class TrackerStatsResource(AuthResource):
    def get(self, tracker_id: int):
        """Buckets, streaks, completion, trend and distribution in the user's time zone (cached per user)."""
        args = load_args(StatsArgsSchema())
        tz = current_user.timezone
        start = parse_bound(args["from_"], "from", tz)
        end = parse_bound(args["to"], "to", tz, end=True)
        user = current_user._get_current_object()
        key = cache_helpers.tracking_key(user.id, "stats", user.timezone, tracker_id, start, end, args["bucket"])

        def build():
            result = tracking.tracker_stats(user, tracker_id, start, end, args["bucket"])
            return {"stats": StatsSchema().dump(result.body)}, result.fresh_seconds

        return cache_helpers.cached(key, cache_helpers.tracking_versions(user.id), build)


class TrackerImportResource(AuthResource):
    def post(self):
        """Import logs from a CSV file (multipart field `file`): all rows or none, with per-row errors."""
        if not (request.content_type or "").startswith("multipart/form-data"):
            raise ApiError(415, "unsupported_media_type", "Upload the CSV as multipart/form-data in the field `file`.")
        limit = tracking.import_max_bytes()
        # Refused on the declared length before the body is read; a chunked body is read through a stream
        # that stops at the cap. The file part goes to a temporary file and is parsed row by row.
        if request.content_length is not None and request.content_length > limit + MULTIPART_SLACK:
            raise tracking.import_too_large()
        request.max_content_length = limit + MULTIPART_SLACK
        try:
            upload = request.files.get("file")
        except RequestEntityTooLarge:
            raise tracking.import_too_large() from None
        if upload is None or not upload.filename:
            raise validation_error({"file": "Attach a CSV file in the field `file`."})
        return tracking.import_csv(current_user, upload.stream), 201


class TrackerExportResource(AuthResource):
    def post(self):
        """Start a CSV export job (emailed, and downloadable from the job's result.download_url)."""
        data = load_json(ExportCreateSchema()) if request.get_data() else {"tracker_ids": [], "from_": None, "to": None}
        job = tracking.start_export(
            current_user, {"tracker_ids": data["tracker_ids"], "from": data["from_"], "to": data["to"]}
        )
        return {"job": JobSchema().dump(job)}, 202


class TrackerExportDownloadResource(Resource):
    def get(self, job_id: int):
        """The export CSV: for the signed-in owner, or with the signed link from the job or the email."""
        user_id = current_user.id if current_user and current_user.is_authenticated else None
        if user_id is None and request.headers.get("Authentication-Token"):
            raise ApiError(401, "unauthorized", "Your session has ended; sign in again.")
        export = tracking.export_for_download(job_id, user_id, request.args.get("signature"))
        return Response(
            wrap_file(request.environ, export.stream),
            mimetype="text/csv",
            direct_passthrough=True,
            headers={
                "Content-Disposition": f'attachment; filename="{export.filename}"',
                "Content-Length": str(export.size),
                "Cache-Control": "private, no-store",
            },
        )


class ReportResource(AuthResource):
    def post(self):
        """Start a report job for a period; the report is emailed (HTML with charts, logs as CSV)."""
        data = load_json(ReportCreateSchema())
        job = tracking.start_report(
            current_user, {"period": data["period"], "format": data["format"], "from": data["from_"], "to": data["to"]}
        )
        return {"job": JobSchema().dump(job)}, 202


class TrackerQuickLogResource(Resource):
    def get(self):
        """What a one-click link from a reminder would log (changes nothing)."""
        token = request.args.get("token", "")
        return {"quick_log": QuickLogSchema().dump(tracking.quick_log_preview(token))}

    def post(self):
        """Log the link's yes/no once for its period, or with `change` replace the other answer logged there
        (no sign-in: the signed token is the permission)."""
        data = load_json(QuickLogInputSchema())
        preview, created = tracking.quick_log(data["token"], change=data["change"])
        return {"quick_log": QuickLogSchema().dump(preview)}, (201 if created else 200)


class TrackingUnsubscribeResource(Resource):
    def get(self):
        """Which email an unsubscribe link turns off (changes nothing); a browser goes to the SPA's confirm page."""
        token = request.args.get("token", "")
        if wants_html():
            return redirect(f"/trackers/unsubscribe?token={quote(token, safe='')}", 303)
        return {"unsubscribe": UnsubscribeSchema().dump(tracking.unsubscribe_preview(token))}

    def post(self):
        """Turn off reminders or monthly reports: token in the JSON body, or in the query (one-click, RFC 8058)."""
        token = request.args.get("token")
        if not token:
            if not request.is_json:
                raise ApiError(400, "invalid_token", "Send the token from the unsubscribe link.")
            token = load_json(TokenSchema())["token"]
        return {"unsubscribe": UnsubscribeSchema().dump(tracking.unsubscribe(token))}


class TrackingPreferencesResource(AuthResource):
    def get(self):
        """The user's tracking email preferences."""
        return {"preferences": PreferencesSchema().dump(tracking.get_preferences(current_user.id))}

    def patch(self):
        """Turn reminder emails or monthly reports on or off."""
        changes = load_json(PreferencesUpdateSchema(), partial=True)
        return {"preferences": PreferencesSchema().dump(tracking.set_preferences(current_user.id, changes))}
