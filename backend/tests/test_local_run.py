"""./local_run.sh keeps the stack up: a worker, beat or mail sink that dies is started again; the API
exiting stops everything, leaving no process behind."""
from __future__ import annotations

import os
import re
import signal
import subprocess

import pytest
import redis

from tests.processes import ROOT, wait_until
from tests.support import free_port

HEARTBEAT_KEY = "trackbase:worker:heartbeat"


class LocalRun:
    def __init__(self, tmp_path):
        self.port, self.redis_port, self.mail_port = free_port(), free_port(), free_port()
        self.log_path = tmp_path / "local_run.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "TEST_", "DATABASE_", "REDIS_"))}
        env.update({
            "TRACKBASE_INSTANCE": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'instance' / 'trackbase.db'}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(self.mail_port),
            "TRACKBASE_ADMIN_EMAIL": "admin@example.com",
            "TRACKBASE_ADMIN_PASSWORD": "correct-horse-9",
            "INVENTORY_POLL_ON_START": "0",
        })
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(ROOT / "local_run.sh"), "--port", str(self.port), "--no-sim"], cwd=ROOT, env=env,
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.redis = redis.Redis.from_url(env["REDIS_URL"], socket_connect_timeout=1)

    def text(self) -> str:
        self.log.flush()
        return re.sub(r"\x1b\[[0-9;]*m", "", self.log_path.read_text(errors="replace"))

    def pids(self, name: str) -> list[int]:
        return [int(pid) for pid in re.findall(rf"^\[{name}\] \[trackbase\] {name} started \(pid (\d+)\)", self.text(), re.M)]

    def started(self, name: str, count: int, timeout: float = 60) -> int:
        """Wait until NAME was started `count` times; its current pid."""
        wait_until(lambda: len(self.pids(name)) >= count or self.process.poll() is not None, timeout,
                   what=f"{name} start #{count}")
        assert len(self.pids(name)) >= count, self.text()[-4000:]
        return self.pids(name)[count - 1]

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
