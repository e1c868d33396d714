"""Request handler for the test server and `--quiet`: werkzeug's, without the access log."""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler


class QuietHandler(WSGIRequestHandler):
    """WSGIRequestHandler that does not log each request (errors are still logged)."""

    def log_request(self, code="-", size="-") -> None:
        return None
