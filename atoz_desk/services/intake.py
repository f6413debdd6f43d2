"""Intake: a claim from Customer Service becomes a screened claim in the right queue."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim, Customer, Order, Product, Seller
from atoz_desk.data.search import search_text_for
from atoz_desk.domain.errors import DuplicateClaim, ValidationError
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState
from atoz_desk.domain.transitions import Actor
from atoz_desk.services.claims import flag_info
from atoz_desk.services.dto import IntakeRequest, IntakeResult
from atoz_desk.services.records import record_history
from atoz_desk.services.screening import rescreen_claim


def claim_reference(claim_id: int) -> str:
    return f"AZ-{claim_id:08d}"


class IntakeService:
    def __init__(self, db: Database, policy: PolicySettings, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock

    def file_claim(self, req: IntakeRequest, actor: Actor) -> IntakeResult:
        """Create, screen and route one claim; all or nothing."""
        return self.file_claims([req], actor)[0]

    def file_claims(self, reqs: Iterable[IntakeRequest], actor: Actor) -> list[IntakeResult]:
        """Create several claims in one transaction: any refusal leaves the database unchanged."""
        with self._db.unit_of_work() as s:
            return [self._file(s, req, actor) for req in reqs]

    def _file(self, s: Session, req: IntakeRequest, actor: Actor) -> IntakeResult:
        now = self._clock()
        seller = _seller(s, req, now)
        customer = _customer(s, req, now)
        product = _product(s, req, seller)
        order = _order(s, req, customer, product, seller)

        duplicate = s.scalar(
            select(Claim.reference).where(
                Claim.order_id == order.id,
                Claim.incident_date == req.incident_date,
                Claim.state != ClaimState.WITHDRAWN.value,
            )
        )
        if duplicate is not None:
            raise DuplicateClaim(
                f"order {req.order_id} already has claim {duplicate} for the incident on "
                f"{req.incident_date.isoformat()}",
                duplicate,
            )

        claim = Claim(
            reference="T" + uuid.uuid4().hex[:19],  # replaced by the id-based reference below
            order_id=order.id,
            customer_id=customer.id,
            seller_id=seller.id,
            product_id=product.id,
            incident_type=req.incident_type,
            incident_date=req.incident_date,
            filed_at=req.filed_at,
            description=req.description,
            currency=req.currency,
            amount_claimed=req.amount_claimed,
            state=ClaimState.NEW.value,
            due_at=now + timedelta(days=self._policy.review_sla_days),
            fraud_score=0,
            flag_count=0,
            defense_open=False,
            created_at=now,
            updated_at=now,
        )
        s.add(claim)
        s.flush()  # the id: flags point at it, and the reference is made from it
        # a claim filed just now has no flags yet: nothing to read back
        change = rescreen_claim(s, claim, self._policy, now, actor=actor, cause="intake", flags=())
        result, flags = change.result, change.added
        # reference, search text, score and state go out in one UPDATE with the flags and history
        claim.reference = claim_reference(claim.id)
        claim.search_text = search_text_for(
            claim.reference,
            customer.name,
            customer.email,
            order.external_id,
            seller.name,
            seller.external_id,
            product.title,
            product.external_id,
        )
        if result.needs_fraud_review:
            claim.state = ClaimState.FRAUD_REVIEW.value
        record_history(
            s,
            claim=claim,
            actor=actor,
            action="intake",
            at=now,
            from_state=None,
            to_state=claim.state,
            changes={
                "amount_claimed": req.amount_claimed,
                "currency": req.currency,
                "incident_type": req.incident_type,
                "fraud_score": claim.fraud_score,
                "flags": [f.code for f in flags],
                "review_reasons": list(result.reasons),
            },
            note="Screened at intake: "
            + ("sent to fraud review (" + "; ".join(result.reasons) + ")" if result.reasons else "no review")
            + ".",
        )
        s.flush()  # the flags' ids for the result
        return IntakeResult(
            claim.reference,
            claim.state,
            claim.fraud_score,
            tuple(flag_info(f, {}) for f in flags),  # new flags: nobody has decided them
            result.reasons,
        )


def _seller(s: Session, req: IntakeRequest, now: datetime) -> Seller:
    seller = s.scalar(select(Seller).where(Seller.external_id == req.seller_id))
    if seller is None:
        seller = Seller(external_id=req.seller_id, name=req.seller_name, created_at=now)
        s.add(seller)
        s.flush()
    return seller


def _customer(s: Session, req: IntakeRequest, now: datetime) -> Customer:
    customer = s.scalar(select(Customer).where(Customer.email == req.customer_email).limit(1))
    if customer is None:
        customer = Customer(
            name=req.customer_name, email=req.customer_email, address=req.customer_address, created_at=now
        )
        s.add(customer)
        s.flush()
    return customer


def _product(s: Session, req: IntakeRequest, seller: Seller) -> Product:
    product = s.scalar(select(Product).where(Product.external_id == req.product_id))
    if product is None:
        product = Product(
            external_id=req.product_id,
            title=req.product_title,
            price=req.product_price,
            currency=req.currency,
            seller_id=seller.id,
        )
        s.add(product)
        s.flush()
    elif product.seller_id != seller.id:
        raise ValidationError(
            f"product_id: product {req.product_id} is sold by another seller, not {req.seller_id}",
            "product_id",
        )
    return product


def _order(s: Session, req: IntakeRequest, customer: Customer, product: Product, seller: Seller) -> Order:
    order = s.scalar(select(Order).where(Order.external_id == req.order_id))
    if order is None:
        order = Order(
            external_id=req.order_id,
            customer_id=customer.id,
            product_id=product.id,
            seller_id=seller.id,
            order_date=req.order_date,
            delivered_date=req.delivered_date,
        )
        s.add(order)
        s.flush()
        return order
    if order.customer_id != customer.id:
        raise ValidationError(
            f"order_id: order {req.order_id} belongs to another customer, not {req.customer_email}",
            "order_id",
        )
    if order.product_id != product.id or order.seller_id != seller.id:
        raise ValidationError(
            f"order_id: order {req.order_id} is for another product or seller "
            f"than {req.product_id} / {req.seller_id}",
            "order_id",
        )
    if order.order_date != req.order_date:
        raise ValidationError(
            f"order_date: order {req.order_id} was placed {order.order_date.isoformat()}, "
            f"not {req.order_date.isoformat()}",
            "order_date",
        )
    return order
