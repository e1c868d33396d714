"""Every kind of email, parsed as a mail reader does (email.message_from_bytes, policy.default).

Each message is multipart/alternative with a plain-text part that carries the same links as the HTML,
the HTML has a `lang` and a `<title>`, every text colour against its background is at least 4.5:1
(WCAG 2 contrast, computed from the template's own colours), inline images sit in multipart/related
with a Content-ID the HTML references, and reminders, monthly reports and watch digests carry the
one-click List-Unsubscribe headers of RFC 8058 while other emails do not.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from tests.services.tracking.test_reports import seed
from tests.support import body_html, body_text, make_tracker, set_hours

HEX = r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b"
VOID = {"br", "img", "meta", "hr", "input", "link"}


def luminance(color: str) -> float:
    color = color.lstrip("#")
    if len(color) == 3:
        color = "".join(c * 2 for c in color)
    channels = [int(color[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(fg: str, bg: str) -> float:
    """The WCAG 2 contrast ratio of two sRGB colours."""
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


class ColourPairs(HTMLParser):
    """(text, colour, background) for every text node, from inline styles inherited down the tree."""

    def __init__(self):
        super().__init__()
        self.stack = [("root", "#000000", "#ffffff")]
        self.pairs = []

    def handle_starttag(self, tag, attrs):
        style = dict(attrs).get("style") or ""
        _, fg, bg = self.stack[-1]
        found_fg = re.search(r"(?:^|;|\s)color:\s*" + HEX, style)
        found_bg = re.search(r"background(?:-color)?:\s*" + HEX, style)
        if found_fg:
            fg = "#" + found_fg.group(1)
        if found_bg:
            bg = "#" + found_bg.group(1)
        if tag == "a" and not found_fg:
            fg = "#0000ee"  # a mail reader's default link colour
        if tag not in VOID:
            self.stack.append((tag, fg, bg))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        if data.strip() and self.stack[-1][0] not in ("title", "style"):
            _, fg, bg = self.stack[-1]
            self.pairs.append((data.strip(), fg, bg))


def worst_contrast(html: str) -> tuple[float, str]:
    parser = ColourPairs()
    parser.feed(html)
    assert parser.pairs, "no text found"
    return min((contrast(fg, bg), f"{text!r} {fg} on {bg}") for text, fg, bg in parser.pairs)


def check_message(message, one_click: bool) -> tuple[str, str]:
    """The checks every email passes; returns (text, html)."""
    kinds = [part.get_content_type() for part in message.walk()]
    assert "multipart/alternative" in kinds, kinds
    alternative = next(p for p in message.walk() if p.get_content_type() == "multipart/alternative")
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    text, html = body_text(message), body_html(message)
    assert re.search(r'<html lang="[A-Za-z]{2,3}(-[A-Za-z0-9]+)*">', html), html[:200]
    title = re.search(r"<title>([^<]+)</title>", html)
    assert title and title.group(1).strip()
    ratio, where = worst_contrast(html)
    assert ratio >= 4.5, f"contrast {ratio:.2f} for {where}"
    links = set(re.findall(r'href="([^"]+)"', html)) - {""}
    assert links, "no links in the HTML"
    for link in links:
        assert link.replace("&amp;", "&") in text, f"{link} is in the HTML but not in the text"
    # The same facts: every number the HTML shows (counts, values, dates, amounts) is in the text too.
    visible = re.sub(r"<(title|style)>.*?</\1>|<[^>]+>", " ", html, flags=re.S)
    visible = re.sub(r"https?://\S+", " ", __import__("html").unescape(visible))
    for number in set(re.findall(r"\d[\d.,:]*\d|\d", visible)):
        assert number in text, f"{number} is in the HTML but not in the text"
    for image in (p for p in message.walk() if p.get_content_maintype() == "image"):
        cid = image["Content-ID"].strip("<>")
        assert f"cid:{cid}" in html
        assert image.get_content_disposition() == "inline"
    if one_click:
        url = message["List-Unsubscribe"].strip()
        assert re.fullmatch(r"<https?://[^>]+/api/[\w/]+/unsubscribe\?token=[\w.\-]+>", url), url
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    else:
        assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    return text, html


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#7b8794", "#ffffff") == pytest.approx(3.66, abs=0.01)  # the old grey fails
    assert contrast("#52606d", "#ffffff") >= 4.5


def test_the_old_grey_would_fail_the_check():
    ratio, _ = worst_contrast('<p style="color:#7b8794">grey</p><a style="background:#2f9e44;color:#fff">Yes</a>')
    assert ratio < 4.5


def test_reminder_digest_has_one_click_unsubscribe_and_accessible_buttons(client, db, user, smtp, celery_worker):
    from trackbase.services.tracking import reminders

    set_hours(db, user)
    make_tracker(db, user)
    make_tracker(db, user, name="Weight", kind="numeric")
    reminders.scan(datetime.now(UTC))
    [message] = smtp.wait_for(count=1, to=user.email)
    text, html = check_message(message, one_click=True)
    assert "Yes" in html and "No" in html and "Yes: http" in text


def test_monthly_report_charts_are_inline_related_parts_with_axes_and_the_previous_month(db, user, smtp):
    from trackbase.services.tracking import reports

    seed(db, user)
    [claim_id] = reports.monthly_check(datetime(2026, 11, 1, 9, tzinfo=UTC), enqueue=False)
    assert reports.send_monthly(claim_id)
    [message] = smtp.wait_for(count=1, to=user.email)
    text, html = check_message(message, one_click=True)
    assert message.get_content_type() == "multipart/mixed"
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    parts = [p.get_content_type() for p in related.iter_parts()]
    assert parts == ["multipart/alternative", "image/png"]
    attachments = [p.get_filename() for p in message.iter_attachments()]
    assert attachments == ["trackbase-logs-October-2026.csv"]  # the chart is not listed as an attachment
    assert "20 logs in the period (+20 vs September)" in text and "(+20 vs September)" in html
    assert "10 logs (+10 vs September)" in text
    # Meditated: yes on Oct 1-10 except the 3rd, 6th and 9th (No breaks a yes/no streak)
    assert "longest streak 2 in the period (2 all time)" in text
    assert "Mean per day: Oct 1 79.8 kg · Oct 2 79.6 kg" in text and "Oct 1 79.8 kg" in html
    # y axis labels (high, middle, low) and x axis dates next to the chart
    assert re.search(r"<div style=\"height:47px\">[\d.]+ kg</div>", html)
    assert ">Oct 1</td>" in html and ">Oct 10</td>" in html


def test_on_request_report_has_no_unsubscribe_headers(db, user, smtp):
    from trackbase.services.tracking import reports

    seed(db, user)
    start, end, label = reports.resolve_period(
        "custom",
        "UTC",
        datetime(2026, 11, 5, tzinfo=UTC),
        datetime(2026, 10, 1).date(),
        datetime(2026, 10, 31).date(),
        user=user,
    )
    reports.send_report(user, reports.build_report(user, start, end, label), "html")
    [message] = smtp.wait_for(count=1, to=user.email)
    check_message(message, one_click=False)
    assert message["Subject"] == "Your Trackbase report: Oct 1, 2026 to Oct 31, 2026"


def test_report_dates_and_numbers_follow_the_users_locale(db, user, smtp):
    from trackbase.services.tracking import reports

    seed(db, user)
    user.locale = "de-DE"
    db.session.commit()
    [claim_id] = reports.monthly_check(datetime(2026, 11, 1, 9, tzinfo=UTC), enqueue=False)
    reports.send_monthly(claim_id)
    [message] = smtp.wait_for(count=1, to=user.email)
    text, html = check_message(message, one_click=True)
    assert message["Subject"] == "Your Trackbase report: Oktober 2026"
    assert '<html lang="de-DE">' in html
    assert "max 79,8 kg" in text and "vs September" in text
    assert "1. Okt. 79,8 kg" in text


def test_duration_report_values_are_hours_and_minutes(db, user, smtp):
    from trackbase.models import TrackerLog
    from trackbase.services.tracking import reports

    sleep = make_tracker(db, user, name="Sleep", kind="duration")
    for day, seconds in ((1, 6 * 3600 + 47 * 60), (2, 7 * 3600), (3, 8 * 3600 + 30 * 60)):
        db.session.add(
            TrackerLog(tracker_id=sleep.id, timestamp=datetime(2026, 10, day, 7, tzinfo=UTC), value_num=float(seconds))
        )
    db.session.commit()
    start, end, label = reports.resolve_period(
        "custom",
        "UTC",
        datetime(2026, 11, 5, tzinfo=UTC),
        datetime(2026, 10, 1).date(),
        datetime(2026, 10, 31).date(),
        user=user,
    )
    report = reports.build_report(user, start, end, label)
    chart = report["sections"][0]["chart"]
    assert all(re.fullmatch(r"\d+h( \d+m)?", label) for label in chart["y_labels"]), chart["y_labels"]
    assert [p["value"] for p in chart["points"]] == ["6h 47m", "7h", "8h 30m"]


def test_invitation_email_passes_the_checks(client, admin_headers, smtp, celery_worker):
    assert client.post("/api/invitations", json={"email": "new@example.com"}, headers=admin_headers).status_code == 201
    [message] = smtp.wait_for(count=1, to="new@example.com")
    check_message(message, one_click=False)


def test_password_reset_email_passes_the_checks(client, user, smtp, celery_worker):
    assert client.post("/api/auth/reset", json={"email": user.email}).status_code == 200
    [message] = smtp.wait_for(count=1, to=user.email)
    _, html = check_message(message, one_click=False)
    assert "<title>Reset your Trackbase password</title>" in html


def test_watch_digest_passes_the_checks(app, user, make_user, smtp, celery_worker):
    from datetime import timedelta

    from tests.research_data import add_comment, make_product
    from trackbase.extensions import db
    from trackbase.models import ProductWatch, utcnow
    from trackbase.services.products import digests

    app.config["WATCH_DIGEST_SETTLE_SECONDS"] = 0
    try:
        other = make_user("ann@example.com", name="Ann")
        product = make_product(other, name="Solar panel")
        db.session.add(ProductWatch(user_id=user.id, product_id=product.id, created_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        add_comment(product, other, "Efficiency is 22%")
        digests.scan()
        [message] = smtp.wait_for(count=1, to=user.email)
        check_message(message, one_click=True)
    finally:
        app.config.pop("WATCH_DIGEST_SETTLE_SECONDS", None)


@pytest.mark.parametrize(
    "template",
    ["order_confirmation", "product_export", "tracker_export", "test_email"],
)
def test_other_templates_pass_the_checks(app, user, smtp, template):
    from types import SimpleNamespace

    from trackbase.services import mail

    order = SimpleNamespace(
        id="3f2c9a70-0000-4000-8000-000000000001",
        currency="EUR",
        total_cents=2500,
        items=[SimpleNamespace(name="Panel", quantity=2, unit_price_cents=1250, line_total_cents=2500)],
    )
    context = {
        "user": user,
        "order": order,
        "product": {"name": "Panel"},
        "size_mb": 1.2,
        "documents": 2,
        "attached": False,
        "url": "http://trackbase.test/api/products/exports/1?signature=abc",
        "days": 7,
        "rows": 12,
        "sent_at": "Nov 1, 2026, 8:05 AM",
        "sample_number": "1,234.5",
        "locale": "en",
    }
    text, html = mail.render_email(template, subject="Subject", **context)
    mail.deliver(user.email, "Subject", text, html)
    [message] = smtp.wait_for(count=1, to=user.email)
    check_message(message, one_click=False)


def test_one_click_unsubscribe_post_needs_no_sign_in_and_stops_the_next_reminder(client, db, user, smtp, celery_worker):
    from trackbase.services.tracking import reminders

    set_hours(db, user)
    make_tracker(db, user)
    reminders.scan(datetime.now(UTC))
    [message] = smtp.wait_for(count=1, to=user.email)
    url = message["List-Unsubscribe"].strip("<> ")
    path = url.replace("http://trackbase.test", "")
    # What a mail reader sends (RFC 8058): a form POST to the URL, no cookies, no token header.
    answer = client.post(path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert answer.status_code == 200
    assert answer.get_json()["unsubscribe"] == {"kind": "reminders", "email": "m***@example.com", "subscribed": False}
    smtp.clear()
    assert reminders.scan(datetime.now(UTC) + __import__("datetime").timedelta(days=1))["due"] == 0


def test_one_click_unsubscribe_with_a_forged_token_is_refused(client):
    answer = client.post(
        "/api/tracking/unsubscribe?token=forged.token",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 400 and answer.get_json()["error"]["code"] == "invalid_token"


def test_test_email_is_queued_sent_and_rate_limited(client, user, auth_headers, smtp, celery_worker):
    from tests.support import wait_job

    answer = client.post("/api/me/test-email", headers=auth_headers)
    assert answer.status_code == 202
    job = wait_job(client, auth_headers, answer.get_json()["job"]["id"])
    assert job["status"] == "succeeded" and job["result"] == {"emailed_to": user.email}
    [message] = smtp.wait_for(count=1, to=user.email)
    assert message["Subject"] == "Trackbase test email"
    check_message(message, one_click=False)
    codes = [client.post("/api/me/test-email", headers=auth_headers).status_code for _ in range(3)]
    assert codes == [202, 202, 429]


def test_test_email_needs_sign_in(client):
    assert client.post("/api/me/test-email").status_code == 401


@pytest.mark.parametrize(
    ("path", "page"),
    [("/api/tracking/unsubscribe", "/trackers/unsubscribe"), ("/api/watch/unsubscribe", "/watch/unsubscribe")],
)
def test_a_browser_opening_the_one_click_url_gets_the_confirm_page_and_nothing_changes(client, db, user, path, page):
    from trackbase.services import tracking
    from trackbase.services.products.watch import unsubscribe_token as watch_token
    from trackbase.services.tracking.links import unsubscribe_token

    token = unsubscribe_token(user.id, "reminders") if "tracking" in path else watch_token(user.id)
    answer = client.get(f"{path}?token={token}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"{page}?token={token}")
    assert tracking.get_preferences(user.id).reminder_emails is True
    as_json = client.get(f"{path}?token={token}", headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.is_json


def test_order_confirmation_money_follows_the_users_locale(app, user, smtp):
    from types import SimpleNamespace

    from trackbase.services import mail

    user.locale = "de-DE"
    order = SimpleNamespace(
        id="3f2c9a70-0000-4000-8000-000000000002",
        currency="EUR",
        total_cents=123456,
        items=[SimpleNamespace(name="Panel", quantity=1, unit_price_cents=123456, line_total_cents=123456)],
    )
    text, html = mail.render_email("order_confirmation", subject="Order", user=user, order=order)
    assert "Total: 1.234,56\xa0€" in text and "1.234,56\xa0€" in html and '<html lang="de-DE">' in html
