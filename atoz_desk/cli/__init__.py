"""`python -m atoz_desk …`: what administrators and schedulers do without a window.

Exit status: 0 success, 2 usage error, 3 invalid input or a move that is not allowed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from atoz_desk import __version__
from atoz_desk.data.location import resolve_database_url
from atoz_desk.domain.errors import DomainError

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INVALID = 3


def build_parser() -> argparse.ArgumentParser:
    # command modules are imported here, not at package import, to keep `--help` fast
    from atoz_desk.cli import (
        claims_cmd,
        db_cmd,
        demo_cmd,
        evidence_cmd,
        fraud_cmd,
        import_cmd,
        letter_cmd,
        sweep_cmd,
        users_cmd,
    )

    parser = argparse.ArgumentParser(
        prog="python -m atoz_desk",
        description="AtoZ Desk command line: database, demo data, intake, deadlines, users and claims.",
    )
    parser.add_argument("--version", action="version", version=f"AtoZ Desk {__version__}")
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL (default: $ATOZ_DATABASE_URL, else the embedded SQLite file)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands = (
        db_cmd,
        demo_cmd,
        import_cmd,
        sweep_cmd,
        users_cmd,
        claims_cmd,
        letter_cmd,
        fraud_cmd,
        evidence_cmd,
    )
    for module in commands:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    from atoz_desk.cli.common import close_databases

    args.database_url = resolve_database_url(args.database_url)
    try:
        return int(args.func(args))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`… | head`): stop quietly, as shell tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        close_databases()
