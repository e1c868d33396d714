"""Research rows for tests: products and documents straight through the models, comments through their service."""

from __future__ import annotations

import hashlib
import uuid

from trackbase.extensions import db
from trackbase.models import Comment, Document, Product, ProductTag
from trackbase.services.products import activity, comments
from trackbase.services.storage import get_storage


def make_product(user=None, name="Widget", description="A **fine** widget.", tags=(), **fields) -> Product:
    """A member product (committed), with its `created` event."""
    product = Product(
        name=name, description=description, source="member", created_by_id=user.id if user else None, **fields
    )
    db.session.add(product)
    db.session.flush()
    for tag in tags:
        db.session.add(ProductTag(product_id=product.id, tag=tag))
    activity.record(product, "created", user.id if user else None)
    db.session.commit()
    return product


def add_comment(product: Product, author, body: str) -> Comment:
    """A comment (committed) and its comment_added event, written by the discussion service."""
    return comments.create_comment(product.id, author, body)


def add_document(product: Product, uploader, filename: str, data: bytes, content_type="text/plain") -> Document:
    """A document with its bytes in storage (committed) and its document_added event."""
    key = f"documents/{uuid.uuid4().hex}"
    get_storage().put(key, data, content_type)
    document = Document(
        product_id=product.id,
        uploaded_by_id=uploader.id,
        filename=filename,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        text_status="indexed",
        text_message="",
        text=data.decode(errors="ignore") if content_type.startswith("text/") else "",
    )
    db.session.add(document)
    db.session.flush()
    activity.record(product, "document_added", uploader.id, {"document_id": document.id})
    db.session.commit()
    return document
