"""Period boundaries in a user's time zone: DST changes, month and year boundaries."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from trackbase.services.tracking.periods import period_of, periods_between


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_spring_forward_day_is_23_hours_long():
    day = period_of("daily", at("2026-03-29T12:00:00"), "Europe/Helsinki")
    assert day.key == "D2026-03-29"
    assert day.start == at("2026-03-28T22:00:00") and day.end == at("2026-03-29T21:00:00")
    assert day.end - day.start == timedelta(hours=23)


def test_fall_back_day_is_25_hours_long():
    day = period_of("daily", at("2026-10-25T12:00:00"), "Europe/Helsinki")
    assert day.end - day.start == timedelta(hours=25)


def test_repeated_local_hour_in_autumn_is_two_hours():
    first = period_of("hourly", at("2026-10-25T00:30:00"), "Europe/Helsinki")
    second = period_of("hourly", at("2026-10-25T01:30:00"), "Europe/Helsinki")
    assert first.label == second.label == "2026-10-25 03:00"
    assert first.key != second.key and second.index == first.index + 1


def test_hours_in_a_half_hour_zone_start_at_half_past_utc():
    hour = period_of("hourly", at("2026-11-22T12:00:00"), "Asia/Kolkata")
    assert hour.start == at("2026-11-22T11:30:00") and hour.label == "2026-11-22 17:00"


def test_day_starts_at_the_jump_where_midnight_does_not_exist():
    # Chile moves clocks from 00:00 to 01:00 on 2026-09-06.
    day = period_of("daily", at("2026-09-06T12:00:00"), "America/Santiago")
    assert day.start == at("2026-09-06T04:00:00") and day.end - day.start == timedelta(hours=23)


def test_late_evening_utc_is_the_next_local_day_month_and_year():
    instant = at("2026-12-31T22:30:00")  # 00:30 on 2027-01-01 in Helsinki
    assert period_of("daily", instant, "Europe/Helsinki").key == "D2027-01-01"
    assert period_of("monthly", instant, "Europe/Helsinki").key == "M2027-01"
    assert period_of("daily", instant, "UTC").key == "D2026-12-31"
    assert period_of("monthly", instant, "America/New_York").key == "M2026-12"


def test_iso_week_spans_the_year_boundary():
    week = period_of("weekly", at("2027-01-02T12:00:00"), "UTC")
    assert week.key == "W2026-53" and week.start == at("2026-12-28T00:00:00") and week.end == at("2027-01-04T00:00:00")


def test_month_boundaries_follow_local_time():
    month = period_of("monthly", at("2026-02-10T00:00:00"), "Asia/Tokyo")
    assert month.start == at("2026-01-31T15:00:00") and month.end == at("2026-02-28T15:00:00")


def test_periods_between_are_consecutive():
    days = periods_between("day", at("2026-03-27T12:00:00"), at("2026-03-31T12:00:00"), "Europe/Helsinki")
    assert [d.key for d in days] == ["D2026-03-27", "D2026-03-28", "D2026-03-29", "D2026-03-30", "D2026-03-31"]
    assert all(b.index == a.index + 1 and b.start == a.end for a, b in pairwise(days))


def test_unknown_timezone_falls_back_to_utc():
    assert period_of("daily", at("2026-01-01T23:00:00"), "Mars/Olympus").key == "D2026-01-01"


def test_fast_period_index_matches_the_period_everywhere():
    from trackbase.services.tracking.periods import period_index

    start = at("2026-03-20T00:00:00")
    zones = ["UTC", "Europe/Helsinki", "America/Santiago", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe"]
    for step in range(0, 24 * 250, 7):  # every 7 hours for 250 days: spring and autumn changes included
        instant = start + timedelta(hours=step, minutes=step % 60)
        for tz in zones:
            for unit in ("hourly", "daily", "weekly", "monthly"):
                assert period_index(unit, instant, tz) == period_of(unit, instant, tz).index, (unit, instant, tz)
