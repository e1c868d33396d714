"""The simulator as a WSGI application: the upstream's two endpoints, failure injection, control API."""

from __future__ import annotations

import json
import math
import random
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable

from werkzeug.exceptions import BadRequest, HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import config as modes
from .catalog import Catalog, EpochData, etag, payload, render_availability
from .config import ConfigError, SimConfig

JSON_TYPE = "application/json; charset=utf-8"
EMPTY_AVAILABILITY_BODY = b'{"code":200,"response":"[]"}'
ERROR_MODES_HEADER = "X-Error-Modes-Active"
SIM_MODES_HEADER = "X-Sim-Modes"
MAX_HEADER_DELAY = 600.0

PRODUCTS = "products"
AVAILABILITY = "availability"
CONTROL = "control"
OTHER = "other"

# DATAPAYLOADs that a careful parser must reject (or, for the entity one, refuse to expand).
BROKEN_PAYLOADS = (
    lambda v: f"<AVAILABILITY>\n  <CODE>200</CODE>\n  <INSTOCKVALUE>{v}</INSTOCK",
    lambda v: f"<AVAILABILITY>\n  <CODE>200</CODE>\n  <INSTOCKVALUE>{v}</AVAILABILITY>",
    lambda v: (
        f'<?xml version="1.0"?>\n<!DOCTYPE AVAILABILITY [<!ENTITY a "{v}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        "<AVAILABILITY>\n  <CODE>200</CODE>\n  <INSTOCKVALUE>&b;</INSTOCKVALUE>\n</AVAILABILITY>"
    ),
    lambda v: "<AVAILABILITY>\n  <CODE>200</CODE>\n  <INSTOCKVALUE>MAYBE</INSTOCKVALUE>\n</AVAILABILITY>",
    lambda v: "Internal Server Error",
    lambda v: "",
)


class Simulator:
    """The supplier simulator; an instance is a WSGI application.

    `clock` (seconds since the epoch, default time.time) and `sleep` can be replaced by tests.
    Settings are SimConfig fields, given as a SimConfig and/or keyword arguments.
    """

    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        **settings,
    ) -> None:
        base = config if config is not None else SimConfig()
        self._initial = base.updated(settings) if settings else base
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.RLock()
        self._build_lock = threading.Lock()
        self._apply(self._initial, reset_rng=True)
        self._reset_stats()
        self.url_map = Map(
            [
                Rule("/v2/products/<category>", endpoint="products", methods=["GET"]),
                Rule("/v2/availability/<manufacturer>", endpoint="availability", methods=["GET"]),
                Rule("/_sim/config", endpoint="control_config", methods=["GET", "POST"]),
                Rule("/_sim/advance", endpoint="control_advance", methods=["POST"]),
                Rule("/_sim/status", endpoint="control_status", methods=["GET"]),
                Rule("/_sim/stats", endpoint="control_stats", methods=["GET"]),
                Rule("/_sim/stats/reset", endpoint="control_stats_reset", methods=["POST"]),
                Rule("/_sim/reset", endpoint="control_reset", methods=["POST"]),
                Rule("/_sim/snapshot", endpoint="control_snapshot", methods=["GET"]),
            ]
        )

    # -- state ------------------------------------------------------------------------------

    def _apply(self, config: SimConfig, *, reset_rng: bool, reset_force: bool = False) -> None:
        with self._lock:
            previous = getattr(self, "config", None)
            self.config = config
            if previous is None or previous.data_key() != config.data_key():
                with self._build_lock:
                    self._catalog = Catalog(config)
                    self._epochs: OrderedDict[int, EpochData] = OrderedDict()
            if reset_rng or previous is None or previous.seed != config.seed:
                self._rng = random.Random(config.seed)
            if reset_rng or reset_force or previous is None or previous.force != config.force:
                self._force_remaining = {k: r["times"] for k, r in config.force.items() if isinstance(r, dict)}

    def configure(self, **changes) -> SimConfig:
        """Change settings at runtime (validated; unknown names raise ConfigError).

        Giving `force` (even unchanged) re-arms its counted rules.
        """
        with self._lock:
            self._apply(self.config.updated(changes), reset_rng=False, reset_force="force" in changes)
            return self.config

    def reset(self) -> None:
        """Back to the settings given at construction, a fresh failure RNG and zeroed stats."""
        with self._lock:
            self._apply(self._initial, reset_rng=True)
            self._reset_stats()

    def current_epoch(self) -> int:
        """The data epoch now: the pinned `epoch`, else floor((clock() + time_offset) / rotation_seconds)."""
        cfg = self.config
        if cfg.epoch is not None:
            return cfg.epoch
        return math.floor((self.clock() + cfg.time_offset) / cfg.rotation_seconds)

    def next_rotation_at(self) -> float | None:
        """Clock time (seconds since the epoch, without time_offset) of the next rotation; None when pinned."""
        cfg = self.config
        if cfg.epoch is not None:
            return None
        return (self.current_epoch() + 1) * cfg.rotation_seconds - cfg.time_offset

    def advance(self, periods: int = 1) -> int:
        """Move the data `periods` rotation periods forward (or back); returns the new epoch."""
        with self._lock:
            cfg = self.config
            if cfg.epoch is not None:
                self._apply(cfg.updated({"epoch": cfg.epoch + periods}), reset_rng=False)
            else:
                self._apply(
                    cfg.updated({"time_offset": cfg.time_offset + periods * cfg.rotation_seconds}), reset_rng=False
                )
            return self.current_epoch()

    def snapshot(self, epoch: int | None = None) -> EpochData:
        """The data (products, availability, bodies, ETags) at `epoch`, default the current one."""
        epoch = self.current_epoch() if epoch is None else epoch
        with self._build_lock:
            data = self._epochs.get(epoch)
            if data is None:
                data = self._catalog.build(epoch)
                self._epochs[epoch] = data
                while len(self._epochs) > 3:
                    self._epochs.popitem(last=False)
            else:
                self._epochs.move_to_end(epoch)
            return data

    def warm(self) -> None:
        """Build the current epoch's responses now rather than on the first request."""
        self.snapshot()

    # -- stats ------------------------------------------------------------------------------

    def _reset_stats(self) -> None:
        with self._lock:
            self._requests: Counter[str] = Counter()
            self._paths: Counter[str] = Counter()
            self._statuses: Counter[str] = Counter()
            self._modes: Counter[str] = Counter()
            self._in_flight: Counter[str] = Counter()
            self._max_in_flight: Counter[str] = Counter()
            self._not_modified: Counter[str] = Counter()

    def reset_stats(self) -> None:
        """Zero every counter."""
        self._reset_stats()

    def stats(self) -> dict:
        """Request counts per endpoint, path, status and failure mode; peak concurrency per endpoint."""
        with self._lock:
            return {
                "requests": {k: self._requests.get(k, 0) for k in (PRODUCTS, AVAILABILITY, CONTROL, OTHER)},
                "paths": dict(self._paths),
                "statuses": dict(self._statuses),
                "modes": dict(self._modes),
                "not_modified": {k: self._not_modified.get(k, 0) for k in (PRODUCTS, AVAILABILITY)},
                "in_flight": {k: self._in_flight.get(k, 0) for k in (PRODUCTS, AVAILABILITY)},
                "max_in_flight": {k: self._max_in_flight.get(k, 0) for k in (PRODUCTS, AVAILABILITY)},
                "force_remaining": dict(self._force_remaining),
            }

    def status(self) -> dict:
        """Clock, epoch and data counts."""
        epoch = self.current_epoch()
        data = self.snapshot(epoch)
        next_at = self.next_rotation_at()
        now = self.clock()
        return {
            "epoch": epoch,
            "pinned": self.config.epoch is not None,
            "now": now,
            "rotation_seconds": self.config.rotation_seconds,
            "next_rotation_at": next_at,
            "seconds_to_next_rotation": None if next_at is None else max(0.0, next_at - now),
            "categories": {c: len(items) for c, items in data.products.items()},
            "manufacturers": {m: len(entries) for m, entries in data.availability.items()},
            "etags": {
                "products": dict(data.products_etag),
                "availability": dict(data.availability_etag),
            },
        }

    # -- WSGI -------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        request = Request(environ)
        response = self.dispatch(request)
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        """Route one request."""
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, args = adapter.match()
        except (NotFound, MethodNotAllowed) as exc:
            self._count(OTHER, request.path, exc.code)
            return exc.get_response(request.environ)
        if endpoint in (PRODUCTS, AVAILABILITY):
            return self._serve(request, endpoint, next(iter(args.values())))
        if not self.config.control:
            self._count(OTHER, request.path, 404)
            return NotFound().get_response(request.environ)
        try:
            response = getattr(self, "_" + endpoint)(request)
        except (ConfigError, BadRequest) as exc:
            message = exc.description if isinstance(exc, HTTPException) else str(exc)
            response = _json({"error": message}, 400)
        self._count(CONTROL, request.path, response.status_code)
        return response

    def _count(self, kind: str, path: str, status: int, applied: list[str] = ()) -> None:
        with self._lock:
            self._requests[kind] += 1
            self._paths[path] += 1
            self._statuses[str(status)] += 1
            for mode in applied:
                self._modes[mode] += 1

    # -- upstream endpoints ------------------------------------------------------------------

    def _serve(self, request: Request, kind: str, name: str) -> Response:
        started = time.monotonic()
        with self._lock:
            self._in_flight[kind] += 1
            self._max_in_flight[kind] = max(self._max_in_flight[kind], self._in_flight[kind])
        try:
            try:
                forced, draw, extra_delay = _header_modes(request, kind)
            except BadRequest as exc:
                self._count(kind, request.path, 400)
                return _json({"error": exc.description}, 400)
            cfg = self.config
            forced |= self._forced_by_config(cfg, kind, name)
            active = self._choose_modes(cfg, kind, forced, draw)
            delay = (cfg.products_latency if kind == PRODUCTS else cfg.availability_latency) + extra_delay
            if modes.MODE_SLOW in active:
                delay += cfg.slow_seconds
            response, applied = self._respond(request, kind, name, active)
            self._count(kind, request.path, response.status_code, applied)
            if response.status_code == 304:
                with self._lock:
                    self._not_modified[kind] += 1
            remaining = delay - (time.monotonic() - started)
            if remaining > 0:
                self.sleep(remaining)
            return response
        finally:
            with self._lock:
                self._in_flight[kind] -= 1

    def _forced_by_config(self, cfg: SimConfig, kind: str, name: str) -> set[str]:
        """Modes that the `force` setting puts on this path (consuming one use of a counted rule)."""
        result: set[str] = set()
        with self._lock:
            for key in (f"{kind}/{name}", f"{kind}/*"):
                rule = cfg.force.get(key)
                if rule is None:
                    continue
                if isinstance(rule, dict):
                    left = self._force_remaining.get(key, 0)
                    if left <= 0:
                        continue
                    self._force_remaining[key] = left - 1
                    result.update(rule["modes"])
                else:
                    result.update(rule)
        return result

    def _choose_modes(self, cfg: SimConfig, kind: str, forced: set[str], draw: bool) -> set[str]:
        """Forced modes plus, unless `x-sim-mode: none`, modes drawn at their configured rates."""
        active = set(forced)
        with self._lock:
            rng = self._rng
            # Always the same number of draws per request, so a request sequence replays exactly.
            rolls = [rng.random() for _ in range(7)]
        if not draw:
            return active
        if rolls[0] < cfg.error_rate:
            active.add(modes.MODE_503 if rolls[1] < 0.5 else modes.MODE_504)
        if rolls[2] < cfg.slow_rate:
            active.add(modes.MODE_SLOW)
        if rolls[3] < cfg.empty_body_rate:
            active.add(modes.MODE_EMPTY_BODY)
        if kind == AVAILABILITY and rolls[4] < cfg.empty_rate:
            active.add(modes.MODE_AVAILABILITY_EMPTY)
        if kind == AVAILABILITY and rolls[5] < cfg.malformed_xml_rate:
            active.add(modes.MODE_MALFORMED_XML)
        if rolls[6] < cfg.truncated_rate:
            active.add(modes.MODE_TRUNCATED_JSON)
        return active

    def _respond(self, request: Request, kind: str, name: str, active: set[str]) -> tuple[Response, list[str]]:
        """The response for the chosen modes, and the modes that took effect."""
        applied = sorted(m for m in active if m == modes.MODE_SLOW)
        for status_mode in (modes.MODE_503, modes.MODE_504):
            if status_mode in active:
                applied.append(status_mode)
                return _error_response(int(status_mode), applied), applied
        if modes.MODE_EMPTY_BODY in active:
            applied.append(modes.MODE_EMPTY_BODY)
            return _upstream_response(b"", applied, tag=None), applied

        data = self.snapshot()
        if kind == PRODUCTS:
            body = data.products_body.get(name, b"")
            tag = data.products_etag.get(name) or etag(body)
        elif modes.MODE_AVAILABILITY_EMPTY in active:
            applied.append(modes.MODE_AVAILABILITY_EMPTY)
            body = EMPTY_AVAILABILITY_BODY
            tag = etag(body)
        elif name not in data.availability:
            body = render_availability([])
            tag = etag(body)
        elif modes.MODE_MALFORMED_XML in active and data.availability[name]:
            applied.append(modes.MODE_MALFORMED_XML)
            body = self._malformed_availability(data.availability[name])
            tag = etag(body)
        else:
            body = data.availability_body[name]
            tag = data.availability_etag[name]

        if modes.MODE_TRUNCATED_JSON in active and body:
            applied.append(modes.MODE_TRUNCATED_JSON)
            end = len(body.rstrip())
            with self._lock:
                cut = self._rng.randint(1, end - 1) if end > 1 else 0
            return _upstream_response(body[:cut], applied, tag=None), applied

        if request.if_none_match and request.if_none_match.contains_weak(tag[3:-1] if tag.startswith("W/") else tag):
            return _not_modified(tag, applied), applied
        return _upstream_response(body, applied, tag=tag), applied

    def _malformed_availability(self, entries: list[tuple[str, str]]) -> bytes:
        count = max(1, round(len(entries) * self.config.malformed_xml_fraction))
        with self._lock:
            broken = dict(
                (index, self._rng.randrange(len(BROKEN_PAYLOADS)))
                for index in self._rng.sample(range(len(entries)), min(count, len(entries)))
            )
        return render_availability(
            [(i, BROKEN_PAYLOADS[broken[n]](v) if n in broken else payload(v)) for n, (i, v) in enumerate(entries)]
        )

    # -- control API --------------------------------------------------------------------------

    def _control_config(self, request: Request) -> Response:
        if request.method == "POST":
            changes = _json_body(request)
            self.configure(**changes)
        return _json(self.config.to_dict())

    def _control_advance(self, request: Request) -> Response:
        body = _json_body(request) if request.content_length else {}
        periods = body.get("periods", 1)
        if isinstance(periods, bool) or not isinstance(periods, int):
            raise ConfigError("periods must be an integer")
        self.advance(periods)
        return _json(self.status())

    def _control_status(self, request: Request) -> Response:
        return _json(self.status())

    def _control_stats(self, request: Request) -> Response:
        return _json(self.stats())

    def _control_stats_reset(self, request: Request) -> Response:
        self.reset_stats()
        return _json(self.stats())

    def _control_reset(self, request: Request) -> Response:
        self.reset()
        return _json(self.config.to_dict())

    def _control_snapshot(self, request: Request) -> Response:
        data = self.snapshot()
        return _json(
            {
                "epoch": data.epoch,
                "products": {c: [p["id"] for p in items] for c, items in data.products.items()},
                "availability": data.availability_map(),
            }
        )


def _header_modes(request: Request, kind: str) -> tuple[set[str], bool, float]:
    """Modes forced by request headers, whether random draws apply, and an extra delay in seconds."""
    forced: set[str] = set()
    draw = True
    force_all = request.headers.get("x-force-error-mode", "").strip().lower() == "all"
    if force_all and kind == AVAILABILITY:
        forced.add(modes.MODE_AVAILABILITY_EMPTY)
    names = [n.strip() for n in request.headers.get("x-sim-mode", "").split(",") if n.strip()]
    if any(n.lower() == "none" for n in names):
        draw = False
        names = [n for n in names if n.lower() != "none"]
    if names:
        try:
            forced.update(modes.parse_modes(names, "x-sim-mode"))
        except ConfigError as exc:
            raise BadRequest(f"{exc} (or none)") from None
    extra = 0.0
    raw_delay = request.headers.get("x-sim-delay")
    if raw_delay is not None:
        try:
            extra = float(raw_delay)
        except ValueError:
            raise BadRequest("x-sim-delay must be a number of seconds") from None
        if not 0 <= extra <= MAX_HEADER_DELAY:
            raise BadRequest(f"x-sim-delay must be between 0 and {MAX_HEADER_DELAY:g}")
    return forced, draw, extra


def _mark(response: Response, applied: list[str], *, upstream_header: bool) -> Response:
    # The upstream itself only ever announced its own failure; injected corruption stays silent
    # there (as a broken proxy would) and is named in the simulator's own X-Sim-Modes header.
    if upstream_header:
        announced = modes.MODE_AVAILABILITY_EMPTY if modes.MODE_AVAILABILITY_EMPTY in applied else ""
        response.headers[ERROR_MODES_HEADER] = announced
    response.headers[SIM_MODES_HEADER] = ",".join(applied)
    return response


def _upstream_response(body: bytes, applied: list[str], *, tag: str | None) -> Response:
    response = Response(body, status=200, content_type=JSON_TYPE)
    if tag is not None:
        response.headers["ETag"] = tag
    return _mark(response, applied, upstream_header=True)


def _not_modified(tag: str, applied: list[str]) -> Response:
    response = Response(status=304)
    response.headers["ETag"] = tag
    return _mark(response, applied, upstream_header=True)


def _error_response(status: int, applied: list[str]) -> Response:
    reason = {503: "Service Unavailable", 504: "Gateway Timeout"}[status]
    body = f"<html><body><h1>{status} {reason}</h1></body></html>\n"
    response = Response(body, status=status, content_type="text/html; charset=utf-8")
    return _mark(response, applied, upstream_header=False)


def _json(data, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


def _json_body(request: Request) -> dict:
    try:
        data = json.loads(request.get_data(as_text=True) or "{}")
    except ValueError:
        raise BadRequest("body must be JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


def create_app(config: SimConfig | None = None, **settings) -> Simulator:
    """WSGI entry point (`gunicorn 'supplier_sim:create_app()'`); settings as in SimConfig."""
    return Simulator(config, **settings)
