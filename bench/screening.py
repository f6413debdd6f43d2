"""Fraud screening at N claims: screen one claim < 25 ms (median and p95); re-screen 100,000 < 2 min.

    .venv/bin/python bench/screening.py [--claims N] [--database-url URL] [--backend sqlite|postgresql|both]
        [--runs R] [--bulk 100000] [--batch 500]

Figures:
- "screen one claim": the facts of one random open claim gathered from the database and every rule
  run (`screening_input` + `fraud.screen`), read only, over R runs after a warm-up;
- "rescreen one claim": `FraudService.rescreen` as the Fraud tab calls it: facts, rules, flags
  brought up to date and, when something changed, one history entry, committed;
- "linked claims of one claim": `FraudService.linked_claims` (customer, e-mail, phone, address,
  seller-customer contact, same file, near-identical photo), target ours: p95 < 50 ms;
- "rescreen N claims": `FraudService.rescreen_all` over the first N open claims, facts gathered
  per batch of claims (a fixed number of queries per batch, not per claim), one transaction per
  batch. The first run on a fresh demo database is the heavy one: every open claim older than the
  evidence grace period gains a `missing_required_evidence` flag and a history entry.

The benchmark writes (flags, history), so on SQLite it never touches the shared demo database
``bench/out/demo-<N>.sqlite3``: it works on a copy, ``bench/out/screening-<N>.sqlite3``, made
with SQLite's backup API when missing (pass --fresh to copy again). On PostgreSQL it uses the bench
schema; --no-writes keeps to the read-only figures there.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import benchlib
from benchlib import Figure
from sqlalchemy import select

from atoz_desk.data.database import Database
from atoz_desk.data.migrate import ensure_current
from atoz_desk.data.models import Claim, User
from atoz_desk.domain import fraud
from atoz_desk.domain.states import ClaimState, Role
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.claims import load_claim
from atoz_desk.services.screening import screening_input

ONE_TARGET_MS = 25.0
BULK_TARGET_S = 120.0
LINKED_TARGET_MS = 50.0


def scratch_copy(claims: int, fresh: bool) -> Path:
    shared = benchlib.OUT / f"demo-{claims}.sqlite3"
    scratch = benchlib.OUT / f"screening-{claims}.sqlite3"
    if scratch.exists() and not fresh:
        return scratch
    if not shared.exists():
        raise SystemExit(f"{shared} is missing: make it with bench/seed.py --claims {claims}")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{scratch}{suffix}").unlink(missing_ok=True)
    print(f"  copying {shared.name} to {scratch.name} ...", file=sys.stderr, flush=True)
    # SQLite's online backup from a read-only connection: a consistent copy even while another
    # process writes to the shared file (a plain file copy could catch it half-written)
    src = sqlite3.connect(f"file:{shared}?mode=ro", uri=True)
    dst = sqlite3.connect(str(scratch))
    try:
        src.backup(dst, pages=65536)
    finally:
        dst.close()
        src.close()
    return scratch


def admin_actor(db: Database) -> Actor:
    with db.reading() as s:
        u = s.scalar(select(User).where(User.role == Role.ADMIN.value).order_by(User.id).limit(1))
        if u is None:
            raise SystemExit("the demo database has no admin user")
        return Actor(u.id, u.username, u.display_name, Role.ADMIN, u.authority_limit)


def open_claim_refs(db: Database, n: int, seed: int = 11) -> list[str]:
    closed = [st.value for st in ClaimState if not st.is_open]
    with db.reading() as s:
        top = s.scalar(select(Claim.id).order_by(Claim.id.desc()).limit(1)) or 0
        rng = random.Random(seed)
        refs: list[str] = []
        while len(refs) < n:
            ids = [rng.randint(1, top) for _ in range(n * 2)]
            refs += s.scalars(
                select(Claim.reference).where(Claim.id.in_(ids), Claim.state.not_in(closed))
            ).all()
        return refs[:n]


def bench_target(target: benchlib.Target, args: Any) -> list[Figure]:
    if target.backend == "sqlite" and not args.database_url:
        path = scratch_copy(args.claims, args.fresh)
        db = Database(f"sqlite:///{path}")
        ensure_current(db)
    else:
        db = benchlib.seeded(target, args.claims)
    services = Services.build(db)
    admin = admin_actor(db)
    figures: list[Figure] = []
    refs = open_claim_refs(db, 2 * args.runs + 20)
    print(f"  {target.backend}: {len(refs)} random open claims", file=sys.stderr, flush=True)

    # one claim, read only: facts + rules
    it = iter(refs)

    def screen_one() -> None:
        with db.reading() as s:
            claim = load_claim(s, next(it))
            fraud.screen(screening_input(s, claim, services.policy, services.clock()), services.policy)

    t = benchlib.measure(screen_one, runs=args.runs, warmup=5)
    print(f"  screen one claim    {t}", file=sys.stderr, flush=True)
    figures.append(Figure(target.backend, "screen one claim, median", t.median_ms, "ms", ONE_TARGET_MS))
    figures.append(Figure(target.backend, "screen one claim, p95", t.p95_ms, "ms", ONE_TARGET_MS))

    if args.no_writes:
        it = iter(refs)
        t = benchlib.measure(lambda: services.fraud.linked_claims(next(it)), runs=args.runs, warmup=5)
        print(f"  linked claims       {t}", file=sys.stderr, flush=True)
        figures.append(
            Figure(target.backend, "linked claims of one claim, p95", t.p95_ms, "ms", LINKED_TARGET_MS)
        )
        db.dispose()
        return figures

    # one claim through the service, committed
    it = iter(refs)
    t = benchlib.measure(lambda: services.fraud.rescreen(next(it), admin), runs=args.runs, warmup=5)
    print(f"  rescreen one claim  {t}", file=sys.stderr, flush=True)
    figures.append(
        Figure(target.backend, "rescreen one claim (service), median", t.median_ms, "ms", ONE_TARGET_MS)
    )
    figures.append(Figure(target.backend, "rescreen one claim (service), p95", t.p95_ms, "ms", ONE_TARGET_MS))

    # linked claims of one claim (our own target: the Fraud tab shows them as the claim opens)
    it = iter(refs)
    t = benchlib.measure(lambda: services.fraud.linked_claims(next(it)), runs=args.runs, warmup=5)
    print(f"  linked claims       {t}", file=sys.stderr, flush=True)
    figures.append(
        Figure(target.backend, "linked claims of one claim, p95", t.p95_ms, "ms", LINKED_TARGET_MS)
    )

    # bulk
    report = benchlib.progress(f"rescreen {target.backend}", args.bulk)
    started = time.perf_counter()
    summary = services.fraud.rescreen_all(
        admin, limit=args.bulk, batch=args.batch, progress=lambda done, _total: report(done)
    )
    seconds = time.perf_counter() - started
    print(
        f"  rescreened {summary.screened:,} claims in {seconds:.1f} s: {summary.changed:,} changed, "
        f"{summary.sent_to_review:,} sent to fraud review",
        file=sys.stderr,
        flush=True,
    )
    figures.append(
        Figure(target.backend, f"rescreen {summary.screened:,} claims", seconds, "s", BULK_TARGET_S)
    )
    figures.append(Figure(target.backend, "  claims changed (info)", float(summary.changed), "", None))
    db.dispose()
    return figures


def main() -> int:
    p = benchlib.parser(__doc__.splitlines()[0])
    p.set_defaults(backend="sqlite")
    p.add_argument("--runs", type=int, default=100)
    p.add_argument("--bulk", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--fresh", action="store_true", help="SQLite: copy the demo database again first")
    p.add_argument(
        "--no-writes",
        action="store_true",
        help="only the read-only figures (screen one claim, linked claims): for a database others share",
    )
    args = p.parse_args()
    print(f"machine: {benchlib.machine()}", file=sys.stderr)
    figures: list[Figure] = []
    for target in benchlib.targets(args):
        figures += bench_target(target, args)
    ok = benchlib.print_table(f"Fraud screening at {args.claims:,} claims ({benchlib.machine()})", figures)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
