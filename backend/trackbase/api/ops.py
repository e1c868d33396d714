"""Operational resources: health, public config, the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

from flask import current_app, send_file
from flask_restful import Resource

from .. import __version__
from ..services import health
from .errors import ApiError


def openapi_path() -> Path:
    configured = current_app.config.get("OPENAPI_PATH")
    return Path(configured) if configured else Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"


class HealthResource(Resource):
    def get(self):
        """Database, Redis and worker heartbeat; 503 when the API cannot serve."""
        report = health.check()
        return report, (503 if report["status"] == "down" else 200)


class ConfigResource(Resource):
    def get(self):
        """What the sign-in screens need to know before anyone signs in."""
        return {"registration": current_app.config["REGISTRATION"], "version": __version__}


class OpenApiResource(Resource):
    def get(self):
        """The API contract as YAML."""
        path = openapi_path()
        if not path.is_file():
            raise ApiError(404, "not_found", "The API description is not installed with this build.")
        return send_file(path, mimetype="application/yaml", max_age=60)
