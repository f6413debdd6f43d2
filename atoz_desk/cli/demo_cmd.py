"""`demo [--claims N] [--seed S]`: fill an empty database with a realistic demo desk.

Progress goes to stderr, the summary (claims per state, the demo users and
their password) to stdout. Exit status: 0 seeded, 2 bad arguments, 3 the
database already holds data (nothing is changed) or is newer than this AtoZ Desk.
"""

from __future__ import annotations

import argparse
import sys
import time

from atoz_desk.cli.common import open_services
from atoz_desk.data.migrate import describe_url
from atoz_desk.domain.money import format_money
from atoz_desk.domain.states import ClaimState
from atoz_desk.services.demo import DemoSummary, seed_demo

MAX_CLAIMS = 10_000_000


def _claim_count(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= MAX_CLAIMS:
        raise argparse.ArgumentTypeError(f"the number of claims must be 1 to {MAX_CLAIMS:,}")
    return value


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="fill an empty database with realistic demo claims, users and sellers",
        description="Create the schema if needed, then fill the (empty) database with a deterministic "
        "demo desk: users for every role (password 'demo-password'), insurers, sellers with valid and "
        "invalid insurance, customers, orders, and claims in every state with their history, "
        "correspondence, fraud flags, payments and recoveries. Refuses (exit 3) a database that "
        "already holds claims or other data.",
    )
    p.add_argument(
        "--claims", type=_claim_count, default=2000, metavar="N", help="number of claims (default 2000)"
    )
    p.add_argument(
        "--seed", type=int, default=7, metavar="S", help="random seed: same seed, same data (default 7)"
    )
    p.set_defaults(func=_demo)


class _Progress:
    """One stderr line about every two seconds, and one at the end."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        self.shown = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if done < self.total and now - self.shown < 2.0:
            return
        self.shown = now
        percent = 100 * done // self.total
        print(
            f"demo: {done:,} of {self.total:,} claims written ({percent}%, {now - self.started:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        if done >= self.total:
            print("demo: building indexes and statistics ...", file=sys.stderr, flush=True)


def _demo(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    try:
        print(f"demo: seeding {args.claims:,} claims (seed {args.seed}) ...", file=sys.stderr, flush=True)
        summary = seed_demo(
            services.db,
            claims=args.claims,
            seed=args.seed,
            policy=services.policy,
            progress=_Progress(args.claims),
        )
    finally:
        services.db.dispose()
    _print_summary(summary, describe_url(args.database_url))
    return 0


def _print_summary(s: DemoSummary, where: str) -> None:
    print(f"Seeded {s.claims:,} demo claims (seed {s.seed}) into {where} in {s.seconds:.1f} s.")
    print()
    print("Claims by state:")
    for state in ClaimState:
        print(f"  {state.label:<22} {s.states.get(state.value, 0):>10,}")
    print(
        "Lanes: "
        + ", ".join(f"{'undecided' if lane == 'none' else lane} {n:,}" for lane, n in sorted(s.lanes.items()))
    )
    print()
    print("Rows written: " + ", ".join(f"{table} {n:,}" for table, n in s.tables.items()))
    print()
    print(f"Demo users (password: {s.password}):")
    for u in s.users:
        note = "" if u.created else "  (existed already: password unchanged)"
        print(f"  {u.username:<8} {u.role:<11} {format_money(u.authority_limit):>15}  {u.display_name}{note}")
