"""Product tasks on a real worker: deleting a product removes its documents' stored files."""

from __future__ import annotations

import time

from trackbase.models import Document, Product
from trackbase.services.storage import StoredFileMissing, get_storage


def _gone(key: str) -> bool:
    try:
        get_storage().open(key).close()
    except StoredFileMissing:
        return True
    return False


def test_deleting_a_product_removes_its_stored_files_on_the_worker(client, auth_headers, user, db, celery_worker):
    product = Product(name="Report holder", source="member", created_by_id=user.id)
    db.session.add(product)
    db.session.flush()
    keys = [f"documents/test-delete-{product.id}-{n}" for n in (1, 2)]
    for n, key in enumerate(keys):
        get_storage().put(key, b"%PDF-1.4 test", "application/pdf")
        db.session.add(
            Document(product_id=product.id, uploaded_by_id=user.id, filename=f"r{n}.pdf",
                     content_type="application/pdf", size_bytes=13, sha256="0" * 64, storage_key=key)
        )  # fmt: skip
    db.session.commit()
    kept = "documents/test-delete-unrelated"
    get_storage().put(kept, b"other product's file")

    assert client.delete(f"/api/products/{product.id}", headers=auth_headers).status_code == 204

    deadline = time.monotonic() + 20
    while not all(_gone(key) for key in keys) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(key) for key in keys)
    assert not _gone(kept)
