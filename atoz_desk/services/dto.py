"""Plain frozen data the services hand out; never live ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    role: str
    authority_limit: Decimal
    active: bool


@dataclass(frozen=True)
class IntakeRequest:
    """One claim as Customer Service sends it (the import feed's columns), validated."""

    order_id: str
    order_date: date
    delivered_date: date | None
    product_id: str
    product_title: str
    product_price: Decimal
    seller_id: str
    seller_name: str
    customer_name: str
    customer_email: str
    customer_address: str
    incident_type: str
    incident_date: date
    filed_at: datetime
    amount_claimed: Decimal
    currency: str
    description: str


@dataclass(frozen=True)
class FlagInfo:
    id: int
    code: str
    severity: str
    score: int
    explanation: str
    status: str
    decision_note: str | None
    decided_by: str | None = None  # who confirmed or dismissed it
    decided_at: datetime | None = None


@dataclass(frozen=True)
class IntakeResult:
    reference: str
    state: str
    fraud_score: int
    flags: tuple[FlagInfo, ...]
    review_reasons: tuple[str, ...]


@dataclass(frozen=True)
class ClaimRow:
    """One row of a queue."""

    id: int
    reference: str
    customer_name: str
    product_title: str
    seller_name: str
    incident_type: str
    amount_claimed: Decimal
    currency: str
    state: str
    assignee: str | None
    due_at: datetime
    filed_at: datetime
    fraud_score: int
    version: int
    approved_amount: Decimal | None = None


@dataclass(frozen=True)
class WorkloadRow:
    """One adjuster's open claims in one state (state None: the adjuster has none open)."""

    username: str
    display_name: str
    role: str
    state: str | None
    open: int
    overdue: int


@dataclass(frozen=True)
class HistoryInfo:
    id: int
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    note: str | None
    changes: dict[str, Any]


@dataclass(frozen=True)
class NoticeInfo:
    id: int
    created_at: datetime
    direction: str
    party: str
    kind: str
    subject: str
    body: str


@dataclass(frozen=True)
class PaymentInfo:
    id: int
    payer: str
    amount: Decimal
    currency: str
    status: str
    issued_at: datetime
    confirmed_at: datetime | None


@dataclass(frozen=True)
class RecoveryInfo:
    id: int
    amount: Decimal
    recovered_amount: Decimal
    currency: str
    status: str
    reason: str
    opened_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class ReferralInfo:
    id: int
    firm: str
    referred_at: datetime
    due_date: date
    outcome: str | None
    outcome_note: str | None


@dataclass(frozen=True)
class InsuranceInfo:
    valid: bool
    policy_number: str | None
    insurer: str | None
    failures: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class ActionOption:
    action: str
    label: str
    target_state: str
    requires: tuple[str, ...]
    reasons: tuple[str, ...]
    needs_amount: bool
    needs_note: bool
    needs_firm: bool
    offers_due_date: bool
    offers_payer: bool
    blocked_reason: str | None

    @property
    def enabled(self) -> bool:
        return self.blocked_reason is None


@dataclass(frozen=True)
class EvidenceInfo:
    """One file on a claim. `has_file` False: metadata only, no content on record."""

    id: int
    claim_reference: str
    kind: str
    kind_label: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    perceptual_hash: str | None
    added_by: str
    added_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    has_file: bool = True

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


@dataclass(frozen=True)
class SimilarPhoto:
    """Evidence on another claim that is the same file, or a near-identical photo, as one of ours."""

    reference: str  # the other claim
    evidence_id: int  # the other claim's evidence
    filename: str
    distance: int  # bits of the 64-bit perceptual hash that differ (0 for the same file)
    same_file: bool
    own_evidence_id: int  # which of this claim's files it matches


@dataclass(frozen=True)
class VerifyMismatch:
    """A stored file whose content no longer hashes to the SHA-256 it was stored under."""

    reference: str | None  # None: a stored file no evidence row points at
    evidence_id: int | None
    filename: str | None
    expected_sha256: str
    actual_sha256: str
    expected_size: int
    actual_size: int


@dataclass(frozen=True)
class VerifyReport:
    files_checked: int
    bytes_checked: int
    mismatches: tuple[VerifyMismatch, ...] = ()
    without_file: int = 0  # evidence rows with no content on record (metadata only)

    @property
    def ok(self) -> bool:
        return not self.mismatches


@dataclass(frozen=True)
class ClaimDetail:
    id: int
    reference: str
    version: int
    state: str
    state_label: str
    lane: str | None
    incident_type: str
    incident_date: date
    filed_at: datetime
    description: str
    currency: str
    amount_claimed: Decimal
    approved_amount: Decimal | None
    customer: dict[str, Any]
    seller: dict[str, Any]
    product: dict[str, Any]
    order: dict[str, Any]
    assignee: str | None
    assignee_id: int | None
    due_at: datetime
    deadlines: dict[str, datetime | None]
    fraud_score: int
    denial_reason: str | None
    defense_open: bool
    insurance: InsuranceInfo
    flags: tuple[FlagInfo, ...] = ()
    history: tuple[HistoryInfo, ...] = ()
    correspondence: tuple[NoticeInfo, ...] = ()
    payments: tuple[PaymentInfo, ...] = ()
    recoveries: tuple[RecoveryInfo, ...] = ()
    referrals: tuple[ReferralInfo, ...] = ()
    evidence_count: int = 0
    letter_count: int = 0
    """Letters archived for the claim (the Letters tab lists them when opened)."""
    extra: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[EvidenceInfo, ...] = ()
    # the checklist: required kinds (EvidenceKind values) not yet on file for this incident type
    evidence_missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class SweepMove:
    reference: str
    action: str
    from_state: str
    to_state: str
    detail: str
