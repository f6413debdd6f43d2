"""Fraud and abuse screening against the database: gather the facts, run the rules, store flags.

Screening runs at intake, when evidence arrives and on demand. The facts of many claims are
gathered together (a handful of queries per chunk of claims, not per claim), so re-screening
a large part of the book is quick. A re-screening records what changed in one history entry:
flags added, undecided flags whose condition no longer holds (status `cleared`), flags whose
figures moved, and the score before and after. Flags a person decided are never touched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from atoz_desk.data.models import Claim, Customer, Evidence, FraudFlag, Order, Product, Seller
from atoz_desk.domain import fraud
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState, EvidenceKind, FlagStatus, IncidentType
from atoz_desk.domain.transitions import SYSTEM_ACTOR, Actor
from atoz_desk.services.records import record_history

# flags that count towards a claim's score: not dismissed by a person, not cleared by screening
LIVE_STATUSES = (FlagStatus.OPEN.value, FlagStatus.CONFIRMED.value)
# a re-screening that adds flags sends claims still before a decision to fraud review
_REVIEWABLE = (ClaimState.NEW.value, ClaimState.IN_REVIEW.value)
_MAX_REFS = 10


def _norm(value: str | None) -> str:
    return " ".join((value or "").lower().split())


@dataclass(frozen=True)
class ScreeningChange:
    """What one screening did to a claim's flags."""

    result: fraud.ScreeningResult
    added: tuple[FraudFlag, ...]
    cleared: tuple[str, ...]
    updated: tuple[str, ...]
    score: tuple[int, int]
    flag_count: tuple[int, int]
    state: tuple[str, str]

    @property
    def changed(self) -> bool:
        return bool(
            self.added
            or self.cleared
            or self.updated
            or self.score[0] != self.score[1]
            or self.flag_count[0] != self.flag_count[1]
            or self.state[0] != self.state[1]
        )


# --------------------------------------------------------------------------- facts


def screening_input(
    session: Session, claim: Claim, policy: PolicySettings, now: datetime | None = None
) -> fraud.ScreeningInput:
    """The facts the rules need about one claim (as of `now`; None: as at filing)."""
    session.flush()
    return screening_inputs(session, [claim.id], policy, now)[claim.id]


def screening_inputs(
    session: Session, claim_ids: Sequence[int], policy: PolicySettings, now: datetime | None = None
) -> dict[int, fraud.ScreeningInput]:
    """The facts of many claims, gathered with a fixed number of queries for the whole batch."""
    if not claim_ids:
        return {}
    cust = Customer.__table__.alias("cust")
    sel = Seller.__table__.alias("sel")
    rows = session.execute(
        select(
            Claim.id,
            Claim.customer_id,
            Claim.amount_claimed,
            Claim.currency,
            Claim.incident_type,
            Claim.incident_date,
            Claim.filed_at,
            Product.price,
            Order.order_date,
            Order.delivered_date,
            Order.external_id,
            cust.c.email,
            cust.c.address,
            cust.c.phone,
            cust.c.created_at,
            sel.c.email,
            sel.c.address,
            sel.c.phone,
        )
        .join(Product, Product.id == Claim.product_id)
        .join(Order, Order.id == Claim.order_id)
        .join(cust, cust.c.id == Claim.customer_id)
        .join(sel, sel.c.id == Claim.seller_id)
        .where(Claim.id.in_(claim_ids))
    ).all()
    window = timedelta(days=policy.repeat_claims_window_days)
    earliest = min(r[6] for r in rows) - window
    customer_ids = {r[1] for r in rows}

    # the customers' own claims (count in the window; their orders, for receipts in sequence)
    own_claims: dict[int, list[tuple[int, str, datetime, str, Any]]] = defaultdict(list)
    for cid, customer_id, ref, filed, order_ext, order_date in session.execute(
        select(
            Claim.id, Claim.customer_id, Claim.reference, Claim.filed_at, Order.external_id, Order.order_date
        )
        .join(Order, Order.id == Claim.order_id)
        .where(Claim.customer_id.in_(customer_ids), Claim.filed_at >= earliest)
    ):
        own_claims[customer_id].append((cid, ref, filed, order_ext, order_date))

    # claims from the same address under other customer accounts
    addresses = {r[12] for r in rows if r[12]}
    at_address: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
    if addresses:
        for address, other_id, filed in session.execute(
            select(Customer.address, Customer.id, Claim.filed_at)
            .join(Claim, Claim.customer_id == Customer.id)
            .where(Customer.address.in_(addresses), Claim.filed_at >= earliest)
        ):
            at_address[address].append((other_id, filed))

    # the claims' evidence, and the same files on other claims
    evidence: dict[int, list[tuple[str, str, str, dict[str, Any] | None]]] = defaultdict(list)
    own_names: dict[int, str] = {}
    with_photo_hash: set[int] = set()
    for evidence_id, claim_id, kind, filename, sha, details, phash in session.execute(
        select(
            Evidence.id,
            Evidence.claim_id,
            Evidence.kind,
            Evidence.filename,
            Evidence.sha256,
            Evidence.details,
            Evidence.perceptual_hash,
        ).where(Evidence.claim_id.in_(claim_ids))
    ):
        evidence[claim_id].append((kind, filename, sha, details))
        own_names[evidence_id] = filename
        if phash:
            with_photo_hash.add(claim_id)
    hashes = {e[2] for items in evidence.values() for e in items}
    same_file: dict[str, list[tuple[int, str, int]]] = defaultdict(list)
    if hashes:
        for sha, other_claim, ref, other_customer in session.execute(
            select(Evidence.sha256, Claim.id, Claim.reference, Claim.customer_id)
            .join(Claim, Claim.id == Evidence.claim_id)
            .where(Evidence.sha256.in_(hashes))
            .order_by(Claim.reference)
        ):
            same_file[sha].append((other_claim, ref, other_customer))

    contacts = _contact_matches(session, rows)
    similar = _similar_photos(session, sorted(with_photo_hash), own_names, policy)

    out: dict[int, fraud.ScreeningInput] = {}
    for r in rows:
        (claim_id, customer_id, amount, currency, itype, incident, filed, price, order_date, delivered) = r[
            :10
        ]
        order_ext, c_email, c_address, c_phone, c_created, s_email, s_address, s_phone = r[10:]
        since = filed - window
        mine = own_claims.get(customer_id, [])
        by_customer = sum(1 for o in mine if o[0] != claim_id and o[2] >= since)
        by_address = sum(
            1 for other, when in at_address.get(c_address, []) if other != customer_id and when >= since
        )
        shared = []
        if c_address and _norm(c_address) == _norm(s_address):
            shared.append("address")
        if c_email and _norm(c_email) == _norm(s_email):
            shared.append("e-mail address")
        if c_phone and _norm(c_phone) == _norm(s_phone):
            shared.append("phone number")
        items = evidence.get(claim_id, [])
        reused: list[str] = []
        receipts_elsewhere: list[fraud.SharedReceipt] = []
        for kind, filename, sha, _ in items:
            for other_claim, ref, other_customer in same_file.get(sha, []):
                if other_claim == claim_id:
                    continue
                reused.append(ref)
                if kind == EvidenceKind.RECEIPT.value and other_customer != customer_id:
                    receipts_elsewhere.append(fraud.SharedReceipt(ref, filename))
        software = tuple(
            fraud.ReceiptSoftware(filename, str((details or {}).get("software") or ""))
            for kind, filename, _, details in items
            if kind == EvidenceKind.RECEIPT.value and (details or {}).get("software")
        )
        kinds = tuple(sorted({kind for kind, *_ in items}))
        out[claim_id] = fraud.ScreeningInput(
            amount_claimed=amount,
            currency=currency,
            product_price=price,
            incident_type=IncidentType(itype),
            incident_date=incident,
            filed_at=filed,
            order_date=order_date,
            delivered_date=delivered,
            prior_claims_by_customer=by_customer,
            prior_claims_at_address=by_address,
            has_medical_evidence=EvidenceKind.MEDICAL_RECORD.value in kinds,
            # a customer created by this very intake has no account history to judge
            customer_since=c_created if c_created < filed else None,
            customer_seller_shared=tuple(shared),
            reused_evidence_refs=tuple(dict.fromkeys(reused))[:_MAX_REFS],
            screened_at=now,
            evidence_kinds=kinds,
            similar_photos=tuple(similar.get(claim_id, ())),
            receipt_software=software,
            order_external_id=order_ext,
            customer_other_orders=tuple(
                fraud.OrderRef(ref, ext, day)
                for cid, ref, when, ext, day in mine
                if cid != claim_id and when >= since
            )[:50],
            receipts_of_other_customers=tuple(dict.fromkeys(receipts_elsewhere))[:_MAX_REFS],
            contact_matches=contacts.get(claim_id, ()),
        )
    return out


def _contact_matches(session: Session, rows: Sequence[Any]) -> dict[int, tuple[fraud.ContactMatch, ...]]:
    """Other customer accounts with a claim's customer's e-mail or phone, with their claims."""
    emails = {r[11] for r in rows if r[11]}
    phones = {r[13] for r in rows if r[13]}
    if not emails and not phones:
        return {}
    conditions = []
    if emails:
        conditions.append(Customer.email.in_(emails))
    if phones:
        conditions.append(Customer.phone.in_(phones))
    accounts = session.execute(
        select(Customer.id, Customer.name, Customer.email, Customer.phone).where(or_(*conditions)).limit(5000)
    ).all()
    account_ids = {a[0] for a in accounts} - {r[1] for r in rows}
    if not account_ids:
        return {}  # only the screened claims' own customers have these contacts
    claims_of: dict[int, list[str]] = defaultdict(list)
    for customer_id, ref in session.execute(
        select(Claim.customer_id, Claim.reference)
        .where(Claim.customer_id.in_(account_ids))
        .order_by(Claim.customer_id, Claim.id)
    ):
        if len(claims_of[customer_id]) < _MAX_REFS:
            claims_of[customer_id].append(ref)
    by_email: dict[str, list[tuple[int, str]]] = defaultdict(list)
    by_phone: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for other_id, name, other_email, other_phone in accounts:
        if other_id in account_ids:
            if other_email:
                by_email[other_email].append((other_id, name))
            if other_phone:
                by_phone[other_phone].append((other_id, name))
    out: dict[int, tuple[fraud.ContactMatch, ...]] = {}
    for r in rows:
        claim_id, customer_id, email, phone = r[0], r[1], r[11], r[13]
        found = []
        seen: set[int] = set()
        for link, value, index in (("e-mail address", email, by_email), ("phone number", phone, by_phone)):
            for other_id, name in index.get(value, []) if value else []:
                if other_id != customer_id and other_id not in seen:
                    seen.add(other_id)
                    found.append(fraud.ContactMatch(link, value, name, tuple(claims_of.get(other_id, ()))))
        if found:
            out[claim_id] = tuple(found)
    return out


def _similar_photos(
    session: Session, claim_ids: Iterable[int], own_names: dict[int, str], policy: PolicySettings
) -> dict[int, list[fraud.PhotoMatch]]:
    """Near-identical photos on other claims (not the same file: that is reused evidence)."""
    from atoz_desk.services.evidence import similar_photos

    out: dict[int, list[fraud.PhotoMatch]] = {}
    for claim_id in claim_ids:
        hits = [
            fraud.PhotoMatch(h.reference, h.filename, h.distance, own_names.get(h.own_evidence_id, ""))
            for h in similar_photos(session, claim_id, policy.near_duplicate_max_distance)
            if not h.same_file
        ]
        if hits:
            out[claim_id] = sorted(hits, key=lambda m: (m.distance, m.reference))[:_MAX_REFS]
    return out


# --------------------------------------------------------------------------- flags


def screen_claim(
    session: Session,
    claim: Claim,
    policy: PolicySettings,
    now: datetime,
    *,
    actor: Actor | None = None,
    cause: str | None = None,
) -> tuple[fraud.ScreeningResult, list[FraudFlag]]:
    """Run every rule and bring the claim's flags up to date; returns the result and the new flags.

    At intake the caller records the flags with the intake. Any other cause ("evidence",
    "on_demand", "bulk") records one `rescreened` history entry when something changed.
    Without a cause, a claim created at `now` is at intake; any other is being re-screened.
    """
    if cause is None:
        cause = "intake" if claim.created_at is None or claim.created_at >= now else "rescreen"
    change = rescreen_claim(session, claim, policy, now, actor=actor, cause=cause)
    return change.result, list(change.added)


def rescreen_claim(
    session: Session,
    claim: Claim,
    policy: PolicySettings,
    now: datetime,
    *,
    actor: Actor | None = None,
    cause: str = "on_demand",
    facts: fraud.ScreeningInput | None = None,
    flags: Sequence[FraudFlag] | None = None,
) -> ScreeningChange:
    """Screen one claim and apply the findings (facts and flags may come pre-gathered in bulk)."""
    at_intake = cause == "intake"
    if facts is None:
        facts = screening_input(session, claim, policy, None if at_intake else now)
    result = fraud.screen(facts, policy)
    if flags is None:
        flags = session.scalars(
            select(FraudFlag).where(FraudFlag.claim_id == claim.id).order_by(FraudFlag.id)
        ).all()
    # the latest flag of each code that screening still answers for (cleared ones are history)
    current = {f.code: f for f in flags if f.status != FlagStatus.CLEARED.value}
    found = {f.code: f for f in result.findings}
    added: list[FraudFlag] = []
    updated: list[str] = []
    cleared: list[str] = []
    for code, finding in found.items():
        flag = current.get(code)
        if flag is None:
            flag = FraudFlag(
                claim_id=claim.id,
                code=code,
                severity=finding.severity.value,
                score=finding.score,
                explanation=finding.explanation,
                status=FlagStatus.OPEN.value,
                created_at=now,
            )
            session.add(flag)
            added.append(flag)
        elif flag.status == FlagStatus.OPEN.value and (
            flag.score != finding.score
            or flag.severity != finding.severity.value
            or flag.explanation != finding.explanation
        ):
            flag.score, flag.severity, flag.explanation = (
                finding.score,
                finding.severity.value,
                finding.explanation,
            )
            updated.append(code)
    for code, flag in current.items():
        if code not in found and flag.status == FlagStatus.OPEN.value:
            flag.status = FlagStatus.CLEARED.value
            flag.decided_at = now
            flag.decision_note = (
                f"Cleared by screening ({cause.replace('_', ' ')}): the condition no longer holds."
            )
            cleared.append(code)

    live = [f for f in [*current.values(), *added] if f.status in LIVE_STATUSES]
    score = (claim.fraud_score or 0, min(100, sum(f.score for f in live)))
    count = (claim.flag_count or 0, len(live))
    state_before = claim.state
    if score[0] != score[1]:
        claim.fraud_score = score[1]
    if count[0] != count[1]:
        claim.flag_count = count[1]
    reasons = fraud.review_reasons(count[1], score[1], policy)
    if not at_intake and added and reasons and claim.state in _REVIEWABLE:
        claim.state = ClaimState.FRAUD_REVIEW.value
        claim.due_at = now + timedelta(days=policy.review_sla_days)
    change = ScreeningChange(
        result,
        tuple(added),
        tuple(cleared),
        tuple(updated),
        score,
        count,
        (state_before, claim.state),
    )
    if not at_intake and change.changed:
        claim.updated_at = now
        record_history(
            session,
            claim=claim,
            actor=actor or SYSTEM_ACTOR,
            action="rescreened",
            at=now,
            from_state=state_before,
            to_state=claim.state,
            changes={
                "cause": cause,
                "added": [f.code for f in added],
                "cleared": cleared,
                "updated": updated,
                "score": list(score),
                "flag_count": list(count),
                **({"review_reasons": list(reasons)} if claim.state != state_before else {}),
            },
            note=_note(change, cause, reasons),
        )
    return change


def _note(change: ScreeningChange, cause: str, reasons: tuple[str, ...]) -> str:
    parts = []
    if change.added:
        parts.append("raised " + ", ".join(f.code for f in change.added))
    if change.cleared:
        parts.append("cleared " + ", ".join(change.cleared))
    if change.updated:
        parts.append("updated " + ", ".join(change.updated))
    parts.append(f"score {change.score[0]} → {change.score[1]}")
    text = f"Rescreened ({cause.replace('_', ' ')}): " + "; ".join(parts) + "."
    if change.state[0] != change.state[1]:
        text += " Sent to fraud review: " + "; ".join(reasons) + "."
    return text


def flags_by_claim(session: Session, claim_ids: Sequence[int]) -> dict[int, list[FraudFlag]]:
    out: dict[int, list[FraudFlag]] = defaultdict(list)
    for flag in session.scalars(
        select(FraudFlag).where(FraudFlag.claim_id.in_(claim_ids)).order_by(FraudFlag.claim_id, FraudFlag.id)
    ):
        out[flag.claim_id].append(flag)
    return out
