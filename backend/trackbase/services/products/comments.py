"""The discussion of a product: Markdown comments, their sanitized HTML, edits, deletes and mentions.

Every member reads and writes the discussion of every product; only the author or an admin edits or
deletes a comment. Every write goes through this module (one transaction each, logged with
`activity.record`, so the product list's comment count and last activity move with it). A comment
stores its Markdown (`body`) and the HTML rendered from it (`body_html`, sanitized by `markdown.render`),
so readers never render Markdown themselves.

Mentions of members (see mentions.py) notify them by email once per comment: the members told are
kept in `comment_mentions`, so an edit only notifies members it adds; the author is never notified.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from ...errors import forbidden, not_found, validation_error
from ...extensions import db
from ...models import Comment, CommentMention, Product, User, utcnow
from .. import mail
from ..sql import Page, insert_ignore, paginate
from . import activity, mentions
from .markdown import mentioned_handles, render

MAX_BODY = 10_000
EXCERPT = 400


def clean_body(body) -> str:
    """The comment's Markdown as stored (400 unless a string of 1..10000 characters, not only spaces)."""
    if not isinstance(body, str):
        raise validation_error({"body": "Write the comment as text."})
    if "\x00" in body:
        raise validation_error({"body": "The comment contains a NUL character."})
    body = body.replace("\r\n", "\n").rstrip()
    if not body.strip():
        raise validation_error({"body": "Write something first."})
    if len(body) > MAX_BODY:
        raise validation_error({"body": f"At most {MAX_BODY:,} characters (this one has {len(body):,})."})
    return body


def preview(body) -> str:
    """The sanitized HTML a comment with this Markdown would show (mentions linked), without saving it."""
    members = mentions.members_by_handle()
    return render(clean_body(body), link_for=mentions.link_for(members))


def may_change(comment: Comment, user) -> bool:
    """Whether `user` may edit or delete `comment` (its author or an admin)."""
    return bool(user.is_admin or (comment.author_id is not None and comment.author_id == user.id))


def _discussion(product_id: int):
    return select(Comment).where(Comment.product_id == product_id).order_by(Comment.created_at, Comment.id)


def list_comments(product_id: int, page: int, per_page: int) -> Page:
    """A page of a product's discussion, oldest first (404 when the product does not exist)."""
    if db.session.get(Product, product_id) is None:
        raise not_found("Product")
    return paginate(_discussion(product_id), page, per_page)


def all_comments(product_id: int) -> list[Comment]:
    """The whole discussion of a product, oldest first (what the export bundle carries)."""
    return list(db.session.scalars(_discussion(product_id)))


def authors_of(comments: list[Comment]) -> dict[int, User]:
    """The authors of these comments by id (one query; deleted accounts are absent)."""
    ids = {c.author_id for c in comments if c.author_id is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def get_comment(comment_id: int) -> Comment:
    """A comment by id, or a 404."""
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        raise not_found("Comment")
    return comment


def create_comment(product_id: int, user: User, body) -> Comment:
    """Add `user`'s comment to a product's discussion, log it, and notify the members it mentions."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise not_found("Product")
    body = clean_body(body)
    members = mentions.members_by_handle()
    comment = Comment(
        product_id=product.id,
        author_id=user.id,
        body=body,
        body_html=render(body, link_for=mentions.link_for(members)),
        created_at=utcnow(),
    )
    db.session.add(comment)
    db.session.flush()
    activity.record(product, "comment_added", user.id, {"comment_id": comment.id}, at=comment.created_at)
    _notify_mentions(comment, product, user, members)
    db.session.commit()
    return comment


def update_comment(comment_id: int, user: User, body) -> Comment:
    """Replace a comment's Markdown (author or admin, else 403); marks it edited; notifies only new mentions."""
    comment = get_comment(comment_id)
    if not may_change(comment, user):
        raise forbidden("Only the author of this comment, or an admin, can edit it.")
    body = clean_body(body)
    if body == comment.body:
        return comment
    product = db.session.get(Product, comment.product_id)
    members = mentions.members_by_handle()
    comment.body = body
    comment.body_html = render(body, link_for=mentions.link_for(members))
    comment.edited_at = utcnow()
    activity.record(product, "comment_edited", user.id, {"comment_id": comment.id}, at=comment.edited_at)
    author = db.session.get(User, comment.author_id) if comment.author_id is not None else None
    _notify_mentions(comment, product, author or user, members)
    db.session.commit()
    return comment


def delete_comment(comment_id: int, user: User) -> None:
    """Delete a comment (author or admin, else 403); the deletion is logged on the product."""
    comment = get_comment(comment_id)
    if not may_change(comment, user):
        raise forbidden("Only the author of this comment, or an admin, can delete it.")
    product = db.session.get(Product, comment.product_id)
    activity.record(product, "comment_deleted", user.id, {"comment_id": comment.id, "author_id": comment.author_id})
    db.session.delete(comment)
    db.session.commit()


def _notify_mentions(comment: Comment, product: Product, author: User, members: dict[str, User]) -> None:
    """Queue a "you were mentioned" email to each member the comment names who was not told before."""
    for member in mentions.resolve(mentioned_handles(comment.body), members):
        if member.id == author.id:
            continue
        claimed = db.session.scalar(
            insert_ignore(CommentMention.__table__)
            .values(comment_id=comment.id, user_id=member.id, created_at=utcnow())
            .returning(CommentMention.user_id)
        )
        if claimed is None:  # told already (by an earlier version of the comment)
            continue
        _queue_mention_email(member, author, comment, product)


def _queue_mention_email(member: User, author: User, comment: Comment, product: Product) -> None:
    base = current_app.config["PUBLIC_URL"]
    who = author.name or mentions.handle_of(author)
    text = " ".join(comment.body.split())
    mail.send_email(
        member.email,
        f"{who} mentioned you on {product.name}",
        "mention",
        user=member,
        author_name=who,
        product_name=product.name,
        url=f"{base}/products/{product.id}#comment-{comment.id}",
        excerpt=text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…",
    )
