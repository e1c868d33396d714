"""Security headers on every response, and a strict Content-Security-Policy on the HTML pages.

- every response: `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`,
  `X-Frame-Options: DENY` (and `frame-ancestors 'none'` in the CSP of HTML pages);
- `/api` answers: `Cache-Control: no-store` unless the resource chose its own caching (the ETag'd
  inventory reads answer `private`);
- HTML (the SPA and the Swagger docs page): a CSP allowing only same-origin scripts, styles, images,
  fonts and requests. Inline scripts are allowed by their SHA-256 hash, computed from the page itself
  (the docs page has one small inline script that configures Swagger UI; the built SPA has none).
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

BASE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}

# Swagger UI (flask-swagger-ui, pinned) injects one fixed <style> element when it renders; the docs page
# allows exactly that one by hash (the CSP e2e test reports the new hash if an upgrade changes it).
DOCS_STYLE_HASHES = " 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"

CSP = (
    "default-src 'self'; script-src 'self'{hashes}; style-src 'self'{style_hashes}; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
_hash_cache: dict[bytes, str] = {}


def _inline_script_hashes(body: bytes) -> str:
    key = hashlib.sha1(body).digest()
    cached = _hash_cache.get(key)
    if cached is None:
        hashes = []
        for match in _INLINE_SCRIPT.finditer(body):
            digest = base64.b64encode(hashlib.sha256(match.group(1)).digest()).decode()
            hashes.append(f" 'sha256-{digest}'")
        cached = "".join(hashes)
        if len(_hash_cache) > 64:
            _hash_cache.clear()
        _hash_cache[key] = cached
    return cached


def content_security_policy(response: Response) -> str:
    """The CSP for an HTML response (inline scripts allowed by hash)."""
    hashes = ""
    if not response.direct_passthrough and not response.is_streamed:
        hashes = _inline_script_hashes(response.get_data())
    style_hashes = DOCS_STYLE_HASHES if request.path.startswith("/api/docs") else ""
    return CSP.format(hashes=hashes, style_hashes=style_hashes)


def init_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        if "X-Content-Type-Options" in headers:
            for name, value in BASE_HEADERS.items():
                headers.setdefault(name, value)
        else:
            headers.extend(BASE_HEADERS)
        if request.path.startswith("/api/") and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        if response.mimetype == "text/html":
            headers["Content-Security-Policy"] = content_security_policy(response)
        return response
