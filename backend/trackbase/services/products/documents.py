"""Documents of a product: upload (sniffed, capped, stored under a generated key), list, download
links, delete; text extraction; and the deletion of stored objects that retries until storage says yes.

Every member may add documents to any product (research on supplier rows too, logged in the activity
log); only the uploader or an admin deletes one. Bytes live in services/storage.py under
`documents/<random id>`, never a user's file name. A stored object whose row is gone is deleted by
the task `trackbase.tasks.products.delete_objects`, queued in the same commit, so a storage outage
leaves no orphan once it is over.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import tempfile
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select

from ...errors import ApiError, forbidden, not_found
from ...extensions import db
from ...models import Document, Product, User
from .. import jobs
from ..signing import BadSignature, account_current, account_stamp, signer
from ..sql import Page, paginate
from ..storage import StorageUnavailable, StoredFileMissing, get_storage
from . import activity
from .extract import extract
from .sniff import ALLOWED_DESCRIPTION, INLINE_TYPES, sniff

log = logging.getLogger(__name__)

DEFAULT_MAX_MB = 25
DEFAULT_URL_SECONDS = 300  # download links (presigned or signed by the app) are valid this long


def max_bytes() -> int:
    """The largest document accepted (DOCUMENT_MAX_MB, default 25)."""
    return int(current_app.config.get("DOCUMENT_MAX_MB") or DEFAULT_MAX_MB) * 1024 * 1024


def url_seconds() -> int:
    """How long a download link stays valid (DOCUMENT_URL_SECONDS, default 300)."""
    return int(current_app.config.get("DOCUMENT_URL_SECONDS") or DEFAULT_URL_SECONDS)


def too_large() -> ApiError:
    mb = max_bytes() // (1024 * 1024)
    return ApiError(413, "payload_too_large", f"The document is larger than {mb} MB.")


def clean_filename(name: str) -> str:
    """The name to show and send back: its last path part, no control characters, at most 255 characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name) if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) <= 16 else name[:255]
    return name or "document"


def content_disposition(filename: str, content_type: str) -> str:
    """`inline` for safe types, else `attachment`, with the name as RFC 6266 / RFC 5987 give it."""
    kind = "inline" if content_type in INLINE_TYPES else "attachment"
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(ch for ch in ascii_name if ch.isprintable() and ch not in '"\\').strip()
    stem = ascii_name.rsplit(".", 1)[0] if "." in ascii_name else ascii_name
    if not stem.strip():  # nothing of the name was ASCII: keep at least its extension
        ascii_name = "document" + (ascii_name if ascii_name.startswith(".") else "")
    value = f'{kind}; filename="{ascii_name}"'
    if ascii_name != filename:
        value += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return value


def add_document(product_id: int, user: User, stream: BinaryIO, filename: str) -> Document:
    """Store an uploaded file for a product and queue its text extraction (415 when its content is not allowed)."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise not_found("Product")
    stream.seek(0, 2)
    size = stream.tell()
    if size > max_bytes():
        raise too_large()
    if size == 0:
        raise ApiError(400, "validation_error", "The file is empty.", {"file": "The file is empty."})
    filename = clean_filename(filename)
    content_type = sniff(stream, filename)
    if content_type is None:
        raise ApiError(
            415, "unsupported_media_type", f"This kind of file is not accepted. Upload {ALLOWED_DESCRIPTION}."
        )
    digest = hashlib.sha256()
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    stream.seek(0)
    key = f"documents/{secrets.token_hex(16)}"
    try:
        get_storage().put_file(key, stream, content_type)
    except StorageUnavailable:
        log.exception("could not store document for product %s", product_id)
        raise ApiError(
            503, "unavailable", "Document storage is unavailable; try again shortly.", headers={"Retry-After": "30"}
        ) from None
    try:
        document = Document(
            product_id=product.id,
            uploaded_by_id=user.id,
            filename=filename,
            content_type=content_type,
            size_bytes=size,
            sha256=digest.hexdigest(),
            storage_key=key,
            text_status="pending",
        )
        db.session.add(document)
        db.session.flush()
        activity.record(product, "document_added", user.id, {"document_id": document.id, "filename": filename})
        jobs.enqueue("trackbase.tasks.products.extract_document", document.id)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        _forget_objects([key])  # the row never landed: its object must not stay behind
        raise
    return document


def list_documents(product_id: int, page: int, per_page: int) -> Page:
    """A page of a product's documents, newest first (404 when the product does not exist)."""
    if db.session.get(Product, product_id) is None:
        raise not_found("Product")
    stmt = select(Document).where(Document.product_id == product_id).order_by(Document.id.desc())
    return paginate(stmt, page, per_page)


def get_document(document_id: int) -> Document:
    """A document by id, or a 404."""
    document = db.session.get(Document, document_id)
    if document is None:
        raise not_found("Document")
    return document


def uploader_name(document: Document) -> str | None:
    """The name shown for who uploaded the document (None once their account is gone)."""
    if document.uploaded_by_id is None:
        return None
    user = db.session.get(User, document.uploaded_by_id)
    return (user.name or user.email.split("@")[0]) if user else None


def can_delete(document: Document, user: User) -> bool:
    """The uploader or an admin may delete a document."""
    return user.is_admin or (document.uploaded_by_id is not None and document.uploaded_by_id == user.id)


def delete_document(document_id: int, user: User) -> None:
    """Delete a document's row (logged) and queue the deletion of its stored object in the same commit."""
    document = get_document(document_id)
    if not can_delete(document, user):
        raise forbidden("Only the member who uploaded this document, or an admin, may delete it.")
    product = db.session.get(Product, document.product_id)
    activity.record(product, "document_deleted", user.id, {"document_id": document.id, "filename": document.filename})
    key = document.storage_key
    db.session.delete(document)
    jobs.enqueue("trackbase.tasks.products.delete_objects", [key])
    db.session.commit()


def purge_for_product(product_id: int) -> list[str]:
    """Queue the deletion of every stored object of a product's documents (the caller deletes the product
    and commits; the task is sent after that commit). The keys queued."""
    keys = list(db.session.scalars(select(Document.storage_key).where(Document.product_id == product_id)))
    if keys:
        jobs.enqueue("trackbase.tasks.products.delete_objects", keys)
    return keys


def delete_objects(keys: list[str]) -> list[str]:
    """Delete stored objects; the keys whose deletion failed (the task retries those)."""
    storage = get_storage()
    failed = []
    for key in keys:
        try:
            storage.delete(key)
        except OSError as exc:
            log.warning("could not delete stored object %s: %s", key, exc)
            failed.append(key)
    return failed


def _forget_objects(keys: list[str]) -> None:
    """Delete objects that no row points at, now or (storage down) through the retrying task."""
    failed = delete_objects(keys)
    if failed:
        jobs.enqueue("trackbase.tasks.products.delete_objects", failed)
        db.session.commit()


# ---------------------------------------------------------------- download
@dataclass(frozen=True)
class DocumentFile:
    stream: BinaryIO
    size: int
    content_type: str
    disposition: str


def download_url(document: Document, user: User) -> str:
    """A URL that serves the document for a few minutes: presigned by S3, or signed by the app for `user`
    (that one stops working when the account is deactivated, signed out everywhere or given a new password)."""
    disposition = content_disposition(document.filename, document.content_type)
    direct = get_storage().signed_url(
        document.storage_key, url_seconds(), document.filename, document.content_type, disposition
    )
    if direct:
        return direct
    token = signer("document").dumps(
        {"d": document.id, "k": document.storage_key, "u": user.id, "s": account_stamp(user)}
    )
    return f"/api/documents/{document.id}/download?signature={quote(token)}"


def check_signature(document_id: int, signature: str) -> Document:
    """The document a signed download link names (404 when the link is forged, expired or for another)."""
    try:
        payload = signer("document").loads(signature, max_age=url_seconds())
    except BadSignature:
        raise not_found("Document") from None
    document = db.session.get(Document, document_id)
    if document is None or payload.get("d") != document_id or payload.get("k") != document.storage_key:
        raise not_found("Document")
    if not account_current(db.session.get(User, payload.get("u")), payload.get("s")):
        raise not_found("Document")
    return document


def open_document(document: Document) -> DocumentFile:
    """The stored bytes and the headers to serve them with."""
    try:
        stream = get_storage().open(document.storage_key)
    except StoredFileMissing:
        raise not_found("Document") from None
    except StorageUnavailable:
        raise ApiError(
            503, "unavailable", "Document storage is unavailable; try again shortly.", headers={"Retry-After": "30"}
        ) from None
    return DocumentFile(
        stream=stream,
        size=document.size_bytes,
        content_type=document.content_type,
        disposition=content_disposition(document.filename, document.content_type),
    )


# ---------------------------------------------------------------- text extraction
def extract_text(document_id: int) -> str | None:
    """Read a pending document's text into it (idempotent: a document not pending is left alone).
    The status it ended with, or None when there was nothing to do. StorageUnavailable passes up (retry)."""
    document = db.session.get(Document, document_id)
    if document is None or document.text_status != "pending":
        return None
    # A spooled copy: pypdf and zipfile seek, and an S3 body does not.
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as local:
        try:
            source = get_storage().open(document.storage_key)
        except StoredFileMissing:
            result_status, text, message = "failed", "", "The stored file is missing."
        else:
            with closing(source):
                while chunk := source.read(1024 * 1024):
                    local.write(chunk)
            local.seek(0)
            result = extract(local, document.content_type)
            result_status, text, message = result.status, result.text, result.message
    document = db.session.get(Document, document_id)  # re-read: deleted while we read?
    if document is None or document.text_status != "pending":
        db.session.rollback()
        return None
    document.text_status, document.text, document.text_message = result_status, text, message
    db.session.commit()
    return result_status
