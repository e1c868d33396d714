"""Run the simulator on a free local port in a background thread (for pytest fixtures)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from werkzeug.serving import make_server

from .app import Simulator
from .serving import QuietHandler


def run_in_thread(host: str = "127.0.0.1", **settings) -> tuple[str, Simulator, Callable[[], None]]:
    """Start a threaded server for a new Simulator(**settings); returns (base_url, sim, stop).

    The current epoch is built before returning, so the first request is served at once.
    `stop()` shuts the server down and joins its thread; calling it twice is harmless.
    """
    sim = Simulator(**settings)
    sim.warm()
    server = make_server(host, 0, sim, threaded=True, request_handler=QuietHandler)
    # A short poll interval makes stop() quick (shutdown waits for the loop to notice).
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="supplier-sim", daemon=True
    )
    thread.start()
    stopped = threading.Event()

    def stop() -> None:
        if stopped.is_set():
            return
        stopped.set()
        server.shutdown()
        server.server_close()
        thread.join()

    return f"http://{host}:{server.server_port}", sim, stop


@contextlib.contextmanager
def serve(**settings) -> Iterator[tuple[str, Simulator]]:
    """Context-manager form of run_in_thread: yields (base_url, sim) and stops on exit."""
    base_url, sim, stop = run_in_thread(**settings)
    try:
        yield base_url, sim
    finally:
        stop()
