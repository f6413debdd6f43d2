"""Queue pages at N claims through `Services.queues.page` (the workbench's path); target p95 < 10 ms.

    .venv/bin/python bench/queue_page.py [--claims N] [--database-url URL] [--backend sqlite|postgresql|both]
        [--runs R] [--queues closed,new,fraud_review,all] [--explain]

For each queue: the first page in its default sort and a page 90% of the way down (keyset `after`),
each timed over R runs (default 50) after a warm-up, through the service (one SQL statement + rows ->
ClaimRow DTOs, as the adjuster's window asks for it) and as the same statement on the bare driver
cursor. A missed target prints the query plan.
"""

from __future__ import annotations

import sys
from typing import Any

import benchlib
from benchlib import Figure, captured_statements
from sqlalchemy import select

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim
from atoz_desk.services import Services
from atoz_desk.services.queues import QUEUE_BY_ID, Cursor, QueueId, QueueQuery

TARGET_MS = 10.0
PAGE = 200


def _raw_runner(db: Database, statement: str, parameters: Any) -> tuple[Any, Any]:
    pooled = db.engine.raw_connection()
    cursor = pooled.cursor()

    def run() -> int:
        cursor.execute(statement, parameters)
        return len(cursor.fetchall())

    return pooled, run


def _deep_cursor(db: Database, queue: QueueId, count: int) -> Cursor | None:
    """The keyset cursor of the row 90% of the way down the queue, in its default order."""
    spec = QUEUE_BY_ID[queue]
    if count <= 2 * PAGE or spec.default_sort.value != "due" or spec.unassigned or spec.mine:
        return None  # only due-date queues without per-user filters: the cursor is (due_at, id)
    order = (Claim.due_at.desc(), Claim.id.desc()) if spec.default_descending else (Claim.due_at, Claim.id)
    with db.reading() as s:
        row = s.execute(
            select(Claim.due_at, Claim.id)
            .where(Claim.state.in_([st.value for st in spec.states]))
            .order_by(*order)
            .offset(int(count * 0.9) - 1)
            .limit(1)
        ).first()
    return Cursor(row[0], row[1]) if row else None


def bench_target(target: benchlib.Target, args: Any) -> list[Figure]:
    db = benchlib.seeded(target, args.claims)
    services = Services.build(db)
    actor = services.users.actor("sam")  # a supervisor sees every queue
    figures: list[Figure] = []
    plans: list[str] = []
    try:
        for name in args.queues.split(","):
            queue = QueueId(name)
            query = QueueQuery(queue)
            count = services.queues.count(query, actor)
            pages: list[tuple[str, Cursor | None]] = [("first page", None)]
            deep = _deep_cursor(db, queue, count)
            if deep is not None:
                pages.append((f"deep page (row {int(count * 0.9):,})", deep))
            for label, after in pages:

                def call(after: Cursor | None = after, query: QueueQuery = query) -> int:
                    return len(services.queues.page(query, actor, after=after, limit=PAGE).rows)

                assert call() == min(PAGE, count) or after is not None
                service = benchlib.measure(call, runs=args.runs)
                statement, parameters = captured_statements(db, call)[-1]
                pooled, raw = _raw_runner(db, statement, parameters)
                try:
                    raw_timing = benchlib.measure(raw, runs=args.runs)
                finally:
                    pooled.close()
                title = f"{queue.value} ({count:,}) {label}"
                print(f"{target.backend}: {title}: service {service}; raw SQL {raw_timing}")
                figures.append(Figure(target.backend, f"{title} p95", service.p95_ms, "ms", TARGET_MS))
                figures.append(Figure(target.backend, f"{title} median", service.median_ms, "ms", None))
                figures.append(Figure(target.backend, f"{title} raw SQL p95", raw_timing.p95_ms, "ms", None))
                if args.explain or service.p95_ms >= TARGET_MS:
                    plan = benchlib.explain(db, statement, parameters)
                    plans.append(f"{target.backend} {title}:\n{statement}\n{plan}")
    finally:
        db.dispose()
    for plan in plans:
        print(plan)
    return figures


def main() -> int:
    p = benchlib.parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=50)
    p.add_argument(
        "--queues", default="closed,new,fraud_review,all", help="queue ids, comma-separated (%(default)s)"
    )
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
