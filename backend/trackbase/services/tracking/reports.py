"""Tracking reports: a summary per tracker with chart images and the period's logs as CSV, by email.

Monthly reports are claimed per (user, month) in `report_claims` (unique), on or after the 1st at
the user's reminder hour in their time zone, so a missed beat catches up and none goes out twice.
A task sends a claim only after winning a conditional UPDATE (claimed -> sending), so a task delivered
twice, even at the same moment, sends one report; claims whose task was lost are queued again.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from email.mime.image import MIMEImage

from flask import current_app, render_template
from sqlalchemy import and_, exists, or_, select, update

from ...errors import validation_error
from ...extensions import db
from ...models import Job, ReportClaim, Tracker, TrackerLog, TrackingPreference, User, utcnow
from .. import jobs
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


def resolve_period(period: str, tz: str, now: datetime, start: date | None = None, end: date | None = None):
    """[start, end) in UTC and a label for a named period (or a custom inclusive date range) in the user's zone."""
    today = now.astimezone(zone(tz)).date()
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
            f"{start.isoformat()} to {end.isoformat()}",
        )
    if period in ("last_7_days", "last_30_days"):
        days = 7 if period == "last_7_days" else 30
        first = today - timedelta(days=days - 1)
        return (
            _local_start(first, tz),
            _local_start(today + timedelta(days=1), tz),
            f"{first.isoformat()} to {today.isoformat()}",
        )
    if period in ("this_month", "last_month"):
        month = period_of("monthly", now, tz)
        if period == "last_month":
            month = period_of("monthly", month.start - timedelta(seconds=1), tz)
        return month.start, month.end, month.start.astimezone(zone(tz)).strftime("%B %Y")
    year = today.year if period == "this_year" else today.year - 1
    return _local_start(date(year, 1, 1), tz), _local_start(date(year + 1, 1, 1), tz), str(year)


def build_report(user: User, start: datetime, end: datetime, label: str, progress=None) -> dict:
    """Per-tracker summaries, chart PNGs and the CSV of [start, end) for one user."""
    tz = user.timezone
    now = utcnow()
    trackers = db.session.scalars(select(Tracker).where(Tracker.user_id == user.id).order_by(Tracker.name)).all()
    days = (end - start).total_seconds() / 86400
    unit = "day" if days <= 92 else ("week" if days <= 730 else "month")
    sections, images = [], []
    for index, tracker in enumerate(trackers):
        rows = db.session.execute(
            select(TrackerLog.timestamp, TrackerLog.value_num, TrackerLog.value_text)
            .where(TrackerLog.tracker_id == tracker.id)
            .order_by(TrackerLog.timestamp)
        ).all()
        in_range = [r for r in rows if start <= r[0] < end]
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
        section = {
            "name": tracker.name,
            "type": tracker.type,
            "frequency": tracker.frequency,
            "count": stats["count"],
            "completion": None if stats["completion_rate"] is None else round(stats["completion_rate"] * 100),
            "streak": stats["streak"],
            "cid": None,
            "trend": None,
            "distribution": None,
            # min/mean/max of yes/no answers say nothing the distribution does not say better.
            "min": None if tracker.type == "boolean" else _show(tracker, stats["min"]),
            "max": None if tracker.type == "boolean" else _show(tracker, stats["max"]),
            "mean": None if tracker.type == "boolean" else _show(tracker, stats["mean"]),
            "total": _show(tracker, stats["sum"]) if tracker.type == "duration" else None,
            "last": display_value(tracker.type, in_range[-1][1], in_range[-1][2], tracker.settings)
            if in_range
            else None,
            "recent_text": [r[2] for r in in_range[-5:]] if tracker.type == "text" else [],
        }
        if stats["trend"]:
            section["trend"] = {
                "per_week": _show(tracker, stats["trend"]["slope_per_day"] * 7, signed=True),
                "r2": round(stats["trend"]["r2"], 2),
            }
        if stats["distribution"]:
            top = max(d["count"] for d in stats["distribution"]) or 1
            section["distribution"] = [
                {"label": _answer(tracker, d["value"]), "count": d["count"], "width": round(100 * d["count"] / top)}
                for d in stats["distribution"]
            ]
        points = [
            ((b["start"] - start).total_seconds() / 86400, b["mean"]) for b in stats["buckets"] if b["mean"] is not None
        ]
        if tracker.type in NUMERIC_TYPES and tracker.type != "boolean" and len(points) >= 2:
            cid = f"chart-{tracker.id}@trackbase"
            trend = stats["trend"]
            images.append(
                (cid, charts.line_chart(points, trend=(trend["intercept"], trend["slope_per_day"]) if trend else None))
            )
            section["cid"] = cid
        sections.append(section)
        if progress:
            progress(10 + int(70 * (index + 1) / max(len(trackers), 1)), f"Summarized {tracker.name}")
    csv_bytes = write_csv(tuple(r) for r in db.session.execute(export_rows(user.id, None, start, end)))
    return {
        "label": label,
        "sections": sections,
        "images": images,
        "csv": csv_bytes,
        "unit": unit,
        "logs": sum(s["count"] for s in sections),
    }


def _show(tracker: Tracker, value, signed: bool = False):
    if value is None:
        return None
    if tracker.type == "duration":
        text = format_duration(abs(value))
        return ("-" if value < 0 else "+" if signed else "") + text
    number = round(value, 2)
    text = f"{number:+g}" if signed else f"{number:g}"
    unit = (tracker.settings or {}).get("unit")
    return f"{text} {unit}" if unit and tracker.type == "numeric" else text


def _answer(tracker: Tracker, value) -> str:
    if tracker.type == "boolean":
        return "yes" if value else "no"
    if tracker.type == "rating":
        return "★" * int(value)
    return str(value)


def send_report(user: User, report: dict, fmt: str, monthly: bool = False) -> None:
    """Deliver the report now over SMTP: HTML with inline chart PNGs (Content-ID) and the CSV attached."""
    from flask_mailman import EmailMultiAlternatives

    base = current_app.config["PUBLIC_URL"]
    context = {
        "user": user,
        "report": report,
        "public_url": base,
        "monthly": monthly,
        "format": fmt,
        "unsubscribe_url": f"{base}/trackers/unsubscribe?token={unsubscribe_token(user.id, 'reports')}"
        if monthly
        else None,
    }
    subject = f"Your Trackbase report: {report['label']}"
    text = render_template("email/report.txt", **context)
    msg = EmailMultiAlternatives(
        subject, body=text, from_email=current_app.config["MAIL_DEFAULT_SENDER"], to=[user.email]
    )
    if fmt == "html":
        msg.attach_alternative(render_template("email/report.html", **context), "text/html")
        for cid, png in report["images"]:
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=cid.split("@")[0] + ".png")
            msg.attach(image)
    safe_label = "".join(c if c.isalnum() or c in "-_" else "-" for c in report["label"]).strip("-")
    msg.attach(f"trackbase-logs-{safe_label or 'report'}.csv", report["csv"], "text/csv")
    msg.send(fail_silently=False)


# ---------------------------------------------------------------- on request


def start_report(user: User, data: dict) -> Job:
    """Queue a report for a period as a job (emailed when done)."""
    start, end, label = resolve_period(data["period"], user.timezone, utcnow(), data.get("from"), data.get("to"))
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
        label = date(year, month, 1).strftime("%B %Y")
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
