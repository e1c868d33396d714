"""gunicorn's own error answers (bad request line, URI too long, too many or too large headers) in the
API's JSON envelope instead of gunicorn's HTML page.

gunicorn writes those answers itself, before any WSGI code runs, through `gunicorn.util.write_error`;
`install()` replaces that function in the worker process (create_app() calls it when gunicorn is
loaded). What remains outside our hands: a client that disconnects mid-request gets nothing, and a
worker killed by its timeout closes the connection (nginx then answers 502 with its own page).
"""

from __future__ import annotations

import json
import sys

CODES = {
    400: "bad_request",
    413: "payload_too_large",
    414: "uri_too_long",
    431: "headers_too_large",
    403: "forbidden",
    500: "internal_error",
}


def render(status_int: int, reason: str, mesg: str) -> bytes:
    message = {
        400: "The request is malformed.",
        414: "The request URI is too long.",
        431: "The request headers are too large.",
    }.get(status_int, reason)
    body = json.dumps({"error": {"code": CODES.get(status_int, "bad_request"), "message": message, "fields": {}}})
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n"
    )
    return (head + body).encode("latin-1")


def install() -> bool:
    """Make gunicorn's own error answers JSON; True when gunicorn is running this process."""
    util = sys.modules.get("gunicorn.util")
    if util is None or getattr(util.write_error, "_trackbase", False):
        return util is not None

    def write_error(sock, status_int, reason, mesg):
        util.write_nonblock(sock, render(status_int, reason, mesg))

    write_error._trackbase = True
    util.write_error = write_error
    return True
