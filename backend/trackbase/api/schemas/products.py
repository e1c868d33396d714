"""Schemas for products as research objects: list arguments, create/edit input and the product payload."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate

from ...models import AVAILABILITIES
from ...services.products import LIST_SORTS, markdown
from .inventory import CommaList

MAX_PRICE = Decimal("10000000")  # 10 million currency units, 1e9 cents: fits a 32-bit integer column
MAX_TAGS = 20
_TAG = re.compile(r"^[\w][\w .+#&-]{0,39}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class Text(fields.String):
    """A trimmed string the database can store (no NUL, control characters or lone surrogates)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if _CONTROL.search(text.replace("\n", "").replace("\t", "").replace("\r", "")):
            raise ValidationError("Must be valid text without control characters.")
        return text


class OptionalText(Text):
    """A trimmed string of at most `max_length` characters where blank means "none" (null)."""

    def __init__(self, max_length: int, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > self.max_length:
            raise ValidationError(f"At most {self.max_length} characters.")
        return text or None


class Price(fields.Field):
    """A price as a number of currency units with at most two decimals -> integer cents (null: no price)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValidationError("Must be a number.")
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise ValidationError("Must be a number.") from None
        if not amount.is_finite() or amount < 0 or amount > MAX_PRICE:
            raise ValidationError(f"Must be between 0 and {MAX_PRICE}.")
        cents = amount * 100
        if cents != cents.to_integral_value():
            raise ValidationError("Use at most two decimals.")
        return int(cents)


def _tag(value) -> str:
    if not isinstance(value, str):
        raise ValidationError("Each tag must be a string.")
    tag = " ".join(value.split()).lower()
    if not _TAG.match(tag):
        raise ValidationError("A tag is 1 to 40 letters, digits, spaces or .+#&-_ and starts with a letter or digit.")
    return tag


class Tags(fields.Field):
    """A list of up to 20 tags, trimmed and lower-cased, duplicates dropped (order kept)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError("Must be a list of tags.")
        tags = list(dict.fromkeys(_tag(v) for v in value))
        if len(tags) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags.")
        return tags


class ProductInputSchema(Schema):
    """POST /api/products (name required) and PATCH (any subset); unknown fields are rejected."""

    name = Text(required=True, validate=validate.Length(min=1, max=255, error="Give a name of 1 to 255 characters."))
    description = Text(load_default="", validate=validate.Length(max=100_000))
    category = OptionalText(64, load_default=None, allow_none=True)
    manufacturer = OptionalText(64, load_default=None, allow_none=True)
    price = Price(load_default=None, allow_none=True)
    tags = Tags(load_default=list)

    @post_load
    def _cents(self, data, **kwargs):
        if "price" in data:
            data["price_cents"] = data.pop("price")
        return data


class FreeCommaList(fields.Field):
    """A comma-separated query value of free words (names with spaces allowed) -> lower-cased list."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError("Must be a string.")
        if _CONTROL.search(value):
            raise ValidationError("Must be valid text without control characters.")
        items = [" ".join(v.split()).lower() for v in value.split(",") if v.strip()]
        if not items or len(items) > 20 or any(len(v) > 64 for v in items):
            raise ValidationError("Give 1 to 20 comma-separated values of up to 64 characters.")
        return items


class ProductListArgsSchema(Schema):
    """Query string of GET /api/products; unknown keys (cache busters) are ignored."""

    class Meta:
        unknown = EXCLUDE

    q = Text(validate=validate.Length(max=100))
    category = FreeCommaList()
    source = fields.String(validate=validate.OneOf(("supplier", "member")))
    availability = CommaList(choices=AVAILABILITIES)
    manufacturer = FreeCommaList()
    tag = fields.Method(deserialize="_tags")
    watched = fields.String(validate=validate.OneOf(("me",)))
    sort = fields.String(load_default="activity", validate=validate.OneOf(LIST_SORTS))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    def _tags(self, value):
        if not isinstance(value, str):
            raise ValidationError("Must be a string.")
        tags = [_tag(v) for v in value.split(",") if v.strip()]
        if not tags or len(tags) > 5:
            raise ValidationError("Give 1 to 5 comma-separated tags.")
        return tags


class PersonSchema(Schema):
    id = fields.Integer()
    name = fields.Method("_name")

    def _name(self, user):
        return user.name or user.email.split("@", 1)[0]


def _price(view):
    cents = view.product.price_cents
    if cents is None:
        return None
    return cents // 100 if cents % 100 == 0 else cents / 100


class ProductSummarySchema(Schema):
    """A product in the research list (a ProductView): no description, counts and the watched flag."""

    id = fields.Integer(attribute="product.id")
    name = fields.String(attribute="product.name")
    category = fields.String(attribute="product.category", allow_none=True)
    manufacturer = fields.String(attribute="product.manufacturer", allow_none=True)
    price = fields.Function(_price)
    source = fields.String(attribute="product.source")
    external_id = fields.String(attribute="product.external_id", allow_none=True)
    availability = fields.String(attribute="product.availability")
    availability_as_of = fields.AwareDateTime(attribute="product.availability_as_of", allow_none=True)
    availability_stale = fields.Boolean(attribute="product.availability_stale")
    discontinued_at = fields.AwareDateTime(attribute="product.discontinued_at", allow_none=True)
    tags = fields.List(fields.String())
    comment_count = fields.Integer()
    document_count = fields.Integer()
    watched = fields.Boolean()
    created_by = fields.Nested(PersonSchema, allow_none=True)
    created_at = fields.AwareDateTime(attribute="product.created_at")
    last_activity_at = fields.AwareDateTime(attribute="product.last_activity_at")


class ProductSchema(ProductSummarySchema):
    """One product (GET/POST/PATCH): the Markdown description and its sanitized HTML, and what you may do."""

    description = fields.String(attribute="product.description")
    description_html = fields.Function(lambda view: markdown.render(view.product.description))
    colors = fields.List(fields.String(), attribute="product.colors")
    updated_at = fields.AwareDateTime(attribute="product.updated_at")
    can_edit = fields.Boolean()
    can_delete = fields.Boolean()
    editable_fields = fields.Function(
        lambda view: (
            (
                ["description", "tags"]
                if view.product.source == "supplier"
                else ["name", "description", "category", "manufacturer", "price", "tags"]
            )
            if view.can_edit
            else []
        )
    )


class ProductFacetsSchema(Schema):
    categories = fields.List(fields.String())
    manufacturers = fields.List(fields.String())
    tags = fields.List(fields.String())
