"""Bounded local load with a fault in the middle: a thread pool sends a fixed number of requests to a
server on 127.0.0.1 while something is killed, and every outcome is kept, so a test can show that
nothing was lost.

    conns = Connections(port)                       # one keep-alive connection per thread
    report = under_kill(lambda i: conns.request("GET", "/api/me", headers), total=400, concurrency=8,
                        kill_after=100, kill=lambda: kill_replica(pid))
    assert report.statuses() == {200: 400}

A request the client itself must retry (a POST that no proxy replays) goes through `with_retries`,
which repeats the same request (the same Idempotency-Key) on a broken connection or a 502/503/504:

    def checkout(i):
        key = f"checkout-{i}"
        return with_retries(lambda: conns.request("POST", "/api/checkout", {**headers, "Idempotency-Key": key}))
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from tests import openapi_check

BROKEN = -1  # the status of a request whose connection broke before an answer came


@dataclass
class Outcome:
    """One request as the client saw it (the last attempt when it was retried)."""

    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""
    attempts: int = 1
    index: int = -1
    finished: float = 0.0  # time.monotonic() when the answer (or the failure) came

    def json(self):
        return json.loads(self.body)

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


class Connections:
    """Keep-alive HTTP connections to 127.0.0.1:`port`, one per thread, each answer checked against
    docs/openapi.yaml. `source` binds the client side to another loopback address (127.0.0.2, ...),
    so a server behind a proxy can be shown to tell clients apart."""

    def __init__(self, port: int, *, source: str | None = None, timeout: float = 30):
        self.port = port
        self.source = source
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            source = (self.source, 0) if self.source else None
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout, source_address=source)
            self._local.conn = conn
        return conn

    def _drop(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
        self._local.conn = None

    def request(self, method: str, path: str, headers: dict | None = None, body=None) -> Outcome:
        send = {"Accept": "application/json", **(headers or {})}
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body)
            send.setdefault("Content-Type", "application/json")
        try:
            conn = self._connection()
            conn.request(method, path, body=body, headers=send)
            response = conn.getresponse()
            data = response.read()
            if response.will_close:
                self._drop()
        except (OSError, http.client.HTTPException):
            self._drop()
            return Outcome(BROKEN, finished=time.monotonic())
        outcome = Outcome(
            response.status,
            {name.lower(): value for name, value in response.getheaders()},
            data,
            finished=time.monotonic(),
        )
        content_type = outcome.header("content-type")
        if path.startswith("/api/") and content_type.startswith("application/json"):
            openapi_check.check(method, path.split("?", 1)[0], outcome.status, content_type, outcome.json())
        return outcome

    def close(self) -> None:
        self._drop()


def with_retries(
    send: Callable[[], Outcome], *, attempts: int = 5, retry_on=(BROKEN, 502, 503, 504), backoff: float = 0.2
) -> Outcome:
    """`send()` again (the very same request) while it breaks or answers one of `retry_on`, as a
    client retries a request no proxy may replay; the last outcome, with the number of attempts."""
    for attempt in range(1, attempts + 1):
        outcome = send()
        outcome.attempts = attempt
        if outcome.status not in retry_on:
            break
        time.sleep(backoff * attempt)
    return outcome


@dataclass
class LoadReport:
    outcomes: list[Outcome]
    killed_at: float | None  # time.monotonic() of the kill; None when the load ended first
    done_before_kill: int

    def statuses(self) -> Counter:
        return Counter(outcome.status for outcome in self.outcomes)

    def after_kill(self) -> list[Outcome]:
        return [o for o in self.outcomes if self.killed_at is not None and o.finished > self.killed_at]

    def before_kill(self) -> list[Outcome]:
        return [o for o in self.outcomes if self.killed_at is not None and o.finished <= self.killed_at]


def under_kill(
    call: Callable[[int], Outcome],
    *,
    total: int,
    concurrency: int,
    kill_after: int,
    kill: Callable[[], None],
    timeout: float = 120,
) -> LoadReport:
    """Run `call(i)` for every i in range(total) on `concurrency` threads; once `kill_after` calls have
    finished, `kill()` runs once (on its own thread) while the others keep sending. Every outcome is
    returned in order of i; an exception in `call` fails the run."""
    assert 0 < kill_after < total, "the kill must land in the middle of the load"
    outcomes: list[Outcome | None] = [None] * total
    failures: list[BaseException] = []
    state = {"next": 0, "done": 0, "killed_at": None, "done_before_kill": 0}
    changed = threading.Condition()

    def worker() -> None:
        while True:
            with changed:
                if state["next"] >= total or failures:
                    return
                index = state["next"]
                state["next"] += 1
            try:
                outcome = call(index)
            except BaseException as exc:  # re-raised in the caller's thread below
                with changed:
                    failures.append(exc)
                    changed.notify_all()
                return
            outcome.index = index
            outcomes[index] = outcome
            with changed:
                state["done"] += 1
                changed.notify_all()

    def killer() -> None:
        with changed:
            changed.wait_for(lambda: state["done"] >= kill_after or failures, timeout=timeout)
            if failures or state["done"] < kill_after:
                return
            state["done_before_kill"] = state["done"]
        state["killed_at"] = time.monotonic()
        kill()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    kill_thread = threading.Thread(target=killer, daemon=True)
    kill_thread.start()
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in [*threads, kill_thread]:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
        assert not thread.is_alive(), f"the load did not finish within {timeout:.0f} s"
    if failures:
        raise failures[0]
    return LoadReport([o for o in outcomes if o is not None], state["killed_at"], state["done_before_kill"])
