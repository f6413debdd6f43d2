"""Forbidden moves are refused by the services, with a message a person can act on, changing nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from atoz_desk.domain.errors import (
    DuplicateClaim,
    NotFound,
    PermissionDenied,
    StaleEdit,
    TransitionNotAllowed,
    ValidationError,
)
from atoz_desk.domain.transitions import SYSTEM_ACTOR, ActionParams

from .conftest import Desk


def in_review(desk: Desk, **row: object) -> str:
    ref = desk.file(**row)
    desk.services.workflow.act(ref, "start_review", desk.alice)
    return ref


def snapshot(desk: Desk, ref: str) -> tuple[object, ...]:
    d = desk.services.claims.detail(ref)
    return (d.state, d.version, len(d.history), len(d.correspondence), d.payments, d.recoveries)


@pytest.mark.parametrize(
    ("action", "params", "error", "message"),
    [
        ("close", {}, TransitionNotAllowed, "the claim is in review"),
        ("issue_payment", {}, TransitionNotAllowed, "in review"),
        ("step_in", {"amount": Decimal("10"), "note": "x"}, PermissionDenied, "needs the role admin or sup"),
        ("seller_no_response", {}, PermissionDenied, "only by the deadline sweep"),
        ("deny", {"note": "no"}, ValidationError, "needs a reason"),
        ("deny", {"reason": "because", "note": "no"}, ValidationError, "does not fit"),
        ("deny", {"reason": "frivolous"}, ValidationError, "needs a note"),
        ("approve_concession", {"amount": Decimal("1000.00")}, ValidationError, "not under the concession"),
        ("approve_concession", {"amount": Decimal("-5.00")}, ValidationError, "greater than"),
        ("approve_concession", {"amount": Decimal("500.001")}, ValidationError, "2 decimal places"),
        ("approve_concession", {"amount": Decimal("1600.00")}, ValidationError, "more than the \\$1,500.00"),
        ("present_to_seller", {"amount": Decimal("450.00")}, ValidationError, "under the concession limit"),
        ("teleport", {}, ValidationError, "unknown action"),
    ],
)
def test_forbidden_moves_are_refused_and_change_nothing(
    desk: Desk, action: str, params: dict[str, object], error: type[Exception], message: str
) -> None:
    ref = in_review(desk, amount_claimed="1500.00", product_price="800.00")
    before = snapshot(desk, ref)
    with pytest.raises(error, match=message):
        desk.services.workflow.act(ref, action, desk.alice, ActionParams(**params))  # type: ignore[arg-type]
    assert snapshot(desk, ref) == before


def test_adjuster_cannot_approve_above_authority_but_a_senior_can(desk: Desk) -> None:
    ref = in_review(desk, amount_claimed="5000.00", product_price="900.00")
    wf = desk.services.workflow
    wf.act(ref, "present_to_seller", desk.alice, ActionParams(amount=Decimal("5000.00")))
    wf.act(ref, "record_seller_rejection", desk.alice, ActionParams(note="No"))
    wf.act(ref, "escalate", desk.alice, ActionParams(note="Valid"))
    options = {o.action: o for o in wf.actions_for(ref, desk.alice)}
    assert "step_in" not in options  # adjusters are not offered supervisor moves
    with pytest.raises(PermissionDenied, match="needs the role admin or supervisor; you are adjuster"):
        wf.act(ref, "step_in", desk.alice, ActionParams(amount=Decimal("5000.00"), note="x"))
    sup = {o.action: o for o in wf.actions_for(ref, desk.sam)}
    assert sup["step_in"].enabled and sup["uphold_rejection"].enabled


def test_moves_offered_show_why_a_payment_is_blocked_by_authority(desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    ref = in_review(desk, amount_claimed="2000.00", product_price="900.00")
    wf = desk.services.workflow
    wf.act(ref, "present_to_seller", desk.alice, ActionParams(amount=Decimal("2000.00")))
    clock.advance(days=8)
    desk.services.sweep.run()
    options = {o.action: o for o in wf.actions_for(ref, desk.alice)}
    assert not options["issue_payment"].enabled
    assert "above your authority limit of $1,000.00" in (options["issue_payment"].blocked_reason or "")


def test_an_adjuster_cannot_work_a_colleagues_claim(desk: Desk) -> None:
    ref = in_review(desk)
    with pytest.raises(PermissionDenied, match="assigned to Alice Adjuster"):
        desk.services.workflow.act(ref, "request_info", desk.bob, ActionParams(note="photos"))
    options = desk.services.workflow.actions_for(ref, desk.bob)
    assert options and all(not o.enabled for o in options)
    with pytest.raises(PermissionDenied, match="only a supervisor can reassign"):
        desk.services.assignment.assign(ref, "bob", desk.bob)
    desk.services.assignment.assign(ref, "bob", desk.sam)
    d = desk.services.workflow.act(ref, "request_info", desk.bob, ActionParams(note="photos"))
    assert d.assignee == "Bob Adjuster" and d.state == "awaiting_customer"
    assert [h.action for h in d.history][-2:] == ["assign", "request_info"]


def test_stale_edit_is_refused_and_nothing_is_overwritten(desk: Desk) -> None:
    ref = in_review(desk)
    seen = desk.services.claims.detail(ref).version
    desk.services.workflow.act(ref, "request_info", desk.alice, ActionParams(note="photos please"))
    with pytest.raises(StaleEdit, match="changed by someone else"):
        desk.services.workflow.act(
            ref, "deny", desk.alice, ActionParams(reason="frivolous", note="x"), expected_version=seen
        )
    assert desk.services.claims.detail(ref).state == "awaiting_customer"


def test_unknown_claim_and_user_are_clear_errors(desk: Desk) -> None:
    with pytest.raises(NotFound, match="no claim with reference 'AZ-99999999'"):
        desk.services.workflow.act("AZ-99999999", "start_review", desk.alice)
    with pytest.raises(NotFound, match="no user named 'mallory'"):
        desk.services.users.actor("mallory")
    with pytest.raises(PermissionDenied, match="not right"):
        desk.services.users.authenticate("alice", "wrong password")
    assert desk.services.users.authenticate("alice", "correct horse").username == "alice"


def test_take_next_hands_each_claim_out_once_most_urgent_first(desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    first = desk.file()
    clock.advance(hours=1)
    second = desk.file()
    a = desk.services.assignment.take_next(desk.alice)
    b = desk.services.assignment.take_next(desk.bob)
    assert (a and a.reference, b and b.reference) == (first, second)
    assert desk.services.assignment.take_next(desk.carol) is None
    with pytest.raises(PermissionDenied):
        desk.services.assignment.take_next(SYSTEM_ACTOR)


def test_duplicate_claim_for_same_order_and_incident_names_the_existing_claim(desk: Desk) -> None:
    row = desk.row()
    from atoz_desk.services.intake_rules import parse_intake

    s = desk.services
    first = s.intake.file_claim(parse_intake(row, s.policy, s.clock()), desk.alice)
    with pytest.raises(DuplicateClaim, match=first.reference):
        s.intake.file_claim(parse_intake(row, s.policy, s.clock()), desk.alice)
    assert sum(s.claims.counts_by_state().values()) == 1


def test_insurance_check_names_every_failing_rule(desk: Desk) -> None:
    ref = desk.file()
    desk.insure(
        insurer="Shaky Re",
        rating="B+",
        per_occurrence_limit=Decimal("500000.00"),
        deductible=Decimal("25000.00"),
        marketplace_additional_insured=False,
        cancellation_notice_days=10,
        expiry_date=date(2026, 10, 1),
    )
    info = desk.services.claims.detail(ref).insurance
    assert not info.valid
    text = " | ".join(info.failures)
    for expected in (
        "expired 2026-10-01",
        "per-occurrence limit $500,000.00 is below $1,000,000.00",
        "deductible $25,000.00 is above $10,000.00",
        "rated B+, below A-",
        "not named as additional insured",
        "cancellation notice is 10 days",
    ):
        assert expected in text


def test_reassigning_a_stale_copy_is_refused(desk: Desk) -> None:
    ref = in_review(desk)
    seen = desk.services.claims.detail(ref).version
    desk.services.workflow.act(ref, "request_info", desk.alice, ActionParams(note="photos"))
    with pytest.raises(StaleEdit, match="nothing was reassigned"):
        desk.services.assignment.assign(ref, "bob", desk.sam, expected_version=seen)
    assert desk.services.claims.detail(ref).assignee == "Alice Adjuster"


def test_workload_lists_every_active_user_with_open_and_overdue_claims(desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    in_review(desk)
    in_review(desk)
    clock.advance(days=10)  # past the 5-day review SLA
    rows = desk.services.assignment.workload()
    alice = [r for r in rows if r.username == "alice"]
    assert [(r.state, r.open, r.overdue) for r in alice] == [("in_review", 2, 2)]
    assert {(r.username, r.state, r.open) for r in rows if r.username != "alice"} == {
        ("bob", None, 0),
        ("carol", None, 0),
        ("sam", None, 0),
        ("admin", None, 0),
    }
