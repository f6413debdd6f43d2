"""What each move does besides changing state: deadlines, payments, recoveries,
referrals, flags and the letters of correspondence it writes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from atoz_desk.data.models import Claim, ExpertReferral, FraudFlag, Payment, Product, Recovery, Seller
from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.money import format_money
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import (
    DenialReason,
    FlagStatus,
    IncidentType,
    Party,
    Payer,
    PaymentStatus,
    RecoveryStatus,
)
from atoz_desk.domain.transitions import Action, ActionParams, Actor, DefenseOutcome, Transition
from atoz_desk.services.claims import insurance_for
from atoz_desk.services.notices import NoticeFacts, seller_notice
from atoz_desk.services.records import add_correspondence


@dataclass
class Move:
    """What one move is doing, shared by its effect function and the notice."""

    s: Session
    claim: Claim
    t: Transition
    p: ActionParams
    actor: Actor
    now: datetime
    policy: PolicySettings
    changes: dict[str, Any]
    notice_reason: str | None = None
    recovery_text: str | None = None
    insurance_summary: str | None = None
    notice_deadline: datetime | None = None


def send_seller_notice(m: Move) -> None:
    assert m.t.seller_notice is not None
    c = m.claim
    seller = m.s.get_one(Seller, c.seller_id)
    product = m.s.get_one(Product, c.product_id)
    amount = c.approved_amount if c.approved_amount is not None else c.amount_claimed
    deadline = m.notice_deadline or c.seller_response_due
    facts = NoticeFacts(
        reference=c.reference,
        seller_name=seller.name,
        product_title=product.title,
        incident=IncidentType(c.incident_type).value.replace("_", " "),
        amount=format_money(amount, c.currency),
        deadline=deadline.date().isoformat() if deadline else None,
        note=m.p.note if m.t.action is not Action.RECORD_SELLER_REJECTION else None,
        reason=m.notice_reason,
        insurance_summary=m.insurance_summary,
        recovery=m.recovery_text,
    )
    subject, body = seller_notice(m.t.seller_notice, facts)
    add_correspondence(
        m.s,
        claim=c,
        party=Party.SELLER.value,
        kind=m.t.seller_notice.value,
        subject=subject,
        body=body,
        at=m.now,
        actor=m.actor,
    )


# --- effects of each move (fields, payments, recoveries, referrals) ---


def no_effect(m: Move) -> None:
    return None


def _review_due(m: Move) -> None:
    m.claim.due_at = m.now + timedelta(days=m.policy.review_sla_days)


def _request_info(m: Move) -> None:
    due = (
        datetime.combine(m.p.due_date, m.now.timetz())
        if m.p.due_date
        else m.now + timedelta(days=m.policy.info_request_days)
    )
    m.claim.info_due = due
    m.claim.due_at = due
    m.changes["info_due"] = due
    add_correspondence(
        m.s,
        claim=m.claim,
        party=Party.CUSTOMER.value,
        kind="information_requested",
        subject=f"More information needed for claim {m.claim.reference}",
        body=f"To decide your claim we need: {m.p.note}\nPlease reply by {due.date().isoformat()}.",
        at=m.now,
        actor=m.actor,
    )


def _info_done(m: Move) -> None:
    m.claim.info_due = None
    _review_due(m)
    if m.t.action is Action.INFO_RECEIVED:
        add_correspondence(
            m.s,
            claim=m.claim,
            party=Party.CUSTOMER.value,
            kind="information_received",
            subject=f"Information received for claim {m.claim.reference}",
            body=m.p.note or "",
            at=m.now,
            actor=m.actor,
            direction="inbound",
        )


def _decide_open_flags(m: Move, status: FlagStatus) -> None:
    for flag in m.s.scalars(
        select(FraudFlag).where(FraudFlag.claim_id == m.claim.id, FraudFlag.status == FlagStatus.OPEN.value)
    ):
        flag.status = status.value
        flag.decision_note = m.p.note
        flag.decided_by_id = m.actor.user_id
        flag.decided_at = m.now
    if status is FlagStatus.DISMISSED:
        m.changes["flags"] = "open flags dismissed"


def _clear_fraud_review(m: Move) -> None:
    _decide_open_flags(m, FlagStatus.DISMISSED)
    _review_due(m)


def _refer(m: Move) -> None:
    due = m.p.due_date or (m.now + timedelta(days=m.policy.expert_review_days)).date()
    assert m.p.firm is not None
    m.s.add(
        ExpertReferral(
            claim_id=m.claim.id,
            firm=m.p.firm,
            referred_by_id=m.actor.user_id,
            referred_at=m.now,
            due_date=due,
        )
    )
    m.claim.due_at = datetime.combine(due, m.now.timetz())
    m.changes.update(firm=m.p.firm, expert_due=due)
    add_correspondence(
        m.s,
        claim=m.claim,
        party=Party.EXPERT.value,
        kind="expert_referral",
        subject=f"Referral of claim {m.claim.reference} for independent review",
        body=f"{m.p.firm}: please review claim {m.claim.reference} and report by {due.isoformat()}.\n"
        f"{m.p.note}",
        at=m.now,
        actor=m.actor,
    )


def _open_referral(m: Move) -> ExpertReferral | None:
    return m.s.scalar(
        select(ExpertReferral)
        .where(ExpertReferral.claim_id == m.claim.id, ExpertReferral.outcome.is_(None))
        .order_by(ExpertReferral.id.desc())
        .limit(1)
    )


def _expert_outcome(m: Move) -> None:
    referral = _open_referral(m)
    outcome = "substantiated" if m.t.action is Action.EXPERT_SUBSTANTIATED else m.p.reason
    if referral is not None:
        referral.outcome = outcome
        referral.outcome_note = m.p.note
        referral.outcome_at = m.now
    m.changes["expert_outcome"] = outcome
    if m.t.action is Action.EXPERT_SUBSTANTIATED:
        _decide_open_flags(m, FlagStatus.DISMISSED)
        _review_due(m)
    else:
        _decide_open_flags(m, FlagStatus.CONFIRMED)
        m.claim.denial_reason = m.p.reason
        _tell_customer_denied(m, DenialReason(m.p.reason or "unsubstantiated"))


def _insurance(m: Move) -> tuple[bool, str]:
    info = insurance_for(m.s, m.claim.seller_id, m.claim.incident_date, m.policy)
    return info.valid, info.summary


def _open_recovery(m: Move, amount: Decimal, reason: str) -> None:
    m.s.add(
        Recovery(
            claim_id=m.claim.id,
            seller_id=m.claim.seller_id,
            amount=amount,
            recovered_amount=Decimal("0.00"),
            currency=m.claim.currency,
            status=RecoveryStatus.OPEN.value,
            reason=reason,
            opened_at=m.now,
        )
    )
    m.recovery_text = format_money(amount, m.claim.currency)
    m.changes["recovery_opened"] = amount


def _approve_concession(m: Move) -> None:
    assert m.p.amount is not None
    c = m.claim
    c.approved_amount = m.p.amount
    c.seller_appeal_due = m.now + timedelta(days=m.policy.seller_appeal_days)
    _review_due(m)
    valid, summary = _insurance(m)
    m.insurance_summary = summary
    m.changes["seller_insured"] = valid
    if not valid:
        c.proof_of_insurance_due = m.now + timedelta(days=m.policy.proof_of_insurance_days)
        m.notice_deadline = c.proof_of_insurance_due
        _open_recovery(m, m.p.amount, f"Concession paid; seller has no valid insurance ({summary})")


def _present(m: Move) -> None:
    assert m.p.amount is not None
    c = m.claim
    c.approved_amount = m.p.amount
    due = m.now + timedelta(days=m.policy.seller_response_days)
    c.seller_response_due = due
    c.seller_reminder_sent_at = None
    c.due_at = due
    m.changes["seller_response_due"] = due
    valid, summary = _insurance(m)
    m.insurance_summary = summary
    if valid:
        add_correspondence(
            m.s,
            claim=c,
            party=Party.INSURER.value,
            kind="claim_presented",
            subject=f"Claim {c.reference} presented to your insured",
            body=f"Claim {c.reference} for {format_money(m.p.amount, c.currency)} has been presented to "
            f"your insured; response due {due.date().isoformat()}. Policy: {summary}.",
            at=m.now,
            actor=m.actor,
        )


def _seller_answered(m: Move) -> None:
    m.claim.seller_response_due = None
    _review_due(m)
    if m.p.payer:
        m.changes["payer"] = m.p.payer
    if m.t.action is Action.RECORD_SELLER_REJECTION:
        add_correspondence(
            m.s,
            claim=m.claim,
            party=Party.SELLER.value,
            kind="seller_rejection",
            subject=f"Seller rejected claim {m.claim.reference}",
            body=m.p.note or "",
            at=m.now,
            actor=m.actor,
            direction="inbound",
        )


def _reminder(m: Move) -> None:
    m.claim.seller_reminder_sent_at = m.now


def _no_response(m: Move) -> None:
    c = m.claim
    amount = c.approved_amount or c.amount_claimed
    due = c.seller_response_due
    m.notice_reason = f"you did not respond by {due.date().isoformat() if due else 'the deadline'}"
    _open_recovery(m, amount, f"Seller did not respond; marketplace stepped in ({m.notice_reason})")
    _review_due(m)


def _step_in(m: Move) -> None:
    assert m.p.amount is not None
    c = m.claim
    c.approved_amount = m.p.amount
    c.defense_open = True
    m.notice_reason = "we believe the claim is valid although you rejected it"
    _open_recovery(m, m.p.amount, "Seller rejected a claim the marketplace believes valid; defense open")
    _review_due(m)


def _denied_by_defense(m: Move) -> None:
    m.notice_reason = "the seller's rejection is upheld and the claim is denied"
    _tell_customer_denied(m, DenialReason.SELLER_DEFENSE_UPHELD)


def _tell_customer_denied(m: Move, reason: DenialReason) -> None:
    add_correspondence(
        m.s,
        claim=m.claim,
        party=Party.CUSTOMER.value,
        kind="claim_denied",
        subject=f"Decision on your claim {m.claim.reference}",
        body=f"We are unable to pay your claim because {reason.plain_words}."
        + (f"\n{m.p.note}" if m.p.note else ""),
        at=m.now,
        actor=m.actor,
    )


def _deny(m: Move) -> None:
    reason = DenialReason(m.p.reason or DenialReason.UNSUBSTANTIATED.value)
    m.claim.denial_reason = reason.value
    m.notice_reason = reason.plain_words
    if reason in (DenialReason.FRIVOLOUS, DenialReason.ABUSIVE):
        _decide_open_flags(m, FlagStatus.CONFIRMED)
    _tell_customer_denied(m, reason)


def _issue_payment(m: Move) -> None:
    c = m.claim
    amount = c.approved_amount
    if amount is None:
        raise ValidationError("no approved amount to pay", "amount")
    m.s.add(
        Payment(
            claim_id=c.id,
            payer=Payer.MARKETPLACE.value,
            amount=amount,
            currency=c.currency,
            status=PaymentStatus.ISSUED.value,
            issued_by_id=m.actor.user_id,
            issued_at=m.now,
        )
    )
    m.changes["payment_issued"] = amount
    _review_due(m)


def _confirm_seller_payment(m: Move) -> None:
    c = m.claim
    amount = c.approved_amount or c.amount_claimed
    payer = m.p.payer or Payer.SELLER.value
    m.s.add(
        Payment(
            claim_id=c.id,
            payer=payer,
            amount=amount,
            currency=c.currency,
            status=PaymentStatus.CONFIRMED.value,
            issued_by_id=m.actor.user_id,
            issued_at=m.now,
            confirmed_by_id=m.actor.user_id,
            confirmed_at=m.now,
        )
    )
    m.changes.update(payer=payer, payment_confirmed=amount)
    _review_due(m)


def _confirm_payment(m: Move) -> None:
    for pay in m.s.scalars(
        select(Payment).where(Payment.claim_id == m.claim.id, Payment.status == PaymentStatus.ISSUED.value)
    ):
        pay.status = PaymentStatus.CONFIRMED.value
        pay.confirmed_at = m.now
        pay.confirmed_by_id = m.actor.user_id
        m.changes.setdefault("payments_confirmed", []).append(pay.id)


def _recoveries(m: Move) -> list[Recovery]:
    return list(
        m.s.scalars(
            select(Recovery).where(
                Recovery.claim_id == m.claim.id, Recovery.status == RecoveryStatus.OPEN.value
            )
        )
    )


def _record_recovery(m: Move) -> None:
    assert m.p.amount is not None
    rec = _recoveries(m)[0]
    outstanding = rec.amount - rec.recovered_amount
    if m.p.amount > outstanding:
        raise ValidationError(
            f"{format_money(m.p.amount, rec.currency)} is more than the "
            f"{format_money(outstanding, rec.currency)} still owed",
            "amount",
        )
    rec.recovered_amount = rec.recovered_amount + m.p.amount
    if rec.recovered_amount >= rec.amount:
        rec.status = RecoveryStatus.RECOVERED.value
        rec.closed_at = m.now
    m.recovery_text = (
        f"received {format_money(m.p.amount, rec.currency)}; "
        f"{format_money(rec.amount - rec.recovered_amount, rec.currency)} still owed"
    )
    m.changes.update(recovered=m.p.amount, recovery_status=rec.status)


def _write_off(m: Move) -> None:
    for rec in _recoveries(m):
        rec.status = RecoveryStatus.WRITTEN_OFF.value
        rec.closed_at = m.now
        m.recovery_text = (
            f"the marketplace has written off the remaining "
            f"{format_money(rec.amount - rec.recovered_amount, rec.currency)}; nothing more is owed"
        )
    m.changes["recovery_status"] = RecoveryStatus.WRITTEN_OFF.value


def _defense_outcome(m: Move) -> None:
    m.claim.defense_open = False
    if m.p.reason == DefenseOutcome.DEFENSE_UPHELD.value:
        m.notice_reason = "your defense is upheld; the marketplace bears the cost and seeks nothing from you"
        for rec in _recoveries(m):
            rec.status = RecoveryStatus.WRITTEN_OFF.value
            rec.closed_at = m.now
    else:
        m.notice_reason = "your defense is not upheld; the reimbursement remains due"


def _close(m: Move) -> None:
    m.claim.closed_at = m.now


EFFECTS: dict[Action, Callable[[Move], None]] = {
    Action.START_REVIEW: _review_due,
    Action.REQUEST_INFO: _request_info,
    Action.INFO_RECEIVED: _info_done,
    Action.INFO_REQUEST_EXPIRED: _info_done,
    Action.SEND_TO_FRAUD_REVIEW: _review_due,
    Action.CLEAR_FRAUD_REVIEW: _clear_fraud_review,
    Action.REFER_TO_EXPERTS: _refer,
    Action.EXPERT_SUBSTANTIATED: _expert_outcome,
    Action.EXPERT_NOT_SUBSTANTIATED: _expert_outcome,
    Action.APPROVE_CONCESSION: _approve_concession,
    Action.PRESENT_TO_SELLER: _present,
    Action.RECORD_SELLER_ACCEPTANCE: _seller_answered,
    Action.RECORD_SELLER_REJECTION: _seller_answered,
    Action.SELLER_DEADLINE_REMINDER: _reminder,
    Action.SELLER_NO_RESPONSE: _no_response,
    Action.ESCALATE: _review_due,
    Action.ACCEPT_SELLER_DEFENSE: _denied_by_defense,
    Action.STEP_IN: _step_in,
    Action.UPHOLD_REJECTION: _denied_by_defense,
    Action.ISSUE_PAYMENT: _issue_payment,
    Action.CONFIRM_SELLER_PAYMENT: _confirm_seller_payment,
    Action.CONFIRM_PAYMENT: _confirm_payment,
    Action.RECORD_RECOVERY: _record_recovery,
    Action.WRITE_OFF_RECOVERY: _write_off,
    Action.RECORD_DEFENSE_OUTCOME: _defense_outcome,
    Action.DENY: _deny,
    Action.CLOSE: _close,
}
