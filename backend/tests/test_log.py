"""One log format: every request line carries its request id, user id, method, path, status and duration."""

from __future__ import annotations

import io
import logging

from trackbase.log import FORMAT, ContextFilter


def test_request_log_line_has_ids_and_timing(client, user, auth_headers):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ContextFilter())
    access = logging.getLogger("trackbase.access")
    access.addHandler(handler)
    saved_level = access.level
    access.setLevel(logging.INFO)  # a test worker may have set the root logger to WARNING
    try:
        response = client.get("/api/me", headers={**auth_headers, "X-Request-ID": "abc123"})
    finally:
        access.removeHandler(handler)
        access.setLevel(saved_level)
    assert response.headers["X-Request-ID"] == "abc123"
    line = stream.getvalue().strip()
    assert "[abc123]" in line
    assert f"user={user.id}" in line
    assert "GET /api/me 200" in line and line.endswith("ms")


def test_unsafe_request_id_is_replaced(client):
    response = client.get("/api/config", headers={"X-Request-ID": "bad id <script>"})
    assert response.headers["X-Request-ID"] != "bad id <script>"
    assert response.headers["X-Request-ID"].isalnum()
