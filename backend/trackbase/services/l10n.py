"""Dates and numbers for emails in the user's locale and time zone, as the SPA shows them (Babel's CLDR data).

The SPA formats with the browser's locale (Intl); it reports that locale to /api/me, and emails use it.
Without one, English.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _format_date
from babel.dates import format_skeleton, format_time
from babel.numbers import format_currency, format_decimal

DEFAULT_LOCALE = "en"


def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo for an IANA name; unknown or empty names fall back to UTC (as tracking.periods.zone)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def is_known_locale(tag: str) -> bool:
    """True for a BCP 47 tag Babel knows (en, en-GB, de-CH, pt_BR)."""
    if not isinstance(tag, str) or not 1 < len(tag) <= 35:
        return False
    try:
        Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return False
    return True


def locale_of(user) -> Locale:
    """The user's locale (English when unset or unknown)."""
    tag = getattr(user, "locale", None) or DEFAULT_LOCALE
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(DEFAULT_LOCALE)


def datetime_text(value: datetime, user) -> str:
    """Medium date and short time in the user's zone and locale ("Nov 1, 2026, 8:05 AM"), as the SPA shows them."""
    local = value.astimezone(zone(user.timezone))
    loc = locale_of(user)
    pattern = str(loc.datetime_formats.get("medium", "{1} {0}"))
    return pattern.replace("{1}", _format_date(local, "medium", locale=loc)).replace(
        "{0}", format_time(local, "short", locale=loc)
    )


def date_text(value: date | datetime, user, style: str = "medium") -> str:
    """A date in the user's locale (a datetime is first moved to the user's zone)."""
    if isinstance(value, datetime):
        value = value.astimezone(zone(user.timezone)).date()
    return _format_date(value, style, locale=locale_of(user))


def short_date_text(value: date | datetime, user) -> str:
    """Day and month only, in the locale's order ("Oct 2", "2. Okt."), for chart axes."""
    if isinstance(value, datetime):
        value = value.astimezone(zone(user.timezone)).date()
    return format_skeleton("MMMd", value, locale=locale_of(user))


def month_text(value: date, user) -> str:
    """Month and year ("October 2026", "Oktober 2026")."""
    return _format_date(value, "LLLL y", locale=locale_of(user))


def month_name(value: date, user) -> str:
    """The month alone ("October")."""
    return _format_date(value, "LLLL", locale=locale_of(user))


def number_text(value: float, user, digits: int = 2) -> str:
    """A number rounded to `digits` decimals in the user's locale ("1,234.5", "1 234,5")."""
    return format_decimal(round(value, digits), format=None, locale=locale_of(user), decimal_quantization=False)


def money_text(cents: int, currency: str, user) -> str:
    """An amount in the user's locale ("€12.50", "12,50 €")."""
    return format_currency(cents / 100, currency, locale=locale_of(user))


class Formatter:
    """The formatting helpers bound to one user, for templates (`fmt.money(...)`, `fmt.datetime(...)`)."""

    def __init__(self, user):
        self.user = user

    def money(self, cents: int, currency: str) -> str:
        return money_text(cents, currency, self.user)

    def number(self, value: float, digits: int = 2) -> str:
        return number_text(value, self.user, digits)

    def datetime(self, value: datetime) -> str:
        return datetime_text(value, self.user)

    def date(self, value: date | datetime) -> str:
        return date_text(value, self.user)
