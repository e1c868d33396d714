"""Tracking reports: a summary per tracker with chart images and the period's logs as CSV, by email.

Monthly reports are claimed per (user, month) in `report_claims` (unique), on or after the 1st at
the user's reminder hour in their time zone, so a missed beat catches up and none goes out twice.
A task sends a claim only after winning a conditional UPDATE (claimed -> sending), so a task delivered
twice, even at the same moment, sends one report; claims whose task was lost are queued again.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select, update

from ...errors import validation_error
from ...extensions import db
from ...models import Job, ReportClaim, Tracker, TrackerLog, TrackingPreference, User, utcnow
from .. import jobs, l10n, mail
from ..jobs import create_job, enqueue, finish_job, update_job
from ..sql import insert_ignore
from . import charts
from . import stats as tracking_stats
from .csv_io import write_csv
from .durations import format_duration
from .exports import export_rows
from .links import unsubscribe_token
from .periods import UTC, period_of, zone
from .reminders import in_quiet_hours
from .values import NUMERIC_TYPES, display_value

log = logging.getLogger(__name__)

PERIODS = ("last_7_days", "last_30_days", "this_month", "last_month", "this_year", "last_year", "custom")
FORMATS = ("html", "csv")
MAX_CUSTOM_DAYS = 3660
# A claim still `claimed` this long after it was made lost its task (broker down at enqueue, message lost
# with a Redis restart): the next monthly check queues it again.
REQUEUE_AFTER = timedelta(minutes=10)
# A claim `sending` this long lost its worker mid-send (killed): it may be taken again. Longer than any
# report build plus SMTP timeouts, so a live sender is never doubled.
SENDING_LEASE = timedelta(minutes=30)
# Stranded claims of months older than this are left alone (a report that late helps nobody).
REQUEUE_WITHIN = timedelta(days=62)


def _local_start(day: date, tz: str) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=zone(tz)).astimezone(UTC)


def resolve_period(
    period: str, tz: str, now: datetime, start: date | None = None, end: date | None = None, user: User | None = None
):
    """[start, end) in UTC and a label for a named period (or a custom inclusive date range) in the user's zone.

    With `user`, the label's dates are in the user's locale ("1 Oct 2026 to 30 Oct 2026", "Oktober 2026").
    """
    today = now.astimezone(zone(tz)).date()

    def day(value: date) -> str:
        return l10n.date_text(value, user) if user is not None else value.isoformat()

    if period == "custom":
        if start is None or end is None:
            raise validation_error({"from": "A custom period needs from and to (dates)."})
        if end < start:
            raise validation_error({"to": "Must not be before from."})
        if (end - start).days > MAX_CUSTOM_DAYS:
            raise validation_error({"to": "A report covers at most ten years."})
        return (
            _local_start(start, tz),
            _local_start(end + timedelta(days=1), tz),
            f"{day(start)} to {day(end)}",
        )
    if period in ("last_7_days", "last_30_days"):
        days = 7 if period == "last_7_days" else 30
        first = today - timedelta(days=days - 1)
        return (
            _local_start(first, tz),
            _local_start(today + timedelta(days=1), tz),
            f"{day(first)} to {day(today)}",
        )
    if period in ("this_month", "last_month"):
        month = period_of("monthly", now, tz)
        if period == "last_month":
            month = period_of("monthly", month.start - timedelta(seconds=1), tz)
        local = month.start.astimezone(zone(tz)).date()
        return month.start, month.end, l10n.month_text(local, user) if user is not None else local.strftime("%B %Y")
    year = today.year if period == "this_year" else today.year - 1
    return _local_start(date(year, 1, 1), tz), _local_start(date(year + 1, 1, 1), tz), str(year)


def previous_window(start: datetime, end: datetime, tz: str, user: User) -> tuple[datetime, datetime, str]:
    """The period a report compares with: the previous calendar month for a month, else as long just before."""
    month = period_of("monthly", start, tz)
    if month.start == start and month.end == end:
        before = period_of("monthly", start - timedelta(seconds=1), tz)
        return before.start, before.end, l10n.month_name(before.start.astimezone(zone(tz)).date(), user)
    length = end - start
    days = round(length.total_seconds() / 86400)
    return start - length, start, f"the {days} days before" if days != 1 else "the day before"


def build_report(user: User, start: datetime, end: datetime, label: str, progress=None) -> dict:
    """Per-tracker summaries compared with the previous period, chart PNGs and the CSV of [start, end)."""
    tz = user.timezone
    now = utcnow()
    prev_start, prev_end, prev_label = previous_window(start, end, tz, user)
    trackers = db.session.scalars(select(Tracker).where(Tracker.user_id == user.id).order_by(Tracker.name)).all()
    days = (end - start).total_seconds() / 86400
    unit = "day" if days <= 92 else ("week" if days <= 730 else "month")
    sections, images = [], []
    previous_logs = 0
    for index, tracker in enumerate(trackers):
        rows = db.session.execute(
            select(TrackerLog.timestamp, TrackerLog.value_num, TrackerLog.value_text)
            .where(TrackerLog.tracker_id == tracker.id)
            .order_by(TrackerLog.timestamp)
        ).all()
        in_range = [r for r in rows if start <= r[0] < end]
        before = [r for r in rows if prev_start <= r[0] < prev_end]
        if tracker.archived and not in_range:
            continue
        stats = tracking_stats.summary(
            tracker.type,
            tracker.settings or {},
            tracker.frequency,
            tz,
            rows,
            [r[0] for r in rows],
            start,
            end,
            unit,
            min(now, end) if end > start else now,
        )
        section = _section(user, tracker, stats, in_range, before, prev_label)
        previous_logs += len(before)
        chart = _chart(user, tracker, stats, start, unit)
        if chart is not None:
            images.append((chart["cid"], chart.pop("png")))
            section["chart"] = chart
        sections.append(section)
        if progress:
            progress(10 + int(70 * (index + 1) / max(len(trackers), 1)), f"Summarized {tracker.name}")
    csv_bytes = write_csv(tuple(r) for r in db.session.execute(export_rows(user.id, None, start, end)))
    logs = sum(s["count"] for s in sections)
    return {
        "label": label,
        "sections": sections,
        "images": images,
        "csv": csv_bytes,
        "unit": unit,
        "logs": logs,
        "previous": {"label": prev_label, "logs": previous_logs, "change": _change(logs - previous_logs, prev_label)},
    }


def _change(delta: int, prev_label: str) -> str:
    """ "+3 vs October", "-2 vs October", "same as October"."""
    return f"same as {prev_label}" if delta == 0 else f"{delta:+d} vs {prev_label}"


def _section(user: User, tracker: Tracker, stats: dict, in_range, before, prev_label: str) -> dict:
    """The report's facts for one tracker, values formatted by type in the user's locale."""
    numeric = tracker.type in NUMERIC_TYPES and tracker.type != "boolean"
    before_values = [r[1] for r in before if r[1] is not None] if numeric else []
    before_mean = sum(before_values) / len(before_values) if before_values else None
    section = {
        "name": tracker.name,
        "type": tracker.type,
        "frequency": tracker.frequency,
        "count": stats["count"],
        "count_change": _change(stats["count"] - len(before), prev_label),
        "completion": None if stats["completion_rate"] is None else round(stats["completion_rate"] * 100),
        "streak": stats["streak"],
        "chart": None,
        "trend": None,
        "distribution": None,
        # min/mean/max of yes/no answers say nothing the distribution does not say better.
        "min": _show(user, tracker, stats["min"]) if numeric else None,
        "max": _show(user, tracker, stats["max"]) if numeric else None,
        "mean": _show(user, tracker, stats["mean"]) if numeric else None,
        "previous_mean": _show(user, tracker, before_mean) if numeric else None,
        "mean_change": _show(user, tracker, stats["mean"] - before_mean, signed=True)
        if numeric and stats["mean"] is not None and before_mean is not None
        else None,
        "previous_label": prev_label,
        "total": _show(user, tracker, stats["sum"]) if tracker.type == "duration" else None,
        "last": display_value(tracker.type, in_range[-1][1], in_range[-1][2], tracker.settings) if in_range else None,
        "recent_text": [r[2] for r in in_range[-5:]] if tracker.type == "text" else [],
    }
    if stats["trend"]:
        section["trend"] = {
            "per_week": _show(user, tracker, stats["trend"]["slope_per_day"] * 7, signed=True),
            "r2": l10n.number_text(stats["trend"]["r2"], user),
        }
    if stats["distribution"]:
        top = max(d["count"] for d in stats["distribution"]) or 1
        section["distribution"] = [
            {"label": _answer(tracker, d["value"]), "count": d["count"], "width": round(100 * d["count"] / top)}
            for d in stats["distribution"]
        ]
    return section


def _chart(user: User, tracker: Tracker, stats: dict, start: datetime, unit: str) -> dict | None:
    """The chart PNG of a numeric tracker's bucket means, with the labels of its axes and every plotted value."""
    buckets = [b for b in stats["buckets"] if b["mean"] is not None]
    if tracker.type not in NUMERIC_TYPES or tracker.type == "boolean" or len(buckets) < 2:
        return None
    points = [((b["start"] - start).total_seconds() / 86400, b["mean"]) for b in buckets]
    trend = stats["trend"]
    line = (trend["intercept"], trend["slope_per_day"]) if trend else None
    _, _, y_lo, y_hi = charts.scale(points, line)
    when = l10n.short_date_text if unit != "month" else (lambda value, u: l10n.month_text(value, u))
    dates = [when(b["start"], user) for b in buckets]
    return {
        "cid": f"chart-{tracker.id}@trackbase",
        "png": charts.line_chart(points, trend=line),
        # axis ticks of durations to the minute ("6h 19m"), the plotted values exact as the stats show them
        "y_labels": [_show(user, tracker, _tick(tracker, v)) for v in (y_hi, (y_hi + y_lo) / 2, y_lo)],
        "x_labels": [dates[0], dates[len(dates) // 2], dates[-1]],
        "unit": unit,
        "points": [{"date": d, "value": _show(user, tracker, b["mean"])} for d, b in zip(dates, buckets, strict=True)],
        "trend": trend is not None,
    }


def _tick(tracker: Tracker, value: float) -> float:
    return round(value / 60) * 60 if tracker.type == "duration" and abs(value) >= 60 else value


def _show(user: User, tracker: Tracker, value, signed: bool = False):
    """A value as the app shows it: durations as "6h 47m", numbers in the user's locale with the tracker's unit."""
    if value is None:
        return None
    if tracker.type == "duration":
        text = format_duration(abs(value))
        return ("-" if value < 0 else "+" if signed else "") + text
    text = l10n.number_text(abs(value) if signed else value, user)
    if signed:
        text = ("-" if value < 0 else "+") + text
    if tracker.type == "rating":
        return f"{text} ★"
    unit = (tracker.settings or {}).get("unit")
    return f"{text} {unit}" if unit and tracker.type == "numeric" else text


def _answer(tracker: Tracker, value) -> str:
    if tracker.type == "boolean":
        return "yes" if value else "no"
    if tracker.type == "rating":
        return "★" * int(value)
    return str(value)


def send_report(user: User, report: dict, fmt: str, monthly: bool = False) -> None:
    """Deliver the report now: HTML with inline chart PNGs (multipart/related, Content-ID), the CSV attached;
    monthly reports carry one-click List-Unsubscribe headers."""
    base = current_app.config["PUBLIC_URL"]
    token = unsubscribe_token(user.id, "reports") if monthly else None
    subject = f"Your Trackbase report: {report['label']}"
    context = {
        "user": user,
        "report": report,
        "monthly": monthly,
        "format": fmt,
        "unsubscribe_url": f"{base}/trackers/unsubscribe?token={token}" if monthly else None,
    }
    text, html = mail.render_email("report", subject=subject, **context)
    safe_label = "".join(c if c.isalnum() or c in "-_" else "-" for c in report["label"]).strip("-")
    mail.deliver(
        user.email,
        subject,
        text,
        html if fmt == "html" else None,
        mail.encode_attachments([(f"trackbase-logs-{safe_label or 'report'}.csv", report["csv"], "text/csv")]),
        headers=mail.one_click_headers(f"{base}/api/tracking/unsubscribe?token={token}") if monthly else None,
        inline=[(cid, png, "image/png") for cid, png in report["images"]] if fmt == "html" else None,
    )


# ---------------------------------------------------------------- on request


def start_report(user: User, data: dict) -> Job:
    """Queue a report for a period as a job (emailed when done)."""
    start, end, label = resolve_period(
        data["period"], user.timezone, utcnow(), data.get("from"), data.get("to"), user=user
    )
    job = create_job(
        user.id,
        "tracking_report",
        {
            "period": data["period"],
            "format": data["format"],
            "from": start.isoformat(),
            "to": end.isoformat(),
            "label": label,
        },
    )
    enqueue("trackbase.tasks.tracking.report", job.id)
    db.session.commit()
    return job


def run_report_job(job: Job, user: User) -> None:
    """Build and email the report of a job; progress is visible in the job."""
    job_id = job.id
    params = job.params or {}
    update_job(job_id, progress=5, message="Collecting logs")
    report = build_report(
        user,
        datetime.fromisoformat(params["from"]),
        datetime.fromisoformat(params["to"]),
        params["label"],
        progress=lambda p, m: update_job(job_id, progress=p, message=m),
    )
    update_job(job_id, progress=90, message="Sending the email")
    send_report(user, report, params.get("format", "html"))
    finish_job(
        job_id,
        {
            "emailed_to": user.email,
            "trackers": len(report["sections"]),
            "logs": report["logs"],
            "label": report["label"],
        },
        message=f"Report for {report['label']} sent to {user.email}",
    )


# ---------------------------------------------------------------- monthly


def monthly_check(now: datetime | None = None, enqueue: bool = True) -> list[int]:
    """Claim last month's report for every user whose 1st (at the reminder hour, outside quiet hours) has come."""
    now = now or utcnow()
    has_tracker = exists().where(Tracker.user_id == User.id)
    users = db.session.execute(
        select(
            User.id, User.timezone, User.reminder_hour, User.quiet_hours_start, User.quiet_hours_end, User.created_at
        )
        .outerjoin(TrackingPreference, TrackingPreference.user_id == User.id)
        .where(
            User.active.is_(True),
            has_tracker,
            or_(TrackingPreference.monthly_reports.is_(None), TrackingPreference.monthly_reports.is_(True)),
        )
    ).all()
    values = []
    for user_id, tz, hour, q_start, q_end, created_at in users:
        local = now.astimezone(zone(tz))
        if local.day == 1 and local.hour < hour:
            continue
        if in_quiet_hours(local.hour, q_start, q_end):
            continue
        this_month = period_of("monthly", now, tz)
        previous = period_of("monthly", this_month.start - timedelta(seconds=1), tz)
        if created_at is not None and created_at >= previous.end:
            continue  # the account did not exist last month
        values.append({"user_id": user_id, "month": previous.label, "status": "claimed", "claimed_at": now})
    claimed = []
    table = ReportClaim.__table__
    for offset in range(0, len(values), 500):
        result = db.session.execute(insert_ignore(table).values(values[offset : offset + 500]).returning(table.c.id))
        claimed.extend(result.scalars())
    if enqueue:
        stranded = stranded_claims(now)
        if stranded:
            log.info("queueing %d monthly report claim(s) again whose task was lost", len(stranded))
        for claim_id in claimed + stranded:
            jobs.enqueue("trackbase.tasks.tracking.monthly_report", claim_id)
    db.session.commit()
    return claimed


def stranded_claims(now: datetime) -> list[int]:
    """Recent claims whose task never ran (still `claimed`) or whose sender died (`sending` past its lease)."""
    return list(
        db.session.scalars(
            select(ReportClaim.id)
            .where(
                ReportClaim.month >= (now - REQUEUE_WITHIN).strftime("%Y-%m"),
                or_(
                    and_(ReportClaim.status == "claimed", ReportClaim.claimed_at < now - REQUEUE_AFTER),
                    and_(ReportClaim.status == "sending", ReportClaim.claimed_at < now - SENDING_LEASE),
                ),
            )
            .order_by(ReportClaim.id)
        )
    )


def _take_claim(claim_id: int, now: datetime) -> bool:
    """claimed (or sending past its lease) -> sending, committed; only one caller ever gets True."""
    taken = (
        db.session.execute(
            update(ReportClaim)
            .where(
                ReportClaim.id == claim_id,
                or_(
                    ReportClaim.status == "claimed",
                    and_(ReportClaim.status == "sending", ReportClaim.claimed_at < now - SENDING_LEASE),
                ),
            )
            .values(status="sending", claimed_at=now)
        ).rowcount
        == 1
    )
    db.session.commit()
    return taken


def _settle_claim(claim_id: int, taken_at: datetime, status: str) -> None:
    """Move a claim this task holds (sending since `taken_at`) to `status`."""
    values = {"status": status, "sent_at": utcnow()} if status == "sent" else {"status": status}
    db.session.execute(
        update(ReportClaim)
        .where(ReportClaim.id == claim_id, ReportClaim.status == "sending", ReportClaim.claimed_at == taken_at)
        .values(**values)
    )
    db.session.commit()


def send_monthly(claim_id: int) -> bool:
    """Build and send the monthly report of a claim once; True when this call sent it.

    The conditional claimed -> sending update picks one sender among duplicate deliveries; a send
    that fails hands the claim back (claimed) for the task's retry, a sent one is marked sent.
    """
    taken_at = utcnow()
    if not _take_claim(claim_id, taken_at):
        return False
    try:
        claim = db.session.get(ReportClaim, claim_id)
        user = db.session.get(User, claim.user_id)
        year, month = (int(part) for part in claim.month.split("-"))
        start = _local_start(date(year, month, 1), user.timezone)
        end = _local_start(date(year + month // 12, month % 12 + 1, 1), user.timezone)
        label = l10n.month_text(date(year, month, 1), user)
        report = build_report(user, start, end, label)
        send_report(user, report, "html", monthly=True)
    except BaseException:
        db.session.rollback()
        try:
            _settle_claim(claim_id, taken_at, "claimed")
        except Exception:  # the database is down too: the claim is queued again once its lease ends
            db.session.rollback()
            log.exception("could not hand monthly report claim %s back", claim_id)
        raise
    _settle_claim(claim_id, taken_at, "sent")
    return True
