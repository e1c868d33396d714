"""./local_run.sh keeps the stack up: a worker, beat or mail sink that dies is started again; the API
exiting stops everything, leaving no process behind."""

from __future__ import annotations

import os
import re
import signal
import subprocess

import pytest

from tests.processes import HEARTBEAT_KEY, LocalRun, alive, all_exited, wait_until


@pytest.fixture
def stack(tmp_path):
    run = LocalRun(tmp_path)
    yield run
    run.stop()


def test_a_killed_worker_beat_and_mail_sink_come_back_and_the_api_stopping_stops_all(stack):
    first = {name: stack.started(name, 1) for name in ("worker", "beat", "mail", "redis")}
    wait_until(stack.heartbeat, 90, what="the worker to report ready")

    stack.redis.delete(HEARTBEAT_KEY)
    for name in ("worker", "beat", "mail"):
        os.kill(first[name], signal.SIGKILL)
    second = {name: stack.started(name, 2) for name in ("worker", "beat", "mail")}
    for name, pid in second.items():
        assert pid != first[name] and alive(pid), name
    wait_until(stack.heartbeat, 90, what="the restarted worker to run a task")
    text = stack.text()
    for name in ("worker", "beat", "mail"):
        assert re.search(rf"\[{name}\] \[trackbase\] {name} exited with status 137 after \d+ s; restart 1 in 1 s", text)
    assert stack.process.poll() is None, "the stack kept running"

    web = int(subprocess.check_output(["pgrep", "-o", "-g", str(stack.process.pid), "-f", "gunicorn"]).split()[0])
    os.kill(web, signal.SIGTERM)
    assert stack.process.wait(timeout=60) is not None
    assert "The API exited; stopping the rest." in stack.text()
    try:
        wait_until(lambda: all_exited(stack.process.pid), 30, what="every process of the stack to exit")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; still running:\n{all_exited.last}\n{stack.text()[-3000:]}") from None


def test_ctrl_c_stops_the_whole_stack_without_restarting_anything(stack):
    for name in ("worker", "beat", "mail", "redis"):
        stack.started(name, 1)
    wait_until(stack.heartbeat, 90, what="the worker to report ready")

    os.killpg(stack.process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
    stack.process.wait(timeout=60)
    try:
        wait_until(lambda: all_exited(stack.process.pid), 30, what="every process of the stack to exit")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; still running:\n{all_exited.last}\n{stack.text()[-3000:]}") from None
    assert "restart 1" not in stack.text()
