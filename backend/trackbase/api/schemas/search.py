"""Schemas of GET /api/search: its query string and a hit."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ...models import SEARCH_KINDS
from .inventory import CommaList
from .products import Text

MAX_QUERY = 200


class QueryText(Text):
    """Text as typed: a trailing space is kept (it says the last word is finished, not a prefix)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not super()._deserialize(value, attr, data, **kwargs):
            raise ValidationError(f"Give 1 to {MAX_QUERY} characters to search for.")
        return value


class SearchArgsSchema(Schema):
    """Query string of GET /api/search; unknown keys (cache busters) are ignored."""

    class Meta:
        unknown = EXCLUDE

    q = QueryText(
        required=True,
        validate=validate.Length(min=1, max=MAX_QUERY, error=f"Give 1 to {MAX_QUERY} characters to search for."),
        error_messages={"required": "Give something to search for."},
    )
    kind = CommaList(choices=SEARCH_KINDS)
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SearchRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class SearchHitSchema(Schema):
    """One hit; `snippet_html` is escaped text with only <mark> elements around the matches."""

    kind = fields.String()
    id = fields.Integer()
    title = fields.String()
    snippet_html = fields.String()
    score = fields.Float()
    product = fields.Nested(SearchRefSchema, allow_none=True)
    tracker = fields.Nested(SearchRefSchema, allow_none=True)
