"""Token revocation: canonical ids (padding does not bring a token back), the database as the source of truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.support import RedisServer, login_token, private_redis_config


@pytest.mark.parametrize("padding", ["=", "==", "==="])
def test_a_logged_out_token_stays_out_whatever_its_padding(client, user, padding):
    token = login_token(client, "member@example.com")
    assert client.get("/api/me", headers={"Authentication-Token": token + padding}).status_code == 200  # same token
    assert client.post("/api/auth/logout", headers={"Authentication-Token": token}).status_code == 200
    for spelling in (token, token + padding, token + "="):
        assert client.get("/api/me", headers={"Authentication-Token": spelling}).status_code == 401
        assert client.get(f"/api/me?auth_token={spelling}").status_code == 401


def test_logout_with_a_padded_spelling_revokes_the_plain_one(client, user):
    token = login_token(client, "member@example.com")
    assert client.post("/api/auth/logout", headers={"Authentication-Token": token + "=="}).status_code == 200
    assert client.get("/api/me", headers={"Authentication-Token": token}).status_code == 401


def test_revocation_is_stored_in_the_database(client, user, db):
    from trackbase.auth import tokens
    from trackbase.models import RevokedToken

    token = login_token(client, "member@example.com")
    client.post("/api/auth/logout", headers={"Authentication-Token": token})
    row = db.session.scalars(select(RevokedToken)).one()
    parsed = tokens.parse(token)
    assert row.token_id == parsed.id and row.user_id == user.id
    assert row.expires_at > datetime.now(UTC) + timedelta(days=13)  # TOKEN_MAX_AGE_HOURS default: 14 days


def test_expired_revocations_are_pruned(client, user, db):
    from trackbase.models import RevokedToken

    db.session.add(
        RevokedToken(token_id="0" * 64, user_id=user.id, expires_at=datetime.now(UTC) - timedelta(minutes=5))
    )
    db.session.commit()
    token = login_token(client, "member@example.com")
    client.post("/api/auth/logout", headers={"Authentication-Token": token})
    assert db.session.scalar(select(func.count()).select_from(RevokedToken)) == 1
    assert db.session.get(RevokedToken, "0" * 64) is None


def test_revocation_survives_a_redis_restart_without_persistence(make_app, user):
    redis_server = RedisServer(private=True)
    url = redis_server.start()
    try:
        app = make_app(**private_redis_config(url))
        client = app.test_client()
        with app.app_context():
            revoked = login_token(client, "member@example.com")
            kept = login_token(client, "member@example.com")
            assert client.post("/api/auth/logout", headers={"Authentication-Token": revoked}).status_code == 200
            assert client.get("/api/me", headers={"Authentication-Token": revoked}).status_code == 401

        redis_server.stop()  # Redis dies and comes back empty (no RDB, no AOF)
        redis_server.start()
        import redis

        assert redis.Redis.from_url(url).dbsize() == 0

        with app.app_context():
            assert client.get("/api/me", headers={"Authentication-Token": revoked}).status_code == 401
            assert client.get("/api/me", headers={"Authentication-Token": revoked + "="}).status_code == 401
            assert client.get("/api/me", headers={"Authentication-Token": kept}).status_code == 200
    finally:
        redis_server.stop()
