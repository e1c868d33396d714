"""Durations: parse what people type ("1h 29m", "90m", "1:29:00", "5400") into seconds and back."""

from __future__ import annotations

import re

MAX_SECONDS = 366 * 24 * 3600

_UNITS = {
    "d": 86400,
    "day": 86400,
    "days": 86400,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]+)")
_CLOCK = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")


def parse_duration(raw) -> int:
    """Seconds from an int/float of seconds or a string like "1h 29m", "1:29" (h:mm), "1:29:05".

    ValueError otherwise.
    """
    if isinstance(raw, bool):
        raise ValueError('Give a duration like "1h 29m" or a number of seconds.')
    if isinstance(raw, (int, float)):
        seconds = raw
    elif isinstance(raw, str):
        seconds = _parse_text(raw.strip().lower())
    else:
        raise ValueError('Give a duration like "1h 29m" or a number of seconds.')
    if seconds != seconds or seconds < 0:
        raise ValueError("A duration cannot be negative.")
    if seconds > MAX_SECONDS:
        raise ValueError("A duration cannot be longer than 366 days.")
    return int(round(seconds))


def _parse_text(text: str) -> float:
    if not text:
        raise ValueError('Give a duration like "1h 29m" or a number of seconds.')
    try:
        return float(text) if re.fullmatch(r"\d+(\.\d+)?", text) else _parse_words(text)
    except OverflowError:
        raise ValueError("A duration cannot be longer than 366 days.") from None


def _parse_words(text: str) -> float:
    clock = _CLOCK.match(text)
    if clock:
        hours, minutes, seconds = clock.group(1), clock.group(2), clock.group(3) or "0"
        return int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    total = 0.0
    position = 0
    seen = set()
    for match in _PART.finditer(text):
        if text[position : match.start()].strip(" ,") or match.group(2) not in _UNITS:
            raise ValueError(f'Cannot read {text!r} as a duration; write it like "1h 29m".')
        unit = _UNITS[match.group(2)]
        if unit in seen:
            raise ValueError(f"Cannot read {text!r} as a duration: a unit appears twice.")
        seen.add(unit)
        total += float(match.group(1)) * unit
        position = match.end()
    if not seen or text[position:].strip(" ,"):
        raise ValueError(f'Cannot read {text!r} as a duration; write it like "1h 29m".')
    return total


def format_duration(seconds: int | float | None) -> str:
    """ "1h 29m", "45s", "2d 3h" — the short human form of a number of seconds."""
    if seconds is None:
        return ""
    seconds = int(round(seconds))
    if seconds == 0:
        return "0s"
    parts = []
    for label, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{label}")
    return " ".join(parts)
