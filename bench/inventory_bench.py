"""Inventory benchmark: supplier poll wall time, apply times, and cached inventory reads.

1. The supplier simulator runs as its own process with upstream-like latency (product lists
   0.5 s, availability 2 s, ~6,000 products per category). The poll wall time is divided by the
   slowest single upstream call (each list fetched alone, in full): without failures (target
   <= 1.3) and with 10% "[]" availability answers (target <= 2.3). Printed per poll: total wall,
   the fetch phase, the apply phase.
2. Time to apply the first poll (~18,000 new products) and an unchanged poll (every list 304),
   plus a poll after one rotation period (a few hundred changes).
3. Cached GET /api/inventory/gloves under gunicorn (harness.py settings), alternating with the
   backbone benchmark's bare Flask baseline and the authenticated GET /api/me, plus the
   revalidation path (If-None-Match -> 304). Target: inventory >= 0.6 x bare.

    .venv/bin/python bench/inventory_bench.py [--polls 6] [--rounds 3] [--seconds 5] [--no-pin] [--skip-http]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@localhost/postgres .venv/bin/python bench/inventory_bench.py

Prints figures and one JSON line; never fails on a figure (exit 2 only when requests failed).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
TARGET_CLEAN, TARGET_FAILURES, TARGET_THROUGHPUT = 1.3, 2.3, 0.6
CATEGORIES = ("gloves", "facemasks", "beanies")
MANUFACTURERS = ("abiplos", "ippal", "juuran", "laion", "niksleh", "umpante")


class Simulator:
    """The supplier simulator in its own process (as the real upstream is on another host)."""

    def __init__(self, **settings):
        self.port = harness.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "supplier_sim", "--port", str(self.port), "--quiet", "--epoch", "0"]
        for key, value in settings.items():
            args += [f"--{key.replace('_', '-')}", str(value)]
        self.process = subprocess.Popen(args, cwd=str(harness.BACKEND_DIR), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/_sim/status", timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("the supplier simulator did not start")

    def control(self, path: str, data: dict | None = None) -> dict:
        response = requests.post(f"{self.url}/_sim/{path}", json=data or {}, timeout=30)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def slowest_single_call(sim: Simulator) -> tuple[float, dict]:
    """Each upstream list fetched alone and in full (no ETag), all at once; the slowest time."""
    sim.control("config", {"empty_rate": 0.0, "error_rate": 0.0})
    paths = [f"/v2/products/{c}" for c in CATEGORIES] + [f"/v2/availability/{m}" for m in MANUFACTURERS]

    def timed(path):
        start = time.monotonic()
        response = requests.get(sim.url + path, timeout=60, headers={"x-sim-mode": "none"})
        response.raise_for_status()
        return path, time.monotonic() - start

    with ThreadPoolExecutor(len(paths)) as pool:
        times = dict(pool.map(timed, paths))
    return max(times.values()), times


def timed_poll(app, trigger="manual") -> dict:
    """One poll in-process; wall time split into the fetch phase and the apply phase."""
    from trackbase.services import inventory

    marks = {}

    def progress(pct, message):
        if pct == 85 and "fetched" not in marks:
            marks["fetched"] = time.monotonic()

    with app.app_context():
        start = time.monotonic()
        run = inventory.run_poll(trigger, progress=progress)
        end = time.monotonic()
        fetch = marks.get("fetched", end) - start
        return {"wall": end - start, "fetch": fetch, "apply": end - start - fetch, "status": run.status,
                "counts": dict(run.counts), "attempts": max(o["attempts"] for o in run.sources.values())}


def poll_figures(env_factory, polls: int) -> tuple[dict, object]:
    sim = Simulator(products_latency=0.5, availability_latency=2.0)
    try:
        slowest, times = slowest_single_call(sim)
        print(f"slowest single upstream call: {slowest:.2f} s  "
              f"(lists {min(t for p, t in times.items() if 'products' in p):.2f}-"
              f"{max(t for p, t in times.items() if 'products' in p):.2f} s, availability "
              f"{min(t for p, t in times.items() if 'availability' in p):.2f}-"
              f"{max(t for p, t in times.items() if 'availability' in p):.2f} s)")
        env = env_factory({"SUPPLIER_API_URL": sim.url})
        app = env.app()
        out = {"slowest_call_s": round(slowest, 3)}

        first = timed_poll(app)
        print(f"first poll: {first['wall']:.2f} s wall = fetch {first['fetch']:.2f} s + apply {first['apply']:.2f} s "
              f"({first['counts']['inserted']} products inserted, {first['counts']['availability_changes']} history rows); "
              f"ratio {first['wall'] / slowest:.2f}")
        out["first_poll"] = _round(first, slowest)

        unchanged = [timed_poll(app) for _ in range(3)]
        u = min(unchanged, key=lambda r: r["wall"])
        print(f"unchanged poll (all 304): {u['wall']:.2f} s wall = fetch {u['fetch']:.2f} s + apply {u['apply']:.3f} s "
              f"(written {u['counts']['written']}); ratio {u['wall'] / slowest:.2f}")
        out["unchanged_poll"] = _round(u, slowest)

        def scenario(name, empty_rate, target):
            sim.control("config", {"empty_rate": empty_rate})
            rows = []
            for _ in range(polls):
                sim.control("advance", {"periods": 1})
                rows.append(timed_poll(app))
            ratios = [r["wall"] / slowest for r in rows]
            fetch_ratios = [r["fetch"] / slowest for r in rows]
            print(f"{name}: {polls} polls after a rotation each (~{rows[0]['counts']['written']} rows written per poll)")
            for r, ratio in zip(rows, ratios):
                print(f"    wall {r['wall']:.2f} s (fetch {r['fetch']:.2f} s, apply {r['apply']:.2f} s), "
                      f"max attempts {r['attempts']}, {r['status']}, ratio {ratio:.2f}")
            print(f"  poll wall / slowest call: median {statistics.median(ratios):.2f}, worst {max(ratios):.2f}  "
                  f"(target <= {target}); fetch phase alone: median {statistics.median(fetch_ratios):.2f}, "
                  f"worst {max(fetch_ratios):.2f}")
            return {"median_ratio": round(statistics.median(ratios), 3), "worst_ratio": round(max(ratios), 3),
                    "median_fetch_ratio": round(statistics.median(fetch_ratios), 3),
                    "median_apply_s": round(statistics.median(r["apply"] for r in rows), 3),
                    "statuses": [r["status"] for r in rows], "target": target}

        out["clean"] = scenario("no failures", 0.0, TARGET_CLEAN)
        out["failures_10pct"] = scenario('10% "[]" availability answers', 0.1, TARGET_FAILURES)
        return out, env
    finally:
        sim.stop()


def _round(r: dict, slowest: float) -> dict:
    return {"wall_s": round(r["wall"], 3), "fetch_s": round(r["fetch"], 3), "apply_s": round(r["apply"], 3),
            "ratio": round(r["wall"] / slowest, 3), "written": r["counts"]["written"]}


def http_figures(env, rounds: int, seconds: float, concurrency: int, pin: bool | None) -> dict:
    client_cpus, server_cpus = harness.cpu_split(pin)
    path = "/api/inventory/gloves"
    app = bare = None
    try:
        app = harness.start_gunicorn("trackbase:create_app()", env.app_env, cpus=server_cpus)
        status, body, headers = harness.fetch(app.url, path, env.headers)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {body[:300]!r}")
        etag = headers.get("ETag") or headers.get("etag")
        me_status, me_body, _ = harness.fetch(app.url, "/api/me", env.headers)
        bare = harness.start_gunicorn("bare_app:create_app()", {"BENCH_BARE_BODY": me_body.decode()},
                                      cwd=BENCH_DIR, cpus=server_cpus)
        print(f"\nGET {path}: {len(body)} bytes (50 rows), ETag {etag}; gunicorn -w {harness.GUNICORN_WORKERS} "
              f"-k gthread --threads {harness.GUNICORN_THREADS}, {concurrency} connections, {rounds} rounds x {seconds:g} s")

        def side(server, p, hdrs, expect=200):
            return lambda: harness.measure(server.url, p, headers=hdrs, seconds=seconds, concurrency=concurrency,
                                           server=server, cpus=client_cpus, expect_status=expect)

        rows = harness.alternate(rounds, {
            "bare": side(bare, "/api/me", None),
            "me": side(app, "/api/me", env.headers),
            "inventory": side(app, path, env.headers),
            "inventory304": side(app, path, {**env.headers, "If-None-Match": etag}, expect=304),
        })
    finally:
        for server in (app, bare):
            if server is not None:
                server.stop()
    print()
    print(harness.format_table(rows))
    vs_bare = harness.summary(rows, "inventory", "bare")
    vs_me = harness.summary(rows, "inventory", "me")
    revalidate = harness.summary(rows, "inventory304", "bare")
    print()
    for name, s in (("bare", vs_bare["bare"]), ("me", vs_me["me"]), ("inventory", vs_bare["inventory"]),
                    ("inventory304", revalidate["inventory304"])):
        print(f"  {name:>12}: {s['rps']:8.1f} req/s  p50 {s['p50_ms']:6.2f} ms  p99 {s['p99_ms']:6.2f} ms  "
              f"server CPU {s['server_cpu_ms_per_request']:.3f} ms/req  errors {s['errors']}")
    print(f"  cached inventory / bare:          {vs_bare['throughput_ratio']:.3f}  (target >= {TARGET_THROUGHPUT})")
    print(f"  cached inventory / GET /api/me:   {vs_me['throughput_ratio']:.3f}  (the authenticated floor)")
    print(f"  304 revalidation / bare:          {revalidate['throughput_ratio']:.3f}")
    errors = sum(s[k]["errors"] for s, k in ((vs_bare, "bare"), (vs_bare, "inventory"), (vs_me, "me"),
                                             (revalidate, "inventory304")))
    return {"bare_rps": round(vs_bare["bare"]["rps"], 1), "me_rps": round(vs_me["me"]["rps"], 1),
            "inventory_rps": round(vs_bare["inventory"]["rps"], 1),
            "inventory_304_rps": round(revalidate["inventory304"]["rps"], 1),
            "ratio_vs_bare": round(vs_bare["throughput_ratio"], 3), "ratio_vs_me": round(vs_me["throughput_ratio"], 3),
            "ratio_304_vs_bare": round(revalidate["throughput_ratio"], 3), "errors": errors}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--polls", type=int, default=6, help="polls per failure scenario")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=harness.DEFAULT_CONCURRENCY)
    parser.add_argument("--no-pin", action="store_true")
    parser.add_argument("--skip-http", action="store_true", help="only the poll figures")
    args = parser.parse_args(argv)
    pin = False if args.no_pin else None
    client_cpus, _ = harness.cpu_split(pin)
    print(f"inventory benchmark on {'PostgreSQL' if os.environ.get('BENCH_DATABASE_URL') else 'SQLite'}")

    holder = {}

    def env_factory(extra):
        holder["env"] = harness.BenchEnvironment(redis_cpus=client_cpus, extra_env=extra).__enter__()
        return holder["env"]

    try:
        polls, env = poll_figures(env_factory, args.polls)
        result = {"benchmark": "inventory", "database": "postgresql" if os.environ.get("BENCH_DATABASE_URL") else "sqlite",
                  "poll": polls}
        if not args.skip_http:
            result["http"] = http_figures(env, args.rounds, args.seconds, args.concurrency, pin)
    finally:
        if "env" in holder:
            holder["env"].close()
    print(json.dumps(result, sort_keys=True))
    return 2 if result.get("http", {}).get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
