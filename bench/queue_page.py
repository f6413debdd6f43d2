"""Queue pages at N claims: `Services.claims.queue_page`, first and deep keyset page; target p95 < 10 ms.

    .venv/bin/python bench/queue_page.py [--claims N] [--database-url URL] [--backend sqlite|postgresql|both]
        [--runs R] [--states closed,new] [--explain]

For each state: the first page and a page 90% of the way down the queue (keyset `after`), each
timed over R runs (default 50) after a warm-up, through the service (SQL + rows -> ClaimRow DTOs)
and as the same SQL statement on the bare driver cursor. A missed target prints the query plan.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import benchlib
from benchlib import Figure, captured_statements
from sqlalchemy import func, select

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim
from atoz_desk.services import Services
from atoz_desk.services.claims import QueueFilter

TARGET_MS = 10.0
PAGE = 200


def _raw_runner(db: Database, statement: str, parameters: Any) -> tuple[Any, Any]:
    pooled = db.engine.raw_connection()
    cursor = pooled.cursor()

    def run() -> int:
        cursor.execute(statement, parameters)
        return len(cursor.fetchall())

    return pooled, run


def bench_target(target: benchlib.Target, args: Any) -> list[Figure]:
    db = benchlib.seeded(target, args.claims)
    services = Services.build(db)
    figures: list[Figure] = []
    plans: list[str] = []
    try:
        for state in args.states.split(","):
            with db.reading() as s:
                count = s.scalar(select(func.count()).select_from(Claim).where(Claim.state == state)) or 0
                deep = s.execute(
                    select(Claim.due_at, Claim.id)
                    .where(Claim.state == state)
                    .order_by(Claim.due_at, Claim.id)
                    .offset(max(0, int(count * 0.9) - 1))
                    .limit(1)
                ).first()
            pages: list[tuple[str, tuple[datetime, int] | None]] = [("first page", None)]
            if deep is not None and count > 2 * PAGE:
                pages.append((f"deep page (row {int(count * 0.9):,})", (deep[0], deep[1])))
            for label, after in pages:

                def call(after: tuple[datetime, int] | None = after, state: str = state) -> int:
                    rows = services.claims.queue_page(QueueFilter(states=(state,)), after=after, limit=PAGE)
                    return len(rows)

                assert call() == min(PAGE, count) or after is not None
                service = benchlib.measure(call, runs=args.runs)
                statement, parameters = captured_statements(db, call)[-1]
                pooled, raw = _raw_runner(db, statement, parameters)
                try:
                    raw_timing = benchlib.measure(raw, runs=args.runs)
                finally:
                    pooled.close()
                name = f"{state} ({count:,}) {label}"
                print(f"{target.backend}: {name}: service {service}; raw SQL {raw_timing}")
                figures.append(Figure(target.backend, f"{name} p95", service.p95_ms, "ms", TARGET_MS))
                figures.append(Figure(target.backend, f"{name} median", service.median_ms, "ms", None))
                figures.append(Figure(target.backend, f"{name} raw SQL p95", raw_timing.p95_ms, "ms", None))
                if args.explain or service.p95_ms >= TARGET_MS:
                    plan = benchlib.explain(db, statement, parameters)
                    plans.append(f"{target.backend} {name}:\n{statement}\n{plan}")
    finally:
        db.dispose()
    for plan in plans:
        print(plan)
    return figures


def main() -> int:
    p = benchlib.parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--states", default="closed,new", help="comma-separated claim states (default closed,new)")
    p.add_argument("--explain", action="store_true", help="print every query plan, not only the slow ones")
    args = p.parse_args()
    print(
        f"queue page benchmark: {args.claims:,} claims, page {PAGE}, {args.runs} runs; {benchlib.machine()}"
    )
    figures: list[Figure] = []
    for target in benchlib.targets(args):
        figures += bench_target(target, args)
    ok = benchlib.print_table(f"Queue pages ({benchlib.machine()})", figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
