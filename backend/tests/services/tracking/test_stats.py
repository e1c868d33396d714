"""Stats over logs: buckets, streaks, completion, trend and distribution."""

from datetime import UTC, datetime, timedelta

import pytest

from trackbase.services.tracking import stats as tracking_stats


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_buckets_group_by_local_day_including_empty_days():
    rows = [(at("2026-01-01T10:00:00"), 2.0, None), (at("2026-01-01T23:30:00"), 4.0, None)]
    out = tracking_stats.buckets("numeric", rows, at("2026-01-01T00:00:00"), at("2026-01-04T00:00:00"), "day", "UTC")
    assert [(b["label"], b["count"], b["sum"]) for b in out] == [
        ("2026-01-01", 2, 6),
        ("2026-01-02", 0, None),
        ("2026-01-03", 0, None),
    ]
    tokyo = tracking_stats.buckets(
        "numeric", rows, at("2025-12-31T15:00:00"), at("2026-01-03T15:00:00"), "day", "Asia/Tokyo"
    )
    assert [b["count"] for b in tokyo] == [1, 1, 0]


def test_too_many_buckets_is_an_error():
    with pytest.raises(ValueError):
        tracking_stats.buckets("numeric", [], at("2000-01-01T00:00:00"), at("2026-01-01T00:00:00"), "day", "UTC")


def test_streaks_count_consecutive_days_and_forgive_today():
    now = at("2026-01-10T12:00:00")
    stamps = [at(f"2026-01-0{d}T08:00:00") for d in (1, 2, 3, 6, 7, 8, 9)]
    assert tracking_stats.streaks(stamps, "daily", "UTC", now) == {"current": 4, "longest": 4, "unit": "daily"}
    assert tracking_stats.streaks(stamps + [at("2026-01-10T08:00:00")], "daily", "UTC", now)["current"] == 5
    assert tracking_stats.streaks(stamps, "daily", "UTC", at("2026-01-11T12:00:00"))["current"] == 0


def test_streak_across_a_dst_change_and_a_year_boundary():
    stamps = [at("2026-10-24T08:00:00"), at("2026-10-25T08:00:00"), at("2026-10-26T08:00:00")]
    assert tracking_stats.streaks(stamps, "daily", "Europe/Helsinki", at("2026-10-26T20:00:00"))["longest"] == 3
    weekly = [at("2026-12-21T08:00:00"), at("2026-12-30T08:00:00"), at("2027-01-05T08:00:00")]
    assert tracking_stats.streaks(weekly, "weekly", "UTC", at("2027-01-06T08:00:00")) == {
        "current": 3,
        "longest": 3,
        "unit": "weekly",
    }
    monthly = [at("2026-11-15T00:00:00"), at("2026-12-15T00:00:00"), at("2027-01-15T00:00:00")]
    assert tracking_stats.streaks(monthly, "monthly", "UTC", at("2027-01-20T00:00:00"))["current"] == 3


def test_hourly_streak_counts_both_repeated_autumn_hours():
    stamps = [at("2026-10-25T00:10:00"), at("2026-10-25T01:10:00"), at("2026-10-25T02:10:00")]
    assert tracking_stats.streaks(stamps, "hourly", "Europe/Helsinki", at("2026-10-25T02:30:00"))["current"] == 3


def test_completion_rate_is_share_of_periods_with_a_log():
    stamps = [at("2026-01-01T08:00:00"), at("2026-01-01T09:00:00"), at("2026-01-03T08:00:00")]
    rate = tracking_stats.completion_rate(stamps, "daily", "UTC", at("2026-01-01T00:00:00"), at("2026-01-05T00:00:00"))
    assert rate == 0.5


def test_trend_recovers_a_line():
    start = at("2026-01-01T00:00:00")
    rows = [(start + timedelta(days=d), 80 - 0.5 * d, None) for d in range(10)]
    trend = tracking_stats.trend(rows, start)
    assert trend["slope_per_day"] == pytest.approx(-0.5) and trend["intercept"] == pytest.approx(80)
    assert trend["r2"] == pytest.approx(1.0) and trend["points"] == 10


def test_trend_needs_two_distinct_times():
    start = at("2026-01-01T00:00:00")
    assert tracking_stats.trend([(start, 1.0, None)], start) is None
    assert tracking_stats.trend([(start, 1.0, None), (start, 2.0, None)], start) is None


def test_distribution_lists_every_answer():
    rows = [(None, 1.0, None), (None, 1.0, None), (None, 0.0, None)]
    assert tracking_stats.distribution("boolean", {}, rows) == [
        {"value": True, "count": 2},
        {"value": False, "count": 1},
    ]
    ratings = tracking_stats.distribution("rating", {"scale": 3}, [(None, 3.0, None)])
    assert ratings == [{"value": 1, "count": 0}, {"value": 2, "count": 0}, {"value": 3, "count": 1}]
    assert tracking_stats.distribution("numeric", {}, rows) is None
