"""Search benchmark: ranked full-text search against a LIKE scan over the same rows, in the same run.

    ../.venv/bin/python bench/search_bench.py            (from backend/ or the repository root)

Builds, in a temporary SQLite file and (when reachable) a temporary PostgreSQL database,
100,000 products, 200,000 comments and 20,000 document texts of synthetic but varied text
(a Zipf-distributed vocabulary of made-up words, so there are common, middling and rare terms),
fills the index with the same `rebuild` the reindex command runs, and then times a fixed mix of
queries two ways:

- ranked: `services.products.search.search`, the function GET /api/search calls (ranking,
  snippets for the page's 20 hits, the total counted up to 1000);
- scan: the same words matched with LIKE '%word%' over product names and descriptions, comment
  bodies and document texts (the first 20 matches of each table and a count up to 1000; no ranking,
  so the scan does less work than the search).

It prints p50/p95 per side and their ratios. Targets: ranked p95 <= 20 ms on SQLite and >= 20x
faster than the scan.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@localhost/postgres   (the PostgreSQL server; this default)
    BENCH_SCALE=0.1                                                        (a smaller data set, for a quick look)
    BENCH_SQLITE_FILE=path   keep the SQLite database there and reuse it next time
    BENCH_SQLITE_ONLY=1, BENCH_POSTGRESQL_ONLY=1   one side only
"""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT / "backend"))

from sqlalchemy import create_engine, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

SCALE = float(os.environ.get("BENCH_SCALE", "1"))
PRODUCTS, COMMENTS, DOCUMENTS = int(100_000 * SCALE), int(200_000 * SCALE), int(20_000 * SCALE)
DEFAULT_PG = "postgresql+psycopg://postgres@localhost/postgres"
RANKED_ROUNDS, SCAN_ROUNDS = 15, 3
SYLLABLES = [c + v for c in "bcdfghklmnprstvz" for v in ("a", "e", "i", "o", "u", "ar", "en", "or")]


def vocabulary(rng: random.Random, size: int = 30_000) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 4)))))
    ordered = sorted(words)
    rng.shuffle(ordered)  # frequency rank unrelated to spelling
    return ordered


class Text:
    """Zipf-ish word streams over one vocabulary: word i is drawn with weight 1/(i+1)."""

    def __init__(self, seed: int = 42):
        self.rng = random.Random(seed)
        self.words = vocabulary(self.rng)
        weights = [1 / (i + 1) for i in range(len(self.words))]
        total = sum(weights)
        acc = 0.0
        self.cumulative = []
        for w in weights:
            acc += w / total
            self.cumulative.append(acc)

    def sentence(self, n: int) -> str:
        return " ".join(self.rng.choices(self.words, cum_weights=self.cumulative, k=n))


def build(url: str, corpus: Text) -> float:
    """Schema, rows and the index in a fresh database; returns the seconds `rebuild` took."""
    from trackbase.extensions import db
    from trackbase.models import Comment, Document, Product, ProductTag
    from trackbase.services.products import search

    rng = corpus.rng
    if db.engine.dialect.name == "sqlite" and db.session.execute(text("PRAGMA table_info(products)")).all():
        return 0.0  # BENCH_SQLITE_FILE: a database built by an earlier run
    db.create_all()
    batch = 5000
    categories = ["bonds", "stocks", "gloves", "metals", "energy", "funds", "chips", "farmland"]
    makers = [corpus.words[i] for i in range(200, 260)]
    for start in range(0, PRODUCTS, batch):
        rows = [
            {
                "id": i + 1,
                "name": corpus.sentence(rng.randint(2, 4)).title(),
                "description": corpus.sentence(rng.randint(20, 80)),
                "category": rng.choice(categories),
                "manufacturer": rng.choice(makers),
                "source": "member",
                "colors": [],
            }
            for i in range(start, min(start + batch, PRODUCTS))
        ]
        db.session.execute(insert(Product), rows)
        db.session.execute(
            insert(ProductTag),
            [{"product_id": r["id"], "tag": t} for r in rows for t in {corpus.sentence(1) for _ in range(2)}],
        )
    for start in range(0, COMMENTS, batch):
        db.session.execute(
            insert(Comment),
            [
                {
                    "product_id": rng.randint(1, PRODUCTS),
                    "body": (body := corpus.sentence(rng.randint(8, 40))),
                    "body_html": f"<p>{body}</p>",
                }
                for _ in range(start, min(start + batch, COMMENTS))
            ],
        )
    for start in range(0, DOCUMENTS, 1000):
        db.session.execute(
            insert(Document),
            [
                {
                    "product_id": rng.randint(1, PRODUCTS),
                    "filename": f"{corpus.sentence(1)}-{i}.pdf",
                    "content_type": "application/pdf",
                    "size_bytes": 1000,
                    "sha256": hashlib.sha256(str(i).encode()).hexdigest(),
                    "storage_key": f"documents/{uuid.uuid4().hex}",
                    "text_status": "indexed",
                    "text_message": "",
                    "text": corpus.sentence(rng.randint(150, 600)),
                }
                for i in range(start, min(start + 1000, DOCUMENTS))
            ],
        )
    db.session.commit()
    started = time.perf_counter()
    search.rebuild()
    elapsed = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        # `flask search reindex` ends its process, and closing the database folds the write-ahead log
        # back into it; this process keeps its connections, so do the same, or every read would first
        # look its page up among the hundreds of MB of log the build wrote (about twice the time).
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.commit()
    return elapsed


def query_mix(corpus: Text) -> list[tuple[str, str, list[str]]]:
    """(label, q, words for the scan): common, middling and rare words, pairs, a phrase, prefixes, OR, NOT."""
    w = corpus.words
    return [
        ("common word", w[3], [w[3]]),
        ("middling word", w[400], [w[400]]),
        ("rare word", w[20_000], [w[20_000]]),
        ("two common", f"{w[1]} {w[7]}", [w[1], w[7]]),
        ("common + rare", f"{w[2]} {w[15_000]}", [w[2], w[15_000]]),
        ("phrase", f'"{w[0]} {w[1]}"', [f"{w[0]} {w[1]}"]),
        ("prefix 3 letters", w[50][:3], [w[50][:3]]),
        ("prefix 5 letters", w[900][:5], [w[900][:5]]),
        ("word + prefix", f"{w[10]} {w[300][:4]}", [w[10], w[300][:4]]),
        ("exclusion", f"{w[30]} -{w[5]}", [w[30]]),
        ("OR", f"{w[2_000]} OR {w[3_000]}", [w[2_000]]),
        ("no match", "zzqxv", ["zzqxv"]),
    ]


def scan(words: list[str]) -> int:
    """The LIKE baseline: the first 20 matches of each table and a count up to 1000 over all three."""
    from trackbase.extensions import db

    params = {f"w{i}": f"%{word}%" for i, word in enumerate(words)}

    def where(*columns: str) -> str:
        each = [" OR ".join(f"lower({c}) LIKE lower(:w{i})" for c in columns) for i in range(len(words))]
        return " AND ".join(f"({e})" for e in each)

    sources = [
        ("products", where("name", "description")),
        ("comments", where("body")),
        ("documents", where("text")),
    ]
    found = 0
    for table, condition in sources:
        found += len(db.session.execute(text(f"SELECT id FROM {table} WHERE {condition} LIMIT 20"), params).all())
    union = " UNION ALL ".join(f"SELECT id FROM {table} WHERE {condition}" for table, condition in sources)
    db.session.scalar(text(f"SELECT count(*) FROM ({union} LIMIT 1001) AS matches"), params)
    return found


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(label: str, url: str) -> dict | None:
    from tests.conftest import make_test_config
    from trackbase import create_app
    from trackbase.extensions import db
    from trackbase.services.products import search

    corpus = Text()
    app = create_app(
        make_test_config(url, os.environ.get("BENCH_REDIS_URL", "redis://localhost:6379/15"), 1025, TESTING=False)
    )
    with app.app_context():
        sizes = f"{PRODUCTS:,} products, {COMMENTS:,} comments, {DOCUMENTS:,} documents"
        print(f"[{label}] building {sizes} ...", flush=True)
        started = time.perf_counter()
        rebuild_s = build(url, corpus)
        print(f"[{label}] rows and index in {time.perf_counter() - started:.0f} s (rebuild {rebuild_s:.1f} s)")
        user = SimpleNamespace(id=1)
        mix = query_mix(corpus)
        ranked: list[float] = []
        ranked_cpu: list[float] = []
        scanned: list[float] = []
        per_query = []
        for _name, q, words in mix:  # warm both paths once
            search.search(user, q, None, 1, 20)
            scan(words)
        for name, q, words in mix:
            times = []
            for _ in range(RANKED_ROUNDS):
                t0, c0 = time.perf_counter(), time.process_time()
                page = search.search(user, q, None, 1, 20)
                times.append((time.perf_counter() - t0) * 1000)
                ranked_cpu.append((time.process_time() - c0) * 1000)
            scan_times = []
            for _ in range(SCAN_ROUNDS):
                t0 = time.perf_counter()
                scan(words)
                scan_times.append((time.perf_counter() - t0) * 1000)
            ranked += times
            scanned += scan_times
            total = f"{page.total}{'+' if page.total_capped else ''}"
            per_query.append((name, q, statistics.median(times), statistics.median(scan_times), total))
        db.session.remove()
        db.engine.dispose()
    print(f"\n[{label}] per query (median ms): ranked vs LIKE scan")
    for name, q, r, s, total in per_query:
        print(f"  {name:18} {q[:28]:30} ranked {r:8.2f}  scan {s:9.1f}  x{s / r:7.1f}  hits {total}")
    load = os.getloadavg()[0]
    result = {
        "label": label,
        "load": load,
        "ranked_cpu_p50": percentile(ranked_cpu, 50),
        "ranked_cpu_p95": percentile(ranked_cpu, 95),
        "ranked_p50": percentile(ranked, 50),
        "ranked_p95": percentile(ranked, 95),
        "scan_p50": percentile(scanned, 50),
        "scan_p95": percentile(scanned, 95),
    }
    print(
        f"[{label}] ranked p50 {result['ranked_p50']:.2f} ms  p95 {result['ranked_p95']:.2f} ms | "
        f"scan p50 {result['scan_p50']:.1f} ms  p95 {result['scan_p95']:.1f} ms | "
        f"ratio p50 {result['scan_p50'] / result['ranked_p50']:.1f}x  "
        f"p95 {result['scan_p95'] / result['ranked_p95']:.1f}x"
    )
    # CPU time of this process: the whole search on SQLite (in-process), only the client side on PostgreSQL
    print(
        f"[{label}] ranked process CPU p50 {result['ranked_cpu_p50']:.2f} ms  p95 {result['ranked_cpu_p95']:.2f} ms; "
        f"load average {load:.1f} on {os.cpu_count()} CPUs"
    )
    return result


def main() -> int:
    results = []
    kept = os.environ.get("BENCH_SQLITE_FILE")  # keep (and reuse) the SQLite database there
    tmp = tempfile.mkdtemp(prefix="search-bench-")
    try:
        if not os.environ.get("BENCH_POSTGRESQL_ONLY"):
            results.append(measure("sqlite", f"sqlite:///{kept or Path(tmp) / 'bench.db'}"))
    finally:
        for child in Path(tmp).iterdir():
            child.unlink()
        Path(tmp).rmdir()
    if os.environ.get("BENCH_SQLITE_ONLY"):
        return 0
    server = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
    name = f"search_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server: SQLite figures only
        print(f"PostgreSQL not reachable ({type(exc).__name__}); SQLite figures only")
    else:
        try:
            results.append(measure("postgresql", make_url(server).set(database=name).render_as_string(False)))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print("\nsummary")
    ok = True
    for r in results:
        ratio = r["scan_p95"] / r["ranked_p95"]
        line = (
            f"  {r['label']:10} ranked p50 {r['ranked_p50']:.2f} ms, p95 {r['ranked_p95']:.2f} ms; "
            f"scan p95 {r['scan_p95']:.1f} ms; scan/ranked at p95 {ratio:.1f}x; load {r['load']:.1f}"
        )
        if r["label"] == "sqlite":
            met = r["ranked_p95"] <= 20 and ratio >= 20
            ok = ok and met
            line += f"  (target p95 <= 20 ms and >= 20x: {'met' if met else 'NOT met'})"
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
