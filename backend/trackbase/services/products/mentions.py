"""Member handles and `@handle` mentions in the discussion.

A member's handle is their name folded to ASCII letters, digits and `_`, lower-cased ("Ada Lovelace"
-> `adalovelace`, "José O'Neil" -> `joseoneil`); a member without a name uses the part of their email
before the `@`. Handles are matched case-insensitively. Only active accounts are members: a handle
of nobody, of a deactivated account, or one that two members share stays plain text (and notifies no
one). A mention links to `/members/<id>` (the member's page in the app), so the link survives renames.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from ...errors import not_found
from ...extensions import db
from ...models import User

_NOT_HANDLE = re.compile(r"[^a-z0-9_]+")
MAX_HANDLE = 64


def handle_of(user: User) -> str:
    """The handle others write after `@` to mention `user`."""
    for source in (user.name or "", (user.email or "").split("@", 1)[0]):
        folded = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode("ascii").lower()
        handle = _NOT_HANDLE.sub("", folded)[:MAX_HANDLE]
        if handle:
            return handle
    return f"member{user.id}"


def member_url(user: User) -> str:
    """Where a mention of `user` links to (the app's member page)."""
    return f"/members/{user.id}"


def members_by_handle() -> dict[str, User]:
    """Every active member under their handle; a handle two members share is left out (ambiguous)."""
    found: dict[str, User | None] = {}
    for user in db.session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)):
        handle = handle_of(user)
        found[handle] = None if handle in found else user
    return {h: u for h, u in found.items() if u is not None}


def resolve(handles: list[str], members: dict[str, User] | None = None) -> list[User]:
    """The members these (lower-cased) handles name, in order, each once; unknown handles are skipped."""
    members = members_by_handle() if members is None else members
    out: list[User] = []
    for handle in handles:
        user = members.get(handle.lower())
        if user is not None and user not in out:
            out.append(user)
    return out


def link_for(members: dict[str, User]):
    """A `link_for` for markdown.render: the member page of a known handle, None for anything else."""

    def _link(handle: str) -> str | None:
        user = members.get(handle.lower())
        return member_url(user) if user is not None else None

    return _link


def search_members(q: str, limit: int = 8) -> list[User]:
    """Members whose handle or name starts with `q` (case-insensitive), for @-autocomplete; all when `q` is empty."""
    q = (q or "").strip().lstrip("@").lower()
    folded = _NOT_HANDLE.sub("", q)
    hits = []
    for handle, user in sorted(members_by_handle().items()):
        name = (user.name or "").lower()
        if not q or handle.startswith(folded or q) or name.startswith(q) or f" {q}" in f" {name}":
            hits.append(user)
        if len(hits) >= limit:
            break
    return hits


def get_member(user_id: int) -> User:
    """An active member by id (404 for anyone else)."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise not_found("Member")
    return user
