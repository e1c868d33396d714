"""Fixtures: a real Redis, SMTP sink, Celery worker and database for every test run."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time

import pytest
import sqlalchemy.exc
from flask.testing import FlaskClient

from tests import openapi_check
from tests.support import Database, RedisServer, SmtpSink, headers_for


class ContractClient(FlaskClient):
    """A test client that checks every /api response against docs/openapi.yaml."""

    def open(self, *args, **kwargs):
        # A fresh app context per request, as in production: no g or session shared with the test.
        check_contract = not kwargs.pop("no_contract", False)
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        request = response.request
        path = request.path
        if check_contract and path.startswith("/api/") and not path.startswith("/api/docs"):
            body = response.get_json(silent=True) if response.is_json else None
            openapi_check.check(request.method, path, response.status_code, response.content_type or "", body)
        return response


@pytest.fixture(scope="session")
def redis_url():
    server = RedisServer()
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(scope="session")
def smtp_server():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def database_url():
    database = Database()
    url = database.create()
    yield url
    database.drop()


# Stored files of the whole session go to one temporary folder (removed at exit).
STORAGE_DIR = tempfile.mkdtemp(prefix="tb-storage-")
atexit.register(shutil.rmtree, STORAGE_DIR, True)


def make_test_config(database_url: str, redis_url: str, smtp_port: int, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SECURITY_PASSWORD_SALT": "test-salt",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "CACHE_REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "SECURITY_PASSWORD_HASH": "plaintext",  # fast in tests; production uses argon2
        "PUBLIC_URL": "http://trackbase.test",
        "RATELIMIT_DEFAULT": "10000 per minute",
        "RATELIMIT_AUTH_IP": "1000 per minute",
        "RATELIMIT_AUTH_ACCOUNT": "1000 per minute",
        "INVENTORY_POLL_ON_START": False,  # tests start polls themselves
        "STORAGE_DIR": STORAGE_DIR,
    }
    config["CELERY"] = {
        "broker_url": redis_url,
        "result_backend": None,
        "task_ignore_result": True,
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "timezone": "UTC",
        "enable_utc": True,
        "worker_hijack_root_logger": False,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def app(database_url, redis_url, smtp_server):
    os.environ.setdefault("SECRET_KEY", "unused")  # create_app also reads the environment
    from trackbase import create_app
    from trackbase.extensions import db as _db

    app = create_app(make_test_config(database_url, redis_url, smtp_server.port))
    app.test_client_class = ContractClient
    with app.app_context():
        _db.create_all()
        from trackbase.services.accounts import ensure_roles

        ensure_roles()
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request, app, redis_url):
    """Each test starts with no rows (roles kept) and an empty Redis."""
    import redis as redis_lib

    from trackbase.extensions import db as _db

    ctx = app.app_context()
    ctx.push()
    yield
    _db.session.rollback()
    _db.session.remove()
    # A task the test started may still be writing (the in-process worker): on PostgreSQL the two can
    # deadlock, and the database aborts one of them; the cleanup is then run again.
    for attempt in range(5):
        try:
            with _db.engine.begin() as conn:
                for table in reversed(_db.metadata.sorted_tables):
                    if table.name != "roles":
                        conn.execute(table.delete())
            break
        except sqlalchemy.exc.OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    redis_lib.Redis.from_url(redis_url).flushdb()
    ctx.pop()


@pytest.fixture
def make_app(app, database_url, redis_url, smtp_server):
    """Build a second app with config overrides; the session app's Celery and rate-limit storage stay
    the defaults after (the one Limiter object keeps the storage of the app initialised last)."""
    from trackbase import create_app
    from trackbase.extensions import limiter

    saved_storage = (limiter._storage, limiter._limiter)

    def _make(**overrides):
        other = create_app(make_test_config(database_url, redis_url, smtp_server.port, **overrides))
        other.test_client_class = ContractClient
        return other

    yield _make
    app.extensions["celery"].set_default()
    app.extensions["celery"].set_current()  # shared tasks' .delay() use the current app
    limiter._storage, limiter._limiter = saved_storage


@pytest.fixture
def db(app):
    from trackbase.extensions import db as _db

    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.mailbox.clear()
    return smtp_server.mailbox


@pytest.fixture(scope="session")
def celery_worker(app):
    """A real Celery worker (thread) consuming the test Redis broker."""
    from celery.contrib.testing.worker import start_worker

    import trackbase.tasks  # noqa: F401

    celery = app.extensions["celery"]
    with start_worker(
        celery, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30
    ):
        yield celery


@pytest.fixture
def make_user(db):
    from trackbase.services import accounts

    counter = {"n": 0}

    def _make(email: str | None = None, password: str = "correct-horse-9", role: str = "member", name: str = ""):
        counter["n"] += 1
        user = accounts.create_user(email or f"user{counter['n']}@example.com", password, role=role, name=name)
        db.session.commit()
        return user

    return _make


@pytest.fixture
def user(make_user):
    return make_user("member@example.com", name="Member")


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.com", role="admin", name="Admin")


@pytest.fixture
def auth_headers(user):
    return headers_for(user)


@pytest.fixture
def admin_headers(admin):
    return headers_for(admin)


# ---------------------------------------------------------------- inventory (supplier simulator)
SIM_SETTINGS = {"products_per_category": 60, "epoch": 0, "seed": 7}


@pytest.fixture(scope="session")
def supplier(app):
    """The supplier simulator over HTTP on a free port; the app polls it (fast retries, short timeouts)."""
    from supplier_sim.testing import run_in_thread

    base_url, sim, stop = run_in_thread(**SIM_SETTINGS)
    app.config.update(
        {
            "SUPPLIER_API_URL": base_url,
            "INVENTORY_RETRY_BACKOFF": 0.01,
            "INVENTORY_READ_TIMEOUT": 5.0,
            "INVENTORY_FETCH_ATTEMPTS": 4,
            "INVENTORY_RETRY_HEDGE": 1,  # one request per retry, so forced failures are counted exactly
        }
    )
    yield sim
    stop()


@pytest.fixture
def sim(supplier, app):
    """The simulator reset to its starting settings (pinned epoch 0, no failures) for one test."""
    supplier.reset()
    saved = {
        k: app.config.get(k)
        for k in (
            "INVENTORY_RETRY_BACKOFF",
            "INVENTORY_READ_TIMEOUT",
            "INVENTORY_FETCH_ATTEMPTS",
            "INVENTORY_CATEGORIES",
            "INVENTORY_POLL_SECONDS",
        )
    }
    yield supplier
    supplier.reset()
    for key, value in saved.items():
        if value is None:
            app.config.pop(key, None)
        else:
            app.config[key] = value


# ---------------------------------------------------------------- S3 (a moto server over HTTP)
@pytest.fixture(scope="session")
def moto_s3():
    """A moto S3 server for the session (boto3 needs some credentials to sign with; moto takes any)."""
    from tests.support import MotoS3

    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        os.environ.setdefault(name, value)
    server = MotoS3().start()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(app, moto_s3):
    """The session app (and so the Celery worker) storing in a fresh private bucket of the moto server."""
    import uuid

    from trackbase.services.storage import get_storage

    bucket = f"tb-test-{uuid.uuid4().hex[:12]}"
    moto_s3.client().create_bucket(Bucket=bucket)
    saved = {k: app.config.get(k) for k in ("S3_BUCKET", "AWS_ENDPOINT_URL", "AWS_DEFAULT_REGION")}
    app.config.update(S3_BUCKET=bucket, AWS_ENDPOINT_URL=moto_s3.url, AWS_DEFAULT_REGION="us-east-1")
    app.extensions.pop("trackbase.storage", None)
    storage = get_storage()
    yield storage
    app.config.update(saved)
    app.extensions.pop("trackbase.storage", None)


# ---------------------------------------------------------------- shop (products to buy, DynamoDB over HTTP)
@pytest.fixture
def make_product(db):
    """A supplier product row as the latest poll left it (in stock, priced, seen now)."""
    from trackbase.models import Product, utcnow

    counter = {"n": 0}

    def _make(name: str | None = None, price_cents: int | None = 1250, availability: str = "in_stock", **fields):
        counter["n"] += 1
        product = Product(
            name=name or f"Product {counter['n']}",
            category="gloves",
            manufacturer="acme",
            source="supplier",
            external_id=f"ext{counter['n']}",
            price_cents=price_cents,
            availability=availability,
            availability_as_of=utcnow(),
            **fields,
        )
        db.session.add(product)
        db.session.commit()
        return product

    return _make


@pytest.fixture(scope="session")
def moto_port():
    from tests.support import free_port

    return free_port()


@pytest.fixture
def dynamodb(app, moto_port, monkeypatch):
    """DynamoDB over HTTP (moto server mode) on a fixed port, the app pointed at it with ORDERS_TABLE.

    The fixture answers a controller: `up()` starts the server (and creates the table), `down()`
    stops it, `items()` scans the table. It starts down, so a test can check out while DynamoDB is away.
    """
    from tests.support import DynamoStandIn

    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{moto_port}")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    saved = {k: app.config.get(k) for k in ("ORDERS_TABLE", "ORDER_EXPORT_MAX_ATTEMPTS")}
    app.config["ORDERS_TABLE"] = "Orders"
    stand_in = DynamoStandIn(moto_port, "Orders")
    yield stand_in
    stand_in.down()
    app.config.update(saved)
