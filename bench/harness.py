"""Benchmark harness: gunicorn servers, a light load generator and alternating rounds.

Reusable by every benchmark in bench/:

    with BenchEnvironment() as env:                 # private redis-server, temp database, schema, a user + token
        app = start_gunicorn("trackbase:create_app()", env.app_env)
        result = measure(app.url, "/api/me", headers=env.headers, seconds=10)
        print(result.rps, result.p50_ms, result.p99_ms)
        app.stop()

    rows = alternate(5, {"bare": run_bare, "app": run_app})   # each callable returns a Result
    print(format_table(rows)); print(summary(rows, "app", "bare"))

The machine this runs on has few cores, so by default the server processes are pinned to every
CPU but the first, and the load generator (and Redis, which stands for a separate host) to the
first: the client never steals CPU from the server it measures. `pin=False` (or
BENCH_NO_PIN=1) lets everything float. The server's own CPU time per request is measured from
/proc as well, a figure the load generator cannot distort.
"""
from __future__ import annotations

import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

REPO_ROOT = Path(__file__).resolve().parent.parent
BACKEND_DIR = REPO_ROOT / "backend"
for _path in (str(BACKEND_DIR), str(REPO_ROOT)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from tests.support import RedisServer, free_port  # noqa: E402  (after the path setup above)

# The same gunicorn settings for every side of a comparison: two worker processes with four
# threads each (gthread keeps client connections alive, as nginx upstream keepalive would).
GUNICORN_WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
GUNICORN_THREADS = int(os.environ.get("BENCH_THREADS", "4"))
DEFAULT_CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))
# Clients reconnect after this many requests so that connections (and load) spread over both
# gunicorn workers instead of sticking to whichever worker accepted them first.
REQUESTS_PER_CONNECTION = 200
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- CPU placement

def cpu_split(pin: bool | None = None) -> tuple[set[int] | None, set[int] | None]:
    """(client CPUs, server CPUs); (None, None) when pinning is off or there is only one CPU."""
    if pin is None:
        pin = os.environ.get("BENCH_NO_PIN", "") in ("", "0")
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2:
        return None, None
    return {cpus[0]}, set(cpus[1:])


def pin_current_thread(cpus: set[int] | None) -> None:
    """Restrict the calling thread (and threads/processes it starts later) to `cpus`."""
    if cpus:
        os.sched_setaffinity(0, cpus)


# --------------------------------------------------------------------------- servers

@dataclass
class Server:
    """A running gunicorn: its base URL, master pid and log file."""

    url: str
    process: subprocess.Popen
    log_path: Path
    _tmp: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def pids(self) -> list[int]:
        """The master and its worker processes."""
        return [self.pid] + _children(self.pid)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the master and all live workers."""
        return sum(_cpu_seconds(pid) for pid in self.pids())

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """Graceful stop (SIGTERM), then SIGKILL if it lingers; removes the temp folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(p) for p in text.split()]
    except OSError:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
        return found


def _cpu_seconds(pid: int) -> float:
    try:
        fields_ = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields after the command: state(0) ppid(1) ... utime(11) stime(12)
    return (int(fields_[11]) + int(fields_[12])) / CLK_TCK


def start_gunicorn(
    target: str,
    env: dict | None = None,
    *,
    cwd: Path | str = BACKEND_DIR,
    workers: int = GUNICORN_WORKERS,
    threads: int = GUNICORN_THREADS,
    cpus: set[int] | None = None,
    ready_path: str = "/",
    ready_timeout: float = 60.0,
    extra_args: Sequence[str] = (),
) -> Server:
    """Start `gunicorn target` on a free 127.0.0.1 port and wait until it answers HTTP.

    `env` is added to a copy of this process's environment (PYTHONPATH gets backend/ and the
    repo root). `cpus` pins the server (master and workers) to those CPUs. Any HTTP answer on
    `ready_path` counts as ready; a server that exits or never answers raises RuntimeError.
    """
    port = free_port()
    tmp = tempfile.mkdtemp(prefix="tb-bench-gunicorn-")
    log_path = Path(tmp) / "gunicorn.log"
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(BACKEND_DIR), str(REPO_ROOT)] + ([full_env["PYTHONPATH"]] if full_env.get("PYTHONPATH") else [])
    )
    full_env.setdefault("PYTHONUNBUFFERED", "1")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn) if gunicorn.exists() else "gunicorn", target,
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--worker-class", "gthread", "--threads", str(threads),
               "--keep-alive", "5", "--graceful-timeout", "5", "--no-control-socket",
               "--worker-tmp-dir", tmp, *extra_args]
    log_file = open(log_path, "wb")
    try:
        process = subprocess.Popen(
            command, cwd=str(cwd), env=full_env, stdout=log_file, stderr=subprocess.STDOUT,
            preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
        )
    finally:
        log_file.close()
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path, _tmp=tmp)
    deadline = time.monotonic() + ready_timeout
    while True:
        if process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"gunicorn {target} exited with {process.returncode}:\n{tail}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", ready_path)
            conn.getresponse().read()
            conn.close()
            break
        except OSError:
            if time.monotonic() > deadline:
                tail = server.log_tail()
                server.stop()
                raise RuntimeError(f"gunicorn {target} did not answer within {ready_timeout}s:\n{tail}") from None
            time.sleep(0.1)
    # Every worker must be up (not just the first) before anything is measured.
    while len(_children(process.pid)) < workers and time.monotonic() < deadline:
        time.sleep(0.05)
    return server


# --------------------------------------------------------------------------- load

@dataclass
class Result:
    """One measurement: successful requests per second and latency percentiles in milliseconds."""

    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_ms_per_request: float | None = None
    client_cpu_share: float | None = None  # load generator CPU time / wall time (1.0 = one core)
    statuses: dict = field(default_factory=dict)
    sample_body: bytes = b""

    def row(self) -> dict:
        return {
            "rps": round(self.rps, 1), "p50_ms": round(self.p50_ms, 2), "p99_ms": round(self.p99_ms, 2),
            "requests": self.requests, "errors": self.errors,
            "server_cpu_ms/req": None if self.server_cpu_ms_per_request is None else round(self.server_cpu_ms_per_request, 3),
            "client_cpu": None if self.client_cpu_share is None else round(self.client_cpu_share, 2),
        }


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, int(round(q / 100.0 * len(sorted_values) + 0.5)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def measure(
    url: str,
    path: str | Sequence[str] = "/",
    *,
    headers: dict | None = None,
    seconds: float = 10.0,
    concurrency: int = DEFAULT_CONCURRENCY,
    warmup: float = 1.0,
    method: str = "GET",
    body: bytes | None = None,
    expect_status: int | Iterable[int] = 200,
    server: Server | None = None,
    cpus: set[int] | None = None,
) -> Result:
    """Drive `concurrency` keep-alive connections at `url` + `path` for `seconds` and measure.

    `path` may be a list, used round-robin per connection. Only answers with `expect_status`
    count as successes; anything else (or a broken connection) counts as an error. The first
    `warmup` seconds are run but not recorded. With `server`, its CPU time per successful
    request is reported too. `cpus` pins the client threads.
    """
    parsed = urllib.parse.urlsplit(url)
    if parsed.hostname not in ("127.0.0.1", "localhost"):
        raise ValueError("the harness only drives servers on 127.0.0.1")
    host, port = "127.0.0.1", parsed.port or 80
    paths = [path] if isinstance(path, str) else list(path)
    expected = {expect_status} if isinstance(expect_status, int) else set(expect_status)
    send_headers = {"Accept": "application/json", **(headers or {})}
    if body is not None:
        send_headers.setdefault("Content-Type", "application/json")

    start_at = time.perf_counter() + 0.05
    record_from = start_at + warmup
    stop_at = record_from + seconds
    latencies: list[list[float]] = [[] for _ in range(concurrency)]
    errors = [0] * concurrency
    statuses: list[dict] = [{} for _ in range(concurrency)]
    sample: list[bytes] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        conn = None
        used = 0
        n = index
        mine = latencies[index]
        perf = time.perf_counter
        while perf() < start_at:
            time.sleep(0.005)
        while True:
            now = perf()
            if now >= stop_at:
                break
            if conn is None or used >= REQUESTS_PER_CONNECTION:
                if conn is not None:
                    conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                used = 0
            target = paths[n % len(paths)]
            n += 1
            t0 = perf()
            try:
                conn.request(method, target, body=body, headers=send_headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
                if response.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                status = -1
                data = b""
                if conn is not None:
                    conn.close()
                conn = None
            t1 = perf()
            used += 1
            if t0 < record_from:
                continue
            statuses[index][status] = statuses[index].get(status, 0) + 1
            if status in expected:
                mine.append(t1 - t0)
                if not sample:
                    with lock:
                        if not sample:
                            sample.append(data)
            else:
                errors[index] += 1
        if conn is not None:
            conn.close()

    outer_affinity = os.sched_getaffinity(0)
    pin_current_thread(cpus)  # threads inherit it
    try:
        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(concurrency)]
        for thread in threads:
            thread.start()
        while time.perf_counter() < record_from:
            time.sleep(0.01)
        cpu_before = server.cpu_seconds() if server else None
        client_cpu_before = time.process_time()
        wall_before = time.perf_counter()
        for thread in threads:
            thread.join(timeout=max(0.0, stop_at - time.perf_counter()) + 60)
        wall = time.perf_counter() - wall_before
        client_cpu = time.process_time() - client_cpu_before
        cpu_after = server.cpu_seconds() if server else None
    finally:
        if cpus:
            os.sched_setaffinity(0, outer_affinity)

    merged = sorted(x for chunk in latencies for x in chunk)
    status_counts: dict = {}
    for counts in statuses:
        for status, count in counts.items():
            status_counts[status] = status_counts.get(status, 0) + count
    ok = len(merged)
    return Result(
        requests=ok,
        errors=sum(errors),
        seconds=seconds,
        rps=ok / seconds,
        p50_ms=percentile(merged, 50) * 1000,
        p90_ms=percentile(merged, 90) * 1000,
        p99_ms=percentile(merged, 99) * 1000,
        max_ms=(merged[-1] * 1000) if merged else float("nan"),
        server_cpu_ms_per_request=((cpu_after - cpu_before) * 1000 / ok) if (server and ok) else None,
        client_cpu_share=client_cpu / wall if wall > 0 else None,
        statuses=status_counts,
        sample_body=sample[0] if sample else b"",
    )


def fetch(url: str, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    """One request; (status, body, headers). For checks before a run."""
    parsed = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection("127.0.0.1", parsed.port or 80, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": "application/json", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


# --------------------------------------------------------------------------- rounds

def alternate(rounds: int, sides: dict[str, Callable[[], Result]], *, log: Callable[[str], None] | None = print) -> list[dict]:
    """Run every side once per round, in alternating order (A B, B A, A B, ...).

    The machine is noisy, so the sides take turns and the order flips each round so that neither
    always runs first. Returns one row per (round, side): {"round", "side", "result"}.
    """
    names = list(sides)
    rows = []
    for index in range(rounds):
        order = names if index % 2 == 0 else list(reversed(names))
        for name in order:
            result = sides[name]()
            rows.append({"round": index + 1, "side": name, "result": result})
            if log:
                r = result
                cpu = f" server {r.server_cpu_ms_per_request:.3f} ms CPU/req" if r.server_cpu_ms_per_request else ""
                log(f"  round {index + 1} {name:>6}: {r.rps:8.1f} req/s  p50 {r.p50_ms:6.2f} ms  "
                    f"p99 {r.p99_ms:6.2f} ms  errors {r.errors}{cpu}")
    return rows


def format_table(rows: list[dict]) -> str:
    """A plain-text table of the rounds."""
    header = f"{'round':>5} {'side':>8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} {'srv CPU ms/req':>14} {'client CPU':>10}"
    lines = [header, "-" * len(header)]
    for row in rows:
        r = row["result"]
        cpu = f"{r.server_cpu_ms_per_request:.3f}" if r.server_cpu_ms_per_request is not None else "-"
        client = f"{r.client_cpu_share:.2f}" if r.client_cpu_share is not None else "-"
        lines.append(f"{row['round']:>5} {row['side']:>8} {r.rps:>9.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} "
                     f"{r.errors:>6} {cpu:>14} {client:>10}")
    return "\n".join(lines)


def summary(rows: list[dict], subject: str, baseline: str) -> dict:
    """Medians per side and the subject/baseline ratios (median of the per-round ratios)."""
    by_round: dict[int, dict[str, Result]] = {}
    for row in rows:
        by_round.setdefault(row["round"], {})[row["side"]] = row["result"]
    complete = [sides for sides in by_round.values() if subject in sides and baseline in sides]

    def med(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    out = {"rounds": len(complete)}
    for name in (subject, baseline):
        out[name] = {
            "rps": med(s[name].rps for s in complete),
            "p50_ms": med(s[name].p50_ms for s in complete),
            "p99_ms": med(s[name].p99_ms for s in complete),
            "server_cpu_ms_per_request": med(s[name].server_cpu_ms_per_request for s in complete),
            "errors": sum(s[name].errors for s in complete),
        }
    out["throughput_ratio"] = med(s[subject].rps / s[baseline].rps for s in complete if s[baseline].rps)
    out["p99_ratio"] = med(s[subject].p99_ms / s[baseline].p99_ms for s in complete if s[baseline].p99_ms)
    out["cpu_efficiency_ratio"] = med(
        s[baseline].server_cpu_ms_per_request / s[subject].server_cpu_ms_per_request
        for s in complete
        if s[subject].server_cpu_ms_per_request and s[baseline].server_cpu_ms_per_request
    )
    return out


# --------------------------------------------------------------------------- the app's world

class BenchEnvironment:
    """A private redis-server, a fresh database with the schema, and one member with a token.

    SQLite in a temp folder by default; a new PostgreSQL database on BENCH_DATABASE_URL's
    server when that is set (dropped afterwards). `app_env` is the environment for gunicorn
    (and `flask`) running the real app; `headers` authenticate as the user. Use as a context
    manager; `app()` gives an in-process app (same config) for seeding data.
    """

    def __init__(self, *, ratelimit: str = "1000000 per minute", redis_cpus: set[int] | None = None,
                 extra_env: dict | None = None, email: str = "bench@example.com",
                 password: str = "tidal-orbit-5823-quartz"):
        self.ratelimit = ratelimit
        self.redis_cpus = redis_cpus
        self.extra_env = dict(extra_env or {})
        self.email = email
        self.password = password
        self.redis = RedisServer()
        self.tmp = None
        self.pg_name = None
        self.database_url = None
        self.redis_url = None
        self.app_env: dict = {}
        self.token = None
        self.user_id = None
        self._app = None

    @property
    def headers(self) -> dict:
        return {"Authentication-Token": self.token}

    def __enter__(self) -> "BenchEnvironment":
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="tb-bench-")
        outer = os.sched_getaffinity(0)
        pin_current_thread(self.redis_cpus)  # redis-server inherits it
        try:
            self.redis_url = self.redis.start()
        finally:
            os.sched_setaffinity(0, outer)
        self.database_url = self._create_database()
        self.app_env = {
            "SECRET_KEY": secrets.token_urlsafe(32),
            "SECURITY_PASSWORD_SALT": secrets.token_urlsafe(16),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "RATELIMIT_DEFAULT": self.ratelimit,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(free_port()),  # nothing listens: the benchmarks send no mail
            "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "INFO"),
            **self.extra_env,
        }
        self._upgrade()
        app = self.app()
        with app.app_context():
            from trackbase.extensions import db
            from trackbase.services import accounts

            accounts.ensure_roles()
            user = accounts.create_user(self.email, self.password, role="member", name="Bench User")
            db.session.commit()
            self.user_id = user.id
            self.token = user.get_auth_token()

    def _create_database(self) -> str:
        server_url = os.environ.get("BENCH_DATABASE_URL")
        if not server_url:
            return f"sqlite:///{Path(self.tmp) / 'bench.db'}"
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        self.pg_name = f"trackbase_bench_{secrets.token_hex(5)}"
        engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.pg_name}"'))
        engine.dispose()
        return make_url(server_url).set(database=self.pg_name).render_as_string(hide_password=False)

    def _upgrade(self) -> None:
        env = dict(os.environ)
        env.update(self.app_env)
        env["PYTHONPATH"] = os.pathsep.join([str(BACKEND_DIR), str(REPO_ROOT)])
        flask = Path(sys.executable).with_name("flask")
        done = subprocess.run(
            [str(flask) if flask.exists() else "flask", "--app", "trackbase", "db", "upgrade"],
            cwd=str(BACKEND_DIR), env=env, capture_output=True, text=True, timeout=300,
        )
        if done.returncode != 0:
            raise RuntimeError(f"flask db upgrade failed:\n{done.stdout}\n{done.stderr}")

    def app(self):
        """An in-process app on the same database and Redis (for seeding data)."""
        if self._app is None:
            from trackbase import create_app

            saved = {name: os.environ.get(name) for name in self.app_env}
            os.environ.update(self.app_env)  # create_app reads the environment (Celery's broker too)
            try:
                self._app = create_app({
                    "SQLALCHEMY_DATABASE_URI": self.database_url,
                    "CACHE_REDIS_URL": self.redis_url,
                    "RATELIMIT_STORAGE_URI": self.redis_url,
                })
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
        return self._app

    def close(self) -> None:
        if self._app is not None:
            from trackbase.extensions import db

            with self._app.app_context():
                db.session.remove()
                db.engine.dispose()
            self._app = None
        self.redis.stop()
        if self.pg_name:
            from sqlalchemy import create_engine, text

            engine = create_engine(os.environ["BENCH_DATABASE_URL"], isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)'))
            engine.dispose()
            self.pg_name = None
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None
