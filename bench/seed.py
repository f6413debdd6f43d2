"""Time to seed N demo claims (default 1,000,000) on SQLite and PostgreSQL; target under 3 minutes.

    .venv/bin/python bench/seed.py [--claims N] [--database-url URL] [--backend sqlite|postgresql|both]

Always seeds afresh what the bench owns (bench/out/demo-N.sqlite3, schema atoz_bench); the result is
left for queue_page.py and intake.py to reuse. An explicit --database-url must be empty.
"""

from __future__ import annotations

import sys

import benchlib
from benchlib import Figure

TARGET_SECONDS = 180.0


def main() -> int:
    args = benchlib.parser(__doc__.splitlines()[0]).parse_args()
    print(f"seed benchmark: {args.claims:,} claims; {benchlib.machine()}")
    figures: list[Figure] = []
    for target in benchlib.targets(args):
        print(f"{target.backend}: seeding {target.shown}", file=sys.stderr, flush=True)
        db, summary = benchlib.seed(target, args.claims)
        db.dispose()
        rows = sum(summary.tables.values())
        print(
            f"{target.backend}: {summary.claims:,} claims, {rows:,} rows in {summary.seconds:.1f} s "
            f"({rows / summary.seconds:,.0f} rows/s); states: "
            + ", ".join(f"{k} {v:,}" for k, v in summary.states.items())
        )
        figures.append(
            Figure(target.backend, f"seed {args.claims:,} claims", summary.seconds, "s", TARGET_SECONDS)
        )
    ok = benchlib.print_table(f"Seeding ({benchlib.machine()})", figures)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
