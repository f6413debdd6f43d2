"""Shared-database sync: change latency to other workstations, and take-next throughput.

    .venv/bin/python bench/sync.py [--clients 10] [--changes 60]

PostgreSQL (LISTEN/NOTIFY + feed): commit in this process, each of N listening
processes re-reads the changed row; latency = row re-read in the other process
minus the moment the move's commit returned in this process. SQLite: the
same with feed polling every 0.5 s. Take-next: 8 processes taking 2,000 claims concurrently, none shared.
Targets: PostgreSQL median < 100 ms and p95 < 250 ms; SQLite polling < 1.5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

from atoz_desk.data.base import Base  # noqa: E402
from atoz_desk.data.database import Database, normalise_url  # noqa: E402
from atoz_desk.services import Services  # noqa: E402
from atoz_desk.services.intake_rules import parse_intake  # noqa: E402

CLIENT = Path(__file__).with_name("sync_client.py")
PG_URL = os.environ.get("ATOZ_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _row(i: int) -> dict[str, str]:
    return {
        "order_id": f"B-{i:07d}",
        "order_date": "2026-09-20",
        "delivered_date": "2026-09-23",
        "product_id": f"BP-{i:07d}",
        "product_title": "Bench heater",
        "product_price": "100.00",
        "seller_id": "BS-1",
        "seller_name": "Bench Seller",
        "customer_name": f"Bench Customer {i}",
        "customer_email": f"bench{i}@example.com",
        "customer_address": f"{i} Bench Road",
        "incident_type": "property_damage",
        "incident_date": "2026-10-10",
        "filed_at": "2026-10-20T10:00:00Z",
        "amount_claimed": "300.00",
        "currency": "USD",
        "description": "",
    }


def prepare(url: str, claims: int, adjusters: int) -> tuple[Database, Services, list[str]]:
    db = Database(url)
    Base.metadata.create_all(db.engine)
    services = Services.build(db)
    for i in range(adjusters):
        services.users.add_user(f"bench{i}", role="adjuster", authority="1000", password="bench-password")
    actor = services.users.actor("bench0")
    reqs = [parse_intake(_row(i), services.policy, services.clock()) for i in range(claims)]
    refs = [r.reference for r in services.intake.file_claims(reqs, actor)]
    return db, services, refs


def latency(url: str, clients: int, changes: int, poll: float) -> list[float]:
    db, services, refs = prepare(url, changes, 1)
    actor = services.users.actor("bench0")
    procs = [
        subprocess.Popen(
            [sys.executable, str(CLIENT), "watch", url, str(20 + changes * (poll + 0.3)), str(poll)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(clients)
    ]
    seen: dict[str, list[float]] = {}
    lock = threading.Lock()

    def read(p: subprocess.Popen[str]) -> None:
        assert p.stdout is not None
        for line in p.stdout:
            parts = line.split()
            if parts and parts[0] == "seen":
                with lock:
                    seen.setdefault(parts[1], []).append(float(parts[2]))

    for p in procs:
        assert p.stdout is not None
        assert p.stdout.readline().strip() == "ready"
    readers = [threading.Thread(target=read, args=(p,), daemon=True) for p in procs]
    for t in readers:
        t.start()
    samples: list[float] = []
    for ref in refs:
        services.workflow.act(ref, "start_review", actor)
        # the unit of work commits as the last step of act(), so this is the commit instant
        started = time.time()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with lock:
                if len(seen.get(ref, [])) == clients:
                    samples.extend(t - started for t in seen[ref])
                    break
            time.sleep(0.002)
        else:
            raise SystemExit(f"not every client saw {ref}")
        time.sleep(0.05 if poll < 0.2 else 0.0)
    for p in procs:
        p.kill()
        p.communicate()
    db.dispose()
    return samples


def take_throughput(url: str, clients: int, claims: int) -> tuple[float, int]:
    db, _services, refs = prepare(url, claims, clients)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, str(CLIENT), "take", url, f"bench{i}"], stdout=subprocess.PIPE, text=True
        )
        for i in range(clients)
    ]
    total = sum(int(p.communicate()[0].strip()) for p in procs)
    elapsed = time.perf_counter() - started
    db.dispose()
    if total != len(refs):
        raise SystemExit(f"taken {total} of {len(refs)}")
    return elapsed, total


def pg_schema_url(base: str) -> tuple[str, str]:
    schema = f"atoz_syncbench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(base), poolclass=NullPool)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    u = make_url(normalise_url(base)).update_query_dict({"options": f"-csearch_path={schema}"})
    return u.render_as_string(hide_password=False), schema


def drop_schema(base: str, schema: str) -> None:
    admin = create_engine(normalise_url(base), poolclass=NullPool)
    with admin.begin() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=10)
    ap.add_argument("--changes", type=int, default=60)
    args = ap.parse_args()
    results: list[tuple[str, str, str, bool]] = []

    url, schema = pg_schema_url(PG_URL)
    try:
        s = latency(url, args.clients, args.changes, poll=1.0)
        med, p95 = statistics.median(s) * 1000, pct(s, 0.95) * 1000
        print(
            f"PostgreSQL LISTEN/NOTIFY, {args.clients} clients, {len(s)} samples: "
            f"median {med:.1f} ms, p95 {p95:.1f} ms, max {max(s) * 1000:.1f} ms"
        )
        results += [
            ("PG change latency median", f"{med:.1f} ms", "< 100 ms", med < 100),
            ("PG change latency p95", f"{p95:.1f} ms", "< 250 ms", p95 < 250),
        ]
    finally:
        drop_schema(PG_URL, schema)
    url, schema = pg_schema_url(PG_URL)
    try:
        elapsed, total = take_throughput(url, 8, 2000)
        print(
            f"PostgreSQL take-next, 8 clients: {total} claims in {elapsed:.2f} s "
            f"= {total / elapsed:.0f} claims/s, none shared"
        )
        results.append(("PG take-next, 8 clients", f"{total / elapsed:.0f}/s", "no claim shared", True))
    finally:
        drop_schema(PG_URL, schema)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'sync.sqlite3'}"
        s = latency(url, min(args.clients, 4), min(args.changes, 20), poll=0.5)
        med, worst = statistics.median(s) * 1000, max(s) * 1000
        print(f"SQLite feed polling every 0.5 s, {len(s)} samples: median {med:.0f} ms, max {worst:.0f} ms")
        results.append(("SQLite polling latency max", f"{worst:.0f} ms", "< 1500 ms", worst < 1500))

    print()
    print(f"{'figure':<30} {'value':>12}  {'target':<16} result")
    for name, value, target, ok in results:
        print(f"{name:<30} {value:>12}  {target:<16} {'PASS' if ok else 'FAIL'}")
    return 0 if all(ok for *_, ok in results) else 1


if __name__ == "__main__":
    sys.exit(main())
