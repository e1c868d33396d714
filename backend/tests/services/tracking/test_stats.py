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
    assert tracking_stats.streaks(stamps, "daily", "UTC", now) == {
        "current": 4,
        "longest": 4,
        "unit": "daily",
        "range": "all_time",
    }
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
        "range": "all_time",
    }
    monthly = [at("2026-11-15T00:00:00"), at("2026-12-15T00:00:00"), at("2027-01-15T00:00:00")]
    assert tracking_stats.streaks(monthly, "monthly", "UTC", at("2027-01-20T00:00:00"))["current"] == 3


def test_hourly_streak_counts_both_repeated_autumn_hours():
    stamps = [at("2026-10-25T00:10:00"), at("2026-10-25T01:10:00"), at("2026-10-25T02:10:00")]
    assert tracking_stats.streaks(stamps, "hourly", "Europe/Helsinki", at("2026-10-25T02:30:00"))["current"] == 3


def yes_no(days_and_answers):
    return [(at(f"2026-01-{d:02d}T08:00:00"), 1.0 if yes else 0.0, None) for d, yes in days_and_answers]


def test_a_no_answer_breaks_a_boolean_streak():
    rows = yes_no([(1, True), (2, True), (3, False), (4, True), (5, True), (6, True), (7, False), (8, True)])
    counted, breaking = tracking_stats.streak_timestamps("boolean", rows)
    streak = tracking_stats.streaks(counted, "daily", "UTC", at("2026-01-08T20:00:00"), breaking)
    assert (streak["current"], streak["longest"]) == (1, 3)


def test_no_answers_alone_are_no_streak():
    rows = yes_no([(d, False) for d in range(1, 8)])
    counted, breaking = tracking_stats.streak_timestamps("boolean", rows)
    assert tracking_stats.streaks(counted, "daily", "UTC", at("2026-01-08T12:00:00"), breaking)["longest"] == 0


def test_a_no_today_ends_the_current_streak_an_empty_today_does_not():
    rows = yes_no([(1, True), (2, True), (3, False)])
    counted, breaking = tracking_stats.streak_timestamps("boolean", rows)
    assert tracking_stats.streaks(counted, "daily", "UTC", at("2026-01-03T20:00:00"), breaking)["current"] == 0
    rows = yes_no([(1, True), (2, True)])
    counted, breaking = tracking_stats.streak_timestamps("boolean", rows)
    assert tracking_stats.streaks(counted, "daily", "UTC", at("2026-01-03T20:00:00"), breaking)["current"] == 2


def test_a_day_with_a_yes_and_a_no_counts_for_the_streak():
    rows = yes_no([(1, True), (2, True), (2, False), (3, True)])
    counted, breaking = tracking_stats.streak_timestamps("boolean", rows)
    assert tracking_stats.streaks(counted, "daily", "UTC", at("2026-01-03T20:00:00"), breaking)["current"] == 3


def test_any_log_counts_for_other_types():
    rows = [(at(f"2026-01-0{d}T08:00:00"), 0.0, None) for d in (1, 2, 3)]
    counted, breaking = tracking_stats.streak_timestamps("numeric", rows)
    assert breaking == []
    assert tracking_stats.streaks(counted, "daily", "UTC", at("2026-01-03T20:00:00"))["current"] == 3


def test_the_streak_is_all_time_and_the_longest_in_range_is_given_too():
    stamps = [at(f"2026-01-{d:02d}T08:00:00") for d in (1, 2, 3, 4, 5, 20, 21)]
    streak = tracking_stats.streaks(
        stamps,
        "daily",
        "UTC",
        at("2026-01-21T20:00:00"),
        start=at("2026-01-10T00:00:00"),
        end=at("2026-01-22T00:00:00"),
    )
    assert streak == {"current": 2, "longest": 5, "unit": "daily", "range": "all_time", "longest_in_range": 2}


def test_summary_says_completion_for_the_range_and_all_time():
    rows = [(at(f"2026-01-{d:02d}T08:00:00"), 1.0, None) for d in (1, 2, 3, 4, 5, 20)]
    body = tracking_stats.summary(
        "numeric",
        {},
        "daily",
        "UTC",
        rows,
        [r[0] for r in rows],
        at("2026-01-11T00:00:00"),
        at("2026-01-21T00:00:00"),
        "day",
        at("2026-01-20T20:00:00"),
    )
    assert body["completion_rate"] == 0.1  # 1 of the 10 days in range
    assert body["completion_rate_all_time"] == 0.3  # 6 of the 20 days since the first log
    assert body["streak"]["longest"] == 5 and body["streak"]["longest_in_range"] == 1


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
