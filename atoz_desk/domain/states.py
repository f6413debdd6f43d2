"""The vocabulary of a claim: states, lanes, roles and codes."""

from __future__ import annotations

from enum import StrEnum


class ClaimState(StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    AWAITING_CUSTOMER = "awaiting_customer"
    FRAUD_REVIEW = "fraud_review"
    EXPERT_REVIEW = "expert_review"
    DENIED = "denied"
    APPROVED_CONCESSION = "approved_concession"
    SELLER_NOTIFIED = "seller_notified"
    SELLER_ACCEPTED = "seller_accepted"
    SELLER_REJECTED = "seller_rejected"
    ESCALATED = "escalated"
    STEP_IN = "step_in"
    PAID = "paid"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return _STATE_LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in (ClaimState.CLOSED, ClaimState.DENIED, ClaimState.WITHDRAWN)


_STATE_LABELS = {
    ClaimState.NEW: "New",
    ClaimState.IN_REVIEW: "In review",
    ClaimState.AWAITING_CUSTOMER: "Awaiting customer",
    ClaimState.FRAUD_REVIEW: "Fraud review",
    ClaimState.EXPERT_REVIEW: "Expert review",
    ClaimState.DENIED: "Denied",
    ClaimState.APPROVED_CONCESSION: "Concession approved",
    ClaimState.SELLER_NOTIFIED: "Awaiting seller",
    ClaimState.SELLER_ACCEPTED: "Seller accepted",
    ClaimState.SELLER_REJECTED: "Seller rejected",
    ClaimState.ESCALATED: "Escalated",
    ClaimState.STEP_IN: "Marketplace step-in",
    ClaimState.PAID: "Paid",
    ClaimState.CLOSED: "Closed",
    ClaimState.WITHDRAWN: "Withdrawn",
}


class Lane(StrEnum):
    CONCESSION = "concession"
    SELLER = "seller"


class IncidentType(StrEnum):
    PROPERTY_DAMAGE = "property_damage"
    PERSONAL_INJURY = "personal_injury"
    BOTH = "both"

    @property
    def involves_injury(self) -> bool:
        return self in (IncidentType.PERSONAL_INJURY, IncidentType.BOTH)


class Role(StrEnum):
    ADJUSTER = "adjuster"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class DenialReason(StrEnum):
    UNSUBSTANTIATED = "unsubstantiated"
    FRIVOLOUS = "frivolous"
    ABUSIVE = "abusive"
    NOT_ELIGIBLE = "not_eligible"
    SELLER_DEFENSE_UPHELD = "seller_defense_upheld"
    WITHDRAWN = "withdrawn"

    @property
    def plain_words(self) -> str:
        return _DENIAL_WORDS[self]


_DENIAL_WORDS = {
    DenialReason.UNSUBSTANTIATED: "the evidence does not show that a defect in the product caused the loss",
    DenialReason.FRIVOLOUS: "the claim has no reasonable basis",
    DenialReason.ABUSIVE: "the claim abuses the A-to-z Guarantee program",
    DenialReason.NOT_ELIGIBLE: "the claim is outside the program's eligibility rules",
    DenialReason.SELLER_DEFENSE_UPHELD: "the seller showed that the product was not at fault",
    DenialReason.WITHDRAWN: "the customer withdrew the claim",
}


class ExpertOutcome(StrEnum):
    SUBSTANTIATED = "substantiated"
    UNSUBSTANTIATED = "unsubstantiated"
    FRIVOLOUS = "frivolous"
    ABUSIVE = "abusive"


class FlagStatus(StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    CONFIRMED = "confirmed"
    CLEARED = "cleared"  # undecided, and a later screening found its condition no longer holds


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class PaymentStatus(StrEnum):
    ISSUED = "issued"
    CONFIRMED = "confirmed"


class Payer(StrEnum):
    MARKETPLACE = "marketplace"
    SELLER = "seller"
    INSURER = "insurer"


class RecoveryStatus(StrEnum):
    OPEN = "open"
    RECOVERED = "recovered"
    WRITTEN_OFF = "written_off"


class Party(StrEnum):
    SELLER = "seller"
    CUSTOMER = "customer"
    INSURER = "insurer"
    EXPERT = "expert"


class EvidenceKind(StrEnum):
    PHOTO = "photo"
    RECEIPT = "receipt"
    MEDICAL_RECORD = "medical_record"
    POLICE_OR_FIRE_REPORT = "police_or_fire_report"
    REPAIR_ESTIMATE = "repair_estimate"
    OTHER = "other"
