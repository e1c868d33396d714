"""services/products/documents, sniff and extract: names, headers, types by content."""

from __future__ import annotations

import io

import pytest

from tests.support import pdf_bytes
from trackbase.services.products.documents import clean_filename, content_disposition
from trackbase.services.products.extract import extract
from trackbase.services.products.sniff import sniff


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("report.pdf", "report.pdf"),
        ("C:\\Users\\me\\report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("a\x00b\r\nc.txt", "abc.txt"),
        ("", "document"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_clean_filename_keeps_only_a_plain_last_part(raw, clean):
    assert clean_filename(raw) == clean


def test_quotes_and_backslashes_cannot_break_the_disposition_header():
    value = content_disposition('a"; filename=evil.html\\.txt', "text/plain")
    assert (
        value
        == "inline; filename=\"a; filename=evil.html.txt\"; filename*=UTF-8''a%22%3B%20filename%3Devil.html%5C.txt"
    )


def test_non_ascii_names_get_an_ascii_fallback_and_the_rfc5987_form():
    assert content_disposition("Übersicht 2026.csv", "text/csv") == (
        "attachment; filename=\"Ubersicht 2026.csv\"; filename*=UTF-8''%C3%9Cbersicht%202026.csv"
    )
    assert (
        content_disposition("图表.png", "image/png")
        == "inline; filename=\"document.png\"; filename*=UTF-8''%E5%9B%BE%E8%A1%A8.png"
    )


def test_only_safe_types_are_inline():
    inline = {"application/pdf", "text/plain", "image/png", "image/jpeg", "image/gif", "image/webp"}
    for content_type in inline:
        assert content_disposition("f", content_type).startswith("inline;")
    for content_type in (
        "text/markdown",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ):
        assert content_disposition("f", content_type).startswith("attachment;")


def test_sniff_leaves_the_stream_at_the_start():
    stream = io.BytesIO(b"plain words")
    assert sniff(stream, "a.txt") == "text/plain" and stream.tell() == 0


def test_text_is_checked_all_the_way_through():
    stream = io.BytesIO(b"a" * 200_000 + b"\x00")
    assert sniff(stream, "a.txt") is None


def test_a_utf8_character_split_across_chunks_is_still_text():
    data = b"a" * (64 * 1024 - 1) + "é".encode() + b"tail"
    assert sniff(io.BytesIO(data), "a.txt") == "text/plain"


def test_webp_is_recognised():
    assert sniff(io.BytesIO(b"RIFF\x24\x00\x00\x00WEBPVP8 "), "x.bin") == "image/webp"


def test_pdf_text_is_extracted_and_a_pdf_without_text_is_marked():
    found = extract(io.BytesIO(pdf_bytes("Coupon rate 4.5%")), "application/pdf")
    assert found.status == "indexed" and "Coupon rate 4.5%" in found.text
    empty = extract(io.BytesIO(pdf_bytes()), "application/pdf")
    assert empty.status == "no_text" and "no text layer" in empty.message
