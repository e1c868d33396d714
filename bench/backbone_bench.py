"""Backbone benchmark: authenticated GET /api/me on the real app vs a bare Flask app.

Both run under the same gunicorn settings (see harness.py); the rounds alternate between them
and the ratio is the median of the per-round ratios. Two pairs: authenticated GET /api/me, and the
cached GET /api/inventory/gloves against a bare app serving the same bytes. Target: app >= 0.45x bare
throughput for both.

    .venv/bin/python bench/backbone_bench.py [--rounds 5] [--seconds 8] [--concurrency 8] [--no-pin]
    .venv/bin/python bench/backbone_bench.py --breakdown 2000   # CPU cost of each part of the request path
    .venv/bin/python bench/backbone_bench.py --profile 3000     # cProfile of the app's request path
    .venv/bin/python bench/backbone_bench.py --spy 8            # py-spy a gunicorn worker under load

Exit status: 0 when the target is met, 1 when it is not, 2 when requests failed.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

TARGET = 0.45
PATH = "/api/me"
INVENTORY_PATH = "/api/inventory/gloves"
INVENTORY_ROWS = 60  # the read returns the first page: 50 rows, ~15 KB


def seed_inventory(env) -> None:
    """Supplier products in one category, so the inventory read has a full page to cache."""
    from trackbase.extensions import db
    from trackbase.models import Product

    availabilities = ("in_stock", "less_than_10", "out_of_stock")
    with env.app().app_context():
        for i in range(INVENTORY_ROWS):
            db.session.add(Product(
                name=f"Bench glove {i:03d}", description="A glove for the benchmark.", category="gloves",
                manufacturer=("acme", "umbrella", "initech")[i % 3], source="supplier",
                external_id=f"bench-{i:04d}", availability=availabilities[i % 3]))
        db.session.commit()
BENCH_DIR = Path(__file__).resolve().parent


def run(rounds: int, seconds: float, concurrency: int, pin: bool | None) -> int:
    client_cpus, server_cpus = harness.cpu_split(pin)
    placement = (f"server on CPU {sorted(server_cpus)}, load generator and Redis on CPU {sorted(client_cpus)}"
                 if server_cpus else "no CPU pinning")
    print(f"backbone benchmark: GET {PATH}, gunicorn -w {harness.GUNICORN_WORKERS} -k gthread "
          f"--threads {harness.GUNICORN_THREADS}, {concurrency} keep-alive connections, "
          f"{rounds} rounds x {seconds:g} s per side; {placement}")
    with harness.BenchEnvironment(redis_cpus=client_cpus) as env:
        seed_inventory(env)
        app = bare = None
        try:
            app = harness.start_gunicorn("trackbase:create_app()", env.app_env, cpus=server_cpus)
            status, body, headers = harness.fetch(app.url, PATH, env.headers)
            if status != 200:
                raise RuntimeError(f"GET {PATH} answered {status}: {body[:300]!r}")
            inv_status, inventory_body, _ = harness.fetch(app.url, INVENTORY_PATH, env.headers)  # fills the cache
            if inv_status != 200:
                raise RuntimeError(f"GET {INVENTORY_PATH} answered {inv_status}: {inventory_body[:300]!r}")
            bare = harness.start_gunicorn("bare_app:create_app()", {"BENCH_BARE_BODY": body.decode(),
                                                                    "BENCH_BARE_INVENTORY_BODY": inventory_body.decode()},
                                          cwd=BENCH_DIR, cpus=server_cpus)
            for path, expected in ((PATH, body), (INVENTORY_PATH, inventory_body)):
                bare_status, bare_body, _ = harness.fetch(bare.url, path)
                if (bare_status, bare_body) != (200, expected):
                    raise RuntimeError(f"the bare app does not return the same body as the app for {path}")
            print(f"body ({len(body)} bytes, identical on both sides): {body.decode().strip()}")
            print(f"inventory body: {len(inventory_body)} bytes, identical on both sides")

            def side(server, path, hdrs):
                return lambda: harness.measure(server.url, path, headers=hdrs, seconds=seconds,
                                               concurrency=concurrency, server=server, cpus=client_cpus)

            rows = harness.alternate(rounds, {
                "bare": side(bare, PATH, None), "app": side(app, PATH, env.headers),
                "bare-inv": side(bare, INVENTORY_PATH, None), "app-inv": side(app, INVENTORY_PATH, env.headers),
            })
        finally:
            for server in (app, bare):
                if server is not None:
                    server.stop()

    print()
    print(harness.format_table(rows))
    results = {}
    for label, path, subject, baseline in (("GET /api/me", PATH, "app", "bare"),
                                           ("cached GET /api/inventory/gloves", INVENTORY_PATH, "app-inv", "bare-inv")):
        s = harness.summary(rows, subject, baseline)
        results[path] = (s, subject, baseline)
        print()
        print(f"{label}, median over {s['rounds']} rounds:")
        for name in (baseline, subject):
            m = s[name]
            print(f"  {name:>8}: {m['rps']:8.1f} req/s   p50 {m['p50_ms']:6.2f} ms   p99 {m['p99_ms']:6.2f} ms   "
                  f"server CPU {m['server_cpu_ms_per_request']:.3f} ms/req   errors {m['errors']}")
        print(f"  throughput ratio app/bare: {s['throughput_ratio']:.3f}  (target >= {TARGET})")
        print(f"  p99 ratio app/bare:        {s['p99_ratio']:.3f}")
        print(f"  server CPU per request bare/app: {s['cpu_efficiency_ratio']:.3f}")
    me, inv = results[PATH][0], results[INVENTORY_PATH][0]
    print()
    print(f"ratios: /api/me {me['throughput_ratio']:.3f}, cached inventory {inv['throughput_ratio']:.3f} "
          f"(target >= {TARGET} for both)")
    print(json.dumps({"benchmark": "backbone", "me": _plain(me), "inventory": _plain(inv)}, sort_keys=True))
    if any(s[subject]["errors"] or s[baseline]["errors"] for s, subject, baseline in results.values()):
        return 2
    return 0 if min(me["throughput_ratio"], inv["throughput_ratio"]) >= TARGET else 1


def _plain(summary: dict) -> dict:
    return {k: ({kk: (round(vv, 4) if isinstance(vv, float) else vv) for kk, vv in v.items()} if isinstance(v, dict)
                else (round(v, 4) if isinstance(v, float) else v)) for k, v in summary.items()}


def _wsgi_caller(app, path: str, headers: dict):
    """A function that runs one request through `app` in-process and returns (status, body)."""
    from werkzeug.test import EnvironBuilder

    base = EnvironBuilder(path=path, method="GET", headers={"Accept": "application/json", **headers}).get_environ()

    def call():
        out = []
        body = app.wsgi_app(dict(base, **{"wsgi.input": io.BytesIO(b"")}),
                            lambda status, hdrs, exc=None: out.append(status))
        data = b"".join(body)
        if hasattr(body, "close"):
            body.close()
        return out[0], data

    return call


def _quiet_logging() -> None:
    """Keep the app's log handler cost (formatting included) but send the lines nowhere."""
    import logging

    root = logging.getLogger()
    for handler in root.handlers:
        if getattr(handler, "_trackbase", False):
            handler.setStream(io.StringIO())


def _cpu_us(call, n: int, repeats: int = 3) -> float:
    """Best-of-`repeats` CPU time (this process) per call, in microseconds."""
    for _ in range(min(200, n)):
        call()
    best = None
    for _ in range(repeats):
        started = time.process_time()
        for _ in range(n):
            call()
        value = (time.process_time() - started) / n * 1e6
        best = value if best is None or value < best else best
    return best


def profile(requests: int, top: int) -> int:
    """cProfile the real app's request path in-process (WSGI calls, no sockets)."""
    with harness.BenchEnvironment() as env:
        app = env.app()
        _quiet_logging()
        call = _wsgi_caller(app, PATH, env.headers)
        status, _ = call()
        assert status.startswith("200"), status
        print(f"in-process request: {_cpu_us(call, requests, 1):.0f} us CPU (no profiler)")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            call()
        profiler.disable()
        pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(top)
    return 0


def breakdown(requests: int, rounds: int = 5) -> int:
    """What each part of GET /api/me costs: CPU per request in-process, removing parts one by one.

    Each step keeps the previous removals, so the differences add up to the full cost. Parts are
    removed by patching this process only; nothing in the app changes.
    """
    import logging

    import bare_app

    from trackbase import headers as security_headers
    from trackbase.api import accounts as accounts_api
    from trackbase.auth import gate, tokens

    with harness.BenchEnvironment() as env:
        app = env.app()
        _quiet_logging()
        call = _wsgi_caller(app, PATH, env.headers)
        status, body = call()
        assert status.startswith("200"), status
        body_data = json.loads(body)
        original_get = accounts_api.MeResource.get
        original_script = gate._run_script
        original_parse = tokens.parse
        original_headers = dict(security_headers.BASE_HEADERS)
        access_log = logging.getLogger("trackbase.access")
        with app.test_request_context(PATH, headers=env.headers):
            token = tokens.parse(env.token)
            frozen_reply = original_script(app, token, 60)
        steps = [
            "full request path",
            "- access log line",
            "- security headers",
            "- the /api/me answer (serialized once per user version)",
            "- the gate's Redis round trip (one EVALSHA)",
            "- token signature check (cached per string)",
        ]

        def set_level(level: int) -> None:
            """Apply the first `level` removals (and undo the rest)."""
            access_log.disabled = level >= 1
            security_headers.BASE_HEADERS.clear()
            if level < 2:
                security_headers.BASE_HEADERS.update(original_headers)
            accounts_api.MeResource.get = (lambda self: {"user": body_data["user"]}) if level >= 3 else original_get
            gate._run_script = (lambda app_, token_, window: frozen_reply) if level >= 4 else original_script
            tokens.parse = (lambda raw: token) if level >= 5 else original_parse

        # The machine is noisy: every level is measured once per round, rounds interleave the
        # levels, and each level keeps its best round.
        best = [float("inf")] * len(steps)
        try:
            for _round in range(rounds):
                for level in range(len(steps)):
                    set_level(level)
                    status_, body_ = call()
                    assert status_.startswith("200") and body_ == body, (steps[level], status_)
                    best[level] = min(best[level], _cpu_us(call, requests, repeats=1))
        finally:
            set_level(0)
        rows = list(zip(steps, best))

        import os

        os.environ["BENCH_BARE_BODY"] = body.decode()
        bare = bare_app.create_app()
        bare_cpu = _cpu_us(_wsgi_caller(bare, PATH, {}), requests)

    full = rows[0][1]
    print(f"GET {PATH} in-process, CPU per request (best of {rounds} interleaved rounds x {requests} requests); "
          "each step keeps the removals above it\n")
    print(f"{'step':60s} {'us/req':>8} {'saves':>8} {'share':>6}")
    previous = None
    for label, value in rows:
        saved = "" if previous is None else f"{previous - value:8.0f}"
        share = "" if previous is None else f"{(previous - value) / full * 100:5.1f}%"
        print(f"{label:60s} {value:8.0f} {saved:>8} {share:>6}")
        previous = value
    print(f"{'= left: Flask, flask-restful, user cache, Flask-Login, limiter hooks':60s} {previous:8.0f} "
          f"{'':>8} {previous / full * 100:5.1f}%")
    print(f"\nthe bare Flask app, whole request: {bare_cpu:6.0f} us")
    print(f"\nin-process ratio bare/app CPU: {bare_cpu / full:.3f} (the gunicorn run adds the same HTTP cost to both)")
    return 0


# Parts of the request path, as (label, pattern matched against a py-spy frame). A sample counts
# for the first part whose frame appears in its stack, so nested parts come first.
SPY_PARTS = [
    ("user query (SQLAlchemy, inside Flask-Security)", r"SQLAlchemyUserDatastore\.find_user "),
    ("Flask-Security/Flask-Login/Principal token auth (rest)", r"^(_request_loader|_identity_loader|_check_token|"
     r"auth_required\.<locals>|LoginManager\.|Principal\.|_on_identity_loaded) "),
    ("Flask-Limiter: X-RateLimit-* headers", r"__inject_headers "),
    ("Flask-Limiter: limit check", r"Limiter\._check_request_limit "),
    ("revoked-token check", r"refuse_revoked_token "),
    ("MeResource.get (marshmallow dump)", r"MeResource\.get "),
    ("access log line", r"init_request_logging\.<locals>\._finish "),
    ("Flask, werkzeug, flask-restful (rest)", r"^Flask\.__call__ "),
    ("gunicorn (HTTP parsing and writing)", r"ThreadWorker\.handle "),
]


def spy(seconds: float, concurrency: int, pin: bool | None) -> int:
    """Profile one gunicorn worker of the real app under load with py-spy (GIL-holding samples)."""
    import re
    import shutil
    import subprocess
    import tempfile
    import threading

    py_spy = shutil.which("py-spy")
    if py_spy is None:
        print("py-spy is not on PATH (pip install py-spy into any environment); use --breakdown instead")
        return 2
    client_cpus, server_cpus = harness.cpu_split(pin)
    with harness.BenchEnvironment(redis_cpus=client_cpus) as env:
        app = harness.start_gunicorn("trackbase:create_app()", env.app_env, cpus=server_cpus)
        try:
            worker = harness._children(app.pid)[0]
            results = []
            load = threading.Thread(target=lambda: results.append(harness.measure(
                app.url, PATH, headers=env.headers, seconds=seconds + 2, concurrency=concurrency,
                server=app, cpus=client_cpus)))
            load.start()
            time.sleep(1.5)
            with tempfile.NamedTemporaryFile(suffix=".folded") as out:
                subprocess.run([py_spy, "record", "--pid", str(worker), "--duration", str(int(seconds)),
                                "--rate", "500", "--gil", "--nonblocking", "--format", "raw",
                                "--output", out.name], check=True, capture_output=True)
                folded = out.read().decode()
            load.join()
        finally:
            app.stop()
    totals = {label: 0 for label, _ in SPY_PARTS}
    other = total = 0
    patterns = [(label, re.compile(pattern)) for label, pattern in SPY_PARTS]
    for line in folded.splitlines():
        stack, _, count = line.rpartition(" ")
        count = int(count)
        total += count
        frames = stack.split(";")
        for label, pattern in patterns:
            if any(pattern.search(frame) for frame in frames):
                totals[label] += count
                break
        else:
            other += count
    result = results[0]
    print(f"py-spy --gil on one worker for {seconds:g} s under load: {result.rps:.0f} req/s, "
          f"{result.server_cpu_ms_per_request:.3f} ms server CPU/req, {total} samples\n")
    for label, count in totals.items():
        print(f"  {label:58s} {count / total * 100:5.1f}%")
    print(f"  {'elsewhere (worker loop, idle bookkeeping)':58s} {other / total * 100:5.1f}%")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per side per round")
    parser.add_argument("--concurrency", type=int, default=harness.DEFAULT_CONCURRENCY)
    parser.add_argument("--no-pin", action="store_true", help="let server and load generator share every CPU")
    parser.add_argument("--profile", type=int, metavar="N", help="cProfile N in-process requests instead")
    parser.add_argument("--breakdown", type=int, metavar="N", help="cost of each part of the request path (N requests per step)")
    parser.add_argument("--spy", type=float, metavar="SECONDS", help="py-spy a gunicorn worker under load (needs py-spy)")
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.profile, args.top)
    if args.breakdown:
        return breakdown(args.breakdown)
    if args.spy:
        return spy(args.spy, args.concurrency, False if args.no_pin else None)
    return run(args.rounds, args.seconds, args.concurrency, False if args.no_pin else None)


if __name__ == "__main__":
    sys.exit(main())
