"""Intake and fraud screening of one claim at N claims via `Services.intake.file_claim`; target p95 < 25 ms.

    .venv/bin/python bench/intake.py [--claims N] [--database-url URL] [--backend sqlite|postgresql|both]
        [--runs R] [--explain]

Files R claims (default 50), one per call, for the demo customer with the most claims, so the
repeat-claimant and same-address queries of screening have real work; each is a new order of a
product that customer bought before. Parsing the row is not timed; finding or creating customer,
seller, product and order, the duplicate check, screening, flags and history are. A missed target
prints every statement of one intake with its time and plan. The claims stay (ids above N).
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import benchlib
from benchlib import Figure, captured_statements
from sqlalchemy import func, select

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim, Customer, Product, Seller
from atoz_desk.services import Services
from atoz_desk.services.intake_rules import parse_intake

TARGET_MS = 25.0


def _repeat_claimant(db: Database) -> tuple[Customer, Product, Seller, int]:
    """The demo customer with the most claims (the frequent claimants have the lowest ids)."""
    with db.reading() as s:
        customer_id, n = s.execute(
            select(Claim.customer_id, func.count())
            .where(Claim.customer_id <= 100)
            .group_by(Claim.customer_id)
            .order_by(func.count().desc(), Claim.customer_id)
            .limit(1)
        ).one()
        last = s.scalars(
            select(Claim).where(Claim.customer_id == customer_id).order_by(Claim.id.desc())
        ).first()
        assert last is not None
        customer = s.get_one(Customer, customer_id)
        product = s.get_one(Product, last.product_id)
        seller = s.get_one(Seller, last.seller_id)
        s.expunge_all()
        return customer, product, seller, int(n)


def _row(customer: Customer, product: Product, seller: Seller, now: datetime) -> dict[str, str]:
    today = now.date()
    return {
        "order_id": f"BENCH-{uuid.uuid4().hex[:16].upper()}",
        "order_date": (today - timedelta(days=12)).isoformat(),
        "delivered_date": (today - timedelta(days=9)).isoformat(),
        "product_id": product.external_id,
        "product_title": product.title,
        "product_price": str(product.price),
        "seller_id": seller.external_id,
        "seller_name": seller.name,
        "customer_name": customer.name,
        "customer_email": customer.email,
        "customer_address": customer.address,
        "incident_type": "personal_injury",
        "incident_date": (today - timedelta(days=3)).isoformat(),
        "filed_at": now.isoformat(),
        "amount_claimed": "480.00",
        "currency": product.currency,
        "description": "Benchmark claim: the product overheated.",
    }


def _diagnose(db: Database, statements: list[tuple[str, Any]]) -> None:
    """Each SELECT of one intake, slowest first, with its plan."""
    timed = []
    for statement, parameters in statements:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        pooled = db.engine.raw_connection()
        try:
            cursor = pooled.cursor()
            started = time.perf_counter()
            cursor.execute(statement, parameters)
            cursor.fetchall()
            timed.append((time.perf_counter() - started, statement, parameters))
            pooled.rollback()
        finally:
            pooled.close()
    for seconds, statement, parameters in sorted(timed, key=lambda t: t[0], reverse=True)[:5]:
        print(f"  {seconds * 1000:.2f} ms: {' '.join(statement.split())[:300]}")
        print(benchlib.explain(db, statement, parameters))


def bench_target(target: benchlib.Target, args: Any) -> list[Figure]:
    db = benchlib.seeded(target, args.claims)
    services = Services.build(db)
    try:
        customer, product, seller, n = _repeat_claimant(db)
        actor = services.users.actor("alice")
        print(f"{target.backend}: filing for {customer.name} <{customer.email}>, who has {n} claims")

        def file_one() -> Any:
            now = datetime.now(UTC)
            request = parse_intake(_row(customer, product, seller, now), services.policy, now)
            started = time.perf_counter()
            result = services.intake.file_claim(request, actor)
            return time.perf_counter() - started, result

        for _ in range(5):  # warm-up
            file_one()
        seconds = []
        first = None
        for _ in range(args.runs):
            elapsed, result = file_one()
            seconds.append(elapsed)
            first = first or result
        timing = benchlib.timing(seconds)
        assert first is not None
        print(
            f"{target.backend}: intake + screening {timing}; e.g. {first.reference} -> {first.state}, "
            f"score {first.fraud_score}, flags: " + "; ".join(f.explanation for f in first.flags)
        )
        figures = [
            Figure(target.backend, "intake + screening p95", timing.p95_ms, "ms", TARGET_MS),
            Figure(target.backend, "intake + screening median", timing.median_ms, "ms", None),
        ]
        if args.explain or timing.p95_ms >= TARGET_MS:
            print(f"{target.backend}: the statements of one intake, slowest first:")
            _diagnose(db, captured_statements(db, file_one))
        return figures
    finally:
        db.dispose()


def main() -> int:
    p = benchlib.parser(__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=50)
    p.add_argument("--explain", action="store_true", help="print the statements and plans of one intake")
    args = p.parse_args()
    print(f"intake benchmark: {args.claims:,} claims, {args.runs} intakes; {benchlib.machine()}")
    figures: list[Figure] = []
    for target in benchlib.targets(args):
        figures += bench_target(target, args)
    ok = benchlib.print_table(f"Intake ({benchlib.machine()})", figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
