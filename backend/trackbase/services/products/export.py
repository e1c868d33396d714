"""Product export bundles: a job that builds one product's ZIP, stores it, emails it and serves it by signed link.

The ZIP is written to a temporary file (documents are copied in chunks from storage) and handed to
storage as a file, so neither the bundle nor any document is held in memory whole. It holds the
product as JSON, its description as Markdown and HTML, the discussion as Markdown and HTML, every
document, the availability history as CSV, and an index.html that works offline.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import shutil
import tempfile
import uuid
import zipfile
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import BinaryIO

from flask import current_app, render_template
from sqlalchemy import delete, select
from sqlalchemy.orm.exc import ObjectDeletedError

from ...errors import ApiError, not_found
from ...extensions import db
from ...models import AvailabilityHistory, Document, Job, Product, ProductExport, ProductTag, User, utcnow
from .. import mail
from ..jobs import create_job, enqueue, fail_job, finish_job, update_job
from ..signing import BadSignature, account_current, account_stamp, signer
from ..storage import StoredFileMissing, get_storage
from . import markdown
from .catalog import get_product
from .comments import all_comments

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024
PRESIGNED_SECONDS = 300
_COMPRESSED_TYPES = ("application/pdf", "application/zip", "image/")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def link_days() -> int:
    """How long an export stays downloadable (EXPORT_LINK_DAYS, default 7)."""
    return max(1, int(current_app.config.get("EXPORT_LINK_DAYS", 7)))


def attach_max_bytes() -> int:
    """The largest bundle sent as an attachment (EXPORT_ATTACH_MAX_MB, default 10); larger ones go as a link."""
    return int(float(current_app.config.get("EXPORT_ATTACH_MAX_MB", 10)) * 1024 * 1024)


def start_export(user: User, product_id: int) -> Job:
    """Queue an export bundle of a product as a job (404 if there is no such product)."""
    product = get_product(product_id)
    job = create_job(user.id, "product_export", {"product_id": product.id}, message=f"Queued export of {product.name}")
    enqueue("trackbase.tasks.product_export.export", job.id)
    db.session.commit()
    return job


def _signer():
    return signer("products.export-download")


def download_path(job_id: int, user: User) -> str:
    """The signed, expiring download path of a bundle, bound to the account as it is now."""
    token = _signer().dumps({"j": job_id, "u": user.id, "s": account_stamp(user)})
    return f"/api/products/exports/{job_id}?signature={token}"


# ---------------------------------------------------------------- building the bundle


def render_markdown(source: str) -> str:
    """Markdown to sanitized HTML, the same rendering as the product page."""
    return markdown.render(source or "")


def _safe_name(name: str) -> str:
    stem = _UNSAFE_NAME.sub("-", name).strip("-.") or "file"
    return stem[:120]


def _who(users: dict[int, User], user_id: int | None) -> str:
    user = users.get(user_id)
    return (user.name or user.email) if user is not None else "a former member"


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _collect(product: Product) -> dict:
    tags = sorted(db.session.scalars(select(ProductTag.tag).where(ProductTag.product_id == product.id)))
    documents = list(
        db.session.scalars(
            select(Document).where(Document.product_id == product.id).order_by(Document.created_at, Document.id)
        )
    )
    comments = all_comments(product.id)
    ids = {c.author_id for c in comments} | {d.uploaded_by_id for d in documents} | {product.created_by_id}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_([i for i in ids if i is not None])))}
    history = db.session.execute(
        select(AvailabilityHistory.changed_at, AvailabilityHistory.old_availability, AvailabilityHistory.availability)
        .where(AvailabilityHistory.product_id == product.id)
        .order_by(AvailabilityHistory.changed_at, AvailabilityHistory.id)
    ).all()
    entries = [
        {"document": d, "path": f"documents/{d.id}-{_safe_name(d.filename)}", "by": _who(users, d.uploaded_by_id)}
        for d in documents
    ]
    posts = [
        {
            "author": _who(users, c.author_id),
            "at": _stamp(c.created_at),
            "edited": _stamp(c.edited_at),
            "body": c.body,
            "html": c.body_html,
        }
        for c in comments
    ]
    return {"tags": tags, "documents": entries, "comments": posts, "history": history, "users": users}


def _product_json(product: Product, parts: dict, now: datetime) -> dict:
    return {
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "category": product.category,
        "manufacturer": product.manufacturer,
        "price": float(product.price) if product.price is not None else None,
        "source": product.source,
        "external_id": product.external_id,
        "availability": product.availability,
        "discontinued_at": product.discontinued_at.isoformat() if product.discontinued_at else None,
        "tags": parts["tags"],
        "created_by": _who(parts["users"], product.created_by_id) if product.created_by_id else None,
        "created_at": product.created_at.isoformat(),
        "last_activity_at": product.last_activity_at.isoformat() if product.last_activity_at else None,
        "documents": [
            {
                "id": e["document"].id,
                "filename": e["document"].filename,
                "content_type": e["document"].content_type,
                "size_bytes": e["document"].size_bytes,
                "sha256": e["document"].sha256,
                "uploaded_by": e["by"],
                "created_at": e["document"].created_at.isoformat(),
                "path": e["path"],
            }
            for e in parts["documents"]
        ],
        "comments": [{k: c[k] for k in ("author", "at", "edited", "body")} for c in parts["comments"]],
        "exported_at": now.isoformat(),
    }


def _discussion_md(product: Product, comments: list[dict]) -> str:
    lines = [f"# Discussion: {product.name}", ""]
    if not comments:
        lines.append("No comments.")
    for c in comments:
        edited = f" (edited {c['edited']})" if c["edited"] else ""
        lines += [f"## {c['author']}, {c['at']}{edited}", "", c["body"], ""]
    return "\n".join(lines) + "\n"


def _history_csv(history) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["changed_at", "old_availability", "availability"])
    for changed_at, old, new in history:
        writer.writerow([changed_at.isoformat(), old or "", new])
    return out.getvalue().encode()


def _page(template: str, **context) -> str:
    return render_template(f"export/{template}", **context)


def build_bundle(job_id: int, product: Product, out: BinaryIO, now: datetime) -> int:
    """Write the product's bundle as a ZIP to `out` (a file); returns how many documents it holds."""
    parts = _collect(product)
    description_html = render_markdown(product.description)
    storage = get_storage()
    common = {"product": product, "parts": parts, "description_html": description_html, "now": _stamp(now)}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("product.json", json.dumps(_product_json(product, parts, now), indent=2, ensure_ascii=False))
        bundle.writestr("description.md", product.description or "")
        bundle.writestr("description.html", _page("description.html", **common))
        bundle.writestr("discussion.md", _discussion_md(product, parts["comments"]))
        bundle.writestr("discussion.html", _page("discussion.html", **common))
        bundle.writestr("availability.csv", _history_csv(parts["history"]))
        bundle.writestr("index.html", _page("index.html", **common))
        missing = []
        total = len(parts["documents"])
        for index, entry in enumerate(parts["documents"], start=1):
            document = entry["document"]
            info = zipfile.ZipInfo(entry["path"], date_time=document.created_at.timetuple()[:6])
            compressed = document.content_type.startswith(_COMPRESSED_TYPES)
            info.compress_type = zipfile.ZIP_STORED if compressed else zipfile.ZIP_DEFLATED
            try:
                source = storage.open(document.storage_key)
            except StoredFileMissing:
                missing.append(document.filename)
                continue
            with closing(source), bundle.open(info, "w", force_zip64=document.size_bytes > 2**31) as target:
                shutil.copyfileobj(source, target, CHUNK)
            update_job(job_id, progress=10 + int(80 * index / total), message=f"Added {index} of {total} documents")
        if missing:
            bundle.writestr(
                "MISSING.txt", "These documents could not be read from storage:\n" + "\n".join(missing) + "\n"
            )
    return total - len(missing)


def run_export(job: Job, user: User) -> None:
    """Build the bundle for a job, store it, email it (attached when small, else a link) and finish the job."""
    job_id = job.id
    product = db.session.get(Product, (job.params or {}).get("product_id"))
    if product is None:
        fail_job(job_id, "The product was deleted before the export ran.")
        return
    key = f"product-exports/{job_id}-{uuid.uuid4().hex}.zip"
    try:
        _build_and_send(job_id, user, product, key)
    except ObjectDeletedError:  # deleted while we read it (progress commits reload the row)
        fail_job(job_id, "The product was deleted while it was being exported.")
        _delete_files([key])


def _build_and_send(job_id: int, user: User, product: Product, key: str) -> None:
    now = utcnow()
    product_id, name = product.id, product.name
    update_job(job_id, progress=5, message=f"Collecting {name}")
    filename = f"trackbase-{_safe_name(name).lower()[:60]}-{now.strftime('%Y%m%d-%H%M%S')}.zip"
    replaced = list(db.session.scalars(select(ProductExport.storage_key).where(ProductExport.job_id == job_id)))
    with tempfile.TemporaryFile(prefix="tb-export-") as tmp:
        documents = build_bundle(job_id, product, tmp, now)
        size = tmp.tell()
        update_job(job_id, progress=92, message="Storing the bundle")
        tmp.seek(0)
        get_storage().put_file(key, tmp, "application/zip")
        attach = size <= attach_max_bytes()
        attachment = None
        if attach:
            tmp.seek(0)
            attachment = [(filename, tmp.read(), "application/zip")]
    product = db.session.get(Product, product_id)
    if product is None:
        raise ObjectDeletedError(None)
    db.session.execute(delete(ProductExport).where(ProductExport.job_id == job_id))
    days = link_days()
    db.session.add(
        ProductExport(
            job_id=job_id,
            user_id=user.id,
            product_id=product_id,
            filename=filename,
            storage_key=key,
            size_bytes=size,
            expires_at=now + timedelta(days=days),
        )
    )
    url = current_app.config["PUBLIC_URL"] + download_path(job_id, user)
    mail.send_email(
        user.email,
        f"Trackbase export: {name}",
        "product_export",
        attachments=attachment,
        user=user,
        product=product,
        url=url,
        attached=attach,
        days=days,
        size_mb=round(size / 1024 / 1024, 1),
        documents=documents,
    )
    finish_job(
        job_id,
        {
            "download_url": download_path(job_id, user),
            "filename": filename,
            "bytes": size,
            "documents": documents,
            "product_id": product_id,
            "attached": attach,
            "emailed_to": user.email,
            "expires_at": (now + timedelta(days=days)).isoformat(),
        },
        message=f"Exported {name}",
    )
    _delete_files(replaced)


# ---------------------------------------------------------------- download and cleanup


@dataclass(frozen=True)
class BundleFile:
    """A stored bundle opened for download: a redirect URL (S3) or a stream (the caller closes it)."""

    filename: str
    size: int
    url: str | None
    stream: BinaryIO | None


def bundle_for_download(job_id: int, user_id: int | None, signature: str | None) -> BundleFile:
    """The stored bundle: for the signed-in owner, or with a valid signature for this job; 404 otherwise."""
    if user_id is None:
        if not signature:
            raise ApiError(401, "unauthorized", "Sign in, or use the signed link from the job or the email.")
        try:
            payload = _signer().loads(signature, max_age=link_days() * 86400)
        except BadSignature:
            raise not_found("Export") from None
        if payload.get("j") != job_id:
            raise not_found("Export")
        user_id = payload.get("u")
        if not account_current(db.session.get(User, user_id), payload.get("s")):
            raise not_found("Export")
    export = db.session.scalar(
        select(ProductExport).where(ProductExport.job_id == job_id, ProductExport.user_id == user_id)
    )
    if export is None or export.expires_at <= utcnow():
        raise not_found("Export")
    storage = get_storage()
    url = storage.signed_url(export.storage_key, PRESIGNED_SECONDS, export.filename)
    if url:
        return BundleFile(export.filename, export.size_bytes, url, None)
    try:
        stream = storage.open(export.storage_key)
    except StoredFileMissing:
        raise not_found("Export") from None
    return BundleFile(export.filename, export.size_bytes, None, stream)


def purge_expired(now: datetime | None = None) -> int:
    """Delete bundles past their keep time: the rows, then their files."""
    expired = ProductExport.expires_at <= (now or utcnow())
    keys = list(db.session.scalars(select(ProductExport.storage_key).where(expired)))
    result = db.session.execute(delete(ProductExport).where(expired))
    db.session.commit()
    _delete_files(keys)
    return result.rowcount or 0


def _delete_files(keys: list[str]) -> None:
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except OSError:  # the row is gone; a file left behind costs space, not correctness
            log.exception("could not delete stored export %s", key)
