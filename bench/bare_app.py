"""The baseline: a bare Flask app that answers GET /api/me with the same JSON as the real app.

No extensions, no database, no auth, no logging. The body is given at start-up
(BENCH_BARE_BODY, the exact bytes the real app returned) and serialized again on every
request the way flask-restful does (json.dumps + newline), so the baseline pays for
serialization too; start-up refuses a body that would not round-trip to the same bytes.
With BENCH_BARE_INVENTORY_BODY it also answers GET /api/inventory/gloves with exactly those bytes
(the real app serves that read from its cache as stored bytes too).

    gunicorn 'bare_app:create_app()'   (with bench/ on PYTHONPATH)
"""
from __future__ import annotations

import json
import os

from flask import Flask, Response


def create_app() -> Flask:
    raw = os.environ["BENCH_BARE_BODY"]
    data = json.loads(raw)
    if json.dumps(data) + "\n" != raw:
        raise RuntimeError("BENCH_BARE_BODY does not round-trip to the same bytes")

    app = Flask(__name__)

    @app.get("/api/me")
    def me():
        return Response(json.dumps(data) + "\n", status=200, mimetype="application/json")

    inventory = os.environ.get("BENCH_BARE_INVENTORY_BODY")
    if inventory is not None:
        inventory_bytes = inventory.encode()

        @app.get("/api/inventory/gloves")
        def inventory_list():
            """The cached inventory read's counterpart: the same bytes, served as they are."""
            return Response(inventory_bytes, status=200, mimetype="application/json")

    return app
