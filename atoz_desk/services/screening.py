"""Fraud and abuse screening against the database: gather the facts, run the rules, store flags."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from atoz_desk.data.models import Claim, Customer, Evidence, FraudFlag, Order, Product, Seller
from atoz_desk.domain import fraud
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import EvidenceKind, FlagStatus, IncidentType


def _norm(value: str | None) -> str:
    return " ".join((value or "").lower().split())


def screening_input(session: Session, claim: Claim, policy: PolicySettings) -> fraud.ScreeningInput:
    customer = session.get_one(Customer, claim.customer_id)
    seller = session.get_one(Seller, claim.seller_id)
    product = session.get_one(Product, claim.product_id)
    order = session.get_one(Order, claim.order_id)
    since = claim.filed_at - timedelta(days=policy.repeat_claims_window_days)

    by_customer = session.scalar(
        select(func.count())
        .select_from(Claim)
        .where(Claim.customer_id == claim.customer_id, Claim.id != claim.id, Claim.filed_at >= since)
    )
    other = aliased(Customer)
    at_address = session.scalar(
        select(func.count())
        .select_from(Claim)
        .join(other, other.id == Claim.customer_id)
        .where(
            other.address == customer.address,
            other.id != customer.id,
            Claim.filed_at >= since,
        )
    )
    has_medical = session.scalar(
        select(func.count())
        .select_from(Evidence)
        .where(Evidence.claim_id == claim.id, Evidence.kind == EvidenceKind.MEDICAL_RECORD.value)
    )
    shared = []
    if customer.address and _norm(customer.address) == _norm(seller.address):
        shared.append("address")
    if customer.email and _norm(customer.email) == _norm(seller.email):
        shared.append("e-mail address")
    if customer.phone and _norm(customer.phone) == _norm(seller.phone):
        shared.append("phone number")

    mine = select(Evidence.sha256).where(Evidence.claim_id == claim.id)
    reused = session.scalars(
        select(Claim.reference)
        .join(Evidence, Evidence.claim_id == Claim.id)
        .where(Evidence.sha256.in_(mine), Claim.id != claim.id)
        .distinct()
        .order_by(Claim.reference)
        .limit(10)
    ).all()

    return fraud.ScreeningInput(
        amount_claimed=claim.amount_claimed,
        currency=claim.currency,
        product_price=product.price,
        incident_type=IncidentType(claim.incident_type),
        incident_date=claim.incident_date,
        filed_at=claim.filed_at,
        order_date=order.order_date,
        delivered_date=order.delivered_date,
        prior_claims_by_customer=by_customer or 0,
        prior_claims_at_address=at_address or 0,
        has_medical_evidence=bool(has_medical),
        # a customer created by this very intake has no account history to judge
        customer_since=customer.created_at if customer.created_at < claim.filed_at else None,
        customer_seller_shared=tuple(shared),
        reused_evidence_refs=tuple(reused),
    )


def screen_claim(
    session: Session, claim: Claim, policy: PolicySettings, now: datetime
) -> tuple[fraud.ScreeningResult, list[FraudFlag]]:
    """Run every rule; add flags not already on the claim; refresh the claim's score and count.

    A flag an adjuster dismissed is not raised again for the same code.
    """
    result = fraud.screen(screening_input(session, claim, policy), policy)
    existing = {f.code: f for f in session.scalars(select(FraudFlag).where(FraudFlag.claim_id == claim.id))}
    added = []
    for finding in result.findings:
        if finding.code in existing:
            continue
        flag = FraudFlag(
            claim_id=claim.id,
            code=finding.code,
            severity=finding.severity.value,
            score=finding.score,
            explanation=finding.explanation,
            status=FlagStatus.OPEN.value,
            created_at=now,
        )
        session.add(flag)
        added.append(flag)
    live = [f for f in [*existing.values(), *added] if f.status != FlagStatus.DISMISSED.value]
    claim.fraud_score = min(100, sum(f.score for f in live))
    claim.flag_count = len(live)
    return result, added
