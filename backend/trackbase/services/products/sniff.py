"""What a document is, told by its bytes: the allowed types and their signatures.

A file's name and its declared Content-Type are the uploader's word; only the content decides. Text
types (plain, Markdown, CSV) have no signature: a file is text when its bytes are UTF-8 without NUL
or other control bytes, and the name then only picks which of the three text types it is.
"""

from __future__ import annotations

import zipfile
from typing import BinaryIO

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT_TYPES = {"text/plain", "text/markdown", "text/csv"}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
ALLOWED = {PDF, DOCX} | TEXT_TYPES | IMAGE_TYPES
# Shown by the browser instead of downloaded (the rest is always an attachment).
INLINE_TYPES = {PDF, "text/plain"} | IMAGE_TYPES

ALLOWED_DESCRIPTION = "PDF, Word (.docx), plain text, Markdown, CSV, PNG, JPEG, GIF or WebP"

_SIGNATURES = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
_HEAD = 64 * 1024
# Tab, LF, CR and form feed appear in text; other C0 control bytes (and DEL) mean binary.
_CONTROL = set(range(0x00, 0x20)) - {0x09, 0x0A, 0x0C, 0x0D} | {0x7F}


def sniff(stream: BinaryIO, filename: str) -> str | None:
    """The allowed content type of the file, or None when it is none of them. Leaves `stream` at 0."""
    stream.seek(0)
    head = stream.read(_HEAD)
    stream.seek(0)
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"PK\x03\x04"):
        return DOCX if _is_docx(stream) else None
    if _is_text(stream):
        name = filename.lower()
        if name.endswith((".md", ".markdown")):
            return "text/markdown"
        if name.endswith(".csv"):
            return "text/csv"
        return "text/plain"
    return None


def _is_docx(stream: BinaryIO) -> bool:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        stream.seek(0)
    return "[Content_Types].xml" in names and "word/document.xml" in names


def _is_text(stream: BinaryIO) -> bool:
    """UTF-8 (BOM allowed) without control bytes, all the way through (read in chunks)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    seen = False
    try:
        while chunk := stream.read(_HEAD):
            seen = True
            if _CONTROL.intersection(chunk):
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    return seen
