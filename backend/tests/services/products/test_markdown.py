"""The shared Markdown renderer: formatting survives, active content does not."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from trackbase.services.products.markdown import render


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
