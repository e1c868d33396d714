"""Schemas for the discussion: comments and the members they mention."""

from __future__ import annotations

from marshmallow import Schema, fields


class CommentBodySchema(Schema):
    """A comment's Markdown, as created, edited or previewed (length and content checked by the service)."""

    body = fields.Raw(required=True)


class MemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    handle = fields.String()


class CommentSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    body = fields.String()
    body_html = fields.String()
    created_at = fields.AwareDateTime()
    edited_at = fields.AwareDateTime(allow_none=True)
