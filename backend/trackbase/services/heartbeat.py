"""Heartbeats: a daemon thread that calls `beat()` every few seconds while long work runs.

Used to renew leases (the poll's Redis lock, the lease on a job or poll run row) from inside the
worker that does the work, so a slow but live worker keeps its claim and a killed one loses it
within one lease.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Heartbeat:
    """Call `beat()` every `every` seconds in a daemon thread between `start()` and `stop()` (or `with`).

    An exception in `beat()` is logged and the next beat comes as usual: a database or Redis that is
    away for a moment must not end the work it guards (the caller decides what a missed beat means).
    """

    def __init__(self, beat: Callable[[], None], every: float, name: str):
        self.beat = beat
        self.every = max(0.05, float(every))
        self.name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=1)  # a beat blocked on a row lock finishes by itself

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.beat()
            except Exception:  # logged; the lease decides what a missed beat means
                log.exception("%s: heartbeat failed", self.name)

    def __enter__(self) -> Heartbeat:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
