"""Shop benchmark: orders per second for 20 concurrent users, on SQLite and on PostgreSQL.

Each user (its own token and keep-alive connection) loops: PUT one line into its cart, then
POST /api/checkout with a fresh Idempotency-Key; an order is a 201. The confirmation email and
(with ORDERS_TABLE unset) no DynamoDB hand-off are queued as in production; no worker runs, so the
figure is the API's own. Limits are raised so they never interfere.

    .venv/bin/python bench/shop_bench.py [--seconds 10] [--users 20] [--no-pin]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@localhost/postgres   (the PostgreSQL server; this default)

Exit status: 0 when every run placed orders without errors, 2 otherwise.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@localhost/postgres"
PRODUCTS = 10
HIGH = "1000000 per minute"


def seed(env, users: int) -> tuple[list[int], list[str]]:
    """Priced, in-stock products and `users` members with tokens."""
    from trackbase.extensions import db
    from trackbase.models import Product, utcnow
    from trackbase.services import accounts

    with env.app().app_context():
        products = [
            Product(
                name=f"Bench product {i}",
                category="gloves",
                manufacturer="acme",
                source="supplier",
                external_id=f"bench-shop-{i}",
                price_cents=1000 + i,
                availability="in_stock",
                availability_as_of=utcnow(),
            )
            for i in range(PRODUCTS)
        ]
        db.session.add_all(products)
        made = [
            accounts.create_user(f"shopper{i}@example.com", "bench-password-9", role="member") for i in range(users)
        ]
        db.session.commit()
        return [p.id for p in products], [u.get_auth_token() for u in made]


def shopper(url: str, token: str, product_id: int, deadline: float, out: dict, lock: threading.Lock) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    headers = {"Authentication-Token": token, "Content-Type": "application/json", "Accept": "application/json"}
    orders, errors, latencies = 0, 0, []
    body = json.dumps({"quantity": 2})
    while time.monotonic() < deadline:
        try:
            conn.request("PUT", f"/api/cart/items/{product_id}", body=body, headers=headers)
            put = conn.getresponse()
            put.read()
            started = time.perf_counter()
            conn.request("POST", "/api/checkout", headers={**headers, "Idempotency-Key": str(uuid.uuid4())})
            response = conn.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if put.status == 200 and response.status == 201:
                orders += 1
            else:
                errors += 1
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.close()
    with lock:
        out["orders"] += orders
        out["errors"] += errors
        out["latencies"].extend(latencies)


def run_one(label: str, seconds: float, users: int, pin: bool | None) -> dict:
    client_cpus, server_cpus = harness.cpu_split(pin)
    extra = {"RATELIMIT_CHECKOUT": HIGH, "RATELIMIT_CART": HIGH}
    with harness.BenchEnvironment(ratelimit=HIGH, redis_cpus=client_cpus, extra_env=extra) as env:
        product_ids, tokens = seed(env, users)
        app = harness.start_gunicorn("trackbase:create_app()", env.app_env, cpus=server_cpus)
        try:
            out = {"orders": 0, "errors": 0, "latencies": []}
            lock = threading.Lock()
            harness.pin_current_thread(client_cpus)
            cpu_before = app.cpu_seconds()
            started = time.monotonic()
            deadline = started + seconds
            threads = [
                threading.Thread(target=shopper, args=(app.url, token, product_ids[i % PRODUCTS], deadline, out, lock))
                for i, token in enumerate(tokens)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            cpu = app.cpu_seconds() - cpu_before
            latencies = sorted(out["latencies"])
            with env.app().app_context():
                from sqlalchemy import func, select

                from trackbase.extensions import db
                from trackbase.models import Order

                stored = db.session.scalar(select(func.count()).select_from(Order))
            return {
                "database": label,
                "orders_per_s": out["orders"] / elapsed,
                "orders": out["orders"],
                "stored": stored,
                "errors": out["errors"],
                "p50_ms": harness.percentile(latencies, 0.5) if latencies else 0.0,
                "p99_ms": harness.percentile(latencies, 0.99) if latencies else 0.0,
                "server_cpu_ms_per_order": 1000 * cpu / max(1, out["orders"]),
            }
        finally:
            app.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--no-pin", action="store_true")
    args = parser.parse_args()
    pin = False if args.no_pin else None
    print(
        f"shop benchmark: {args.users} users, each PUT a cart line then POST /api/checkout, {args.seconds:g} s "
        f"per database; gunicorn -w {harness.GUNICORN_WORKERS} -k gthread --threads {harness.GUNICORN_THREADS}"
    )
    results = []
    saved = os.environ.pop("BENCH_DATABASE_URL", None)
    try:
        results.append(run_one("SQLite", args.seconds, args.users, pin))
        os.environ["BENCH_DATABASE_URL"] = saved or DEFAULT_PG
        results.append(run_one("PostgreSQL", args.seconds, args.users, pin))
    finally:
        os.environ.pop("BENCH_DATABASE_URL", None)
        if saved is not None:
            os.environ["BENCH_DATABASE_URL"] = saved
    print(
        f"{'database':<11} {'orders/s':>9} {'orders':>7} {'stored':>7} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'server CPU ms/order':>20}"
    )
    for r in results:
        print(
            f"{r['database']:<11} {r['orders_per_s']:>9.1f} {r['orders']:>7} {r['stored']:>7} {r['errors']:>7} "
            f"{r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['server_cpu_ms_per_order']:>20.1f}"
        )
    ok = all(r["orders"] > 0 and r["errors"] == 0 and r["stored"] == r["orders"] for r in results)
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
