"""Fixtures for the supplier simulator tests: recorded samples, in-process and over-HTTP simulators."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import requests

from supplier_sim import Simulator
from supplier_sim.testing import run_in_thread

FIXTURES = Path(__file__).parent / "fixtures"
CATEGORIES = ("gloves", "facemasks", "beanies")


@pytest.fixture(scope="session")
def recorded_products() -> dict[str, list[dict]]:
    """~20 real products per category, copied byte for byte from the recorded upstream lists."""
    return {c: json.loads((FIXTURES / f"products_{c}_sample.json").read_bytes()) for c in CATEGORIES}


@pytest.fixture(scope="session")
def recorded_product_bytes() -> dict[str, bytes]:
    """The raw bytes of the recorded samples."""
    return {c: (FIXTURES / f"products_{c}_sample.json").read_bytes() for c in CATEGORIES}


@pytest.fixture(scope="session")
def recorded_availability() -> dict:
    """A recorded availability answer (the upstream's documented example)."""
    return json.loads((FIXTURES / "availability_sample.json").read_text())


@pytest.fixture(scope="session")
def recorded_summary() -> dict:
    """Category sizes and availability mix counted over the whole recorded data."""
    return json.loads((FIXTURES / "recorded_summary.json").read_text())


@pytest.fixture(scope="session")
def full_sim() -> Simulator:
    """A full-size simulator (defaults, ~6,000 products per category) pinned to one epoch."""
    sim = Simulator(epoch=1000)
    sim.warm()
    return sim


class RecordingSleep:
    """Stands in for time.sleep: records requested delays, optionally meets other requests at a barrier."""

    def __init__(self) -> None:
        self.calls: list[float] = []
        self.barrier: threading.Barrier | None = None
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.calls.append(seconds)
        if self.barrier is not None:
            self.barrier.wait(timeout=30)


@pytest.fixture
def fake_sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def sim_server(fake_sleep):
    """A small simulator over real HTTP (threaded werkzeug server), pinned to epoch 0, no random failures.

    Yields (base_url, sim); latency is recorded by `fake_sleep` instead of slept.
    """
    base_url, sim, stop = run_in_thread(products_per_category=300, epoch=0, sleep=fake_sleep)
    yield base_url, sim
    stop()


@pytest.fixture
def http():
    """A requests session, closed after the test."""
    with requests.Session() as session:
        yield session
