"""Deterministic catalog generation: the upstream's products and availability at one epoch.

Every value is a pure function of (seed, epoch) computed from BLAKE2b digests, so any epoch
(even one millions of periods from zero) is built directly, without replaying history.

Rotation model. Each category has `products_per_category` slots. A slot holds one product
for a lifetime of L = 1/product_churn periods (with a per-slot phase), then a new product
takes it; half of the new products show up one period late, so a few products disappear and
appear each period and the count wobbles slightly. Availability is redrawn for each product
every 1/availability_churn periods (per-product phase) with the recorded 90/5/5 mix.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field

from .config import SimConfig

# Name parts of the recorded data: the first word is 2-3 distinct syllables, then 1-2 distinct words.
SYLLABLES = (
    "AK", "DAL", "EM", "FOL", "GIN", "HEM", "IL", "JE", "KOL", "LEA", "MO",
    "NY", "OOT", "REV", "SOP", "TAI", "UP", "VE", "YY", "ÄN", "ÖIS",
)  # fmt: skip
WORDS = (
    "ALPINE", "ANIMAL", "BANG", "BOON", "BRIGHT", "BUCK", "CITY", "EARTH", "FANTASY", "FLOWER",
    "GREEN", "HYDRA", "JUMP", "LIGHT", "MAGIC", "METROPOLIS", "MULTI", "NORMAL", "RAIN", "RAPTOR",
    "ROOM", "SHINE", "SLIP", "STAR", "SWEET", "TREE", "TYRANNUS", "WIND",
)  # fmt: skip
COLORS = ("black", "blue", "green", "grey", "purple", "red", "white", "yellow")

INSTOCK = "INSTOCK"
LESSTHAN10 = "LESSTHAN10"
OUTOFSTOCK = "OUTOFSTOCK"
AVAILABILITY_VALUES = (INSTOCK, LESSTHAN10, OUTOFSTOCK)

PAYLOAD_TEMPLATE = "<AVAILABILITY>\n  <CODE>200</CODE>\n  <INSTOCKVALUE>{}</INSTOCKVALUE>\n</AVAILABILITY>"


def payload(value: str) -> str:
    """The DATAPAYLOAD XML string for an INSTOCKVALUE."""
    return PAYLOAD_TEMPLATE.format(value)


def digest(*parts) -> bytes:
    """32 pseudo-random bytes fixed by `parts`."""
    text = "\x1f".join(str(p) for p in parts)
    return hashlib.blake2b(text.encode(), digest_size=32).digest()


def _u16(d: bytes, i: int) -> int:
    return d[i] << 8 | d[i + 1]


def _pick_distinct(options: tuple, count: int, d: bytes, start: int) -> list:
    pool = list(options)
    chosen = []
    for k in range(count):
        chosen.append(pool.pop(_u16(d, start + 2 * k) % len(pool)))
    return chosen


def make_product(seed: int, category: str, slot: int, generation: int, manufacturers: tuple[str, ...]) -> dict:
    """The product living in `slot` of `category` during `generation`, shaped like the recorded data."""
    d = digest(seed, "product", category, slot, generation)
    id_len = 18 + d[12] % 7
    syllables = _pick_distinct(SYLLABLES, 2 if d[13] < 80 else 3, d, 14)  # ~31% two syllables
    words = _pick_distinct(WORDS, 1 if d[20] < 159 else 2, d, 21)  # ~62% two-word names
    colors = _pick_distinct(COLORS, 1 if d[25] < 232 else 2, d, 26)  # ~91% one colour
    price = 10 + _u16(d, 30) % 90 if d[29] < 231 else 100 + _u16(d, 30) % 900  # ~90% below 100
    return {
        "id": d[:12].hex()[:id_len],
        "type": category,
        "name": " ".join(["".join(syllables), *words]),
        "color": colors,
        "price": price,
        "manufacturer": manufacturers[_u16(d, 10) % len(manufacturers)],
    }


# One %-format per product is the fastest way to build the upstream's exact layout.
_PRODUCT_LAYOUT = (
    '  {\n    "id": %s,\n    "type": %s,\n    "name": %s,\n    "color": [%s],\n    "price": %d,\n'
    '    "manufacturer": %s\n  }'
)


def render_products(products: list[dict]) -> bytes:
    """A product list as the upstream sent it: 2-space indented objects, colours on one line, UTF-8."""
    if not products:
        return b"[]\n"
    dumps = json.dumps
    parts = [
        _PRODUCT_LAYOUT
        % (
            dumps(p["id"]),
            dumps(p["type"], ensure_ascii=False),
            dumps(p["name"], ensure_ascii=False),
            ", ".join(dumps(c) for c in p["color"]),
            p["price"],
            dumps(p["manufacturer"], ensure_ascii=False),
        )
        for p in products
    ]
    return ("[\n" + ",\n".join(parts) + "\n]\n").encode()


def render_availability(entries: list[tuple[str, str]]) -> bytes:
    """{"code":200,"response":[{"id","DATAPAYLOAD"}...]} from (UPPER id, DATAPAYLOAD) pairs."""
    body = {"code": 200, "response": [{"id": i, "DATAPAYLOAD": p} for i, p in entries]}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def etag(body: bytes) -> str:
    """A weak ETag over the body, in the format Express (the upstream's stack) generates."""
    sha = base64.b64encode(hashlib.sha1(body).digest()).decode()[:27]
    return f'W/"{len(body):x}-{sha}"'


@dataclass
class EpochData:
    """Everything served for one epoch, prebuilt once."""

    epoch: int
    products: dict[str, list[dict]]  # category -> products (ids lower-case)
    availability: dict[str, list[tuple[str, str]]]  # manufacturer -> [(UPPER id, INSTOCKVALUE)]
    products_body: dict[str, bytes] = field(default_factory=dict)
    products_etag: dict[str, str] = field(default_factory=dict)
    availability_body: dict[str, bytes] = field(default_factory=dict)
    availability_etag: dict[str, str] = field(default_factory=dict)

    def availability_map(self) -> dict[str, str]:
        """UPPER id -> INSTOCKVALUE over every manufacturer."""
        return {i: v for entries in self.availability.values() for i, v in entries}


class Catalog:
    """Builds EpochData for a config; caches product records and recent epochs."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._products: dict[tuple[str, int, int], dict] = {}
        self._phases: dict[tuple[str, int], tuple[int, int]] = {}
        self._avail_phase: dict[str, int] = {}

    # -- products -------------------------------------------------------------------------

    def _lifetime(self) -> int | None:
        churn = self.config.product_churn
        return max(1, round(1 / churn)) if churn > 0 else None

    def active_products(self, epoch: int) -> dict[str, list[dict]]:
        """Category -> products present at `epoch`, in slot order, ids unique across categories."""
        cfg = self.config
        lifetime = self._lifetime()
        seen: set[str] = set()
        result: dict[str, list[dict]] = {}
        if len(self._products) > 4 * max(1, cfg.products_per_category * len(cfg.categories)):
            self._products.clear()
        for category in cfg.categories:
            items = []
            for slot in range(cfg.products_per_category):
                if lifetime is None:
                    generation, position, gap = 0, 1, False
                else:
                    phase = self._phases.get((category, slot))
                    if phase is None:
                        d = digest(cfg.seed, "slot", category, slot)
                        phase = (_u16(d, 0) << 16 | _u16(d, 2)) % lifetime
                        self._phases[(category, slot)] = phase
                    t = epoch + phase
                    generation, position = divmod(t, lifetime)
                    gap = position == 0
                key = (category, slot, generation)
                product = self._products.get(key)
                if product is None:
                    product = make_product(cfg.seed, category, slot, generation, cfg.manufacturers)
                    self._products[key] = product
                # A new product arrives one period late half the time: the list length wobbles.
                if gap and int(product["id"][-1], 16) % 2 == 0:
                    continue
                if product["id"] in seen:  # never seen in practice (72+ bits); keeps ids unique anyway
                    continue
                seen.add(product["id"])
                items.append(product)
            result[category] = items
        return result

    # -- availability ---------------------------------------------------------------------

    def availability_value(self, product_id: str, epoch: int) -> str:
        """INSTOCKVALUE of a product at `epoch` (90% INSTOCK, 5% LESSTHAN10, 5% OUTOFSTOCK)."""
        cfg = self.config
        segment = 0
        if cfg.availability_churn > 0:
            period = max(1, round(1 / cfg.availability_churn))
            phase = self._avail_phase.get(product_id)
            if phase is None:
                d = digest(cfg.seed, "aphase", product_id)
                phase = (_u16(d, 0) << 16 | _u16(d, 2)) % period
                self._avail_phase[product_id] = phase
            segment = (epoch + phase) // period
        roll = _u16(digest(cfg.seed, "avail", product_id, segment), 0)
        if roll < 58982:  # 0.90 * 65536
            return INSTOCK
        if roll < 62259:  # 0.95 * 65536
            return LESSTHAN10
        return OUTOFSTOCK

    def build(self, epoch: int) -> EpochData:
        """Products and availability at `epoch`, with response bodies and ETags rendered.

        Availability lags the product lists by one period, as the upstream's cache did: a
        product removed in this period is still listed in its manufacturer's availability.
        """
        if len(self._avail_phase) > 8 * max(1, self.config.products_per_category * len(self.config.categories)):
            self._avail_phase.clear()
        products = self.active_products(epoch)
        previous = self.active_products(epoch - 1)
        current_ids = {p["id"] for items in products.values() for p in items}
        availability: dict[str, list[tuple[str, str]]] = {m: [] for m in self.config.manufacturers}
        for source in (products, previous):
            for items in source.values():
                for p in items:
                    if source is previous and p["id"] in current_ids:
                        continue
                    availability[p["manufacturer"]].append((p["id"].upper(), self.availability_value(p["id"], epoch)))
        data = EpochData(epoch=epoch, products=products, availability=availability)
        for category, items in products.items():
            body = render_products(items)
            data.products_body[category] = body
            data.products_etag[category] = etag(body)
        for manufacturer, entries in availability.items():
            body = render_availability([(i, payload(v)) for i, v in entries])
            data.availability_body[manufacturer] = body
            data.availability_etag[manufacturer] = etag(body)
        return data
