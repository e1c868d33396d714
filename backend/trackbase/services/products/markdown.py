"""Markdown to safe HTML, for product descriptions and comments alike.

markdown-it-py renders CommonMark (raw HTML in the source is escaped, not passed through), then nh3
keeps only an allow-list of tags and attributes: no script, event handler, style or `javascript:` URL
survives, and every link gets `rel="noopener noreferrer nofollow"`. Images keep a source only when it
is on this server (the Content-Security-Policy allows no other).

Mentions: `@handle` (letters, digits and `_`, after a space, punctuation or the start of a line; never
inside code, a link or an email address) becomes a link when `link_for(handle)` gives a URL for it, and
stays plain text otherwise. `mentioned_handles` finds the same handles without rendering.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

HANDLE_RE = re.compile(r"[A-Za-z0-9_]{1,64}")
# Characters after which an `@` starts a mention (not after a letter or digit: `bob@example.com`).
_MENTION_AFTER = set(" \t\n\r([{<\"'*_~,;:!?.-/")

ALLOWED_TAGS = {
    "a", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "img",
    "li", "ol", "p", "pre", "s", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
}
ALLOWED_CLASSES = {"a": {"mention"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _same_origin_images(tag: str, attribute: str, value: str) -> str | None:
    """Images load only from this server: the page's Content-Security-Policy (img-src 'self') would block
    any other, so an outside image keeps its alt text and loses its source here."""
    if tag == "img" and attribute == "src":
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or "\\" in value or value.startswith("//"):
            return None
    return value


def _mention_rule(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    if state.src[pos] != "@" or (pos > 0 and state.src[pos - 1] not in _MENTION_AFTER):
        return False
    if state.linkLevel > 0:  # inside a link's text: the link wins
        return False
    match = HANDLE_RE.match(state.src, pos + 1)
    if not match:
        return False
    end = match.end()
    if end < len(state.src) and (state.src[end] == "@" or state.src[end].isalnum()):
        return False  # longer than a handle, or an address like `@a@b`
    if not silent:
        token = state.push("mention", "", 0)
        token.meta = {"handle": match.group(0)}
        token.content = state.src[pos:end]
    state.pos = end
    return True


def _render_mention(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    link_for = env.get("link_for")
    url = link_for(token.meta["handle"]) if link_for else None
    text = escape(token.content)
    if not url:
        return text
    return f'<a class="mention" href="{escape(url, quote=True)}">{text}</a>'


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
_md.inline.ruler.before("emphasis", "mention", _mention_rule)
_md.add_render_rule("mention", _render_mention)


def render(md: str, link_for: Callable[[str], str | None] | None = None) -> str:
    """The sanitized HTML of Markdown source `md` (empty string for empty input); mentions link via `link_for`."""
    if not md or not md.strip():
        return ""
    return nh3.clean(
        _md.render(md, {"link_for": link_for}),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_same_origin_images,
    )


def mentioned_handles(md: str) -> list[str]:
    """The distinct `@handle`s in `md`, lower-cased, in order of first appearance (none from code or links)."""
    seen: dict[str, None] = {}
    if not md:
        return []
    for block in _md.parse(md):
        for token in block.children or ():
            if token.type == "mention":
                seen.setdefault(token.meta["handle"].lower(), None)
    return list(seen)
