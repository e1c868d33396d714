"""The worker deployments run (`celery -A celery_app worker`, a real process) outlives Redis restarts."""

from __future__ import annotations

import time

import pytest
from celery import Celery

from tests.processes import CeleryWorkerProcess, RestartableRedis, app_environment, wait_until

HEARTBEAT_KEY = "trackbase:worker:heartbeat"


@pytest.fixture
def broker():
    server = RestartableRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def worker(broker, tmp_path):
    process = CeleryWorkerProcess(app_environment(broker.url, tmp_path), tmp_path / "worker.log").start()
    yield process
    process.stop()


def send(broker_url: str, path, seconds: float = 0.0) -> None:
    client = Celery("trackbase-test-client", broker=broker_url, set_as_current=False)
    try:
        client.send_task("tests.slow_tasks.mark", args=[str(path), seconds])
    finally:
        client.close()


def test_worker_outlives_redis_restarts_under_a_running_task(broker, worker, tmp_path):
    import redis

    client = redis.Redis.from_url(broker.url)
    wait_until(lambda: client.exists(HEARTBEAT_KEY) or not worker.alive(), 60, what="the worker to start")
    assert worker.alive(), worker.log_tail()
    for attempt in (1, 2):
        running = tmp_path / f"slow-{attempt}"
        send(broker.url, running, seconds=3)
        wait_until(lambda running=running: running.with_suffix(".started").exists(), 30, what="the slow task to start")

        broker.kill()  # under the running task (acks_late: its message is still unacknowledged)
        time.sleep(1)
        broker.start()  # same port, empty

        wait_until(running.exists, 30, what="the running task to finish")
        after = tmp_path / f"after-{attempt}"
        send(broker.url, after)
        wait_until(lambda after=after: after.exists() or not worker.alive(), 60, what="a task sent after the restart")
        assert worker.alive(), f"the worker exited after restart {attempt}:\n{worker.log_tail()}"
        assert after.exists()
    assert "Unrecoverable error" not in worker.log_tail(10**7)
