"""`sweep [--now ISO-8601]`: the deadline sweep, for a scheduler."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from atoz_desk.cli.common import open_services
from atoz_desk.domain.errors import ValidationError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sweep", help="make the time-driven moves that are due (idempotent)")
    p.add_argument("--now", help="run as of this time (ISO 8601; default: now)")
    p.set_defaults(func=_sweep)


def parse_instant(text: str, field: str = "now") -> datetime:
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"--{field}: {text!r} is not an ISO 8601 date and time", field) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _sweep(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    now = parse_instant(args.now) if args.now else services.clock()
    moves = services.sweep.run(now)
    for m in moves:
        print(f"{m.reference}  {m.from_state} -> {m.to_state}  {m.detail}")
    print(f"{len(moves)} move(s) as of {now.isoformat()}")
    return 0
