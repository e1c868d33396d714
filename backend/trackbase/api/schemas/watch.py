"""Schemas for watching products and the watch unsubscribe link."""

from marshmallow import Schema, fields


class WatchStateSchema(Schema):
    product_id = fields.Integer()
    watching = fields.Boolean()
    watchers = fields.Integer()


class WatcherSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    since = fields.AwareDateTime()


class WatchUnsubscribeSchema(Schema):
    email = fields.String()
    watching = fields.Integer()
    unsubscribed = fields.Boolean()
