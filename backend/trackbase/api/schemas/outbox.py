"""Schemas for the admin view of the outbox (no message bodies: reset links must not leak)."""

from marshmallow import Schema, fields, validate

from ...models import OUTBOX_STATUSES

MAIL_TASK = "trackbase.tasks.mail.send_email"


class OutboxListArgsSchema(Schema):
    page = fields.Integer(validate=validate.Range(1, 1_000_000))
    per_page = fields.Integer(validate=validate.Range(1, 200))
    status = fields.String(validate=validate.OneOf(OUTBOX_STATUSES))


class OutboxMessageSchema(Schema):
    id = fields.Integer()
    task_name = fields.String()
    kind = fields.Method("_kind")
    to = fields.Method("_to")
    subject = fields.Method("_subject")
    status = fields.String()
    attempts = fields.Integer()
    created_at = fields.AwareDateTime()
    next_attempt_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)

    def _kind(self, row) -> str:
        return "mail" if row.task_name == MAIL_TASK else "task"

    def _to(self, row):
        return str(row.args[0]) if row.task_name == MAIL_TASK and row.args else None

    def _subject(self, row):
        return str(row.args[1]) if row.task_name == MAIL_TASK and len(row.args or []) > 1 else None
