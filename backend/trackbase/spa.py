"""Serve the built Vue app from the same origin as the API."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, send_from_directory


def dist_dir(app: Flask) -> Path:
    configured = app.config.get("FRONTEND_DIST")
    return Path(configured) if configured else Path(__file__).resolve().parents[2] / "frontend" / "dist"


def init_spa(app: Flask) -> None:
    """Any non-API path answers with a built file or index.html (client-side routing)."""

    from .extensions import limiter

    @app.get("/api", defaults={"path": ""})
    @app.get("/api/<path:path>")
    def api_not_found(path: str):
        """Unknown API paths (or ids of the wrong type) are 404 JSON, never the SPA."""
        abort(404)

    @limiter.exempt
    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def spa(path: str):
        root = dist_dir(app)
        if path and (root / path).is_file():
            return send_from_directory(root, path, max_age=31536000 if path.startswith("assets/") else 0)
        if (root / "index.html").is_file():
            response = send_from_directory(root, "index.html", max_age=0)
            response.headers["Cache-Control"] = "no-cache"
            return response
        return (
            "<!doctype html><title>Trackbase</title><p>The web app is not built yet: run ./local_setup.sh "
            "(or <code>npm ci && npm run build</code> in frontend/). "
            "The API is at <a href='/api/docs/'>/api/docs/</a>.",
            200,
        )
