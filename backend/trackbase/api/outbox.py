"""Admin view of the outbox: what is pending, sent, failed; retry of a failed message."""

from __future__ import annotations

from ..services import outbox
from .common import AdminResource, dump_page, load_args, page_params
from .schemas.outbox import OutboxListArgsSchema, OutboxMessageSchema

_list_args = OutboxListArgsSchema()


class OutboxListResource(AdminResource):
    def get(self):
        """Admin: outbox rows newest first, optionally of one status (failed mail is kept here)."""
        args = load_args(_list_args)
        page, per_page = page_params()
        return dump_page(outbox.list_messages(args.get("status"), page, per_page), OutboxMessageSchema())


class OutboxRetryResource(AdminResource):
    def post(self, message_id: int):
        """Admin: queue a failed message again (409 unless it failed)."""
        return {"message": OutboxMessageSchema().dump(outbox.retry(message_id))}, 202
