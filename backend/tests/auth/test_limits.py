"""Rate limits cannot be dodged by respelling: invented or padded tokens, query tokens, Unicode look-alikes."""

from __future__ import annotations

import secrets

import pytest

from tests.support import RedisServer, private_redis_config


@pytest.fixture
def private_redis():
    server = RedisServer(private=True)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def limited(make_app, private_redis):
    def _make(**overrides):
        return make_app(**private_redis_config(private_redis.url), **overrides)

    return _make


def _status(app, path="/api/me", headers=None, **kwargs):
    with app.app_context():
        return app.test_client().get(path, headers=headers or {}, **kwargs)


def test_invented_tokens_share_the_address_bucket(limited):
    app = limited(RATELIMIT_DEFAULT="5 per minute")
    statuses = [_status(app, headers={"Authentication-Token": secrets.token_urlsafe(40)}).status_code for _ in range(8)]
    assert statuses == [401] * 5 + [429] * 3


def test_the_user_limit_is_exact_shared_between_workers_and_ignores_spellings(limited, user):
    a = limited(RATELIMIT_DEFAULT="6 per minute")
    b = limited(RATELIMIT_DEFAULT="6 per minute")
    token = user.get_auth_token()
    spellings = [token, token + "=", token + "==", token, token + "=", token]
    statuses = [
        _status((a, b)[i % 2], headers={"Authentication-Token": t}).status_code for i, t in enumerate(spellings)
    ]
    assert statuses == [200] * 6
    refused = _status(a, headers={"Authentication-Token": token + "==="})
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Limit"] == "6"
    assert _status(b, headers={"Authentication-Token": token}).status_code == 429
    # a query-string token plus a junk header is an anonymous request: the address bucket, and a 401
    junk = _status(b, f"/api/me?auth_token={token}", headers={"Authentication-Token": "junk"})
    assert junk.status_code == 401


def test_a_429_has_a_well_formed_cache_control(limited, user):
    app = limited(RATELIMIT_AUTH_IP="1 per minute")
    with app.app_context():
        client = app.test_client()
        client.post("/api/auth/login", json={"email": "member@example.com", "password": "wrong-wrong-1"})
        response = client.post("/api/auth/login", json={"email": "member@example.com", "password": "wrong-wrong-1"})
    assert response.status_code == 429
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "spelling", ["member@ｅxample.com", "MEMBER@example.com", " member@example.com", "member@EXAMPLE.COM"]
)
def test_the_account_limit_follows_the_address_flask_security_resolves(limited, user, spelling):
    app = limited(RATELIMIT_AUTH_ACCOUNT="3 per minute")
    with app.app_context():
        client = app.test_client()
        for _ in range(3):
            response = client.post("/api/auth/login", json={"email": "member@example.com", "password": "wrong-wrong-1"})
            assert response.status_code == 400
        response = client.post("/api/auth/login", json={"email": spelling, "password": "correct-horse-9"})
    assert response.status_code == 429


def test_the_full_width_spelling_signs_in_as_the_same_account(client, user):
    """Why the limit above must use the normalized address: Flask-Security resolves it to the same user."""
    response = client.post("/api/auth/login", json={"email": "member@ｅxample.com", "password": "correct-horse-9"})
    assert response.status_code == 200
    assert response.get_json()["user"]["id"] == user.id
