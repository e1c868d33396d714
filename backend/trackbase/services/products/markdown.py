"""Markdown to safe HTML, for product descriptions and comments alike.

markdown-it-py renders CommonMark (raw HTML in the source is escaped, not passed through), then nh3
keeps only an allow-list of tags and attributes: no script, event handler, style or `javascript:` URL
survives, and every link gets `rel="noopener noreferrer nofollow"`.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

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
URL_SCHEMES = {"http", "https", "mailto"}


def render(md: str) -> str:
    """The sanitized HTML of Markdown source `md` (empty string for empty input)."""
    if not md or not md.strip():
        return ""
    return nh3.clean(
        _md.render(md),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
