"""Discussion resources: a product's comments, one comment, the Markdown preview, members to mention."""

from __future__ import annotations

from flask import request
from flask_security import current_user

from ..auth.limits import enforce_user_limit
from ..services.products import comments, mentions
from .common import AuthResource, load_json, page_params
from .errors import validation_error
from .schemas.comments import CommentBodySchema, CommentSchema, MemberSchema


def dump_member(user) -> dict | None:
    """A member as the discussion shows them: id, name and @handle."""
    if user is None:
        return None
    return MemberSchema().dump(
        {"id": user.id, "name": user.name or mentions.handle_of(user), "handle": mentions.handle_of(user)}
    )


def dump_comment(comment, authors: dict | None = None) -> dict:
    """A comment with its author (null once their account is gone) and whether the caller may change it."""
    if authors is None:
        authors = comments.authors_of([comment])
    body = CommentSchema().dump(comment)
    body["author"] = dump_member(authors.get(comment.author_id))
    body["can_edit"] = comments.may_change(comment, current_user)
    return body


def _limit_writes() -> None:
    enforce_user_limit("RATELIMIT_COMMENTS", "comments")


class ProductCommentListResource(AuthResource):
    def get(self, product_id: int):
        """A page of the product's discussion, oldest first."""
        page = comments.list_comments(product_id, *page_params())
        authors = comments.authors_of(page.items)
        return {
            "items": [dump_comment(c, authors) for c in page.items],
            "page": page.page,
            "per_page": page.per_page,
            "total": page.total,
        }

    def post(self, product_id: int):
        """Add a comment (Markdown `body`, 1..10000 characters); mentioned members are emailed."""
        _limit_writes()
        data = load_json(CommentBodySchema())
        return {"comment": dump_comment(comments.create_comment(product_id, current_user, data["body"]))}, 201


class CommentResource(AuthResource):
    def get(self, comment_id: int):
        """One comment."""
        return {"comment": dump_comment(comments.get_comment(comment_id))}

    def patch(self, comment_id: int):
        """Replace a comment's Markdown (its author or an admin); it is marked edited."""
        _limit_writes()
        data = load_json(CommentBodySchema())
        return {"comment": dump_comment(comments.update_comment(comment_id, current_user, data["body"]))}

    def delete(self, comment_id: int):
        """Delete a comment (its author or an admin; 204)."""
        _limit_writes()
        comments.delete_comment(comment_id, current_user)
        return "", 204


class CommentPreviewResource(AuthResource):
    def post(self):
        """The sanitized HTML a comment with this Markdown would show, without saving anything."""
        data = load_json(CommentBodySchema())
        return {"body_html": comments.preview(data["body"])}


class MemberListResource(AuthResource):
    def get(self):
        """Members whose @handle or name starts with `q` (at most `limit`, 1..20, default 8), for mentions."""
        raw = request.args.get("limit", "8")
        if not raw.isdigit() or not 1 <= int(raw) <= 20:
            raise validation_error({"limit": "Must be a whole number between 1 and 20."})
        q = request.args.get("q", "")
        if len(q) > 100 or any(ord(ch) < 32 for ch in q):
            raise validation_error({"q": "At most 100 printable characters."})
        return {"items": [dump_member(u) for u in mentions.search_members(q, int(raw))]}


class MemberResource(AuthResource):
    def get(self, user_id: int):
        """One member (id, name, @handle): where a mention links to."""
        return {"member": dump_member(mentions.get_member(user_id))}
