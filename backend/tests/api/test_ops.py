"""Health, public config, the API description and its docs page."""

from __future__ import annotations

import time


def test_health_reports_db_and_redis_and_missing_worker(client):
    data = client.get("/api/health").json
    assert data["checks"]["database"]["ok"] is True
    assert data["checks"]["redis"]["ok"] is True
    assert data["checks"]["worker"]["ok"] is False
    assert data["status"] == "degraded"
    assert data["checks"]["inventory_poll"] == {
        "ok": False,
        "last_status": None,
        "last_started_at": None,
        "last_success_at": None,
    }


def test_health_shows_the_last_inventory_poll(client, db):
    from trackbase.models import InventoryPollRun, utcnow

    finished = utcnow()
    db.session.add(InventoryPollRun(status="partial", started_at=finished, finished_at=finished, trigger="beat"))
    db.session.commit()
    poll = client.get("/api/health").json["checks"]["inventory_poll"]
    assert poll["ok"] is True and poll["last_status"] == "partial"
    assert poll["last_success_at"] is not None


def test_health_sees_a_real_worker_heartbeat(client, celery_worker):
    from trackbase.tasks.ops import heartbeat

    heartbeat.delay()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        data = client.get("/api/health").json
        if data["checks"]["worker"]["ok"]:
            break
        time.sleep(0.1)
    assert data["status"] == "ok"
    assert data["checks"]["worker"]["last_heartbeat_age_seconds"] < 60


def test_health_is_503_when_redis_is_down(app, client):
    from trackbase.services import redis as redis_service

    saved = app.extensions.pop("trackbase_redis", None)
    app.config["REDIS_URL"], original = "redis://127.0.0.1:1/0", app.config["REDIS_URL"]
    try:
        response = client.get("/api/health")
    finally:
        app.config["REDIS_URL"] = original
        app.extensions.pop("trackbase_redis", None)
        if saved is not None:
            app.extensions["trackbase_redis"] = saved
    assert response.status_code == 503
    assert response.json["checks"]["redis"]["ok"] is False
    assert redis_service is not None


def test_config_is_public(client):
    data = client.get("/api/config").json
    assert data["registration"] == "invite"


def test_openapi_document_is_served(client):
    response = client.get("/api/openapi.yaml")
    assert response.status_code == 200
    assert b"openapi: 3.1.0" in response.data


def test_docs_page_works_offline(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assert b"swagger-ui" in page.data
    assert b"http" not in page.data.split(b"<script")[1][:200] or b"cdn" not in page.data
    bundle = client.get("/api/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.data) > 100_000


def test_spa_routes_fall_back_to_index(client, app, tmp_path):
    (tmp_path / "index.html").write_text("<div id=app></div>")
    app.config["FRONTEND_DIST"] = str(tmp_path)
    try:
        assert client.get("/trackers/12").data == b"<div id=app></div>"
        assert client.get("/api/nope", no_contract=True).status_code == 404
    finally:
        app.config["FRONTEND_DIST"] = None
