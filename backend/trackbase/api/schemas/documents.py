"""Schema for product documents."""

from __future__ import annotations

from marshmallow import Schema, fields


class DocumentSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    sha256 = fields.String()
    text_status = fields.String()
    text_message = fields.String()
    uploaded_by_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
