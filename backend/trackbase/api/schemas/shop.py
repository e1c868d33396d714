"""Schemas for the shop: cart, orders (money in integer cents, with the currency)."""

from marshmallow import Schema, fields, validate

from ...models import EXPORT_STATUSES, MAX_QUANTITY


class CartQuantitySchema(Schema):
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(0, MAX_QUANTITY))


class CartLineSchema(Schema):
    product_id = fields.Integer(attribute="item.product_id")
    name = fields.String(attribute="product.name")
    category = fields.String(attribute="product.category", allow_none=True)
    manufacturer = fields.String(attribute="product.manufacturer", allow_none=True)
    quantity = fields.Integer(attribute="item.quantity")
    unit_price_cents = fields.Integer(allow_none=True)
    added_unit_price_cents = fields.Integer(attribute="item.added_price_cents", allow_none=True)
    line_total_cents = fields.Integer()
    availability = fields.String(attribute="product.availability")
    availability_as_of = fields.AwareDateTime(attribute="product.availability_as_of", allow_none=True)
    discontinued_at = fields.AwareDateTime(attribute="product.discontinued_at", allow_none=True)
    purchasable = fields.Boolean()
    flags = fields.List(fields.String())
    added_at = fields.AwareDateTime(attribute="item.added_at")


class CartSchema(Schema):
    items = fields.List(fields.Nested(CartLineSchema), attribute="lines")
    item_count = fields.Integer()
    total_cents = fields.Integer()
    currency = fields.String()
    purchasable = fields.Boolean()


class OrderItemSchema(Schema):
    product_id = fields.Integer(allow_none=True)
    name = fields.String()
    unit_price_cents = fields.Integer()
    quantity = fields.Integer()
    line_total_cents = fields.Integer()


class OrderSchema(Schema):
    id = fields.String()
    user_id = fields.Integer()
    user_email = fields.String(attribute="user.email")
    status = fields.String()
    items = fields.List(fields.Nested(OrderItemSchema))
    item_count = fields.Integer()
    total_cents = fields.Integer()
    currency = fields.String()
    export_status = fields.String()
    export_attempts = fields.Integer()
    export_error = fields.String(allow_none=True)
    exported_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class OrderListArgsSchema(Schema):
    page = fields.Integer(validate=validate.Range(1, 1_000_000))
    per_page = fields.Integer(validate=validate.Range(1, 200))
    export_status = fields.String(validate=validate.OneOf(EXPORT_STATUSES))
    scope = fields.String(validate=validate.OneOf(("mine", "all")))
