"""The password policy, one place for every form (register, change, reset) and the strength meter.

A password needs `SECURITY_PASSWORD_LENGTH_MIN` characters (10), a zxcvbn score of at least
`SECURITY_ZXCVBN_MINIMUM_SCORE` (3 of 4), and must not contain the account's email address, its
local part or a word of the name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import zxcvbn
from flask import current_app
from flask_security.password_util import PasswordUtil

MAX_LENGTH = 128
# zxcvbn's cost grows fast with length (and it refuses more than 72 characters): the first 72 are scored.
SCORED_LENGTH = 72
_WORDS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Strength:
    """How strong a password is: zxcvbn's score (0-4), whether the policy accepts it, and why not."""

    score: int
    ok: bool
    message: str | None
    suggestions: list[str] = field(default_factory=list)


def _alnum(text: str) -> str:
    return "".join(_WORDS.findall(text.casefold()))


def _personal(email: str, name: str) -> tuple[list[str], list[str]]:
    """(what the password must not contain, what zxcvbn should count as guessable), casefolded.

    Refused outright: the address, its local part and each word of the name (4+ letters), compared
    without punctuation ("new.person" is in "NewPerson-2026"). zxcvbn also gets the local part's words.
    """
    email = (email or "").strip().casefold()
    local = email.partition("@")[0]
    name_words = [w for w in _WORDS.findall((name or "").casefold()) if len(w) >= 4]
    forbidden = [w for w in (_alnum(email), _alnum(local), *name_words) if len(w) >= 4]
    hints = [w for w in [email, local, *_WORDS.findall(local), *name_words] if w]
    return forbidden, hints


def assess(password: str, email: str = "", name: str = "") -> Strength:
    """Score a password for the account with this email and name, and say in words what is wrong."""
    config = current_app.config
    min_length = config["SECURITY_PASSWORD_LENGTH_MIN"]
    forbidden, hints = _personal(email, name)
    # zxcvbn fails on an empty string (IndexError); nothing typed yet scores 0.
    result = zxcvbn.zxcvbn(password[:SCORED_LENGTH], user_inputs=hints) if password else {"score": 0}
    score = int(result["score"])
    warning = (result.get("feedback") or {}).get("warning") or ""
    suggestions = list((result.get("feedback") or {}).get("suggestions") or [])
    folded = _alnum(password)
    message = None
    if len(password) < min_length:
        message = f"Use at least {min_length} characters."
    elif len(password) > MAX_LENGTH:
        message = f"Use at most {MAX_LENGTH} characters."
    elif any(word in folded for word in forbidden):
        score = min(score, 1)
        message = "Do not use your email address or name in the password."
    elif score < config["SECURITY_ZXCVBN_MINIMUM_SCORE"]:
        message = "This password is too easy to guess" + (f" ({warning.rstrip('.')})" if warning else "") + "."
        message += " Add a few more words or characters."
    if message and len(password) < min_length:
        score = min(score, 1)
    return Strength(score=score, ok=message is None, message=message, suggestions=suggestions)


class TrackbasePasswordUtil(PasswordUtil):
    """Flask-Security's password check replaced by `assess` (its register, change and reset forms use it)."""

    def validate(self, password: str, is_register: bool, **kwargs) -> tuple[list | None, str]:
        """([message], normalized) when refused, (None, normalized) when accepted."""
        normalized = self.normalize(password)
        if is_register:
            email, name = kwargs.get("email") or "", kwargs.get("name") or ""
        else:
            user = kwargs.get("user")
            email, name = getattr(user, "email", "") or "", getattr(user, "name", "") or ""
        strength = assess(normalized, str(email), str(name))
        return ([strength.message] if strength.message else None), normalized
