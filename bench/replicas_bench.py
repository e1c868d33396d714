"""Replicas benchmark: authenticated GET /api/me through nginx in front of 2 API replicas vs 1 replica.

The shape `./local_run.sh --replicas N` runs: nginx with the config devtools/nginx.py renders from
deploy/nginx.conf (upstream keepalive, X-Upstream naming the replica) in front of gunicorn replicas
(TRUSTED_PROXIES=1, --keep-alive 75) sharing one database and one Redis. Two nginx run side by side,
one with a single replica upstream and one with both; rounds alternate between them and the ratio
is the median of the per-round ratios. Target: 2 replicas >= 1.6x one replica on two cores.

A replica is one gunicorn worker process (4 threads) by default, as a container given one CPU would
run it; with `--workers-per-replica 2` a single replica already fills both cores. Nothing is pinned:
the replicas must be free to use both cores, and the load generator (wrk, a C program; the Python
harness client with `--client python`), nginx and Redis share them.

    .venv/bin/python bench/replicas_bench.py [--rounds 5] [--seconds 8] [--connections 16]
                                             [--workers-per-replica 1] [--client wrk|python]

wrk and nginx are installed with apt when missing and running as root. Exit status: 0 when the
target is met, 1 when it is not, 2 when requests failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
from devtools import nginx as nginx_config  # noqa: E402  (backend/ is on the path via harness)

TARGET = 1.6
PATH = "/api/me"
THREADS = 4


def apt_install(binary: str, package: str) -> str | None:
    """The binary's path; installs `package` with apt first when it is missing and we are root."""
    found = shutil.which(binary) or (f"/usr/sbin/{binary}" if os.access(f"/usr/sbin/{binary}", os.X_OK) else None)
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print(f"installing {package} (apt)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, timeout=600)
    return shutil.which(binary) or f"/usr/sbin/{binary}"


def start_nginx(binary: str, upstreams: list[harness.Server]) -> harness.Server:
    """nginx on a free port in front of `upstreams`, rendered from deploy/nginx.conf."""
    port = harness.free_port()
    tmp = tempfile.mkdtemp(prefix="tb-bench-nginx-")
    addresses = [server.url.removeprefix("http://") for server in upstreams]
    conf = nginx_config.render(Path(tmp), f"127.0.0.1:{port}", addresses)
    log_path = Path(tmp) / "logs" / "stderr.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([binary, "-p", tmp, "-c", str(conf), "-e", "stderr"], stdout=log,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    server = harness.Server(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, _tmp=tmp)
    deadline = time.monotonic() + 20
    while True:
        try:
            status, _, _ = harness.fetch(server.url, "/nginx-health")
            if status == 200:
                return server
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"nginx did not start:\n{tail}")
        time.sleep(0.05)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", value).groups()
    return float(number) * _UNITS[unit]


def run_wrk(wrk: str, url: str, headers: dict, seconds: float, connections: int) -> dict:
    """One wrk run; its figures (requests, non-2xx, socket errors, latency percentiles in ms)."""
    command = [wrk, "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--latency", "--timeout", "10s"]
    for name, value in {"Accept": "application/json", **headers}.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url + PATH], capture_output=True, text=True, timeout=seconds + 60).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(\w+),", out)
    if not done:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+([\d.]+\w+)", out, re.M))
    return {
        "requests": int(done.group(1)),
        "seconds": _ms(done.group(2) + done.group(3)) / 1000,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket.groups()) if socket else 0,
        "p50_ms": _ms(latency["50"]),
        "p90_ms": _ms(latency["90"]),
        "p99_ms": _ms(latency["99"]),
        "max_ms": _ms(re.search(r"Latency\s+\S+\s+\S+\s+(\S+)", out).group(1)),
    }


def measure(args, wrk: str | None, proxy: harness.Server, replicas: list[harness.Server], headers: dict):
    """Load through `proxy`; a harness Result with the CPU of nginx and its replicas per request."""
    processes = [proxy, *replicas]
    cpu_before = [server.cpu_seconds() for server in processes]
    if wrk:
        figures = run_wrk(wrk, proxy.url, headers, args.seconds, args.connections)
        ok = figures["requests"] - figures["non_2xx"]
        result = harness.Result(
            requests=ok, errors=figures["non_2xx"] + figures["socket_errors"], seconds=figures["seconds"],
            rps=ok / figures["seconds"], p50_ms=figures["p50_ms"], p90_ms=figures["p90_ms"],
            p99_ms=figures["p99_ms"], max_ms=figures["max_ms"],
        )  # fmt: skip
    else:
        result = harness.measure(proxy.url, PATH, headers=headers, seconds=args.seconds, warmup=0,
                                 concurrency=args.connections)  # fmt: skip
    used = [server.cpu_seconds() - before for server, before in zip(processes, cpu_before, strict=True)]
    if result.requests:
        result.server_cpu_ms_per_request = sum(used) * 1000 / result.requests
    result.nginx_cpu_share = used[0] / max(sum(used), 1e-9)
    result.replica_cpu_seconds = [round(u, 2) for u in used[1:]]
    result.cores_used = sum(used) / result.seconds  # CPU the server side got: 1.0 = one core
    return result


def run(args) -> int:
    nginx = apt_install("nginx", "nginx-light")
    if not nginx:
        sys.exit("nginx is not installed: run ./local_setup.sh as root, or 'sudo apt-get install nginx-light'")
    wrk = apt_install("wrk", "wrk") if args.client == "wrk" else None
    if args.client == "wrk" and not wrk:
        print("wrk is not installed ('sudo apt-get install wrk'): using the Python harness client instead")
    client = "wrk -t 1" if wrk else "Python harness client"
    print(f"replicas benchmark: GET {PATH} through nginx, replicas gunicorn -w {args.workers_per_replica} "
          f"-k gthread --threads {THREADS}, {client}, {args.connections} connections, {args.rounds} rounds x "
          f"{args.seconds:g} s per side, no CPU pinning ({os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} before the start)")  # fmt: skip
    started: list[harness.Server] = []
    with harness.BenchEnvironment(extra_env={"TRUSTED_PROXIES": "1"}) as env:
        try:
            replicas = []
            for _ in range(2):
                replicas.append(harness.start_gunicorn(
                    "trackbase:create_app()", env.app_env, workers=args.workers_per_replica, threads=THREADS,
                    extra_args=["--keep-alive", "75"],
                ))  # fmt: skip
                started.append(replicas[-1])
            one, two = start_nginx(nginx, replicas[:1]), start_nginx(nginx, replicas)
            started += [one, two]
            seen = set()
            for proxy in (one, two, two, two, two):
                status, body, headers = harness.fetch(proxy.url, PATH, env.headers)
                if status != 200:
                    raise RuntimeError(f"GET {PATH} through nginx answered {status}: {body[:300]!r}")
                seen.add((proxy.url, headers.get("X-Upstream")))
            if len({upstream for url, upstream in seen if url == two.url}) != 2:
                raise RuntimeError(f"the two-replica nginx did not reach both replicas: {seen}")
            print(f"body ({len(body)} bytes): {body.decode().strip()}")

            sides = {
                "1 replica": lambda: measure(args, wrk, one, replicas[:1], env.headers),
                "2 replicas": lambda: measure(args, wrk, two, replicas, env.headers),
            }
            warm = args.seconds
            args.seconds = 2
            for side in sides.values():
                side()
            args.seconds = warm
            rows = harness.alternate(args.rounds, sides)
        finally:
            for server in reversed(started):
                server.stop()

    print()
    print(harness.format_table(rows))
    for row in rows:
        r = row["result"]
        print(f"  round {row['round']} {row['side']:>10}: nginx {r.nginx_cpu_share:.1%} of the server CPU, "
              f"replica CPU seconds {r.replica_cpu_seconds}, server side used {r.cores_used:.2f} cores")  # fmt: skip
    result = harness.summary(rows, "2 replicas", "1 replica")
    ratio = result["throughput_ratio"]
    errors = result["2 replicas"]["errors"] + result["1 replica"]["errors"]
    print()
    for name in ("1 replica", "2 replicas"):
        side = result[name]
        print(f"{name:>10}: {side['rps']:.1f} req/s, p50 {side['p50_ms']:.2f} ms, p99 {side['p99_ms']:.2f} ms, "
              f"server CPU {side['server_cpu_ms_per_request']:.3f} ms/request (nginx + replicas), "
              f"errors {side['errors']}")  # fmt: skip
    cores = {name: statistics.median(r["result"].cores_used for r in rows if r["side"] == name) for name in sides}
    print(f"cores the server side got (median): 1 replica {cores['1 replica']:.2f}, "
          f"2 replicas {cores['2 replicas']:.2f}")  # fmt: skip
    if cores["2 replicas"] < 1.5:
        print("  the two replicas got less than 1.5 cores between them: the machine is busy with other work, so the "
              "ratio shows how much CPU was free, not how far the replicas scale")  # fmt: skip
    verdict = "met" if ratio >= TARGET else "NOT met"
    print(f"throughput 2 replicas / 1 replica: {ratio:.2f} (target >= {TARGET}: {verdict}); "
          f"load average {os.getloadavg()[0]:.2f} at the end")  # fmt: skip
    print(json.dumps({"benchmark": "replicas", "ratio": round(ratio, 3), "target": TARGET, "client": client,
                      "workers_per_replica": args.workers_per_replica, "connections": args.connections,
                      "rounds": args.rounds, "seconds": args.seconds, "cores_used": cores,
                      **{name: result[name] for name in ("1 replica", "2 replicas")}}))  # fmt: skip
    if errors:
        return 2
    return 0 if ratio >= TARGET else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers-per-replica", type=int, default=1)
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
