"""Duration parsing and formatting."""

import pytest

from trackbase.services.tracking.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    "raw, seconds",
    [
        ("1h 29m", 5340),
        ("1h29m", 5340),
        ("90m", 5400),
        ("45s", 45),
        ("2 hours 5 minutes", 7500),
        ("1:29", 5340),
        ("1:29:05", 5345),
        ("5400", 5400),
        (5400, 5400),
        (90.4, 90),
        ("1.5h", 5400),
        ("1d 2h", 93600),
        ("0", 0),
        (" 10 min ", 600),
        ("1h, 5m", 3900),
    ],
)
def test_durations_parse_to_seconds(raw, seconds):
    assert parse_duration(raw) == seconds


@pytest.mark.parametrize(
    "raw", ["", "soon", "1h 1h", "5 parsecs", "-5m", -1, True, None, "1:75", "h", "1h x", 10**9, "9" * 400]
)
def test_bad_durations_are_rejected(raw):
    with pytest.raises(ValueError):
        parse_duration(raw)


@pytest.mark.parametrize("seconds, text", [(5340, "1h 29m"), (0, "0s"), (45, "45s"), (93784, "1d 2h 3m 4s")])
def test_durations_format_short(seconds, text):
    assert format_duration(seconds) == text
