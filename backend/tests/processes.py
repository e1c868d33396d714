"""Real processes that tests start, break and start again: a redis-server that restarts on its port,
a Celery worker run the way deployments run it (`celery -A celery_app worker`)."""
from __future__ import annotations

import os
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
    started again on the same port, as a crashed or restarted broker comes back."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.tmp = tempfile.mkdtemp(prefix="tb-redis-")
        self.process: subprocess.Popen | None = None

    def start(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed: run ./local_setup.sh (it installs Redis)")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.tmp, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
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
    env.update({
        "PYTHONPATH": f"{BACKEND}{os.pathsep}{ROOT}",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SECURITY_PASSWORD_SALT": "test-salt",
        "DATABASE_URL": f"sqlite:///{tmp / 'worker.db'}",
        "REDIS_URL": redis_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(free_port()),
        "INVENTORY_POLL_ON_START": "0",
    })
    env.update(extra)
    return env


class CeleryWorkerProcess:
    """`celery -A celery_app worker` in its own process group, with the tasks of tests.slow_tasks too."""

    def __init__(self, env: dict, log_path: Path, *options: str):
        self.env = env
        self.log_path = log_path
        self.options = options
        self.process: subprocess.Popen | None = None

    def start(self) -> "CeleryWorkerProcess":
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "celery_app", "worker", "--include", "tests.slow_tasks",
             "--loglevel", "INFO", "--concurrency", "2", *self.options],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
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
