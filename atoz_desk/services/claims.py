"""Reading claims: detail, queues (keyset pages), counts, insurance status."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, func, or_, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.sqltypes import NULLTYPE

from atoz_desk.data.database import Database
from atoz_desk.data.models import (
    Claim,
    Correspondence,
    Customer,
    Evidence,
    EvidenceBlob,
    ExpertReferral,
    FraudFlag,
    HistoryEntry,
    InsurancePolicy,
    Insurer,
    Letter,
    Payment,
    Product,
    Recovery,
    Seller,
    User,
)
from atoz_desk.domain import insurance as ins
from atoz_desk.domain.errors import NotFound, ValidationError
from atoz_desk.domain.evidence import kind_label, missing_evidence
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import (
    ClaimState,
    EvidenceKind,
    IncidentType,
    Lane,
    PaymentStatus,
    RecoveryStatus,
)
from atoz_desk.domain.transitions import ClaimFacts
from atoz_desk.services.dto import (
    ClaimDetail,
    ClaimRow,
    EvidenceInfo,
    FlagInfo,
    HistoryInfo,
    InsuranceInfo,
    NoticeInfo,
    PaymentInfo,
    RecoveryInfo,
    ReferralInfo,
)


def load_claim(session: Session, reference: str, *, for_update: bool = False) -> Claim:
    stmt = select(Claim).where(Claim.reference == reference.strip().upper())
    if for_update and session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    claim = session.scalar(stmt)
    if claim is None:
        raise NotFound(f"no claim with reference {reference!r}")
    return claim


def facts_of(session: Session, claim: Claim) -> ClaimFacts:
    open_recovery = session.scalar(
        select(exists().where(Recovery.claim_id == claim.id, Recovery.status == RecoveryStatus.OPEN.value))
    )
    unconfirmed = session.scalar(
        select(exists().where(Payment.claim_id == claim.id, Payment.status == PaymentStatus.ISSUED.value))
    )
    return ClaimFacts(
        state=ClaimState(claim.state),
        lane=Lane(claim.lane) if claim.lane else None,
        currency=claim.currency,
        amount_claimed=claim.amount_claimed,
        approved_amount=claim.approved_amount,
        assignee_id=claim.assignee_id,
        has_open_recovery=bool(open_recovery),
        defense_open=claim.defense_open,
        has_unconfirmed_payment=bool(unconfirmed),
    )


def policy_terms(session: Session, seller_id: int) -> list[ins.PolicyTerms]:
    rows = session.execute(
        select(InsurancePolicy, Insurer)
        .join(Insurer, Insurer.id == InsurancePolicy.insurer_id)
        .where(InsurancePolicy.seller_id == seller_id)
        .order_by(InsurancePolicy.expiry_date.desc())
    ).all()
    return [
        ins.PolicyTerms(
            policy_number=p.policy_number,
            insurer_name=i.name,
            insurer_rating=i.rating,
            effective_date=p.effective_date,
            expiry_date=p.expiry_date,
            per_occurrence_limit=p.per_occurrence_limit,
            aggregate_limit=p.aggregate_limit,
            deductible=p.deductible,
            marketplace_additional_insured=p.marketplace_additional_insured,
            cancellation_notice_days=p.cancellation_notice_days,
            currency=p.currency,
        )
        for p, i in rows
    ]


def insurance_for(session: Session, seller_id: int, on: date, policy: PolicySettings) -> InsuranceInfo:
    terms = policy_terms(session, seller_id)
    check = ins.evaluate(terms, on, policy)
    insurer = next((t.insurer_name for t in terms if t.policy_number == check.policy_number), None)
    return InsuranceInfo(check.valid, check.policy_number, insurer, check.failures, check.summary)


@dataclass(frozen=True)
class QueueFilter:
    states: tuple[str, ...] = ()
    assignee_id: int | None = None
    unassigned: bool = False
    text: str | None = None


QUEUE_LIMIT_MAX = 1000


class ClaimQueries:
    def __init__(self, db: Database, policy: PolicySettings, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock

    def detail(self, reference: str) -> ClaimDetail:
        with self._db.reading() as s:
            return build_detail(s, load_claim(s, reference), self._policy)

    def queue_page(
        self,
        flt: QueueFilter,
        *,
        after: tuple[datetime, int] | None = None,
        limit: int = 200,
    ) -> list[ClaimRow]:
        """One page of a queue sorted by due date then id, continuing after a (due_at, id) key."""
        if not 0 < limit <= QUEUE_LIMIT_MAX:
            raise ValidationError(f"page size must be 1 to {QUEUE_LIMIT_MAX}", "limit")
        with self._db.reading() as s:
            return page_rows(s, flt, after=after, limit=limit)

    def list_claims(self, state: str | None = None, limit: int = 200) -> list[ClaimRow]:
        if state is not None and state not in {c.value for c in ClaimState}:
            raise ValidationError(
                f"unknown state {state!r}; states: {', '.join(c.value for c in ClaimState)}", "state"
            )
        return self.queue_page(QueueFilter(states=(state,) if state else ()), limit=limit)

    def counts_by_state(self) -> dict[str, int]:
        with self._db.reading() as s:
            rows = s.execute(select(Claim.state, func.count()).group_by(Claim.state)).all()
            return {state: n for state, n in rows}


def _filter_clauses(flt: QueueFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if len(flt.states) == 1:
        clauses.append(Claim.state == flt.states[0])
    elif flt.states:
        clauses.append(Claim.state.in_(flt.states))
    if flt.assignee_id is not None:
        clauses.append(Claim.assignee_id == flt.assignee_id)
    if flt.unassigned:
        clauses.append(Claim.assignee_id.is_(None))
    if flt.text:
        clauses.append(Claim.reference == flt.text.strip().upper())
    return clauses


def page_rows(
    s: Session, flt: QueueFilter, *, after: tuple[datetime, int] | None, limit: int
) -> list[ClaimRow]:
    clauses = _filter_clauses(flt)
    if after is not None:
        due, last_id = after
        clauses.append(Claim.due_at >= due)  # a bound the index can seek to
        clauses.append(or_(Claim.due_at > due, Claim.id > last_id))
    # the ids paged on the (state, due_at, id) index, joined to the names for just those rows
    page = (
        select(Claim.id.label("id"), Claim.due_at.label("k"))
        .where(*clauses)
        .order_by(Claim.due_at, Claim.id)
        .limit(limit)
        .subquery("page")
    )
    return page_claim_rows(s.connection(), page, descending=False, dialect=s.get_bind().dialect.name)


def flag_info(f: FraudFlag, user_names: Mapping[int, str]) -> FlagInfo:
    """A flag as the desk shows it; `user_names` names whoever confirmed or dismissed it."""
    decided_by = user_names.get(f.decided_by_id) if f.decided_by_id is not None else None
    return FlagInfo(
        f.id,
        f.code,
        f.severity,
        f.score,
        f.explanation,
        f.status,
        f.decision_note,
        decided_by,
        f.decided_at,
    )


def build_detail(s: Session, c: Claim, policy: PolicySettings) -> ClaimDetail:
    users: dict[int, str] = {uid: name for uid, name in s.execute(select(User.id, User.display_name))}

    def who(uid: int | None) -> str:
        return users.get(uid, "system") if uid is not None else "system"

    flags = tuple(
        flag_info(f, users)
        for f in s.scalars(select(FraudFlag).where(FraudFlag.claim_id == c.id).order_by(FraudFlag.id))
    )
    history = tuple(
        HistoryInfo(h.id, h.at, who(h.actor_id), h.action, h.from_state, h.to_state, h.note, h.changes)
        for h in s.scalars(
            select(HistoryEntry).where(HistoryEntry.claim_id == c.id).order_by(HistoryEntry.id)
        )
    )
    notices = tuple(
        NoticeInfo(n.id, n.created_at, n.direction, n.party, n.kind, n.subject, n.body)
        for n in s.scalars(
            select(Correspondence).where(Correspondence.claim_id == c.id).order_by(Correspondence.id)
        )
    )
    payments = tuple(
        PaymentInfo(p.id, p.payer, p.amount, p.currency, p.status, p.issued_at, p.confirmed_at)
        for p in s.scalars(select(Payment).where(Payment.claim_id == c.id).order_by(Payment.id))
    )
    recoveries = tuple(
        RecoveryInfo(
            r.id, r.amount, r.recovered_amount, r.currency, r.status, r.reason, r.opened_at, r.closed_at
        )
        for r in s.scalars(select(Recovery).where(Recovery.claim_id == c.id).order_by(Recovery.id))
    )
    referrals = tuple(
        ReferralInfo(r.id, r.firm, r.referred_at, r.due_date, r.outcome, r.outcome_note)
        for r in s.scalars(
            select(ExpertReferral).where(ExpertReferral.claim_id == c.id).order_by(ExpertReferral.id)
        )
    )
    evidence = evidence_of(s, c, users)
    evidence_count = len(evidence)
    letter_count = s.scalar(select(func.count()).select_from(Letter).where(Letter.claim_id == c.id)) or 0
    missing = missing_evidence(IncidentType(c.incident_type), (EvidenceKind(e.kind) for e in evidence))
    cust, seller, product, order = c.customer, c.seller, c.product, c.order
    return ClaimDetail(
        id=c.id,
        reference=c.reference,
        version=c.version,
        state=c.state,
        state_label=ClaimState(c.state).label,
        lane=c.lane,
        incident_type=c.incident_type,
        incident_date=c.incident_date,
        filed_at=c.filed_at,
        description=c.description,
        currency=c.currency,
        amount_claimed=c.amount_claimed,
        approved_amount=c.approved_amount,
        customer=_public(cust, ("id", "name", "email", "address", "phone")),
        seller=_public(seller, ("id", "external_id", "name", "email", "address", "phone")),
        product=_public(product, ("id", "external_id", "title", "price", "currency")),
        order=_public(order, ("id", "external_id", "order_date", "delivered_date")),
        assignee=who(c.assignee_id) if c.assignee_id is not None else None,
        assignee_id=c.assignee_id,
        due_at=c.due_at,
        deadlines={
            "due_at": c.due_at,
            "seller_response_due": c.seller_response_due,
            "info_due": c.info_due,
            "proof_of_insurance_due": c.proof_of_insurance_due,
            "seller_appeal_due": c.seller_appeal_due,
        },
        fraud_score=c.fraud_score,
        denial_reason=c.denial_reason,
        defense_open=c.defense_open,
        insurance=insurance_for(s, c.seller_id, c.incident_date, policy),
        flags=flags,
        history=history,
        correspondence=notices,
        payments=payments,
        recoveries=recoveries,
        referrals=referrals,
        evidence_count=evidence_count,
        letter_count=letter_count,
        evidence=evidence,
        evidence_missing=tuple(k.value for k in missing),
    )


FILED_WITH_CLAIM = "Customer"


def evidence_info(ev: Evidence, reference: str, added_by: str, *, has_file: bool) -> EvidenceInfo:
    return EvidenceInfo(
        id=ev.id,
        claim_reference=reference,
        kind=ev.kind,
        kind_label=kind_label(ev.kind),
        filename=ev.filename,
        media_type=ev.media_type,
        size_bytes=ev.size_bytes,
        sha256=ev.sha256,
        perceptual_hash=ev.perceptual_hash,
        added_by=added_by,
        added_at=ev.added_at,
        details=dict(ev.details or {}),
        has_file=has_file,
    )


def evidence_of(s: Session, c: Claim, users: dict[int, str] | None = None) -> tuple[EvidenceInfo, ...]:
    """The claim's evidence, oldest first; `has_file` False where no content is on record."""
    rows = s.execute(
        select(Evidence, EvidenceBlob.sha256.is_not(None))
        .outerjoin(EvidenceBlob, EvidenceBlob.sha256 == Evidence.sha256)
        .where(Evidence.claim_id == c.id)
        .order_by(Evidence.added_at, Evidence.id)
    ).all()
    if users is None:
        ids = {ev.added_by_id for ev, _ in rows if ev.added_by_id is not None}
        users = {
            uid: name for uid, name in s.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
        }
    return tuple(
        evidence_info(
            ev,
            c.reference,
            # no desk user: the file came from the customer with the claim, through Customer Service
            users.get(ev.added_by_id, "system") if ev.added_by_id is not None else FILED_WITH_CLAIM,
            has_file=bool(stored),
        )
        for ev, stored in rows
    )


def _public(obj: Any, names: Sequence[str]) -> dict[str, Any]:
    return {n: getattr(obj, n) for n in names}


def claim_rows(s: Session, ids: list[int]) -> list[ClaimRow]:
    """Queue rows for these claim ids, in the given order."""
    if not ids:
        return []
    page = select(Claim.id.label("id"), Claim.id.label("k")).where(Claim.id.in_(ids)).subquery("page")
    rows = page_claim_rows(s.connection(), page, descending=False, dialect=s.get_bind().dialect.name)
    found = {row.id: row for row in rows}
    return [found[i] for i in ids if i in found]


def _raw(col: Any) -> Any:
    """The column as the driver returns it: rows are converted below in one pass, not per value."""
    return type_coerce(col, NULLTYPE).label(col.key)


_claims, _customers, _products = Claim.__table__, Customer.__table__, Product.__table__
_sellers, _assignees = Seller.__table__, User.__table__.alias("assignee")
# in ClaimRow's field order
_ROW_COLUMNS = (
    _claims.c.id,
    _claims.c.reference,
    _customers.c.name,
    _products.c.title,
    _sellers.c.name,
    _claims.c.incident_type,
    _claims.c.amount_claimed,
    _claims.c.currency,
    _claims.c.state,
    _assignees.c.display_name,
    _claims.c.due_at,
    _claims.c.filed_at,
    _claims.c.fraud_score,
    _claims.c.version,
    _claims.c.approved_amount,
)
_RAW_ROW_COLUMNS = tuple(_raw(col) for col in _ROW_COLUMNS)  # built once: they never change


def page_claim_rows(s: Connection, page: Any, *, descending: bool, dialect: str) -> list[ClaimRow]:
    """Queue rows for a page subquery of (id, k), in (k, id) order: one statement joining the names.

    Queue pages are the hottest read of the desk, so the values are taken as the driver
    returns them and converted here in one pass (the same conversions as `Money` and
    `UTCDateTime`), rather than value by value through the type layer.
    """
    order = (page.c.k.desc(), page.c.id.desc()) if descending else (page.c.k.asc(), page.c.id.asc())
    stmt = (
        select(*_RAW_ROW_COLUMNS)
        .select_from(page)
        .join(_claims, _claims.c.id == page.c.id)
        .join(_customers, _customers.c.id == _claims.c.customer_id)
        .join(_products, _products.c.id == _claims.c.product_id)
        .join(_sellers, _sellers.c.id == _claims.c.seller_id)
        .outerjoin(_assignees, _assignees.c.id == _claims.c.assignee_id)
        .order_by(*order)
    )
    money, when = (_cents, _sqlite_time) if dialect == "sqlite" else (_numeric, _aware_time)
    return [
        ClaimRow(
            claim_id,
            reference,
            customer,
            product,
            seller,
            incident_type,
            money(amount),
            currency,
            state,
            assignee,
            when(due_at),
            when(filed_at),
            fraud_score,
            version,
            None if approved is None else money(approved),
        )
        for (
            claim_id,
            reference,
            customer,
            product,
            seller,
            incident_type,
            amount,
            currency,
            state,
            assignee,
            due_at,
            filed_at,
            fraud_score,
            version,
            approved,
        ) in s.execute(stmt).all()
    ]


def _cents(value: Any) -> Decimal:
    return Decimal(int(value)).scaleb(-2)


def _numeric(value: Any) -> Decimal:
    return value.quantize(_CENT) if isinstance(value, Decimal) else Decimal(str(value)).quantize(_CENT)


def _sqlite_time(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)  # stored as naive UTC text


def _aware_time(value: datetime) -> datetime:
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


_CENT = Decimal("0.01")
