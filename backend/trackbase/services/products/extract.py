"""Text out of a stored document, for search: PDF (pypdf), Word .docx, plain text, Markdown, CSV.

Each reader takes a seekable binary file and returns the text (possibly empty). The text kept is
capped (MAX_TEXT_CHARS): enough for search, never a row of hundreds of megabytes.
"""

from __future__ import annotations

import logging
import zipfile
from dataclasses import dataclass
from typing import BinaryIO

from defusedxml import ElementTree

from .sniff import DOCX, IMAGE_TYPES, PDF, TEXT_TYPES

log = logging.getLogger(__name__)

MAX_TEXT_CHARS = 2_000_000
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Extracted:
    status: str  # indexed | no_text | unsupported | failed (models/research.py DOCUMENT_TEXT_STATUSES)
    text: str = ""
    message: str = ""


def extract(stream: BinaryIO, content_type: str) -> Extracted:
    """Read the text of a document of `content_type` (a sniffed, allowed type)."""
    if content_type in IMAGE_TYPES:
        return Extracted("unsupported", message="Images are kept but their text is not read.")
    try:
        if content_type == PDF:
            text = _pdf(stream)
            if not text.strip():
                return Extracted("no_text", message="This PDF has no text layer (a scan?): it is not searchable.")
        elif content_type == DOCX:
            text = _docx(stream)
        elif content_type in TEXT_TYPES:
            text = stream.read(MAX_TEXT_CHARS * 4).decode("utf-8-sig", errors="replace")
        else:
            return Extracted("unsupported", message="Text is not read from this type.")
    except Exception as exc:  # a malformed file: say so on the document, do not retry forever
        log.warning("text extraction failed: %s", exc)
        return Extracted("failed", message="The text could not be read: the file looks damaged.")
    text = text[:MAX_TEXT_CHARS].replace("\x00", "")
    if not text.strip():
        return Extracted("no_text", message="The document has no text.")
    return Extracted("indexed", text=text)


def _pdf(stream: BinaryIO) -> str:
    from pypdf import PdfReader

    reader = PdfReader(stream)
    parts: list[str] = []
    size = 0
    for page in reader.pages:
        page_text = page.extract_text() or ""
        parts.append(page_text)
        size += len(page_text)
        if size >= MAX_TEXT_CHARS:
            break
    return "\n".join(parts)


def _docx(stream: BinaryIO) -> str:
    with zipfile.ZipFile(stream) as archive:
        info = archive.getinfo("word/document.xml")
        if info.file_size > 200 * 1024 * 1024:  # a zip bomb would expand far past any real document
            raise ValueError("word/document.xml is implausibly large")
        root = ElementTree.fromstring(archive.read(info))
    paragraphs = []
    for paragraph in root.iter(f"{_W}p"):
        paragraphs.append("".join(node.text or "" for node in paragraph.iter(f"{_W}t")))
    return "\n".join(p for p in paragraphs if p)
