"""Settings and values per tracker type, and the conversion rules."""

import pytest

from trackbase.services.tracking.values import (
    ValueRejected,
    clean_settings,
    convert_value,
    display_value,
    output_value,
    parse_value,
)


def test_settings_are_normalized_per_type():
    assert clean_settings("numeric", {"unit": " kg ", "min": 0}) == {"unit": "kg", "min": 0}
    assert clean_settings("choice", {"options": [" Tea ", "Coffee"]}) == {"options": ["Tea", "Coffee"]}
    assert clean_settings("rating", {}) == {"scale": 5}
    assert clean_settings("boolean", None) == {}


@pytest.mark.parametrize(
    "kind, settings",
    [
        ("choice", {"options": ["a", "A"]}),
        ("choice", {"options": "a,b"}),
        ("rating", {"scale": 1}),
        ("rating", {"scale": True}),
        ("numeric", {"min": "0"}),
        ("numeric", {"unit": "x" * 21}),
        ("text", {"max": 3}),
    ],
)
def test_bad_settings_are_rejected(kind, settings):
    with pytest.raises(ValueRejected):
        clean_settings(kind, settings)


def test_values_are_stored_in_the_right_column():
    assert parse_value("numeric", {}, "3,5") == (3.5, None)
    assert parse_value("boolean", {}, "No") == (0.0, None)
    assert parse_value("choice", {"options": ["Tea"]}, "tea") == (None, "Tea")
    assert parse_value("rating", {"scale": 5}, "5") == (5.0, None)
    assert parse_value("duration", {}, "1h 29m") == (5340.0, None)
    assert parse_value("text", {}, " hi ") == (None, "hi")


def test_output_and_display_values():
    assert output_value("boolean", 1.0, None) is True
    assert output_value("numeric", 70.0, None) == 70 and output_value("numeric", 70.5, None) == 70.5
    assert display_value("duration", 5340.0, None) == "1h 29m"
    assert display_value("rating", 4.0, None, {"scale": 5}) == "4/5"
    assert display_value("numeric", 72.5, None, {"unit": "kg"}) == "72.5 kg"


@pytest.mark.parametrize(
    "old, new, settings, stored, expected",
    [
        ("boolean", "numeric", {}, (1.0, None), (1.0, None)),
        ("boolean", "text", {}, (0.0, None), (None, "false")),
        ("boolean", "choice", {"options": ["true", "false"]}, (1.0, None), (None, "true")),
        ("numeric", "duration", {}, (90.0, None), (90.0, None)),
        ("duration", "text", {}, (5340.0, None), (None, "5340")),
        ("rating", "numeric", {}, (4.0, None), (4.0, None)),
        ("text", "numeric", {}, (None, "12.5"), (12.5, None)),
        ("text", "boolean", {}, (None, "yes"), (1.0, None)),
        ("choice", "rating", {"scale": 5}, (None, "3"), (3.0, None)),
    ],
)
def test_conversion_rules(old, new, settings, stored, expected):
    assert convert_value(old, new, settings, *stored) == expected


@pytest.mark.parametrize(
    "old, new, settings, stored",
    [
        ("text", "numeric", {}, (None, "lots")),
        ("numeric", "rating", {"scale": 5}, (3.5, None)),
        ("numeric", "boolean", {}, (2.0, None)),
        ("numeric", "duration", {}, (-5.0, None)),
        ("choice", "choice", {"options": ["a", "b"]}, (None, "c")),
    ],
)
def test_conversions_that_do_not_fit_are_refused(old, new, settings, stored):
    with pytest.raises(ValueRejected):
        convert_value(old, new, settings, *stored)
