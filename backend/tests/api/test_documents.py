"""Documents API: upload (limits, type by content), list, download (local and S3), delete, the activity log."""

from __future__ import annotations

import io
import logging
import time
import zipfile
from urllib.parse import quote

import pytest
import requests
from sqlalchemy import select

from tests.support import headers_for, make_product, pdf_bytes

MZ = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"This program cannot be run in DOS mode"
)


def upload(client, headers, product_id, data: bytes, filename: str, declared="application/octet-stream"):
    return client.post(
        f"/api/products/{product_id}/documents",
        headers=headers,
        data={"file": (io.BytesIO(data), filename, declared)},
        content_type="multipart/form-data",
    )


def docx_bytes(*paragraphs: str) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>",
        )
    return out.getvalue()


def wait_status(db, document_id, timeout=20.0) -> str:
    from trackbase.models import Document

    deadline = time.monotonic() + timeout
    while True:
        db.session.rollback()
        document = db.session.get(Document, document_id)
        if document.text_status != "pending" or time.monotonic() > deadline:
            return document.text_status
        time.sleep(0.05)


@pytest.fixture
def product(db, user):
    return make_product(db, user, name="Solar inverter")


# ---------------------------------------------------------------- upload and list
def test_member_uploads_a_pdf_and_every_member_sees_it(client, db, product, auth_headers, make_user):
    answer = upload(client, auth_headers, product.id, pdf_bytes("Quarterly yield"), "report.pdf")
    assert answer.status_code == 201
    document = answer.get_json()["document"]
    assert document["content_type"] == "application/pdf" and document["text_status"] == "pending"
    assert document["filename"] == "report.pdf" and document["can_delete"] is True
    other = headers_for(make_user())
    listed = client.get(f"/api/products/{product.id}/documents", headers=other).get_json()
    assert [d["id"] for d in listed["items"]] == [document["id"]] and listed["total"] == 1
    assert listed["items"][0]["can_delete"] is False


def test_upload_is_logged_in_the_product_activity(client, db, product, user, auth_headers):
    from trackbase.models import ProductEvent

    document = upload(client, auth_headers, product.id, b"notes", "notes.txt").get_json()["document"]
    events = db.session.scalars(select(ProductEvent).where(ProductEvent.product_id == product.id)).all()
    assert [(e.kind, e.actor_id, e.data["document_id"]) for e in events] == [
        ("document_added", user.id, document["id"])
    ]


def test_any_member_may_add_documents_to_a_supplier_product(client, db, auth_headers):
    supplier_row = make_product(db, None, name="Supplier item", source="supplier", external_id="abc123")
    assert upload(client, auth_headers, supplier_row.id, b"research", "a.txt").status_code == 201


def test_storage_key_is_generated_not_taken_from_the_file_name(client, db, product, auth_headers):
    from trackbase.models import Document

    answer = upload(client, auth_headers, product.id, b"x", "../../etc/passwd.txt")
    document = db.session.get(Document, answer.get_json()["document"]["id"])
    assert document.filename == "passwd.txt"
    assert document.storage_key.startswith("documents/") and "passwd" not in document.storage_key
    assert len(document.storage_key.split("/")[1]) == 32


@pytest.mark.parametrize(
    ("data", "name", "declared", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "chart.pdf", "application/pdf", "image/png"),
        (b"# Heading\n\nBody", "notes.md", "application/octet-stream", "text/markdown"),
        (b"a,b\n1,2\n", "table.csv", "text/plain", "text/csv"),
        ("Übersicht: Zinsen".encode(), "summary", "application/pdf", "text/plain"),
    ],
)
def test_type_is_told_by_the_content(client, product, auth_headers, data, name, declared, expected):
    answer = upload(client, auth_headers, product.id, data, name, declared)
    assert answer.status_code == 201 and answer.get_json()["document"]["content_type"] == expected


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (MZ, "report.pdf"),  # a Windows executable renamed
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "notes.txt"),  # a Linux executable
        (b"PK\x03\x04" + b"\x00" * 40, "report.docx"),  # a zip that is no Word document
        (b"text with a \x00 NUL byte", "a.txt"),
        (b"\xff\xfe\x00\x00latin", "a.csv"),  # not UTF-8
    ],
)
def test_content_not_in_the_allowed_set_is_415(client, db, product, auth_headers, data, name):
    from trackbase.models import Document

    answer = upload(client, auth_headers, product.id, data, name, "application/pdf")
    assert answer.status_code == 415
    assert answer.get_json()["error"]["code"] == "unsupported_media_type"
    assert db.session.scalar(select(Document.id)) is None


def test_an_empty_file_is_400(client, product, auth_headers):
    answer = upload(client, auth_headers, product.id, b"", "empty.txt")
    assert answer.status_code == 400 and answer.get_json()["error"]["fields"] == {"file": "The file is empty."}


def test_upload_without_the_file_field_is_400_and_json_body_is_415(client, product, auth_headers):
    missing = client.post(
        f"/api/products/{product.id}/documents",
        headers=auth_headers,
        data={"other": "x"},
        content_type="multipart/form-data",
    )
    assert missing.status_code == 400 and "file" in missing.get_json()["error"]["fields"]
    as_json = client.post(f"/api/products/{product.id}/documents", headers=auth_headers, json={"file": "x"})
    assert as_json.status_code == 415


def test_upload_to_a_missing_product_is_404(client, auth_headers):
    assert upload(client, auth_headers, 999999, b"x", "a.txt").status_code == 404


def test_signed_out_client_gets_401_everywhere(client, db, product, auth_headers):
    document = upload(client, auth_headers, product.id, b"x", "a.txt").get_json()["document"]
    assert client.get(f"/api/products/{product.id}/documents").status_code == 401
    assert upload(client, {}, product.id, b"x", "a.txt").status_code == 401
    assert client.get(f"/api/documents/{document['id']}").status_code == 401
    assert client.delete(f"/api/documents/{document['id']}").status_code == 401
    assert client.get(f"/api/documents/{document['id']}/download").status_code == 401


# ---------------------------------------------------------------- size limit
@pytest.fixture
def one_mb_limit(app):
    app.config["DOCUMENT_MAX_MB"] = 1
    yield
    app.config.pop("DOCUMENT_MAX_MB", None)


def test_a_file_over_the_limit_is_413(client, db, product, auth_headers, one_mb_limit):
    from trackbase.models import Document

    answer = upload(client, auth_headers, product.id, b"a" * (1024 * 1024 + 1), "big.txt")
    assert answer.status_code == 413 and "1 MB" in answer.get_json()["error"]["message"]
    assert upload(client, auth_headers, product.id, b"a" * (1024 * 1024), "fits.txt").status_code == 201
    assert db.session.scalar(select(Document.filename)) == "fits.txt"


class CountingStream(io.RawIOBase):
    """A request body of `size` bytes, made up as it is read, that counts what the server reads of it."""

    def __init__(self, size: int):
        self.size, self.pos, self.read_bytes = size, 0, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        self.pos = {0: offset, 1: self.pos + offset, 2: self.size + offset}[whence]
        return self.pos

    def tell(self):
        return self.pos

    def readinto(self, buffer):
        n = max(0, min(len(buffer), self.size - self.pos))
        buffer[:n] = b"a" * n
        self.pos += n
        self.read_bytes += n
        return n


def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read(client, product, auth_headers):
    body = CountingStream(40 * 1024 * 1024)
    answer = client.post(
        f"/api/products/{product.id}/documents",
        headers=auth_headers,
        input_stream=body,
        content_type="multipart/form-data; boundary=xyz",
    )
    assert answer.request.content_length == 40 * 1024 * 1024
    assert answer.status_code == 413 and answer.get_json()["error"]["code"] == "payload_too_large"
    assert body.read_bytes == 0


class MultipartBody(CountingStream):
    """A multipart body with one file part of `size` bytes (a PNG signature, then filler), made up as it is read."""

    def __init__(self, size: int):
        self.head = (
            b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
            b"Content-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n"
        )
        self.tail = b"\r\n--xyz--\r\n"
        super().__init__(len(self.head) + size - 8 + len(self.tail))

    def readinto(self, buffer):
        start = self.pos
        n = super().readinto(buffer)
        for offset, part in ((0, self.head), (self.size - len(self.tail), self.tail)):
            lo, hi = max(start, offset), min(start + n, offset + len(part))
            if lo < hi:
                buffer[lo - start : hi - start] = part[lo - offset : hi - offset]
        return n


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))


def test_a_20_mb_upload_is_streamed_not_held_in_memory(client, db, product, auth_headers):
    """Measured: about 6 MiB of peak growth streamed, 22 MiB when the file is read into memory (the
    bound leaves room for the in-process worker's threads, which share the measured process)."""
    from trackbase.models import Document

    body = MultipartBody(20 * 1024 * 1024)
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # resets the peak resident size (VmHWM) to the current one
    before = _rss_kib("VmRSS")
    answer = client.post(
        f"/api/products/{product.id}/documents",
        headers=auth_headers,
        input_stream=body,
        content_type="multipart/form-data; boundary=xyz",
    )
    peak_growth_mib = (_rss_kib("VmHWM") - before) / 1024
    assert answer.status_code == 201, answer.get_json()
    document = db.session.get(Document, answer.get_json()["document"]["id"])
    assert document.size_bytes == 20 * 1024 * 1024 and document.content_type == "image/png"
    assert peak_growth_mib < 16, f"the upload grew the process by {peak_growth_mib:.1f} MiB"


def test_a_body_without_a_length_is_cut_at_the_limit_with_413(client, db, product, auth_headers, one_mb_limit):
    from trackbase.models import Document

    body = MultipartBody(3 * 1024 * 1024)
    answer = client.post(
        f"/api/products/{product.id}/documents",
        headers={**auth_headers, "Transfer-Encoding": "chunked"},
        input_stream=body,
        content_type="multipart/form-data; boundary=xyz",
        environ_overrides={"wsgi.input_terminated": True},  # as gunicorn sets it for a chunked request
    )
    assert answer.status_code == 413 and answer.get_json()["error"]["code"] == "payload_too_large"
    assert body.read_bytes < 1024 * 1024 + 256 * 1024  # read up to the cap, not the whole body
    assert db.session.scalar(select(Document.id)) is None


# ---------------------------------------------------------------- download (local folder)
def test_download_streams_the_file_inline_for_a_pdf_with_the_utf8_name(client, product, auth_headers):
    data = pdf_bytes("hello")
    upload(client, auth_headers, product.id, data, "Bericht über Zölle.pdf")
    document = client.get(f"/api/products/{product.id}/documents", headers=auth_headers).get_json()["items"][0]
    answer = client.get(f"/api/documents/{document['id']}/download", headers=auth_headers)
    assert answer.status_code == 200 and answer.data == data
    assert answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Disposition"] == (
        "inline; filename=\"Bericht uber Zolle.pdf\"; filename*=UTF-8''" + quote("Bericht über Zölle.pdf", safe="")
    )


@pytest.mark.parametrize(("data", "name"), [(b"# md", "notes.md"), (b"a,b\n", "t.csv"), (docx_bytes("x"), "w.docx")])
def test_download_of_types_not_safe_to_show_is_an_attachment(client, product, auth_headers, data, name):
    document = upload(client, auth_headers, product.id, data, name).get_json()["document"]
    answer = client.get(f"/api/documents/{document['id']}/download", headers=auth_headers)
    assert answer.headers["Content-Disposition"] == f'attachment; filename="{name}"'
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in answer.headers["Content-Security-Policy"]


def test_the_signed_download_link_works_without_the_token_and_only_for_its_document(client, product, auth_headers):
    first = upload(client, auth_headers, product.id, b"first", "a.txt").get_json()["document"]
    second = upload(client, auth_headers, product.id, b"second", "b.txt").get_json()["document"]
    assert first["download_url"].startswith(f"/api/documents/{first['id']}/download?signature=")
    answer = client.get(first["download_url"])
    assert answer.status_code == 200 and answer.data == b"first"
    signature = first["download_url"].split("signature=")[1]
    assert client.get(f"/api/documents/{second['id']}/download?signature={signature}").status_code == 404
    assert client.get(first["download_url"] + "x").status_code == 404


def test_the_signed_download_link_expires(client, app, product, auth_headers):
    document = upload(client, auth_headers, product.id, b"x", "a.txt").get_json()["document"]
    app.config["DOCUMENT_URL_SECONDS"] = 1
    try:
        time.sleep(2.1)
        assert client.get(document["download_url"]).status_code == 404
    finally:
        app.config.pop("DOCUMENT_URL_SECONDS")


# ---------------------------------------------------------------- delete
def test_another_member_cannot_delete_a_document(client, product, auth_headers, make_user):
    document = upload(client, auth_headers, product.id, b"x", "a.txt").get_json()["document"]
    answer = client.delete(f"/api/documents/{document['id']}", headers=headers_for(make_user()))
    assert answer.status_code == 403
    assert client.get(f"/api/documents/{document['id']}", headers=auth_headers).status_code == 200


def test_uploader_and_admin_delete_and_it_is_logged(client, db, product, user, admin, auth_headers, admin_headers):
    from trackbase.models import ProductEvent

    mine = upload(client, auth_headers, product.id, b"x", "a.txt").get_json()["document"]
    theirs = upload(client, auth_headers, product.id, b"y", "b.txt").get_json()["document"]
    assert client.delete(f"/api/documents/{mine['id']}", headers=auth_headers).status_code == 204
    assert client.delete(f"/api/documents/{theirs['id']}", headers=admin_headers).status_code == 204
    assert client.get(f"/api/documents/{mine['id']}", headers=auth_headers).status_code == 404
    kinds = db.session.execute(
        select(ProductEvent.kind, ProductEvent.actor_id).where(ProductEvent.kind == "document_deleted")
    ).all()
    assert sorted(kinds) == sorted([("document_deleted", user.id), ("document_deleted", admin.id)])


def test_deleting_a_document_deletes_its_stored_file(client, db, product, auth_headers, celery_worker):
    from trackbase.models import Document
    from trackbase.services.storage import StoredFileMissing, get_storage

    document = upload(client, auth_headers, product.id, b"x", "a.txt").get_json()["document"]
    key = db.session.get(Document, document["id"]).storage_key
    assert client.delete(f"/api/documents/{document['id']}", headers=auth_headers).status_code == 204
    deadline = time.monotonic() + 20
    while True:
        try:
            get_storage().open(key).close()
        except StoredFileMissing:
            break
        assert time.monotonic() < deadline, "the stored file was not deleted"
        time.sleep(0.05)


# ---------------------------------------------------------------- text extraction (a real worker)
@pytest.mark.parametrize(
    ("data", "name", "status", "words"),
    [
        (pdf_bytes("Lithium carbonate spot price", "second line"), "r.pdf", "indexed", "Lithium carbonate"),
        (pdf_bytes(), "scan.pdf", "no_text", None),
        (docx_bytes("Board minutes", "Dividend approved"), "m.docx", "indexed", "Dividend approved"),
        (b"# Thesis\n\nMargins expand", "t.md", "indexed", "Margins expand"),
        (b"ticker,price\nACME,12\n", "p.csv", "indexed", "ACME,12"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "c.png", "unsupported", None),
        (b"%PDF-1.4 broken beyond repair", "bad.pdf", "failed", None),
    ],
)
def test_text_is_extracted_in_the_worker(client, db, product, auth_headers, celery_worker, data, name, status, words):
    from trackbase.models import Document

    document = upload(client, auth_headers, product.id, data, name).get_json()["document"]
    assert wait_status(db, document["id"]) == status
    row = db.session.get(Document, document["id"])
    if words:
        assert words in row.text
    else:
        assert row.text == "" and row.text_message
    shown = client.get(f"/api/documents/{document['id']}", headers=auth_headers).get_json()["document"]
    assert shown["text_status"] == status


def test_extraction_of_a_document_no_longer_pending_changes_nothing(db, product, user):
    from trackbase.models import Document
    from trackbase.services.products import documents
    from trackbase.services.storage import get_storage

    # A row made here, not through the API, so no worker races this test for it.
    get_storage().put("documents/direct", b"first words", "text/plain")
    row = Document(
        product_id=product.id,
        uploaded_by_id=user.id,
        filename="a.txt",
        content_type="text/plain",
        size_bytes=11,
        sha256="0" * 64,
        storage_key="documents/direct",
    )
    db.session.add(row)
    db.session.commit()
    assert documents.extract_text(row.id) == "indexed"
    assert db.session.get(Document, row.id).text == "first words"
    db.session.get(Document, row.id).text = "edited"
    db.session.commit()
    assert documents.extract_text(row.id) is None
    assert db.session.get(Document, row.id).text == "edited"
    assert documents.extract_text(999999) is None


# ---------------------------------------------------------------- S3 (a moto server over HTTP)
def test_s3_upload_stores_a_private_object_under_a_generated_key(
    client, db, product, auth_headers, s3_storage, moto_s3
):
    from trackbase.models import Document

    document = upload(client, auth_headers, product.id, pdf_bytes("x"), "Plan.pdf").get_json()["document"]
    key = db.session.get(Document, document["id"]).storage_key
    s3 = moto_s3.client()
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=s3_storage.bucket)["Contents"]]
    assert keys == [key] and key.startswith("documents/")
    assert s3.head_object(Bucket=s3_storage.bucket, Key=key)["ContentType"] == "application/pdf"
    assert requests.get(f"{moto_s3.url}/{s3_storage.bucket}/{key}", timeout=5).status_code == 403


def test_s3_download_redirects_to_a_presigned_url_with_the_name(client, product, auth_headers, s3_storage):
    data = pdf_bytes("x")
    document = upload(client, auth_headers, product.id, data, "Zölle.pdf").get_json()["document"]
    answer = client.get(f"/api/documents/{document['id']}/download", headers=auth_headers)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert "X-Amz-Signature=" in location and "X-Amz-Expires=300" in location
    fetched = requests.get(location, timeout=5)
    assert fetched.content == data and fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"] == (
        "inline; filename=\"Zolle.pdf\"; filename*=UTF-8''" + quote("Zölle.pdf", safe="")
    )
    assert document["download_url"].startswith(s3_storage.client.meta.endpoint_url)


def test_s3_text_extraction_reads_the_object(client, db, product, auth_headers, s3_storage, celery_worker):
    document = upload(client, auth_headers, product.id, pdf_bytes("Bond coupon"), "b.pdf").get_json()["document"]
    assert wait_status(db, document["id"]) == "indexed"


def test_s3_down_at_upload_is_503_and_nothing_is_kept(client, db, product, auth_headers, s3_storage, moto_s3):
    from trackbase.models import Document

    moto_s3.stop()
    try:
        answer = upload(client, auth_headers, product.id, b"x", "a.txt")
    finally:
        moto_s3.start()
    assert answer.status_code == 503 and answer.headers["Retry-After"]
    assert db.session.scalar(select(Document.id)) is None


def test_s3_down_at_delete_leaves_no_orphan_once_it_is_back(
    client, db, product, auth_headers, s3_storage, moto_s3, celery_worker, caplog
):
    from trackbase.models import Document

    document = upload(client, auth_headers, product.id, b"orphan?", "a.txt").get_json()["document"]
    key = db.session.get(Document, document["id"]).storage_key
    s3 = moto_s3.client()
    moto_s3.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="trackbase.services.products.documents"):
            assert client.delete(f"/api/documents/{document['id']}", headers=auth_headers).status_code == 204
            deadline = time.monotonic() + 20
            while not any(f"could not delete stored object {key}" in r.getMessage() for r in caplog.records):
                assert time.monotonic() < deadline, "the delete task never tried while S3 was down"
                time.sleep(0.05)
    finally:
        moto_s3.start()
    assert s3.head_object(Bucket=s3_storage.bucket, Key=key)["ContentLength"] == 7  # still there: it failed
    deadline = time.monotonic() + 30
    while s3.list_objects_v2(Bucket=s3_storage.bucket).get("KeyCount", 0):
        assert time.monotonic() < deadline, "the retried delete never removed the object"
        time.sleep(0.1)
    assert db.session.scalar(select(Document.id)) is None


def test_purge_for_product_queues_every_object_for_deletion(
    client, db, product, auth_headers, s3_storage, moto_s3, celery_worker
):
    from trackbase.services.products import documents

    for name in ("a.txt", "b.txt"):
        upload(client, auth_headers, product.id, b"x", name)
    s3 = moto_s3.client()
    assert s3.list_objects_v2(Bucket=s3_storage.bucket)["KeyCount"] == 2
    assert len(documents.purge_for_product(product.id)) == 2
    db.session.delete(db.session.get(type(product), product.id))
    db.session.commit()
    deadline = time.monotonic() + 20
    while s3.list_objects_v2(Bucket=s3_storage.bucket)["KeyCount"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
