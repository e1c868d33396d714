"""Real processes that tests start, break and start again: a redis-server that restarts on its port,
a Celery worker run the way deployments run it (`celery -A celery_app worker`), the whole stack as
`./local_run.sh` starts it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

from tests.support import free_port

BACKEND = Path(__file__).resolve().parents[1]
ROOT = BACKEND.parent
VENV_BIN = Path(sys.executable).parent
HEARTBEAT_KEY = "trackbase:worker:heartbeat"  # the worker's readiness mark in Redis


def wait_until(predicate, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns something truthy; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


class RestartableRedis:
    """A private redis-server (no persistence, as local_run.sh starts it) that can be killed and
    started again on the same port, as a crashed or restarted broker comes back. `persistent`: an
    append-only file synced on every write, so it comes back with its data (a Redis that was away,
    not wiped)."""

    def __init__(self, persistent: bool = False):
        self.persistent = persistent
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp = tempfile.mkdtemp(prefix="tb-redis-")
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run ./local_setup.sh (it installs Redis)")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.persistent else "no",
                *(["--appendfsync", "always"] if self.persistent else []),
                "--dir",
                self.tmp,
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        wait_until(lambda: self._answers(client), 10, 0.02, "redis-server to answer")
        return self.url

    @staticmethod
    def _answers(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        """SIGKILL: the broker vanishes mid-conversation, its queues with it."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def app_environment(redis_url: str, tmp: Path, **extra) -> dict:
    """The environment a deployed process gets (config from the environment, nothing from the tests)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "TEST_"))}
    env.update(
        {
            "PYTHONPATH": f"{BACKEND}{os.pathsep}{ROOT}",
            "SECRET_KEY": "test-secret-key-not-for-production",
            "SECURITY_PASSWORD_SALT": "test-salt",
            "DATABASE_URL": f"sqlite:///{tmp / 'worker.db'}",
            "REDIS_URL": redis_url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(free_port()),
            "INVENTORY_POLL_ON_START": "0",
        }
    )
    env.update(extra)
    return env


class CeleryWorkerProcess:
    """`celery -A celery_app worker` in its own process group, with the tasks of tests.slow_tasks too."""

    def __init__(self, env: dict, log_path: Path, *options: str):
        self.env = env
        self.log_path = log_path
        self.options = options
        self.process: subprocess.Popen | None = None

    def start(self) -> CeleryWorkerProcess:
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - open for the process's life, closed in stop()
        self.process = subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "celery_app",
                "worker",
                "--include",
                "tests.slow_tasks",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                *self.options,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, chars: int = 4000) -> str:
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-chars:]

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


class LocalRun:
    """./local_run.sh run for real from the repository, with its state in `tmp_path` (instance folder,
    SQLite, its own redis-server and mail sink on free ports), `options` added to its command line and
    `extra_env` to its environment. Its output (every child's, prefixed [name]) goes to a log file."""

    def __init__(self, tmp_path, *options: str, extra_env: dict | None = None):
        self.port, self.redis_port, self.mail_port = free_port(), free_port(), free_port()
        self.log_path = tmp_path / "local_run.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "TEST_", "DATABASE_", "REDIS_"))}
        env.update(
            {
                "TRACKBASE_INSTANCE": str(tmp_path / "instance"),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'trackbase.db'}",
                "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(self.mail_port),
                "TRACKBASE_ADMIN_EMAIL": "admin@example.com",
                "TRACKBASE_ADMIN_PASSWORD": "correct-horse-9",
                "INVENTORY_POLL_ON_START": "0",
            }
        )
        env.update(extra_env or {})
        self.env = env
        self.instance = tmp_path / "instance"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - open for the process's life, closed in stop()
        self.process = subprocess.Popen(
            [str(ROOT / "local_run.sh"), "--port", str(self.port), "--no-sim", *options],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.redis = redis.Redis.from_url(env["REDIS_URL"], socket_connect_timeout=1)

    def text(self) -> str:
        self.log.flush()
        return re.sub(r"\x1b\[[0-9;]*m", "", self.log_path.read_text(errors="replace"))

    def pids(self, name: str) -> list[int]:
        return [
            int(pid)
            for pid in re.findall(rf"^\[{name}\] \[trackbase\] {name} started \(pid (\d+)\)", self.text(), re.M)
        ]

    def started(self, name: str, count: int, timeout: float = 60) -> int:
        """Wait until NAME was started `count` times; its current pid."""
        wait_until(
            lambda: len(self.pids(name)) >= count or self.process.poll() is not None,
            timeout,
            what=f"{name} start #{count}",
        )
        assert len(self.pids(name)) >= count, self.text()[-4000:]
        return self.pids(name)[count - 1]

    def flask(self, *args: str) -> str:
        """`flask --app trackbase ARGS` on the stack's database, with the secrets it generated; its output."""
        env = {**self.env, "PYTHONPATH": f"{BACKEND}{os.pathsep}{ROOT}"}
        for line in (self.instance / "secrets.env").read_text().splitlines():
            name, _, value = line.partition("=")
            env.setdefault(name, value)
        done = subprocess.run([str(VENV_BIN / "flask"), "--app", "trackbase", *args], cwd=BACKEND, env=env,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, f"flask {' '.join(args)}: {done.stdout}{done.stderr}"
        return done.stdout

    def heartbeat(self) -> bool:
        try:
            return bool(self.redis.exists(HEARTBEAT_KEY))
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead too
        return stat.read().split(") ")[-1][0] != "Z"


def describe(pids: list[int]) -> str:
    lines = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
                argv = cmdline.read().replace(b"\0", b" ").decode(errors="replace")
            lines.append(f"{pid}: {argv}")
        except OSError:
            pass
    return "\n".join(lines)


def all_exited(pgid: int) -> bool:
    left = group_members(pgid)
    if left:
        all_exited.last = describe(left)
    return not left


def group_members(pgid: int) -> list[int]:
    members = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid and alive(int(entry)):
                    members.append(int(entry))
            except (ProcessLookupError, PermissionError):
                pass
    return members
