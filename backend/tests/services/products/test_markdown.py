"""The shared Markdown renderer: formatting survives, active content does not."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from trackbase.services.products.markdown import ALLOWED_TAGS, mentioned_handles, render

# The XSS payload list the discussion is tested with (the e2e spec posts the same list in Chromium).
PAYLOADS = json.loads((Path(__file__).resolve().parents[2] / "xss_payloads.json").read_text())


def test_renders_common_markdown():
    html = render("# Title\n\n**bold** and *it* and `code`\n\n- one\n- two\n\n[link](https://example.com)")
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html and "<code>code</code>" in html
    assert "<li>one</li>" in html
    assert 'href="https://example.com"' in html and 'rel="noopener noreferrer nofollow"' in html


def test_empty_source_renders_empty():
    assert render("") == "" and render("  \n ") == ""


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "![x](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        '<div style="background:url(javascript:alert(1))">x</div>',
        "<svg onload=alert(1)>",
        "<iframe src=https://evil.example></iframe>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_active_content_does_not_survive(payload):
    elements = Elements()
    elements.feed(render(payload))
    for tag, attrs in elements.found:
        assert tag not in {"script", "iframe", "svg", "div", "style"}
        for name, value in attrs:
            assert not name.startswith("on") and name != "style"
            assert not (value or "").strip().lower().startswith(("javascript:", "data:"))


def test_links_and_images_keep_only_safe_schemes():
    elements = Elements()
    elements.feed(render("[a](https://ok.example) [b](javascript:alert(1)) ![c](https://ok.example/c.png)"))
    hrefs = [dict(attrs).get("href") for tag, attrs in elements.found if tag == "a"]
    assert "https://ok.example" in hrefs and not any("javascript" in (h or "") for h in hrefs)


class Elements(HTMLParser):
    """Every start tag of an HTML fragment with its attributes, as a browser would parse them."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, list]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def _assert_inert(html: str) -> None:
    elements = Elements()
    elements.feed(html)
    for tag, attrs in elements.found:
        assert tag in ALLOWED_TAGS, f"<{tag}> survived in {html!r}"
        for name, value in attrs:
            assert not name.startswith("on") and name not in {"style", "srcdoc", "formaction", "xlink:href"}, html
            if name in {"href", "src"}:
                scheme = urlsplit((value or "").strip()).scheme.lower()
                assert scheme in {"", "http", "https", "mailto"}, f"{name}={value!r} in {html!r}"
                assert not (value or "").lstrip().startswith("//"), html
            if name == "class":
                assert value == "mention" or (value or "").startswith("language-"), html


def test_payload_list_is_long_enough():
    assert len(PAYLOADS) >= 40 and len(set(PAYLOADS)) == len(PAYLOADS)


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"xss{i:02d}" for i in range(len(PAYLOADS))])
def test_xss_payload_renders_inert(payload):
    _assert_inert(render(payload))


@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"xss{i:02d}" for i in range(len(PAYLOADS))])
def test_xss_payload_renders_inert_with_mentions_linked(payload):
    _assert_inert(render(f"@ada {payload} @ada", link_for=lambda h: "/members/1" if h == "ada" else None))


def test_images_load_only_from_this_server():
    elements = Elements()
    elements.feed(render("![a](https://evil.example/a.png) ![b](//evil.example/b.png) ![c](/api/documents/1/download)"))
    sources = [dict(attrs).get("src") for tag, attrs in elements.found if tag == "img"]
    assert sources == [None, None, "/api/documents/1/download"]


def test_html_in_a_code_span_is_shown_as_text():
    html = render("`<script>alert(1)</script>`")
    assert html == "<p><code>&lt;script&gt;alert(1)&lt;/script&gt;</code></p>\n"


def test_a_mention_of_a_member_links_to_them():
    html = render("Thanks @Ada!", link_for=lambda h: "/members/7" if h.lower() == "ada" else None)
    assert '<a class="mention" href="/members/7" rel="noopener noreferrer nofollow">@Ada</a>!' in html


def test_a_mention_of_a_non_member_stays_plain_text():
    html = render("Thanks @ghost", link_for=lambda h: None)
    assert html == "<p>Thanks @ghost</p>\n"


def test_mentions_are_not_found_in_code_links_or_email_addresses():
    source = "`@incode` [@inlink](https://x.example) bob@example.com\n\n    @indented\n\n@real, (@paren) **@bold**"
    assert mentioned_handles(source) == ["real", "paren", "bold"]


def test_mentioned_handles_are_lower_cased_and_distinct():
    assert mentioned_handles("@Ada @ada @BOB @ada") == ["ada", "bob"]


def test_a_markdown_link_cannot_pretend_to_be_a_mention():
    elements = Elements()
    elements.feed(render('[@ada](https://evil.example) <a class="mention" href="/x">@x</a>', link_for=lambda h: "/m/1"))
    assert [dict(attrs) for tag, attrs in elements.found if tag == "a"] == [
        {"href": "https://evil.example", "rel": "noopener noreferrer nofollow"}
    ]
