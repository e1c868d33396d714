"""Backbone benchmark: authenticated GET /api/me on the real app vs a bare Flask app.

Both run under the same gunicorn settings (see harness.py); the rounds alternate between them
and the ratio is the median of the per-round ratios. Target: app >= 0.7x bare throughput.

    .venv/bin/python bench/backbone_bench.py [--rounds 5] [--seconds 8] [--concurrency 8] [--no-pin]
    .venv/bin/python bench/backbone_bench.py --profile 3000     # cProfile of the app's request path

Exit status: 0 when the target is met, 1 when it is not, 2 when requests failed.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402

TARGET = 0.7
PATH = "/api/me"
BENCH_DIR = Path(__file__).resolve().parent


def run(rounds: int, seconds: float, concurrency: int, pin: bool | None) -> int:
    client_cpus, server_cpus = harness.cpu_split(pin)
    placement = (f"server on CPU {sorted(server_cpus)}, load generator and Redis on CPU {sorted(client_cpus)}"
                 if server_cpus else "no CPU pinning")
    print(f"backbone benchmark: GET {PATH}, gunicorn -w {harness.GUNICORN_WORKERS} -k gthread "
          f"--threads {harness.GUNICORN_THREADS}, {concurrency} keep-alive connections, "
          f"{rounds} rounds x {seconds:g} s per side; {placement}")
    with harness.BenchEnvironment(redis_cpus=client_cpus) as env:
        app = bare = None
        try:
            app = harness.start_gunicorn("trackbase:create_app()", env.app_env, cpus=server_cpus)
            status, body, headers = harness.fetch(app.url, PATH, env.headers)
            if status != 200:
                raise RuntimeError(f"GET {PATH} answered {status}: {body[:300]!r}")
            bare = harness.start_gunicorn("bare_app:create_app()", {"BENCH_BARE_BODY": body.decode()},
                                          cwd=BENCH_DIR, cpus=server_cpus)
            bare_status, bare_body, _ = harness.fetch(bare.url, PATH)
            if (bare_status, bare_body) != (200, body):
                raise RuntimeError("the bare app does not return the same body as the app")
            print(f"body ({len(body)} bytes, identical on both sides): {body.decode().strip()}")

            def side(server, hdrs):
                return lambda: harness.measure(server.url, PATH, headers=hdrs, seconds=seconds,
                                               concurrency=concurrency, server=server, cpus=client_cpus)

            rows = harness.alternate(rounds, {"bare": side(bare, None), "app": side(app, env.headers)})
        finally:
            for server in (app, bare):
                if server is not None:
                    server.stop()

    print()
    print(harness.format_table(rows))
    s = harness.summary(rows, "app", "bare")
    print()
    print(f"median over {s['rounds']} rounds:")
    for name in ("bare", "app"):
        m = s[name]
        print(f"  {name:>4}: {m['rps']:8.1f} req/s   p50 {m['p50_ms']:6.2f} ms   p99 {m['p99_ms']:6.2f} ms   "
              f"server CPU {m['server_cpu_ms_per_request']:.3f} ms/req   errors {m['errors']}")
    print(f"  throughput ratio app/bare: {s['throughput_ratio']:.3f}  (target >= {TARGET})")
    print(f"  p99 ratio app/bare:        {s['p99_ratio']:.3f}")
    print(f"  server CPU per request bare/app: {s['cpu_efficiency_ratio']:.3f}")
    print(json.dumps({"benchmark": "backbone", "path": PATH, **_plain(s)}, sort_keys=True))
    if s["app"]["errors"] or s["bare"]["errors"]:
        return 2
    return 0 if s["throughput_ratio"] >= TARGET else 1


def _plain(summary: dict) -> dict:
    return {k: ({kk: (round(vv, 4) if isinstance(vv, float) else vv) for kk, vv in v.items()} if isinstance(v, dict)
                else (round(v, 4) if isinstance(v, float) else v)) for k, v in summary.items()}


def profile(requests: int, top: int) -> int:
    """cProfile the real app's request path in-process (WSGI calls, no sockets)."""
    from werkzeug.test import EnvironBuilder

    with harness.BenchEnvironment() as env:
        app = env.app()
        builder = EnvironBuilder(path=PATH, method="GET", headers={"Accept": "application/json", **env.headers})
        base = builder.get_environ()

        def call():
            out = []
            body = app.wsgi_app(dict(base, **{"wsgi.input": io.BytesIO(b"")}), lambda status, headers, exc=None: out.append(status))
            data = b"".join(body)
            if hasattr(body, "close"):
                body.close()
            return out[0], data

        import logging

        logging.getLogger().handlers[:] = [h for h in logging.getLogger().handlers if not getattr(h, "_trackbase", False)]
        logging.getLogger().addHandler(logging.StreamHandler(io.StringIO()))  # keep the cost, not the noise
        for _ in range(200):
            status, _data = call()
            assert status.startswith("200"), status
        t0 = time.perf_counter()
        for _ in range(requests):
            call()
        plain = (time.perf_counter() - t0) / requests
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            call()
        profiler.disable()
        print(f"in-process request (no profiler): {plain * 1e6:.0f} us")
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(top)
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8.0, help="measured seconds per side per round")
    parser.add_argument("--concurrency", type=int, default=harness.DEFAULT_CONCURRENCY)
    parser.add_argument("--no-pin", action="store_true", help="let server and load generator share every CPU")
    parser.add_argument("--profile", type=int, metavar="N", help="profile N in-process requests instead")
    parser.add_argument("--top", type=int, default=45)
    args = parser.parse_args(argv)
    if args.profile:
        return profile(args.profile, args.top)
    return run(args.rounds, args.seconds, args.concurrency, False if args.no_pin else None)


if __name__ == "__main__":
    sys.exit(main())
