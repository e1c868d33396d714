"""HTTP client for the upstream supplier API: pooled, time-limited, retrying, conditional.

Every failure the upstream is known for is turned into a retry with backoff: the ``"[]"``
availability body, 5xx answers, timeouts and refused connections, empty bodies, truncated
JSON and malformed XML payloads. After the last attempt a fetch reports ``failed`` and the
poller keeps the last good data of that source.
"""

from __future__ import annotations

import json
import logging
import random
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import requests
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

UPSTREAM_AVAILABILITY = {"INSTOCK": "in_stock", "LESSTHAN10": "less_than_10", "OUTOFSTOCK": "out_of_stock"}


class UpstreamError(Exception):
    """One attempt failed in a way worth retrying."""


class PartialAvailability(UpstreamError):
    """An availability list whose JSON is fine but some DATAPAYLOADs are malformed."""

    def __init__(self, data: dict, invalid: int):
        super().__init__(f"{invalid} malformed availability payload(s)")
        self.data = data
        self.invalid = invalid


@dataclass
class FetchResult:
    """The outcome of fetching one upstream list (after retries)."""

    kind: str  # "category" | "manufacturer"
    name: str
    status: str  # "ok" | "not_modified" | "failed"
    data: list | dict | None = None
    etag: str | None = None
    attempts: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str = ""
    invalid_entries: int = 0  # availability payloads that stayed malformed on the accepted attempt
    errors: list[str] = field(default_factory=list)

    def outcome(self) -> dict:
        """The JSON-able summary kept on the poll run."""
        out = {
            "status": self.status,
            "attempts": self.attempts,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
        }
        if self.error:
            out["error"] = self.error
        if self.errors:
            out["retried"] = self.errors[:10]
        if self.invalid_entries:
            out["invalid_entries"] = self.invalid_entries
        return out


@dataclass
class ClientSettings:
    base_url: str
    connect_timeout: float = 3.05
    read_timeout: float = 60.0
    attempts: int = 4
    backoff: float = 0.1
    backoff_max: float = 5.0
    pool_size: int = 32
    hedge: int = 2

    @classmethod
    def from_config(cls, config) -> ClientSettings:
        return cls(
            base_url=config["SUPPLIER_API_URL"].rstrip("/"),
            connect_timeout=float(config.get("INVENTORY_CONNECT_TIMEOUT", 3.05)),
            read_timeout=float(config.get("INVENTORY_READ_TIMEOUT", 60.0)),
            attempts=max(1, int(config.get("INVENTORY_FETCH_ATTEMPTS", 4))),
            backoff=float(config.get("INVENTORY_RETRY_BACKOFF", 0.1)),
            hedge=max(1, int(config.get("INVENTORY_RETRY_HEDGE", 2))),
            pool_size=max(4, int(config.get("INVENTORY_POOL_SIZE", 32))),
        )


def parse_products(body: bytes, category: str) -> list[dict]:
    """A category list -> normalised products; raises UpstreamError on anything unusable."""
    if not body.strip():
        raise UpstreamError("empty body")
    try:
        items = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UpstreamError(f"invalid JSON ({exc.__class__.__name__})") from None
    if not isinstance(items, list):
        raise UpstreamError("product list is not a JSON array")
    products = []
    for item in items:
        try:
            external_id = str(item["id"]).strip().lower()
            price = item.get("price")
            colors = item.get("color") or []
            products.append(
                {
                    "external_id": external_id,
                    "name": str(item["name"]).strip()[:255],
                    "category": category,
                    "manufacturer": str(item.get("manufacturer") or "").strip().lower()[:64] or None,
                    "colors": [str(c).strip().lower() for c in colors if str(c).strip()][:8]
                    if isinstance(colors, list)
                    else [],
                    "price_cents": int(round(float(price) * 100))
                    if isinstance(price, (int, float)) and price >= 0
                    else None,
                }
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # one bad record never sinks the list
    if items and not products:
        raise UpstreamError("no usable product in the list")
    return products


_PAYLOAD_MEMO: dict[str, str | None] = {}
_PAYLOAD_MEMO_MAX = 1024


def parse_payload(payload) -> str | None:
    """The availability inside one DATAPAYLOAD, or None when it is malformed or unknown.

    Upstream sends a handful of distinct payloads thousands of times each, so results are
    memoised by payload text (bounded; a pure function of the text).
    """
    if not isinstance(payload, str) or not payload.strip():
        return None
    try:
        return _PAYLOAD_MEMO[payload]
    except KeyError:
        pass
    value = _parse_payload(payload)
    if len(_PAYLOAD_MEMO) < _PAYLOAD_MEMO_MAX and len(payload) < 512:
        _PAYLOAD_MEMO[payload] = value
    return value


def _parse_payload(payload: str) -> str | None:
    try:
        root = ElementTree.fromstring(payload, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        return None
    value = root.findtext("INSTOCKVALUE")
    return UPSTREAM_AVAILABILITY.get((value or "").strip().upper())


def parse_availability(body: bytes) -> tuple[dict[str, str | None], int]:
    """A manufacturer's list -> ({UPPER id: availability or None}, malformed count); raises UpstreamError."""
    if not body.strip():
        raise UpstreamError("empty body")
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UpstreamError(f"invalid JSON ({exc.__class__.__name__})") from None
    if not isinstance(doc, dict):
        raise UpstreamError("availability answer is not a JSON object")
    response = doc.get("response")
    if isinstance(response, str):
        raise UpstreamError(f"availability-empty failure (response {response[:20]!r})")
    if not isinstance(response, list):
        raise UpstreamError("availability answer has no response list")
    result: dict[str, str | None] = {}
    invalid = 0
    for entry in response:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            invalid += 1
            continue
        value = parse_payload(entry.get("DATAPAYLOAD"))
        if value is None:
            invalid += 1
        result[entry["id"].strip().upper()] = value
    return result, invalid


class SupplierClient:
    """Fetches upstream lists over one pooled session; safe to share between threads."""

    def __init__(self, settings: ClientSettings, sleep=time.sleep):
        self.settings = settings
        self.sleep = sleep
        self.session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=settings.pool_size, max_retries=0, pool_block=False)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "trackbase-inventory/1"})
        self._hedge_pool = ThreadPoolExecutor(max_workers=settings.pool_size, thread_name_prefix="supplier-retry")

    def close(self) -> None:
        self._hedge_pool.shutdown(wait=False, cancel_futures=True)
        self.session.close()

    def fetch_category(self, name: str, etag: str | None = None) -> FetchResult:
        """GET /v2/products/<name>, retried until a usable list (or 304) arrives."""
        return self._fetch("category", name, f"/v2/products/{name}", etag)

    def fetch_manufacturer(self, name: str, etag: str | None = None) -> FetchResult:
        """GET /v2/availability/<name>, retried until a usable list (or 304) arrives."""
        return self._fetch("manufacturer", name, f"/v2/availability/{name}", etag)

    def _backoff(self, attempt: int) -> float:
        base = min(self.settings.backoff_max, self.settings.backoff * (2 ** (attempt - 1)))
        return base * (0.5 + random.random() / 2)

    def _once(self, kind: str, name: str, url: str, etag: str | None) -> tuple[str, object, str | None]:
        """One request: ("not_modified" | "ok", data, etag); raises UpstreamError or a requests error."""
        headers = {"If-None-Match": etag} if etag else {}
        response = self.session.get(
            url, headers=headers, timeout=(self.settings.connect_timeout, self.settings.read_timeout)
        )
        if response.status_code == 304 and etag:
            return "not_modified", None, etag
        if response.status_code != 200:
            raise UpstreamError(f"HTTP {response.status_code}")
        body = response.content
        if kind == "category":
            return "ok", parse_products(body, name), response.headers.get("ETag")
        data, invalid = parse_availability(body)
        if invalid:
            raise PartialAvailability(data, invalid)
        return "ok", data, response.headers.get("ETag")

    def _hedged(self, count: int, *args) -> tuple[str, object, str | None]:
        """`count` identical requests at once; the first good answer wins, else the last error is raised."""
        futures = [self._hedge_pool.submit(self._once, *args) for _ in range(count)]
        error: Exception | None = None
        for future in as_completed(futures):
            try:
                return future.result()
            except (UpstreamError, requests.RequestException) as exc:
                if error is None or isinstance(exc, PartialAvailability):
                    error = exc
        raise error

    def _fetch(self, kind: str, name: str, path: str, etag: str | None) -> FetchResult:
        started = time.monotonic()
        result = FetchResult(kind=kind, name=name, status="failed")
        url = self.settings.base_url + path
        last_partial = None  # the best malformed-XML answer, accepted after the last attempt
        for attempt in range(1, self.settings.attempts + 1):
            result.attempts = attempt
            # Retries go out `hedge` times at once: the upstream's failures are random, so two
            # parallel tries make a second failure (and another slow round trip) unlikely.
            count = 1 if attempt == 1 else self.settings.hedge
            result.requests += count
            try:
                if count == 1:
                    status, data, tag = self._once(kind, name, url, etag)
                else:
                    status, data, tag = self._hedged(count, kind, name, url, etag)
                result.status, result.data, result.etag = status, data, tag
                break
            except (UpstreamError, requests.RequestException) as exc:
                if isinstance(exc, PartialAvailability) and (last_partial is None or exc.invalid < last_partial[1]):
                    last_partial = (exc.data, exc.invalid)
                message = _describe(exc)
                result.errors.append(f"attempt {attempt}: {message}")
                result.error = message
                if attempt < self.settings.attempts:
                    self.sleep(self._backoff(attempt))
        if result.status == "failed" and last_partial is not None:
            # Every attempt had a few broken payloads: keep the good entries, never cache the ETag.
            result.data, result.invalid_entries = last_partial
            result.status, result.etag = "ok", None
        if result.status != "failed":
            result.error = ""
        result.seconds = time.monotonic() - started
        if result.status == "failed":
            log.warning("supplier %s %s failed after %d attempts: %s", kind, name, result.attempts, result.error)
        return result


def _describe(exc: Exception) -> str:
    if isinstance(exc, UpstreamError):
        return str(exc)
    if isinstance(exc, requests.Timeout):
        return "timed out"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    return exc.__class__.__name__
