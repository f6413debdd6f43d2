"""`evidence add REF FILE --kind KIND --as USER`, `evidence list REF [--json]`, `evidence verify [REF]`."""

from __future__ import annotations

import argparse
import sys

from atoz_desk.cli.common import open_services, print_json
from atoz_desk.domain.states import EvidenceKind
from atoz_desk.services.dto import EvidenceInfo

EXIT_MISMATCH = 1


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "evidence",
        help="add files to a claim, list them, verify stored files",
        description="Evidence files are stored in the database, content-addressed by SHA-256.",
    )
    esub = p.add_subparsers(dest="evidence_command", metavar="ACTION", required=True)

    add = esub.add_parser("add", help="store a file on a claim (type checked from its content)")
    add.add_argument("reference", metavar="REF")
    add.add_argument("file", metavar="FILE")
    add.add_argument("--kind", required=True, choices=[k.value for k in EvidenceKind])
    add.add_argument("--as", dest="as_user", required=True, metavar="USER")
    add.add_argument("--name", help="the name to record (default: the file's own name)")
    add.set_defaults(func=_add)

    ls = esub.add_parser("list", help="a claim's evidence")
    ls.add_argument("reference", metavar="REF")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)

    ver = esub.add_parser(
        "verify", help="re-hash stored files (all, or one claim's); exit 1 naming any that changed"
    )
    ver.add_argument("reference", nargs="?", metavar="REF")
    ver.set_defaults(func=_verify)


def _line(e: EvidenceInfo) -> str:
    stored = "" if e.has_file else "  (metadata only: no file on record)"
    return (
        f"{e.id:>6}  {e.kind_label:<22} {e.filename}  {e.media_type}  {e.size_bytes:,} bytes  "
        f"sha256 {e.sha256}  added {e.added_at.isoformat()} by {e.added_by}{stored}"
    )


def _add(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    actor = services.users.actor(args.as_user)
    info = services.evidence.add(args.reference, args.file, args.kind, actor, filename=args.name)
    print(f"{info.claim_reference}: added")
    print(_line(info))
    if info.perceptual_hash:
        print(f"  perceptual hash {info.perceptual_hash}")
    missing = services.claims.detail(info.claim_reference).evidence_missing
    if missing:
        print(f"  still missing: {', '.join(missing)}")
    return 0


def _list(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    items = services.evidence.list(args.reference)
    if args.json:
        print_json(items)
        return 0
    for e in items:
        print(_line(e))
    missing = services.claims.detail(args.reference).evidence_missing
    status = f"missing: {', '.join(missing)}" if missing else "checklist complete"
    print(f"{len(items)} file(s); {status}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    report = open_services(args.database_url).evidence.verify(args.reference)
    for m in report.mismatches:
        where = f"{m.reference} {m.filename} (evidence {m.evidence_id})" if m.reference else "unattached file"
        print(
            f"MISMATCH {where}: stored as {m.expected_sha256} ({m.expected_size:,} bytes), "
            f"now {m.actual_sha256} ({m.actual_size:,} bytes)",
            file=sys.stderr,
        )
    scope = f"claim {args.reference.upper()}" if args.reference else "all claims"
    extra = f"; {report.without_file} without a file on record" if report.without_file else ""
    print(
        f"{scope}: {report.files_checked} file(s), {report.bytes_checked:,} bytes checked, "
        f"{len(report.mismatches)} mismatch(es){extra}"
    )
    return 0 if report.ok else EXIT_MISMATCH
