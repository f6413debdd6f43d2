"""`claims list`, `claim show|actions|act|take-next|assign`."""

from __future__ import annotations

import argparse
from datetime import date

from atoz_desk.cli.common import open_services, print_json
from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.money import format_money, parse_amount
from atoz_desk.domain.states import ClaimState
from atoz_desk.domain.transitions import ActionParams
from atoz_desk.services.dto import ClaimDetail


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    lp = sub.add_parser("claims", help="list claims")
    lsub = lp.add_subparsers(dest="claims_command", metavar="ACTION", required=True)
    ls = lsub.add_parser("list", help="list claims, most urgent first")
    ls.add_argument("--state", choices=[s.value for s in ClaimState])
    ls.add_argument("--limit", type=int, default=200)
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(func=_list)

    cp = sub.add_parser("claim", help="show, inspect and move one claim")
    csub = cp.add_subparsers(dest="claim_command", metavar="ACTION", required=True)
    show = csub.add_parser("show", help="everything about one claim")
    show.add_argument("reference")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_show)

    acts = csub.add_parser("actions", help="the moves a user may make now")
    acts.add_argument("reference")
    acts.add_argument("--as", dest="as_user", required=True, metavar="USER")
    acts.add_argument("--json", action="store_true")
    acts.set_defaults(func=_actions)

    act = csub.add_parser("act", help="make a move")
    act.add_argument("reference")
    act.add_argument("action")
    act.add_argument("--as", dest="as_user", required=True, metavar="USER")
    act.add_argument("--amount")
    act.add_argument("--reason")
    act.add_argument("--note")
    act.add_argument("--firm", help="expert firm (refer_to_experts)")
    act.add_argument("--due", help="due date YYYY-MM-DD (request_info, refer_to_experts)")
    act.add_argument("--payer", choices=["seller", "insurer"])
    act.add_argument("--expected-version", type=int, help="refuse if the claim changed since this version")
    act.set_defaults(func=_act)

    take = csub.add_parser("take-next", help="assign the most urgent new claim to a user")
    take.add_argument("--as", dest="as_user", required=True, metavar="USER")
    take.set_defaults(func=_take_next)

    assign = csub.add_parser("assign", help="reassign a claim (supervisors)")
    assign.add_argument("reference")
    assign.add_argument("user", help="user name, or '-' to unassign")
    assign.add_argument("--as", dest="as_user", required=True, metavar="USER")
    assign.set_defaults(func=_assign)


def _list(args: argparse.Namespace) -> int:
    rows = open_services(args.database_url).claims.list_claims(args.state, limit=args.limit)
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(
            f"{r.reference}  {r.state:<20} {format_money(r.amount_claimed, r.currency):>14}  "
            f"due {r.due_at.date().isoformat()}  score {r.fraud_score:>3}  "
            f"{r.customer_name[:24]:<24}  {r.assignee or '-'}"
        )
    print(f"{len(rows)} claim(s)")
    return 0


def _show(args: argparse.Namespace) -> int:
    detail = open_services(args.database_url).claims.detail(args.reference)
    if args.json:
        print_json(detail)
    else:
        print_detail(detail)
    return 0


def print_detail(d: ClaimDetail) -> None:
    print(f"{d.reference}  {d.state_label}  (version {d.version})")
    print(f"  customer  {d.customer['name']} <{d.customer['email']}>, {d.customer['address']}")
    print(f"  seller    {d.seller['name']} ({d.seller['external_id']})  insurance: {d.insurance.summary}")
    print(f"  product   {d.product['title']}  order {d.order['external_id']} of {d.order['order_date']}")
    print(f"  incident  {d.incident_type} on {d.incident_date}, filed {d.filed_at.isoformat()}")
    approved = format_money(d.approved_amount, d.currency) if d.approved_amount is not None else "-"
    claimed = format_money(d.amount_claimed, d.currency)
    print(f"  claimed   {claimed}   approved {approved}   lane {d.lane or '-'}")
    print(f"  assignee  {d.assignee or '-'}   due {d.due_at.isoformat()}   fraud score {d.fraud_score}")
    for name, when in d.deadlines.items():
        if when is not None and name != "due_at":
            print(f"  {name:<24}{when.isoformat()}")
    for f in d.flags:
        print(f"  flag [{f.status}] {f.code} ({f.severity}, {f.score}): {f.explanation}")
    for e in d.evidence:
        stored = "" if e.has_file else "  (metadata only)"
        size = f"{e.size_bytes:,} bytes"
        print(f"  evidence {e.id} {e.kind_label}: {e.filename} ({e.media_type}, {size}){stored}")
    if d.evidence_missing:
        print(f"  evidence missing: {', '.join(d.evidence_missing)}")
    for p in d.payments:
        print(f"  payment {p.payer} {format_money(p.amount, p.currency)} {p.status}")
    for r in d.recoveries:
        print(f"  recovery {format_money(r.amount, r.currency)} recovered {r.recovered_amount} {r.status}")
    print("  history:")
    for h in d.history:
        move = f"{h.from_state or '-'} -> {h.to_state}" if h.from_state != h.to_state else (h.to_state or "")
        print(f"    {h.at.isoformat()}  {h.actor:<16} {h.action:<26} {move}  {h.note or ''}")
    print("  correspondence:")
    for n in d.correspondence:
        print(f"    {n.created_at.isoformat()}  {n.direction} {n.party:<8} {n.subject}")


def _actions(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    actor = services.users.actor(args.as_user)
    options = services.workflow.actions_for(args.reference, actor)
    if args.json:
        print_json(options)
        return 0
    if not options:
        print(f"no moves for {actor.username} on {args.reference.upper()}")
    for o in options:
        needs = ", ".join(o.requires) or "nothing"
        status = "" if o.enabled else f"  [blocked: {o.blocked_reason}]"
        print(f"{o.action:<26} -> {o.target_state:<20} needs {needs}{status}")
    return 0


def _act(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    actor = services.users.actor(args.as_user)
    due = None
    if args.due:
        try:
            due = date.fromisoformat(args.due)
        except ValueError:
            raise ValidationError(f"--due: {args.due!r} is not a date (YYYY-MM-DD)", "due") from None
    amount = None
    if args.amount is not None:
        amount = parse_amount(args.amount, field="--amount", maximum=services.policy.max_claim_amount)
    params = ActionParams(
        amount=amount, reason=args.reason, note=args.note, firm=args.firm, due_date=due, payer=args.payer
    )
    detail = services.workflow.act(
        args.reference, args.action, actor, params, expected_version=args.expected_version
    )
    print(f"{detail.reference}: {detail.state_label} (version {detail.version})")
    return 0


def _take_next(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    detail = services.assignment.take_next(services.users.actor(args.as_user))
    if detail is None:
        print("no unassigned new claims")
        return 0
    print(f"{detail.reference}: {detail.state_label}, assigned to {detail.assignee}")
    return 0


def _assign(args: argparse.Namespace) -> int:
    services = open_services(args.database_url)
    target = None if args.user == "-" else args.user
    detail = services.assignment.assign(args.reference, target, services.users.actor(args.as_user))
    print(f"{detail.reference}: assigned to {detail.assignee or 'nobody'}")
    return 0
