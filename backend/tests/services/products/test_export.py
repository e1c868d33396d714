"""Export bundles end to end: a real worker builds the ZIP, stores it, emails it; the job serves it."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import select

from tests.research_data import add_comment, add_document, make_product
from tests.support import body_text, headers_for, wait_job
from trackbase.extensions import db
from trackbase.models import AvailabilityHistory, Job, ProductExport, utcnow
from trackbase.services.jobs import create_job
from trackbase.services.products import export


def seeded(user, other):
    product = make_product(
        user,
        name="Heat pump",
        description="# Heat pump\n\nSee <script>alert(1)</script> *notes*.",
        tags=("hvac", "energy"),
    )
    add_comment(product, other, "COP of 4.1 at 7 °C")
    add_document(product, user, "spec sheet.txt", b"nominal 8 kW\n" * 100)
    add_document(product, other, "../../etc/passwd", b"not a path")
    db.session.add(
        AvailabilityHistory(product_id=product.id, old_availability=None, availability="in_stock", changed_at=utcnow())
    )
    db.session.commit()
    return product


def start(client, headers, product_id):
    response = client.post(f"/api/products/{product_id}/export", headers=headers)
    assert response.status_code == 202
    return wait_job(client, headers, response.get_json()["job"]["id"])


def test_export_builds_the_bundle_emails_it_and_serves_it_to_the_owner(client, user, make_user, smtp, celery_worker):
    other = make_user("ann@example.com", name="Ann")
    product = seeded(user, other)
    headers = headers_for(user)
    job = start(client, headers, product.id)
    assert job["status"] == "succeeded", job
    assert job["progress"] == 100 and job["result"]["documents"] == 2 and job["result"]["attached"] is True
    url = job["result"]["download_url"]
    by_token = client.get(url.split("?")[0], headers=headers)
    assert by_token.status_code == 200 and by_token.mimetype == "application/zip"
    assert client.get(url).data == by_token.data  # the signed link works without a token
    assert client.get(url.split("?")[0], headers=headers_for(other)).status_code == 404
    bundle = zipfile.ZipFile(io.BytesIO(by_token.data))
    names = set(bundle.namelist())
    assert {
        "product.json",
        "description.md",
        "description.html",
        "discussion.md",
        "discussion.html",
        "availability.csv",
        "index.html",
    } <= names
    docs = sorted(n for n in names if n.startswith("documents/"))
    assert len(docs) == 2 and all("/" not in n.removeprefix("documents/") and ".." not in n for n in docs)
    assert bundle.read([n for n in docs if n.endswith("spec-sheet.txt")][0]) == b"nominal 8 kW\n" * 100
    meta = json.loads(bundle.read("product.json"))
    assert meta["name"] == "Heat pump" and meta["tags"] == ["energy", "hvac"] and len(meta["documents"]) == 2
    assert bundle.read("description.md").decode() == product.description
    description = bundle.read("description.html").decode()
    assert "<h1>Heat pump</h1>" in description and "<em>notes</em>" in description and "<script>" not in description
    assert "COP of 4.1" in bundle.read("discussion.md").decode() and "Ann" in bundle.read("discussion.html").decode()
    rows = list(csv.DictReader(io.StringIO(bundle.read("availability.csv").decode())))
    assert [r["availability"] for r in rows] == ["in_stock"]
    index = bundle.read("index.html").decode()
    for link in (*docs, "description.md", "discussion.html", "availability.csv", "product.json"):
        assert f'href="{link}"' in index  # relative links: it opens offline
    assert "http" not in index.split("<body>")[1].split("Exported from")[0]  # nothing fetched from the network
    message = smtp.wait_for(count=1, to=user.email)[0]
    assert message["Subject"] == "Trackbase export: Heat pump"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/zip" and attachment.get_content() == by_token.data


def test_a_large_bundle_is_emailed_as_an_expiring_link(client, app, user, make_user, smtp, celery_worker):
    product = seeded(user, make_user())
    app.config["EXPORT_ATTACH_MAX_MB"] = 0.001  # about 1 KB: this bundle is larger
    try:
        job = start(client, headers_for(user), product.id)
    finally:
        app.config["EXPORT_ATTACH_MAX_MB"] = 10
    assert job["status"] == "succeeded" and job["result"]["attached"] is False
    message = smtp.wait_for(count=1, to=user.email)[0]
    assert list(message.iter_attachments()) == []
    text = body_text(message)
    assert "too large to attach" in text and "7 days" in text
    link = next(w for w in text.split() if "/api/products/exports/" in w)
    assert link.startswith("http://trackbase.test/api/products/exports/")
    response = client.get(link.removeprefix("http://trackbase.test"))
    assert response.status_code == 200 and zipfile.ZipFile(io.BytesIO(response.data)).testzip() is None


def test_an_expired_bundle_is_gone(client, user, make_user, celery_worker):
    product = seeded(user, make_user())
    job = start(client, headers_for(user), product.id)
    row = db.session.scalar(select(ProductExport).where(ProductExport.job_id == job["id"]))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(job["result"]["download_url"]).status_code == 404
    assert export.purge_expired() == 1


def test_download_needs_a_valid_signature_or_the_owner(client, user, make_user, celery_worker):
    product = seeded(user, make_user())
    job = start(client, headers_for(user), product.id)
    bare = job["result"]["download_url"].split("?")[0]
    assert client.get(bare).status_code == 401
    assert client.get(bare + "?signature=forged").status_code == 404
    other_job = start(client, headers_for(user), product.id)
    signature = job["result"]["download_url"].split("signature=")[1]
    assert client.get(f"/api/products/exports/{other_job['id']}?signature={signature}").status_code == 404


def test_export_of_a_missing_product_is_404(client, auth_headers):
    assert client.post("/api/products/999999/export", headers=auth_headers).status_code == 404


def test_export_of_a_product_deleted_before_the_job_ran_fails_readably(client, user, db):
    product = make_product(user)
    headers = headers_for(user)
    job = create_job(user.id, "product_export", {"product_id": product.id})  # not queued: run here, after the delete
    db.session.delete(product)
    db.session.commit()
    job_id = job.id
    export.run_export(db.session.get(Job, job_id), user)
    job = client.get(f"/api/jobs/{job_id}", headers=headers).get_json()["job"]
    assert job["status"] == "failed" and job["message"] == "The product was deleted before the export ran."


def test_a_bundle_is_streamed_not_held_in_memory(client, app, user, smtp):
    import hashlib
    import os
    import tempfile
    import tracemalloc

    from trackbase.models import Document
    from trackbase.services.storage import get_storage

    product = make_product(user, name="Big")
    size = 40 * 1024 * 1024
    digest = hashlib.sha256()
    with tempfile.TemporaryFile() as big:
        for _ in range(size // (1024 * 1024)):
            chunk = os.urandom(1024 * 1024)
            digest.update(chunk)
            big.write(chunk)
        big.seek(0)
        get_storage().put_file("documents/big-test-object", big, "application/zip")
    db.session.add(
        Document(
            product_id=product.id,
            uploaded_by_id=user.id,
            filename="big.zip",
            content_type="application/zip",
            size_bytes=size,
            sha256=digest.hexdigest(),
            storage_key="documents/big-test-object",
            text_status="unsupported",
        )
    )
    job = create_job(user.id, "product_export", {"product_id": product.id})
    db.session.commit()
    tracemalloc.start()
    try:
        export.run_export(db.session.get(Job, job.id), user)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    result = db.session.get(Job, job.id).result
    assert result["bytes"] > size and result["attached"] is False
    assert peak < 8 * 1024 * 1024, f"peak Python allocation {peak / 1e6:.1f} MB while exporting a 40 MB document"
    with get_storage().open(db.session.scalar(select(ProductExport.storage_key))) as stored:
        bundle = zipfile.ZipFile(stored)
        with bundle.open(next(n for n in bundle.namelist() if n.endswith("big.zip"))) as inner:
            copied = hashlib.sha256()
            for chunk in iter(lambda: inner.read(1024 * 1024), b""):
                copied.update(chunk)
    assert copied.hexdigest() == digest.hexdigest()
