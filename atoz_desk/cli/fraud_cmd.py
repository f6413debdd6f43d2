"""`fraud rescreen [REF ...]`, `fraud flags REF`, `fraud decide FLAG_ID confirm|dismiss`,
`fraud linked REF`, `fraud packet REF ZIP`: fraud screening from the command line."""

from __future__ import annotations

import argparse
import sys

from atoz_desk.cli.common import open_services, print_json
from atoz_desk.domain.money import format_money


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("fraud", help="fraud screening: re-screen, flags, decisions, linked claims, packets")
    fsub = p.add_subparsers(dest="fraud_command", metavar="ACTION", required=True)

    rs = fsub.add_parser(
        "rescreen", help="screen claims again and record what changed (no REF: every open claim, admins)"
    )
    rs.add_argument("references", nargs="*", metavar="REF")
    rs.add_argument("--as", dest="as_user", required=True, metavar="USER")
    rs.add_argument("--limit", type=int, help="at most this many open claims (lowest ids first)")
    rs.add_argument("--batch", type=int, default=500, help="claims per transaction (default 500)")
    rs.add_argument("--quiet", action="store_true", help="no progress on stderr")
    rs.add_argument("--json", action="store_true")
    rs.set_defaults(func=_rescreen)

    fl = fsub.add_parser("flags", help="a claim's score and flags with their explanations")
    fl.add_argument("reference")
    fl.add_argument("--json", action="store_true")
    fl.set_defaults(func=_flags)

    de = fsub.add_parser("decide", help="confirm or dismiss an open flag (a dismissal needs --reason)")
    de.add_argument("flag_id", type=int)
    de.add_argument("decision", choices=["confirm", "dismiss"])
    de.add_argument("--reason")
    de.add_argument("--as", dest="as_user", required=True, metavar="USER")
    de.add_argument("--expected-version", type=int, help="refuse if the claim changed since this version")
    de.set_defaults(func=_decide)

    li = fsub.add_parser("linked", help="claims linked to this one, and what links them")
    li.add_argument("reference")
    li.add_argument("--json", action="store_true")
    li.set_defaults(func=_linked)

    pk = fsub.add_parser("packet", help="write the expert referral packet (ZIP) of a claim")
    pk.add_argument("reference")
    pk.add_argument("zip_path")
    pk.add_argument("--as", dest="as_user", required=True, metavar="USER")
    pk.set_defaults(func=_packet)


def _rescreen(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    actor = services.users.actor(args.as_user)

    def progress(done: int, total: int) -> None:
        if not args.quiet:
            print(f"\r{done:,} of {total:,} claims screened", end="", file=sys.stderr, flush=True)

    summary = services.fraud.rescreen_all(
        actor,
        references=args.references or None,
        limit=args.limit,
        batch=args.batch,
        progress=progress,
    )
    if not args.quiet and summary.screened:
        print(file=sys.stderr)
    if args.json:
        print_json(summary)
        return 0
    for o in summary.outcomes:
        parts = []
        if o.added:
            parts.append("+" + ",".join(o.added))
        if o.cleared:
            parts.append("cleared " + ",".join(o.cleared))
        if o.updated:
            parts.append("updated " + ",".join(o.updated))
        moved = f"  {o.state[0]} -> {o.state[1]}" if o.state[0] != o.state[1] else ""
        print(f"{o.reference}  score {o.score[0]} -> {o.score[1]}  {' '.join(parts)}{moved}")
    print(
        f"{summary.screened} claim(s) screened, {summary.changed} changed, "
        f"{summary.sent_to_review} sent to fraud review"
    )
    return 0


def _flags(args: argparse.Namespace) -> int:
    view = open_services(args.database_url).fraud.overview(args.reference)
    if args.json:
        print_json(view)
        return 0
    print(
        f"{view.reference}  fraud score {view.fraud_score}  "
        f"({view.flag_count} live flags, version {view.version})"
    )
    for reason in view.review_reasons:
        print(f"  review: {reason}")
    for f in view.flags:
        note = f"  [{f.decision_note}]" if f.decision_note else ""
        print(f"  #{f.id} [{f.status}] {f.code} ({f.severity}, {f.score}): {f.explanation}{note}")
    return 0


def _decide(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    view = services.fraud.decide_flag(
        args.flag_id,
        args.decision,
        args.reason,
        services.users.actor(args.as_user),
        expected_version=args.expected_version,
    )
    print(f"{view.reference}  fraud score {view.fraud_score}  ({view.flag_count} live flags)")
    return 0


def _linked(args: argparse.Namespace) -> int:
    rows = open_services(args.database_url).fraud.linked_claims(args.reference)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        amount = format_money(r.amount_claimed, r.currency)
        print(
            f"{r.reference}  {r.state_label:<20} {amount:>14}  {r.customer_name[:24]:<24}  "
            + "; ".join(r.links)
        )
    print(f"{len(rows)} linked claim(s)")
    return 0


def _packet(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    packet = services.fraud.referral_packet(args.reference, args.zip_path, services.users.actor(args.as_user))
    print(f"{packet.path}  sha256 {packet.sha256}  {packet.files} file(s)")
    for name in packet.missing_files:
        print(f"  no file on record: {name}", file=sys.stderr)
    return 0
