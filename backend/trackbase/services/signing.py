"""The one signer factory: every signed link (exports, quick logs, unsubscribes, stored files) uses it."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

__all__ = ["BadSignature", "SignatureExpired", "signer"]


def signer(purpose: str) -> URLSafeTimedSerializer:
    """A timed serializer keyed by SECRET_KEY and salted per purpose, so a token signed for one use fails another."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"trackbase.{purpose}")
