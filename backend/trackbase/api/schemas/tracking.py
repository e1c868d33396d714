"""Schemas for trackers, logs, stats, imports, exports, reports and tracking email links."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, pre_dump, validate, validates_schema

from ...models import TRACKER_FREQUENCIES, TRACKER_TYPES
from ...services.tracking import FORMATS, PERIODS, is_valid_text, output_value

NAME = validate.Length(min=1, max=120)
DB_ID = validate.Range(min=1, max=2**31 - 1, error="Not a valid id.")


class Text(fields.String):
    """A string the database can store (no lone surrogates or NUL characters)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not is_valid_text(text):
            raise ValidationError("Must be valid Unicode text.")
        return text


class _Strict(Schema):
    """Unknown fields are rejected (the default), and strings are stripped where it matters."""


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("Must not be blank.")


class TrackerCreateSchema(_Strict):
    name = Text(required=True, validate=[NAME, _not_blank])
    description = Text(load_default="", validate=validate.Length(max=2000))
    type = fields.String(required=True, validate=validate.OneOf(TRACKER_TYPES))
    frequency = fields.String(load_default="daily", validate=validate.OneOf(TRACKER_FREQUENCIES))
    settings = fields.Dict(load_default=dict)
    reminders = fields.Boolean(load_default=True, truthy={True}, falsy={False})
    product_id = fields.Integer(strict=True, load_default=None, allow_none=True, validate=DB_ID)
    archived = fields.Boolean(load_default=False, truthy={True}, falsy={False})

    def load(self, data, *args, **kwargs):
        result = super().load(data, *args, **kwargs)
        if "name" in result:
            result["name"] = result["name"].strip()
        return result


class TrackerUpdateSchema(TrackerCreateSchema):
    """Every field optional (loaded with partial=True)."""


class LastLogSchema(Schema):
    timestamp = fields.AwareDateTime()
    value = fields.Raw()
    display = fields.String()


class PeriodSchema(Schema):
    start = fields.AwareDateTime()
    end = fields.AwareDateTime()
    label = fields.String()


_TRACKER_FIELDS = (
    "id",
    "name",
    "description",
    "type",
    "frequency",
    "settings",
    "reminders",
    "product_id",
    "archived",
    "position",
    "created_at",
    "updated_at",
)


class TrackerSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    description = fields.String()
    type = fields.String()
    frequency = fields.String()
    settings = fields.Dict()
    reminders = fields.Boolean()
    product_id = fields.Integer(allow_none=True)
    archived = fields.Boolean()
    position = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    log_count = fields.Integer()
    due = fields.Boolean()
    last_log = fields.Nested(LastLogSchema, allow_none=True)
    current_period = fields.Nested(PeriodSchema)
    sparkline = fields.List(fields.Raw())

    @pre_dump
    def _flatten(self, summary, **kwargs):
        """A services.tracking.TrackerSummary: the tracker's own fields beside what is known about it."""
        tracker = summary.tracker
        flat = {name: getattr(tracker, name) for name in _TRACKER_FIELDS}
        flat.update(
            log_count=summary.log_count,
            due=summary.due,
            last_log=summary.last_log,
            current_period=summary.current_period,
            sparkline=summary.sparkline,
        )
        return flat


class LogSchema(Schema):
    id = fields.Integer()
    tracker_id = fields.Integer()
    timestamp = fields.AwareDateTime()
    value = fields.Method("_value")
    note = fields.String()
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()

    def __init__(self, kind: str, **kwargs):
        super().__init__(**kwargs)
        self.kind = kind

    def _value(self, entry):
        return output_value(self.kind, entry.value_num, entry.value_text)


class LogCreateSchema(_Strict):
    # The value is checked against the tracker's type by the service (it depends on the tracker).
    value = fields.Raw(required=True, allow_none=True)
    timestamp = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=64))
    note = Text(load_default="", allow_none=True, validate=validate.Length(max=2000))


class LogUpdateSchema(LogCreateSchema):
    """Every field optional (loaded with partial=True)."""


class RangeArgsSchema(Schema):
    """from/to query parameters (ISO dates or date-times) plus paging, which page_params() reads."""

    from_ = fields.String(data_key="from", load_default=None, validate=validate.Length(max=64))
    to = fields.String(load_default=None, validate=validate.Length(max=64))
    page = fields.String(load_default=None)
    per_page = fields.String(load_default=None)


class StatsArgsSchema(Schema):
    from_ = fields.String(data_key="from", load_default=None, validate=validate.Length(max=64))
    to = fields.String(load_default=None, validate=validate.Length(max=64))
    bucket = fields.String(load_default="day", validate=validate.OneOf(("day", "week", "month")))


class DashboardArgsSchema(Schema):
    archived = fields.String(load_default="false", validate=validate.OneOf(("false", "true", "all")))
    page = fields.String(load_default=None)
    per_page = fields.String(load_default=None)


class StatsBucketSchema(Schema):
    start = fields.AwareDateTime()
    end = fields.AwareDateTime()
    label = fields.String()
    count = fields.Integer()
    min = fields.Raw()
    max = fields.Raw()
    mean = fields.Raw()
    sum = fields.Raw()


class StatsSchema(Schema):
    tracker_id = fields.Integer()
    type = fields.String()
    frequency = fields.String()
    timezone = fields.String()
    from_ = fields.AwareDateTime(data_key="from", attribute="from")
    to = fields.AwareDateTime()
    bucket = fields.String()
    last = fields.Function(lambda s: LastLogSchema().dump(s["last"]) if s["last"] else None)
    count = fields.Integer()
    min = fields.Raw()
    max = fields.Raw()
    mean = fields.Raw()
    sum = fields.Raw()
    buckets = fields.List(fields.Nested(StatsBucketSchema))
    streak = fields.Dict()
    completion_rate = fields.Raw()
    completion_rate_all_time = fields.Raw()
    trend = fields.Raw()
    distribution = fields.Raw()


class ExportCreateSchema(_Strict):
    tracker_ids = fields.List(
        fields.Integer(strict=True, validate=DB_ID), load_default=list, validate=validate.Length(max=500)
    )
    from_ = fields.AwareDateTime(data_key="from", load_default=None, allow_none=True)
    to = fields.AwareDateTime(load_default=None, allow_none=True)

    @validates_schema
    def _order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["to"] <= data["from_"]:
            raise ValidationError("Must be after from.", "to")


class ReportCreateSchema(_Strict):
    period = fields.String(required=True, validate=validate.OneOf(PERIODS))
    format = fields.String(load_default="html", validate=validate.OneOf(FORMATS))
    from_ = fields.Date(data_key="from", load_default=None, allow_none=True)
    to = fields.Date(load_default=None, allow_none=True)


class TokenSchema(_Strict):
    token = Text(required=True, validate=validate.Length(min=1, max=1000))


class TrackerOrderSchema(_Strict):
    ids = fields.List(fields.Integer(strict=True, validate=DB_ID), required=True, validate=validate.Length(max=1000))


class QuickLogInputSchema(TokenSchema):
    change = fields.Boolean(load_default=False)


class QuickLoggedSchema(Schema):
    log_id = fields.Integer()
    value = fields.Boolean()
    display = fields.String()
    timestamp = fields.AwareDateTime()
    note = fields.String()


class QuickLogSchema(Schema):
    status = fields.String()
    tracker_id = fields.Integer()
    tracker_name = fields.String()
    value = fields.Boolean()
    period_end = fields.AwareDateTime()
    already_logged = fields.Boolean()
    logged = fields.Nested(QuickLoggedSchema, allow_none=True)


class UnsubscribeSchema(Schema):
    kind = fields.String()
    email = fields.String()
    subscribed = fields.Boolean()


class PreferencesSchema(Schema):
    reminder_emails = fields.Boolean()
    monthly_reports = fields.Boolean()


class PreferencesUpdateSchema(_Strict):
    reminder_emails = fields.Boolean(truthy={True}, falsy={False})
    monthly_reports = fields.Boolean(truthy={True}, falsy={False})
