"""Schema for jobs."""

from marshmallow import Schema, fields


class JobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    progress = fields.Integer()
    message = fields.String()
    result = fields.Raw(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
