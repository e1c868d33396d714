"""Command line: `python -m supplier_sim --port 5050 [--host 127.0.0.1] [flags]`."""

from __future__ import annotations

import argparse
import sys

from werkzeug.serving import run_simple

from .app import Simulator
from .config import ConfigError, SimConfig
from .serving import QuietHandler

# Values close to the recorded upstream: slow availability, frequent "[]" answers, the odd 503.
REALISTIC = {
    "products_latency": 0.5,
    "availability_latency": 2.0,
    "empty_rate": 0.1,
    "error_rate": 0.02,
}


def build_parser() -> argparse.ArgumentParser:
    """The CLI; every SimConfig field has a flag."""
    d = SimConfig()
    p = argparse.ArgumentParser(prog="python -m supplier_sim", description="Supplier API simulator (bad API v2).")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5050)
    p.add_argument(
        "--realistic", action="store_true", help=f"start from upstream-like latency and failures {REALISTIC}"
    )
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--categories", default=",".join(d.categories), help="comma-separated")
    p.add_argument("--manufacturers", default=",".join(d.manufacturers), help="comma-separated")
    p.add_argument("--products-per-category", type=int, default=d.products_per_category)
    p.add_argument("--rotation-seconds", type=float, default=d.rotation_seconds)
    p.add_argument("--time-offset", type=float, default=d.time_offset, help="seconds added to the clock")
    p.add_argument("--epoch", type=int, default=None, help="pin the data epoch (moves only via /_sim/advance)")
    p.add_argument("--product-churn", type=float, default=d.product_churn)
    p.add_argument("--availability-churn", type=float, default=d.availability_churn)
    p.add_argument("--products-latency", type=float, default=None)
    p.add_argument("--availability-latency", type=float, default=None)
    p.add_argument("--empty-rate", type=float, default=None)
    p.add_argument("--error-rate", type=float, default=None)
    p.add_argument("--slow-rate", type=float, default=d.slow_rate)
    p.add_argument("--slow-seconds", type=float, default=d.slow_seconds)
    p.add_argument("--malformed-xml-rate", type=float, default=d.malformed_xml_rate)
    p.add_argument("--malformed-xml-fraction", type=float, default=d.malformed_xml_fraction)
    p.add_argument("--truncated-rate", type=float, default=d.truncated_rate)
    p.add_argument("--empty-body-rate", type=float, default=d.empty_body_rate)
    p.add_argument(
        "--force",
        action="append",
        default=[],
        metavar="PATH=MODES[*N]",
        help="force modes on a path, e.g. availability/ippal=availability-empty or 'products/*=503*2' (repeatable)",
    )
    p.add_argument("--no-control", dest="control", action="store_false", help="disable the /_sim/ control API")
    p.add_argument("--quiet", action="store_true", help="do not log each request")
    return p


def config_from_args(args: argparse.Namespace) -> SimConfig:
    """SimConfig from parsed flags (--realistic fills the latency/failure flags not given)."""
    settings = {
        name: getattr(args, name)
        for name in (
            "seed", "categories", "manufacturers", "products_per_category", "rotation_seconds", "time_offset",
            "epoch", "product_churn", "availability_churn", "slow_rate", "slow_seconds", "malformed_xml_rate",
            "malformed_xml_fraction", "truncated_rate", "empty_body_rate", "control",
        )
    }  # fmt: skip
    base = REALISTIC if args.realistic else {}
    for name in ("products_latency", "availability_latency", "empty_rate", "error_rate"):
        value = getattr(args, name)
        settings[name] = value if value is not None else base.get(name, getattr(SimConfig, name))
    settings["force"] = parse_force(args.force)
    return SimConfig(**settings)


def parse_force(items: list[str]) -> dict:
    """`PATH=MODES[*N]` strings -> the `force` setting (validated by SimConfig)."""
    force: dict = {}
    for item in items:
        key, sep, rule = item.partition("=")
        if not sep:
            raise ConfigError(f"--force {item!r}: expected PATH=MODES[*N]")
        modes, star, times = rule.partition("*")
        if star:
            if not times.isdigit():
                raise ConfigError(f"--force {item!r}: N must be a positive integer")
            force[key.strip()] = {"modes": modes, "times": int(times)}
        else:
            force[key.strip()] = modes
    return force


def main(argv: list[str] | None = None) -> int:
    """Parse flags and serve until interrupted."""
    args = build_parser().parse_args(argv)
    try:
        config = config_from_args(args)
    except ConfigError as exc:
        print(f"supplier_sim: {exc}", file=sys.stderr)
        return 2
    sim = Simulator(config)
    sim.warm()
    print(
        f"supplier_sim on http://{args.host}:{args.port} epoch {sim.current_epoch()} "
        f"seed {config.seed} ({', '.join(f'{c}={n}' for c, n in sim.status()['categories'].items())})",
        flush=True,
    )
    run_simple(
        args.host,
        args.port,
        sim,
        threaded=True,
        request_handler=QuietHandler if args.quiet else None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
