"""Simulator settings: one dataclass, validated the same way from kwargs, CLI flags and JSON."""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field

CATEGORIES = ("gloves", "facemasks", "beanies")
MANUFACTURERS = ("abiplos", "ippal", "juuran", "laion", "niksleh", "umpante")

# Failure modes, as named in the x-sim-mode request header and in X-Error-Modes-Active.
MODE_AVAILABILITY_EMPTY = "availability-empty"
MODE_503 = "503"
MODE_504 = "504"
MODE_SLOW = "slow"
MODE_MALFORMED_XML = "malformed-xml"
MODE_TRUNCATED_JSON = "truncated-json"
MODE_EMPTY_BODY = "empty-body"
MODES = (
    MODE_AVAILABILITY_EMPTY,
    MODE_503,
    MODE_504,
    MODE_SLOW,
    MODE_MALFORMED_XML,
    MODE_TRUNCATED_JSON,
    MODE_EMPTY_BODY,
)
# Accepted spellings in x-sim-mode besides the canonical names above.
MODE_ALIASES = {"empty-list": MODE_AVAILABILITY_EMPTY, "empty": MODE_AVAILABILITY_EMPTY}

# Fields whose change alters the generated data (the per-epoch caches are dropped).
DATA_FIELDS = frozenset(
    {"seed", "categories", "manufacturers", "products_per_category", "product_churn", "availability_churn"}
)

RATE_FIELDS = (
    "empty_rate",
    "error_rate",
    "slow_rate",
    "malformed_xml_rate",
    "truncated_rate",
    "empty_body_rate",
    "product_churn",
    "availability_churn",
    "malformed_xml_fraction",
)
NON_NEGATIVE_FIELDS = ("products_latency", "availability_latency", "slow_seconds")


class ConfigError(ValueError):
    """A setting has an unknown name or an invalid value."""


@dataclass
class SimConfig:
    """Everything that shapes the simulator's data and its failures.

    Rates are probabilities per request in [0, 1] drawn from a RNG seeded by `seed`;
    1.0 forces the mode on every request, 0.0 disables it.
    """

    seed: int = 2021
    categories: tuple[str, ...] = CATEGORIES
    manufacturers: tuple[str, ...] = MANUFACTURERS
    products_per_category: int = 6000
    # Data rotation: epoch = floor((clock() + time_offset) / rotation_seconds), unless pinned by `epoch`.
    rotation_seconds: float = 300.0
    time_offset: float = 0.0
    epoch: int | None = None
    product_churn: float = 0.002  # share of product slots replaced per rotation period
    availability_churn: float = 0.05  # share of products whose availability is redrawn per period
    # Latency added to every response of the endpoint, in seconds.
    products_latency: float = 0.0
    availability_latency: float = 0.0
    # Failure injection.
    empty_rate: float = 0.0  # availability: {"code":200,"response":"[]"}
    error_rate: float = 0.0  # both: 503 or 504 (even split)
    slow_rate: float = 0.0  # both: extra `slow_seconds` delay
    slow_seconds: float = 5.0
    malformed_xml_rate: float = 0.0  # availability: some DATAPAYLOADs are not valid/safe XML
    malformed_xml_fraction: float = 0.01  # share of entries broken when malformed-xml hits (at least one)
    truncated_rate: float = 0.0  # both: body cut short
    empty_body_rate: float = 0.0  # both: HTTP 200 with an empty body
    # Modes forced on chosen paths, whoever the client is (the poller sends no test headers):
    # {"availability/ippal": ["availability-empty"], "products/*": {"modes": ["503"], "times": 2}}.
    # A list applies to every matching request; {"modes", "times"} to the next `times` ones only.
    force: dict = field(default_factory=dict)
    control: bool = True  # serve the /_sim/ control API

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ConfigError unless every field is in range; normalise sequences to tuples."""
        for name in RATE_FIELDS:
            value = _number(name, getattr(self, name))
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1")
            setattr(self, name, value)
        for name in NON_NEGATIVE_FIELDS:
            value = _number(name, getattr(self, name))
            if value < 0:
                raise ConfigError(f"{name} must not be negative")
            setattr(self, name, value)
        self.rotation_seconds = _number("rotation_seconds", self.rotation_seconds)
        if self.rotation_seconds <= 0:
            raise ConfigError("rotation_seconds must be positive")
        self.time_offset = _number("time_offset", self.time_offset)
        self.seed = _integer("seed", self.seed)
        self.products_per_category = _integer("products_per_category", self.products_per_category)
        if not 0 <= self.products_per_category <= 100_000:
            raise ConfigError("products_per_category must be between 0 and 100000")
        if self.epoch is not None:
            self.epoch = _integer("epoch", self.epoch)
        self.categories = _names("categories", self.categories)
        self.manufacturers = _names("manufacturers", self.manufacturers)
        if not self.manufacturers:
            raise ConfigError("manufacturers must not be empty")
        self.force = _force(self.force)
        if not isinstance(self.control, bool):
            raise ConfigError("control must be a boolean")

    def to_dict(self) -> dict:
        """JSON-ready copy of every field."""
        data = dataclasses.asdict(self)
        data["categories"] = list(self.categories)
        data["manufacturers"] = list(self.manufacturers)
        return data

    def updated(self, changes: dict) -> SimConfig:
        """A validated copy with `changes` applied; unknown names raise ConfigError."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **changes)

    def data_key(self) -> tuple:
        """Identity of the generated data (not of the failure settings)."""
        return tuple(getattr(self, name) for name in sorted(DATA_FIELDS))


def _number(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{name} must be a number")
    value = float(value)
    if not math.isfinite(value):
        raise ConfigError(f"{name} must be finite")
    return value


def _integer(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{name} must be an integer")
    return value


def _names(name: str, value) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{name} must be a list of names")
    if len(set(value)) != len(value):
        raise ConfigError(f"{name} must not repeat a name")
    if any("/" in v for v in value):
        raise ConfigError(f"{name} must not contain '/'")
    return tuple(value)


FORCE_KEY = re.compile(r"^(products|availability)/[^/]+$")


def parse_modes(value, where: str) -> list[str]:
    """Canonical mode names from a list or comma-separated string; ConfigError on an unknown one."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: modes must be a list of names")
    names = []
    for raw in value:
        name = MODE_ALIASES.get(raw.strip().lower(), raw.strip().lower())
        if not name:
            continue
        if name not in MODES:
            raise ConfigError(f"{where}: unknown mode {raw.strip()!r}; known: {', '.join(MODES)}")
        names.append(name)
    if not names:
        raise ConfigError(f"{where}: no mode given")
    return names


def _force(value) -> dict:
    if not isinstance(value, dict):
        raise ConfigError("force must be an object")
    result = {}
    for key, rule in value.items():
        if not isinstance(key, str) or not FORCE_KEY.match(key):
            raise ConfigError(f"force key {key!r} must be products/<category|*> or availability/<manufacturer|*>")
        if isinstance(rule, dict):
            unknown = set(rule) - {"modes", "times"}
            if unknown:
                raise ConfigError(f"force {key}: unknown field(s) {', '.join(sorted(unknown))}")
            times = rule.get("times")
            if isinstance(times, bool) or not isinstance(times, int) or times < 1:
                raise ConfigError(f"force {key}: times must be a positive integer")
            result[key] = {"modes": parse_modes(rule.get("modes"), f"force {key}"), "times": times}
        else:
            result[key] = parse_modes(rule, f"force {key}")
    return result


def field_names() -> list[str]:
    """Every setting name, in declaration order."""
    return [f.name for f in dataclasses.fields(SimConfig)]


__all__ = ["SimConfig", "ConfigError", "MODES", "MODE_ALIASES", "CATEGORIES", "MANUFACTURERS", "field_names"]
