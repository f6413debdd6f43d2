"""`import FILE [--format csv|json] [--skip-invalid] [--as USER]`: the Customer Service intake feed.

New claim references go to stdout, one a line (for scripts); the summary and
every rejected row go to stderr. Exit 0 when the rows were imported (with
--skip-invalid: at least one valid row), 3 when nothing was imported because
the input is invalid.
"""

from __future__ import annotations

import argparse
import sys

from atoz_desk.cli.common import open_services
from atoz_desk.domain.transitions import SYSTEM_ACTOR
from atoz_desk.services.importer import FORMATS, ImportReport

EXIT_OK = 0
EXIT_INVALID = 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "import",
        help="file the claims in a Customer Service intake file (CSV or JSON)",
        description=(
            "Validate every row of a CSV (header row) or JSON (list of objects) intake file and file "
            "the claims in one transaction. One invalid row imports nothing unless --skip-invalid."
        ),
    )
    p.add_argument("file", metavar="FILE", help="the intake file, UTF-8")
    p.add_argument("--format", choices=FORMATS, help="csv or json (default: from the file name)")
    p.add_argument(
        "--skip-invalid",
        action="store_true",
        help="import the valid rows and report the others (default: any invalid row imports nothing)",
    )
    p.add_argument(
        "--as",
        dest="as_user",
        metavar="USER",
        help="record the claims as filed by this user (default: the system intake)",
    )
    p.set_defaults(func=_import)


def _import(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    try:
        actor = services.users.actor(args.as_user) if args.as_user else SYSTEM_ACTOR
        report = services.importer.import_file(
            args.file, fmt=args.format, skip_invalid=args.skip_invalid, actor=actor
        )
    finally:
        services.db.dispose()
    for reference in report.imported:
        print(reference)
    sys.stdout.flush()
    _summary(report, args.file, skip_invalid=args.skip_invalid)
    if report.rejected and not report.imported:
        return EXIT_INVALID
    return EXIT_OK


def _summary(report: ImportReport, name: str, *, skip_invalid: bool) -> None:
    def err(line: str) -> None:
        print(line, file=sys.stderr)

    n_imported, n_rejected = len(report.imported), len(report.rejected)
    if report.rows_read == 0:
        err(f"{name}: no claim rows; nothing imported")
        return
    review = f" ({report.sent_to_fraud_review} sent to fraud review)" if report.sent_to_fraud_review else ""
    if not report.rejected:
        err(f"imported {n_imported} claim(s) from {name}{review}")
        return
    if report.imported:
        err(
            f"imported {n_imported} of {report.rows_read} row(s) from {name}{review}; "
            f"{n_rejected} row(s) rejected ({report.row_numbering}):"
        )
    elif skip_invalid:
        err(f"nothing imported from {name}: all {n_rejected} row(s) rejected ({report.row_numbering}):")
    else:
        err(
            f"nothing imported from {name}: {n_rejected} of {report.rows_read} row(s) refused "
            f"({report.row_numbering}). Correct them and import the file again, or use --skip-invalid "
            "to import the valid rows:"
        )
    for rejected in report.rejected:
        err(f"  {rejected}")
