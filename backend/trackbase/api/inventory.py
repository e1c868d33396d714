"""Inventory resources: status, one category's rows, a product's availability history, refresh.

Reads are cached in Redis under a version token that each poll bumps when it changes data,
and answer with an ETag so clients revalidate with If-None-Match (304, no body).
"""

from __future__ import annotations

import hashlib
import json

from flask import Response, request
from flask_security import current_user

from .. import cache as cache_helpers
from ..services import inventory, products
from .common import AdminResource, AuthResource, dump_page, load_args
from .schemas.inventory import (
    AvailabilityChangeSchema,
    InventoryListArgsSchema,
    InventoryProductSchema,
    InventoryStatusSchema,
    PageArgsSchema,
)
from .schemas.jobs import JobSchema

LIST_CACHE_SECONDS = 3600  # entries die with their version; this only bounds memory
STATUS_CACHE_SECONDS = 10  # "running" and the countdown come from Redis and may change without a bump
CACHE_CONTROL = "private, max-age=0, must-revalidate"


DATA = (cache_helpers.INVENTORY_DATA_VERSION,)
DATA_AND_STATUS = (cache_helpers.INVENTORY_DATA_VERSION, cache_helpers.INVENTORY_STATUS_VERSION)


def cached_json(key: str, versions: tuple[str, ...], build, timeout: int) -> Response:
    """Serve the JSON that `build()` makes, from the cache when current, with ETag/304."""
    try:
        entry, token = cache_helpers.versioned_get(key, versions)
    except cache_helpers.REDIS_ERRORS:  # Redis unreachable: the database answers, nothing is stored
        entry, token = None, None
    if entry is None:
        body = json.dumps(build(), separators=(",", ":"), ensure_ascii=False)
        entry = {"body": body, "etag": hashlib.sha1(body.encode()).hexdigest()[:32]}
        cache_helpers.versioned_set(key, token, entry, timeout)
    if request.if_none_match.contains(entry["etag"]):
        response = Response(status=304)
    else:
        response = Response(entry["body"], mimetype="application/json")
    response.set_etag(entry["etag"])
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


class InventoryStatusResource(AuthResource):
    def get(self):
        """Last poll, last success, next poll, staleness and counts per category and availability."""
        return cached_json(
            cache_helpers.INVENTORY_STATUS_KEY,
            DATA_AND_STATUS,
            lambda: InventoryStatusSchema().dump(inventory.inventory_status()),
            STATUS_CACHE_SECONDS,
        )


_LIST_ARGS = InventoryListArgsSchema()  # one instance: building a schema costs more than the cached read


class InventoryCategoryResource(AuthResource):
    def get(self, category: str):
        """One category's current supplier products, filtered, sorted and paginated."""
        inventory.require_category(category)
        args = load_args(_LIST_ARGS)
        key = cache_helpers.inventory_key("list", category, sorted((k, str(v)) for k, v in args.items()))

        def build():
            filters = {k: args.get(k) for k in ("availability", "manufacturer", "color", "q")}
            page = products.list_category(category, args["page"], args["per_page"], sort=args["sort"], **filters)
            body = dump_page(page, InventoryProductSchema())
            body["category"] = category
            body["manufacturers"] = products.manufacturers_in(category)
            return body

        return cached_json(key, DATA, build, LIST_CACHE_SECONDS)


class ProductAvailabilityResource(AuthResource):
    def get(self, product_id: int):
        """A product's availability history, newest first, with the product itself."""
        args = load_args(PageArgsSchema())
        key = cache_helpers.inventory_key("history", product_id, args["page"], args["per_page"])

        def build():
            product, page = products.availability_history(product_id, args["page"], args["per_page"])
            body = dump_page(page, AvailabilityChangeSchema())
            body["product"] = InventoryProductSchema().dump(product)
            return body

        return cached_json(key, DATA, build, LIST_CACHE_SECONDS)


class InventoryRefreshResource(AdminResource):
    def post(self):
        """Start a poll now as a job (202); 409 when a poll is already running or queued."""
        job = inventory.request_refresh(current_user.id)
        return {"job": JobSchema().dump(job)}, 202
