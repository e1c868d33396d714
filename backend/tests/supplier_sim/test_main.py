"""The command line: flags map onto settings, and `python -m supplier_sim` serves over HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from supplier_sim.__main__ import REALISTIC, build_parser, config_from_args, main

BACKEND = Path(__file__).resolve().parents[2]


def _config(*argv: str):
    return config_from_args(build_parser().parse_args(list(argv)))


def test_defaults_have_no_failures_and_a_five_minute_rotation():
    config = _config()
    assert config.rotation_seconds == 300
    assert config.empty_rate == config.error_rate == config.truncated_rate == 0
    assert config.products_per_category == 6000
    assert config.epoch is None and config.control is True


def test_flags_set_the_matching_settings():
    config = _config(
        "--seed", "9", "--rotation-seconds", "60", "--empty-rate", "0.25", "--error-rate", "0.1",
        "--products-latency", "0.5", "--availability-latency", "2", "--slow-rate", "0.1", "--slow-seconds", "8",
        "--malformed-xml-rate", "0.2", "--truncated-rate", "0.3", "--empty-body-rate", "0.05",
        "--manufacturers", "abiplos,hennex", "--epoch", "4", "--time-offset", "30", "--no-control",
    )  # fmt: skip
    assert (config.seed, config.rotation_seconds, config.empty_rate, config.error_rate) == (9, 60, 0.25, 0.1)
    assert (config.products_latency, config.availability_latency) == (0.5, 2.0)
    assert (config.slow_rate, config.slow_seconds, config.malformed_xml_rate) == (0.1, 8.0, 0.2)
    assert (config.truncated_rate, config.empty_body_rate) == (0.3, 0.05)
    assert config.manufacturers == ("abiplos", "hennex")
    assert (config.epoch, config.time_offset, config.control) == (4, 30.0, False)


def test_force_flag_builds_the_force_setting():
    config = _config("--force", "availability/ippal=empty-list", "--force", "products/*=503,slow*2")
    assert config.force == {
        "availability/ippal": ["availability-empty"],
        "products/*": {"modes": ["503", "slow"], "times": 2},
    }


def test_realistic_preset_fills_only_flags_not_given():
    config = _config("--realistic", "--empty-rate", "0")
    assert config.availability_latency == REALISTIC["availability_latency"]
    assert config.products_latency == REALISTIC["products_latency"]
    assert config.empty_rate == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--empty-rate", "3"], "empty_rate"),
        (["--force", "products/gloves"], "PATH=MODES"),
        (["--force", "x=503"], "force"),
    ],
)
def test_invalid_flag_value_exits_with_status_2(capsys, argv, message):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def cli_server():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "supplier_sim", "--port", str(port), "--quiet", "--products-per-category", "50",
         "--epoch", "3"],
        cwd=BACKEND,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/_sim/status", timeout=1)
            break
        except requests.exceptions.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(process.communicate()[0].decode()) from None
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_module_serves_the_upstream_api(cli_server):
    status = requests.get(f"{cli_server}/_sim/status").json()
    assert status["epoch"] == 3
    products = requests.get(f"{cli_server}/v2/products/gloves").json()
    assert 45 <= len(products) <= 50
    response = requests.get(f"{cli_server}/v2/availability/ippal", headers={"x-force-error-mode": "all"})
    assert response.json() == {"code": 200, "response": "[]"}
