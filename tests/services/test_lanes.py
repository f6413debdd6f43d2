"""Every lane of PROGRAM_RULES walked through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest

from atoz_desk.domain.errors import PermissionDenied
from atoz_desk.domain.transitions import ActionParams
from atoz_desk.services.dto import ClaimDetail

from .conftest import Desk


def act(desk: Desk, ref: str, action: str, who: str = "alice", **params: object) -> ClaimDetail:
    actor = getattr(desk, who)
    return desk.services.workflow.act(ref, action, actor, ActionParams(**params))  # type: ignore[arg-type]


def seller_notices(d: ClaimDetail) -> list[str]:
    return [n.kind for n in d.correspondence if n.party == "seller"]


def moves(d: ClaimDetail) -> list[tuple[str, str | None, str | None]]:
    return [(h.action, h.from_state, h.to_state) for h in d.history]


def test_concession_with_insured_seller_is_paid_and_costs_the_seller_nothing(desk: Desk) -> None:
    ref = desk.file(amount_claimed="450.00")
    desk.insure()
    taken = desk.services.assignment.take_next(desk.alice)
    assert taken is not None and taken.reference == ref and taken.assignee == "Alice Adjuster"

    d = act(desk, ref, "approve_concession", amount=Decimal("425.50"))
    assert (d.state, d.lane, d.approved_amount) == ("approved_concession", "concession", Decimal("425.50"))
    assert d.recoveries == ()  # insured seller: no reimbursement sought
    assert (d.deadlines["seller_appeal_due"] - desk.services.clock()).days == 30

    d = act(desk, ref, "issue_payment")
    assert [(p.payer, p.amount, p.status) for p in d.payments] == [
        ("marketplace", Decimal("425.50"), "issued")
    ]
    d = act(desk, ref, "confirm_payment")
    d = act(desk, ref, "close")
    assert d.state == "closed" and d.payments[0].status == "confirmed"
    assert seller_notices(d) == ["concession_approved", "payment_issued", "claim_closed"]
    notice = next(n for n in d.correspondence if n.kind == "concession_approved")
    assert "no action is needed" in notice.body and "$425.50" in notice.body
    assert moves(d) == [
        ("intake", None, "new"),
        ("start_review", "new", "in_review"),
        ("approve_concession", "in_review", "approved_concession"),
        ("issue_payment", "approved_concession", "paid"),
        ("confirm_payment", "paid", "paid"),
        ("close", "paid", "closed"),
    ]
    assert all(h.actor == "Alice Adjuster" for h in d.history[1:])


def test_concession_with_uninsured_seller_opens_a_recovery_and_asks_for_proof(desk: Desk) -> None:
    ref = desk.file(amount_claimed="300.00")
    d = act(desk, ref, "start_review")
    assert not d.insurance.valid and "no product liability insurance on file" in d.insurance.failures
    d = act(desk, ref, "approve_concession", amount=Decimal("300.00"))
    assert [(r.amount, r.status) for r in d.recoveries] == [(Decimal("300.00"), "open")]
    due = d.deadlines["proof_of_insurance_due"]
    assert due is not None and (due - desk.services.clock()).days == 7
    notice = d.correspondence[-1]
    assert notice.kind == "concession_approved" and "proof of valid insurance" in notice.body
    assert "Insurance Accelerator" in notice.body

    d = act(desk, ref, "issue_payment")
    d = act(desk, ref, "record_recovery", amount=Decimal("100.00"), note="First instalment")
    assert (d.recoveries[0].recovered_amount, d.recoveries[0].status) == (Decimal("100.00"), "open")
    with pytest.raises(Exception, match=r"more than the \$200\.00 still owed"):
        act(desk, ref, "record_recovery", amount=Decimal("250.00"), note="too much")
    d = act(desk, ref, "record_recovery", amount=Decimal("200.00"), note="Paid in full")
    assert d.recoveries[0].status == "recovered"
    assert seller_notices(d).count("recovery_update") == 2


def test_seller_accepts_and_pays(desk: Desk) -> None:
    ref = desk.file(amount_claimed="5400.00", product_price="900.00")
    act(desk, ref, "start_review")
    d = act(desk, ref, "present_to_seller", amount=Decimal("5400.00"))
    assert (d.state, d.lane) == ("seller_notified", "seller")
    due = d.deadlines["seller_response_due"]
    assert due is not None and (due - desk.services.clock()).days == 7
    presented = d.correspondence[-1]
    assert presented.kind == "claim_presented" and due.date().isoformat() in presented.subject

    d = act(desk, ref, "record_seller_acceptance", payer="insurer")
    assert d.state == "seller_accepted" and d.deadlines["seller_response_due"] is None
    d = act(desk, ref, "confirm_seller_payment", payer="insurer")
    assert [(p.payer, p.amount, p.status) for p in d.payments] == [
        ("insurer", Decimal("5400.00"), "confirmed")
    ]
    d = act(desk, ref, "close")
    assert d.state == "closed" and d.recoveries == ()
    assert seller_notices(d) == [
        "claim_presented",
        "acceptance_recorded",
        "payment_confirmed",
        "claim_closed",
    ]


def test_silent_seller_is_reminded_then_marketplace_steps_in_and_pursues(desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    ref = desk.file(amount_claimed="5000.00", product_price="900.00")
    act(desk, ref, "start_review")
    act(desk, ref, "present_to_seller", amount=Decimal("4800.00"))
    sweep = desk.services.sweep

    clock.advance(days=3)
    assert sweep.run() == []  # nothing due yet
    clock.advance(days=2, hours=1)  # within 2 days of the deadline
    reminded = sweep.run()
    assert [(m.reference, m.action) for m in reminded] == [(ref, "seller_deadline_reminder")]
    assert sweep.run() == []  # a reminder goes once

    clock.advance(days=2)  # past the 7-day deadline
    moved = sweep.run()
    assert [(m.reference, m.from_state, m.to_state) for m in moved] == [(ref, "seller_notified", "step_in")]
    assert sweep.run() == []  # idempotent

    d = desk.services.claims.detail(ref)
    assert d.state == "step_in"
    assert [(r.amount, r.status) for r in d.recoveries] == [(Decimal("4800.00"), "open")]
    step = next(h for h in d.history if h.action == "seller_no_response")
    assert step.actor == "system"
    assert "did not respond" in d.correspondence[-1].body

    # paying $4,800 is above an adjuster's $1,000 authority
    with pytest.raises(PermissionDenied, match=r"above your authority limit of \$1,000\.00"):
        act(desk, ref, "issue_payment", who="alice")
    assert desk.services.claims.detail(ref).payments == ()  # refused move changed nothing
    with pytest.raises(PermissionDenied, match="assigned to Alice Adjuster"):
        act(desk, ref, "issue_payment", who="carol")
    desk.services.assignment.assign(ref, "carol", desk.sam)
    d = act(desk, ref, "issue_payment", who="carol")  # senior adjuster, $10,000
    assert d.state == "paid" and d.payments[0].amount == Decimal("4800.00")
    assert seller_notices(d) == ["claim_presented", "deadline_reminder", "step_in", "payment_issued"]


def test_seller_rejects_supervisor_steps_in_and_defense_stays_open(desk: Desk) -> None:
    ref = desk.file(amount_claimed="2500.00", product_price="700.00")
    act(desk, ref, "start_review")
    act(desk, ref, "present_to_seller", amount=Decimal("2500.00"))
    d = act(desk, ref, "record_seller_rejection", note="Product was misused by the customer")
    assert d.state == "seller_rejected"
    inbound = [n for n in d.correspondence if n.direction == "inbound"]
    assert inbound and "misused" in inbound[0].body
    d = act(desk, ref, "escalate", note="Photos show a wiring fault; we believe the claim")
    assert d.state == "escalated"

    with pytest.raises(PermissionDenied, match="supervisor"):
        act(desk, ref, "step_in", amount=Decimal("2500.00"), note="adjuster tries")
    d = act(desk, ref, "step_in", who="sam", amount=Decimal("2500.00"), note="Valid claim")
    assert d.state == "step_in" and d.defense_open
    assert [(r.amount, r.status) for r in d.recoveries] == [(Decimal("2500.00"), "open")]
    assert "opportunity to defend" in d.correspondence[-1].body

    d = act(desk, ref, "issue_payment", who="sam")
    d = act(desk, ref, "record_defense_outcome", who="sam", reason="defense_upheld", note="Lab report")
    assert not d.defense_open and d.recoveries[0].status == "written_off"


def test_seller_rejects_supervisor_upholds_and_claim_is_denied(desk: Desk) -> None:
    ref = desk.file(amount_claimed="1800.00", product_price="600.00")
    act(desk, ref, "start_review")
    act(desk, ref, "present_to_seller", amount=Decimal("1800.00"))
    act(desk, ref, "record_seller_rejection", note="Counterfeit item, not ours")
    act(desk, ref, "escalate", note="Unclear")
    d = act(desk, ref, "uphold_rejection", who="sam", note="Seller proved the item is counterfeit")
    assert (d.state, d.denial_reason) == ("denied", "seller_defense_upheld")
    letter = [n for n in d.correspondence if n.party == "customer" and n.kind == "claim_denied"]
    assert letter and "the seller showed that the product was not at fault" in letter[0].body
    assert seller_notices(d)[-1] == "defense_outcome"


def fraud_claim(desk: Desk) -> str:
    # three red flags: just under the limit, 9x-price..., filed late, injury without medical record
    ref = desk.file(
        amount_claimed="990.00",
        product_price="30.00",
        incident_type="personal_injury",
        incident_date="2026-09-25",
        filed_at="2026-10-30T08:00:00Z",
        order_date="2026-09-21",
        delivered_date="2026-09-24",
    )
    d = desk.services.claims.detail(ref)
    assert d.state == "fraud_review", d.flags
    codes = {f.code for f in d.flags}
    assert {"just_under_limit", "disproportionate_amount", "injury_without_medical_record"} <= codes
    assert all(f.explanation for f in d.flags)
    return ref


def test_fraud_review_experts_find_claim_abusive_and_it_is_denied(desk: Desk) -> None:
    ref = fraud_claim(desk)
    d = act(desk, ref, "refer_to_experts", firm="Verity Claims Forensics", note="Pattern of small claims")
    assert d.state == "expert_review" and d.referrals[0].firm == "Verity Claims Forensics"
    d = act(desk, ref, "expert_not_substantiated", reason="abusive", note="Staged photos")
    assert (d.state, d.denial_reason) == ("denied", "abusive")
    assert d.referrals[0].outcome == "abusive"
    assert all(f.status == "confirmed" for f in d.flags)
    assert seller_notices(d) == []  # the seller never saw a claim that was not found valid
    assert any(n.party == "customer" and "abuses" in n.body for n in d.correspondence)


def test_fraud_review_experts_validate_claim_and_it_proceeds(desk: Desk) -> None:
    ref = fraud_claim(desk)
    act(desk, ref, "refer_to_experts", firm="Verity Claims Forensics", note="Check")
    d = act(desk, ref, "expert_substantiated", note="Medical report genuine")
    assert d.state == "in_review" and d.referrals[0].outcome == "substantiated"
    assert all(f.status == "dismissed" for f in d.flags)
    d = act(desk, ref, "approve_concession", amount=Decimal("990.00"))
    assert d.state == "approved_concession"


def test_withdrawal_before_and_after_the_seller_is_involved(desk: Desk) -> None:
    early = desk.file()
    d = act(desk, early, "withdraw", note="Customer called to withdraw")
    assert d.state == "withdrawn" and seller_notices(d) == []
    late = desk.file(amount_claimed="3000.00", product_price="800.00")
    act(desk, late, "start_review")
    act(desk, late, "present_to_seller", amount=Decimal("3000.00"))
    d = act(desk, late, "withdraw", note="Settled privately")
    assert d.state == "withdrawn" and seller_notices(d)[-1] == "claim_withdrawn"
    d = act(desk, late, "close")
    assert d.state == "closed"


def test_information_request_expires_back_to_review(desk: Desk, clock) -> None:  # type: ignore[no-untyped-def]
    ref = desk.file()
    act(desk, ref, "start_review")
    d = act(desk, ref, "request_info", note="Photos of the damaged worktop")
    assert d.state == "awaiting_customer" and d.correspondence[-1].party == "customer"
    clock.advance(days=15)
    moved = desk.services.sweep.run()
    assert [(m.reference, m.to_state) for m in moved] == [(ref, "in_review")]
    assert desk.services.sweep.run() == []
