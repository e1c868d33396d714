"""Research on products: tags, documents, comments, watchers and the activity log.

Every member sees all of it; only the author (or an admin) changes or deletes a document or a
comment. Rows go with their product (``ondelete="CASCADE"``); a deleted user leaves their
research behind, unattributed (``SET NULL``). Stored objects (document files) are removed by
the service that deletes the rows, through services/storage.py.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, PrimaryKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, one_of, utcnow

# pending: waiting for the extraction task; indexed: text found and searchable; no_text: a PDF
# without a text layer (or an empty file); unsupported: a type we keep but cannot read; failed: the
# extraction gave up (the message says why).
DOCUMENT_TEXT_STATUSES = ("pending", "indexed", "no_text", "unsupported", "failed")

# What the activity log records (the watch digest and "last activity" read it).
PRODUCT_EVENT_KINDS = (
    "created",
    "updated",
    "document_added",
    "document_deleted",
    "comment_added",
    "comment_edited",
    "comment_deleted",
    "availability_changed",
)


class ProductTag(db.Model):
    """One tag on one product (lower-case, trimmed); a product has each tag at most once."""

    __tablename__ = "product_tags"
    __table_args__ = (
        PrimaryKeyConstraint("product_id", "tag", name="pk_product_tags"),
        Index("ix_product_tags_tag", "tag"),
    )

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(40))


class Document(db.Model):
    """A file uploaded to a product; the bytes live in storage under `storage_key` (a generated id)."""

    __tablename__ = "documents"
    __table_args__ = (
        one_of("text_status", DOCUMENT_TEXT_STATUSES, name="document_text_status"),
        Index("ix_documents_product_id_created_at", "product_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    filename: Mapped[str] = mapped_column(String(255))  # the original name, shown and sent back only
    content_type: Mapped[str] = mapped_column(String(100))  # sniffed from the content, not declared
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    text_status: Mapped[str] = mapped_column(String(16), default="pending")
    text_message: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")  # extracted text, what search indexes
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    """A Markdown comment in a product's discussion; `body_html` is the sanitized rendering."""

    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_product_id_created_at", "product_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CommentMention(db.Model):
    """A member a comment mentioned and who has been told (so an edit never notifies them again)."""

    __tablename__ = "comment_mentions"
    __table_args__ = (
        PrimaryKeyConstraint("comment_id", "user_id", name="pk_comment_mentions"),
        Index("ix_comment_mentions_user_id", "user_id"),
    )

    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProductWatch(db.Model):
    """A member watching a product (gets the batched watch digest)."""

    __tablename__ = "product_watches"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "product_id", name="pk_product_watches"),
        Index("ix_product_watches_product_id", "product_id"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProductEvent(db.Model):
    """The activity log of a product: who did what, when (research edits on supplier rows included)."""

    __tablename__ = "product_events"
    __table_args__ = (
        one_of("kind", PRODUCT_EVENT_KINDS, name="product_event_kind"),
        Index("ix_product_events_product_id_id", "product_id", "id"),
        Index("ix_product_events_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
