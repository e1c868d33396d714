"""One Redis client per app, from REDIS_URL."""

from __future__ import annotations

import redis
from flask import current_app


def get_redis() -> redis.Redis:
    """The app's shared Redis client (connection-pooled, short timeouts)."""
    client = current_app.extensions.get("trackbase_redis")
    if client is None:
        client = redis.Redis.from_url(
            current_app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2, decode_responses=True
        )
        current_app.extensions["trackbase_redis"] = client
    return client
