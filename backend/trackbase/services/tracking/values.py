"""Tracker types: their settings, how a log value is validated, stored, shown and converted.

A value is stored in one of two columns: `value_num` (numeric, rating, duration in seconds,
boolean as 1/0) or `value_text` (choice, text).
"""

from __future__ import annotations

import math

from .durations import format_duration, parse_duration

NUMERIC_TYPES = ("numeric", "rating", "duration", "boolean")
TEXT_MAX = 2000
DEFAULT_SCALE = 5
_TRUE = {"true", "yes", "y", "1", "on", "done"}
_FALSE = {"false", "no", "n", "0", "off"}


class ValueRejected(ValueError):
    """A value (or a settings object) that does not fit a tracker's type."""


def is_valid_text(text: str) -> bool:
    """False for strings a database cannot store as UTF-8 (lone surrogates, NUL)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def clean_settings(kind: str, settings: dict | None) -> dict:
    """Validate the settings of a type and return them normalized; ValueRejected names the problem."""
    settings = dict(settings or {})
    allowed = {"numeric": {"unit", "min", "max"}, "choice": {"options"}, "rating": {"scale"}}.get(kind, set())
    unknown = sorted(set(settings) - allowed)
    if unknown:
        what = ", ".join(sorted(allowed)) if allowed else "no settings"
        raise ValueRejected(f"Unknown setting {unknown[0]!r} for a {kind} tracker (it takes {what}).")
    if kind == "numeric":
        out: dict = {}
        unit = settings.get("unit")
        if unit not in (None, ""):
            if not isinstance(unit, str) or len(unit) > 20 or not is_valid_text(unit):
                raise ValueRejected("unit must be text of at most 20 characters.")
            out["unit"] = unit.strip()
        for key in ("min", "max"):
            value = settings.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueRejected(f"{key} must be a number.")
            out[key] = value
        if "min" in out and "max" in out and out["min"] > out["max"]:
            raise ValueRejected("min must not be greater than max.")
        return out
    if kind == "choice":
        options = settings.get("options")
        if not isinstance(options, list) or not 2 <= len(options) <= 50:
            raise ValueRejected("A choice tracker needs options: a list of 2 to 50 answers.")
        cleaned = []
        for option in options:
            if (
                not isinstance(option, str)
                or not option.strip()
                or len(option.strip()) > 80
                or not is_valid_text(option)
            ):
                raise ValueRejected("Each option must be non-empty text of at most 80 characters.")
            cleaned.append(option.strip())
        if len({o.casefold() for o in cleaned}) != len(cleaned):
            raise ValueRejected("Options must be different from each other.")
        return {"options": cleaned}
    if kind == "rating":
        scale = settings.get("scale", DEFAULT_SCALE)
        if isinstance(scale, bool) or not isinstance(scale, int) or not 2 <= scale <= 10:
            raise ValueRejected("scale must be a whole number from 2 to 10.")
        return {"scale": scale}
    return {}


def parse_value(kind: str, settings: dict, raw) -> tuple[float | None, str | None]:
    """Validate a raw value (JSON or CSV text) for a type; return (value_num, value_text) to store."""
    if raw is None or (isinstance(raw, str) and not raw.strip() and kind != "text"):
        raise ValueRejected("A value is required.")
    if isinstance(raw, str) and not is_valid_text(raw):
        raise ValueRejected("Must be valid Unicode text.")
    if kind == "numeric":
        number = _number(raw)
        low, high = settings.get("min"), settings.get("max")
        if low is not None and number < low:
            raise ValueRejected(f"Must be at least {_show(low)}.")
        if high is not None and number > high:
            raise ValueRejected(f"Must be at most {_show(high)}.")
        return float(number), None
    if kind == "boolean":
        if isinstance(raw, bool):
            return (1.0 if raw else 0.0), None
        if isinstance(raw, (int, float)) and raw in (0, 1):
            return float(raw), None
        if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
            return (1.0 if raw.strip().lower() in _TRUE else 0.0), None
        raise ValueRejected("Must be true or false.")
    if kind == "rating":
        scale = settings.get("scale", DEFAULT_SCALE)
        number = _number(raw)
        if number != int(number) or not 1 <= number <= scale:
            raise ValueRejected(f"Must be a whole number of stars from 1 to {scale}.")
        return float(int(number)), None
    if kind == "duration":
        try:
            return float(parse_duration(raw.strip() if isinstance(raw, str) else raw)), None
        except ValueError as exc:
            raise ValueRejected(str(exc)) from None
    if kind == "choice":
        if not isinstance(raw, str):
            raise ValueRejected("Must be one of the options.")
        wanted = raw.strip().casefold()
        for option in settings.get("options", []):
            if option.casefold() == wanted:
                return None, option
        raise ValueRejected("Must be one of: " + ", ".join(settings.get("options", [])) + ".")
    if kind == "text":
        if not isinstance(raw, str):
            raise ValueRejected("Must be text.")
        text = raw.strip()
        if not text:
            raise ValueRejected("A value is required.")
        if len(text) > TEXT_MAX:
            raise ValueRejected(f"Must be at most {TEXT_MAX} characters.")
        return None, text
    raise ValueRejected(f"Unknown tracker type {kind!r}.")


def _number(raw) -> float:
    if isinstance(raw, bool):
        raise ValueRejected("Must be a number.")
    if isinstance(raw, (int, float)):
        try:
            number = float(raw)
        except OverflowError:
            raise ValueRejected("Must be a finite number.") from None
    elif isinstance(raw, str):
        try:
            number = float(raw.strip().replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw.strip())
        except ValueError:
            raise ValueRejected("Must be a number.") from None
    else:
        raise ValueRejected("Must be a number.")
    if not math.isfinite(number):
        raise ValueRejected("Must be a finite number.")
    return number


def _show(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def output_value(kind: str, value_num: float | None, value_text: str | None):
    """The JSON value of a stored log: number, bool, whole seconds, stars, or text."""
    if kind in ("choice", "text"):
        return value_text
    if value_num is None:
        return None
    if kind == "boolean":
        return value_num >= 0.5
    if kind in ("rating", "duration"):
        return int(round(value_num))
    return int(value_num) if value_num.is_integer() and abs(value_num) < 2**53 else value_num


def text_value(kind: str, value_num: float | None, value_text: str | None) -> str:
    """The value as CSV/email text: true/false, seconds, stars, the number, the text."""
    value = output_value(kind, value_num, value_text)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def display_value(kind: str, value_num: float | None, value_text: str | None, settings: dict | None = None) -> str:
    """The value as a person reads it: "1h 29m", "4/5", "72.5 kg", "yes"."""
    value = output_value(kind, value_num, value_text)
    if value is None:
        return ""
    if kind == "boolean":
        return "yes" if value else "no"
    if kind == "duration":
        return format_duration(value)
    if kind == "rating":
        return f"{value}/{(settings or {}).get('scale', DEFAULT_SCALE)}"
    if kind == "numeric":
        unit = (settings or {}).get("unit")
        return f"{value} {unit}" if unit else str(value)
    return str(value)


def convert_value(
    old_kind: str, new_kind: str, new_settings: dict, value_num, value_text
) -> tuple[float | None, str | None]:
    """Convert one stored value to another type by the documented rules; ValueRejected if it cannot be.

    Rules: a value is re-read as the new type from its plain form — booleans become 1/0 for
    numeric, rating and duration, and "true"/"false" text; durations become seconds; anything
    becomes text. The new type's own validation (range, options, scale) then applies.
    """
    if old_kind == "boolean" and new_kind in ("numeric", "rating", "duration"):
        raw = int(value_num or 0)
    elif old_kind in ("numeric", "rating", "duration") and new_kind in ("numeric", "rating", "duration"):
        raw = value_num
    else:
        raw = text_value(old_kind, value_num, value_text)
    return parse_value(new_kind, new_settings, raw)
