"""Schemas for the inventory: query arguments, products as inventory rows, poll runs and status."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from ...models import AVAILABILITIES

SORT_KEYS = ("name", "price", "manufacturer", "availability")
SORT_CHOICES = tuple(SORT_KEYS) + tuple(f"-{key}" for key in SORT_KEYS)
_WORD = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class CommaList(fields.Field):
    """A comma-separated query value -> a list of lower-case words (optionally from `choices`)."""

    def __init__(self, choices=None, **kwargs):
        super().__init__(**kwargs)
        self.choices = choices

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Must be a string.")
        items = [v.strip().lower() for v in value.split(",") if v.strip()]
        if not items or len(items) > 20:
            raise ValidationError("Give 1 to 20 comma-separated values.")
        for item in items:
            if self.choices is not None and item not in self.choices:
                raise ValidationError(f"Must be one of: {', '.join(self.choices)}.")
            if self.choices is None and not _WORD.match(item):
                raise ValidationError("Use letters, digits, '-' or '_' only.")
        return items


class InventoryListArgsSchema(Schema):
    """Query string of GET /api/inventory/<category>; unknown keys (cache busters) are ignored."""

    class Meta:
        unknown = EXCLUDE

    availability = CommaList(choices=AVAILABILITIES)
    manufacturer = CommaList()
    color = CommaList()
    q = fields.String(validate=validate.Length(max=100))
    sort = fields.String(load_default="name", validate=validate.OneOf(SORT_CHOICES))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class PageArgsSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class InventoryProductSchema(Schema):
    """A product as an inventory row (price in currency units)."""

    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    category = fields.String(allow_none=True)
    manufacturer = fields.String(allow_none=True)
    colors = fields.List(fields.String())
    price = fields.Method("_price")
    source = fields.String()
    external_id = fields.String(allow_none=True)
    availability = fields.String()
    availability_as_of = fields.AwareDateTime(allow_none=True)
    availability_stale = fields.Boolean()
    discontinued_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()

    def _price(self, product):
        cents = product.price_cents
        if cents is None:
            return None
        return cents // 100 if cents % 100 == 0 else cents / 100


class AvailabilityChangeSchema(Schema):
    id = fields.Integer()
    product_id = fields.Integer()
    old_availability = fields.String(allow_none=True)
    availability = fields.String()
    changed_at = fields.AwareDateTime()
    poll_run_id = fields.Integer(allow_none=True)


class PollRunSchema(Schema):
    id = fields.Integer()
    trigger = fields.String()
    status = fields.String()
    started_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    sources = fields.Dict(keys=fields.String())
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    change_count = fields.Method("_change_count")
    message = fields.String()

    def _change_count(self, run):
        return len(run.changes or [])


class CategoryCountSchema(Schema):
    name = fields.String()
    total = fields.Integer()
    availability = fields.Dict(keys=fields.String(), values=fields.Integer())


class InventoryStatusSchema(Schema):
    poll_seconds = fields.Integer()
    running = fields.Boolean()
    last_run = fields.Nested(PollRunSchema, allow_none=True)
    last_success_at = fields.AwareDateTime(allow_none=True)
    next_poll_at = fields.AwareDateTime(allow_none=True)
    stale = fields.Boolean()
    stale_reasons = fields.List(fields.String())
    stale_products = fields.Integer()
    data_version = fields.String()
    categories = fields.List(fields.Nested(CategoryCountSchema))
