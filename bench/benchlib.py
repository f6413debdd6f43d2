"""Shared pieces of the benchmarks: which databases, seeding or reusing them, timing, the result table.

Without --database-url a benchmark runs on both backends:

* SQLite: ``bench/out/demo-<N>.sqlite3`` (created by the migrations, then seeded);
* PostgreSQL: ``$ATOZ_BENCH_PG_URL`` or ``postgresql+psycopg://postgres@127.0.0.1:5432/test``,
  inside the schema ``atoz_bench``, which is dropped and created again when it must be seeded.

A database that already holds the N demo claims (ids 1..N) is reused; claims added later by the
intake benchmark (ids above N) do not stop that.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/NAME.py` from a checkout
    sys.path.insert(0, str(ROOT))

from atoz_desk.data.database import Database, normalise_url  # noqa: E402
from atoz_desk.data.migrate import describe_url, ensure_current  # noqa: E402
from atoz_desk.data.models import Claim  # noqa: E402
from atoz_desk.services.demo import DemoSummary, seed_demo  # noqa: E402

OUT = ROOT / "bench" / "out"
DEFAULT_CLAIMS = 1_000_000
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_SCHEMA = "atoz_bench"
SEED = 7


@dataclass(frozen=True)
class Target:
    """One database a benchmark runs on."""

    backend: str  # "sqlite" | "postgresql"
    url: str  # what Database() gets
    schema: str | None = None  # PostgreSQL schema the bench owns (dropped and created again)
    sqlite_file: Path | None = None  # SQLite file the bench owns (deleted and created again)

    @property
    def shown(self) -> str:
        where = describe_url(self.url.split("?")[0])
        return f"{where} (schema {self.schema})" if self.schema else where

    def open(self) -> Database:
        if self.schema:
            return Database(self.url, connect_args={"options": f"-csearch_path={self.schema}"})
        return Database(self.url)

    def reset(self) -> None:
        """Start from nothing: delete the bench's SQLite file, or drop and create its schema."""
        if self.sqlite_file is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{self.sqlite_file}{suffix}").unlink(missing_ok=True)
        if self.schema is not None:
            admin = create_engine(normalise_url(self.url.split("?")[0]), poolclass=NullPool)
            try:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
                    conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            finally:
                admin.dispose()


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument(
        "--claims", type=int, default=DEFAULT_CLAIMS, help=f"demo claims (default {DEFAULT_CLAIMS:,})"
    )
    p.add_argument(
        "--database-url",
        help="run on this database only (used as it is: it must be empty or already hold the N demo claims)",
    )
    p.add_argument(
        "--backend",
        choices=("sqlite", "postgresql", "both"),
        default="both",
        help="without --database-url: which backends (default both)",
    )
    return p


def targets(args: argparse.Namespace) -> list[Target]:
    if args.database_url:
        url = normalise_url(args.database_url)
        return [Target(make_url(url).get_backend_name(), url)]
    out: list[Target] = []
    if args.backend in ("sqlite", "both"):
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"demo-{args.claims}.sqlite3"
        out.append(Target("sqlite", f"sqlite:///{path}", sqlite_file=path))
    if args.backend in ("postgresql", "both"):
        base = os.environ.get("ATOZ_BENCH_PG_URL", "").strip() or DEFAULT_PG_URL
        pg = make_url(normalise_url(base)).update_query_dict({"options": f"-csearch_path={PG_SCHEMA}"})
        out.append(Target("postgresql", pg.render_as_string(hide_password=False), schema=PG_SCHEMA))
    return out


def holds_demo(db: Database, claims: int) -> bool:
    """The database holds the N demo claims (ids 1..N), perhaps with later claims after them."""
    try:
        with db.reading() as s:
            n = s.scalar(select(func.count()).select_from(Claim).where(Claim.id <= claims))
            beyond = s.scalar(select(func.min(Claim.reference)).where(Claim.id > claims))
    except Exception:  # no schema yet
        return False
    return n == claims and (beyond is None or beyond > f"AZ-{claims:08d}")


def progress(label: str, total: int) -> Callable[[int], None]:
    started = time.monotonic()
    last = [0.0]

    def report(done: int) -> None:
        now = time.monotonic()
        if done == total or now - last[0] >= 10:
            last[0] = now
            print(f"  {label}: {done:,}/{total:,} claims, {now - started:.0f} s", file=sys.stderr, flush=True)

    return report


def seed(target: Target, claims: int) -> tuple[Database, DemoSummary]:
    """A fresh demo database: reset what the bench owns, migrate, seed. Returns the open database."""
    if target.sqlite_file is not None or target.schema is not None:
        target.reset()
    db = target.open()
    ensure_current(db)
    summary = seed_demo(
        db,
        claims=claims,
        seed=SEED,
        now=datetime.now(UTC),
        progress=progress(f"seed {target.backend}", claims),
    )
    return db, summary


def seeded(target: Target, claims: int) -> Database:
    """The demo database with N claims: reused when it holds them, else seeded now."""
    db = target.open()
    if holds_demo(db, claims):
        ensure_current(db)
        print(f"  reusing {target.shown}: it holds the {claims:,} demo claims", file=sys.stderr, flush=True)
        return db
    db.dispose()
    print(f"  seeding {claims:,} demo claims into {target.shown} ...", file=sys.stderr, flush=True)
    db, summary = seed(target, claims)
    print(f"  seeded in {summary.seconds:.1f} s", file=sys.stderr, flush=True)
    return db


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t:` ... then t[0] is the elapsed time in seconds."""
    out: list[float] = []
    started = time.perf_counter()
    try:
        yield out
    finally:
        out.append(time.perf_counter() - started)


@dataclass(frozen=True)
class Timing:
    runs: int
    median_ms: float
    p95_ms: float
    max_ms: float

    def __str__(self) -> str:
        return f"median {self.median_ms:7.2f} ms  p95 {self.p95_ms:7.2f} ms  (n={self.runs})"


def timing(seconds: list[float]) -> Timing:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]
    return Timing(len(ms), statistics.median(ms), p95, ms[-1])


def measure(fn: Callable[[], object], runs: int = 50, warmup: int = 5) -> Timing:
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return timing(seconds)


@dataclass(frozen=True)
class Figure:
    backend: str
    name: str
    value: float
    unit: str
    target: float | None  # the figure must be below it; None: for information

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "info"
        return "PASS" if self.value < self.target else "FAIL"


def print_table(title: str, figures: list[Figure]) -> bool:
    """The figures against their targets; True when every target is met."""
    print()
    print(title)
    width = max(len(f.name) for f in figures)
    print(f"{'backend':<11} {'figure':<{width}} {'value':>12} {'target':>12}  result")
    for f in figures:
        target = f"< {f.target:g} {f.unit}" if f.target is not None else "-"
        print(f"{f.backend:<11} {f.name:<{width}} {f.value:>9.2f} {f.unit:<2} {target:>12}  {f.verdict}")
    ok = all(f.verdict != "FAIL" for f in figures)
    print("all targets met" if ok else "some targets missed")
    return ok


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"


def explain(db: Database, statement: str, parameters: Any) -> str:
    pooled = db.engine.raw_connection()
    try:
        cursor = pooled.cursor()
        if db.is_postgresql:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            lines = [" ".join(str(v) for v in row[1:]) for row in cursor.fetchall()]
        pooled.rollback()
        return "\n".join("    " + line for line in lines)
    finally:
        pooled.close()


def captured_statements(db: Database, call: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Every statement (with its parameters) that `call` sent to the driver, in order."""
    seen: list[tuple[str, Any]] = []

    def listener(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return seen


def intake_row(n: int, **overrides: str) -> dict[str, str]:
    """One row of the Customer Service intake feed for claim number n (a kettle that scorched a
    worktop), with any field overridden: what the benches file through Services.intake."""
    row = {
        "order_id": f"O-{n:06d}",
        "order_date": "2026-09-20",
        "delivered_date": "2026-09-23",
        "product_id": f"P-{n:06d}",
        "product_title": "Electric kettle 1.7 l",
        "product_price": "120.00",
        "seller_id": "S-ACME",
        "seller_name": "Acme Appliances",
        "customer_name": f"Customer {n}",
        "customer_email": f"customer{n}@example.com",
        "customer_address": f"{n} Main Street, Springfield",
        "incident_type": "property_damage",
        "incident_date": "2026-10-10",
        "filed_at": "2026-10-20T10:00:00Z",
        "amount_claimed": "450.00",
        "currency": "USD",
        "description": "The kettle overheated and scorched the worktop.",
    }
    row.update(overrides)
    return row
