"""Every letter kind: who it is addressed to and which fields it needs.

The wording lives in `resources/letters/<kind>.txt`; this registry is what a
template is checked against when it is loaded, and what the data for a letter
is checked against before anything is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.states import Party


class FieldType(StrEnum):
    TEXT = "text"
    MONEY = "money"  # Decimal, printed with the letter's currency (format_money)
    DATE = "date"  # a date, printed as "9 November 2026"
    ROWS = "rows"  # a table: tuple of rows of text, shown by an `@table` line


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: FieldType
    label: str
    columns: tuple[str, ...] = ()  # ROWS: the column headings


def _fields(*specs: FieldSpec) -> Mapping[str, FieldSpec]:
    return MappingProxyType({s.name: s for s in specs})


T, M, D, R = FieldType.TEXT, FieldType.MONEY, FieldType.DATE, FieldType.ROWS

# Fields every letter has; the layout prints them (letterhead, addressee, footer, signature)
# and any template may also use them.
COMMON_FIELDS = _fields(
    FieldSpec("reference", T, "claim reference"),
    FieldSpec("letter_date", D, "date of the letter"),
    FieldSpec("addressee_name", T, "addressee's name"),
    FieldSpec("signer_name", T, "name of the person signing"),
    FieldSpec("signer_title", T, "role of the person signing"),
)

FIELDS = _fields(
    FieldSpec("customer_name", T, "customer's name"),
    FieldSpec("seller_name", T, "seller's name"),
    FieldSpec("product_title", T, "product"),
    FieldSpec("order_id", T, "order number"),
    FieldSpec("order_date", D, "order date"),
    FieldSpec("incident", T, "kind of incident in plain words"),
    FieldSpec("incident_date", D, "incident date"),
    FieldSpec("incident_description", T, "the customer's description of the incident"),
    FieldSpec("filed_date", D, "date the claim was filed"),
    FieldSpec("amount_claimed", M, "amount claimed"),
    FieldSpec("approved_amount", M, "amount approved"),
    FieldSpec("payment_amount", M, "amount paid"),
    FieldSpec("payment_date", D, "payment date"),
    FieldSpec("recovery_amount", M, "reimbursement sought from the seller"),
    FieldSpec("decision_date", D, "date of the decision"),
    FieldSpec("decision_note", T, "the decision maker's note"),
    FieldSpec("denial_reason", T, "reason for the denial in plain words"),
    FieldSpec("next_steps", T, "what the customer can do next"),
    FieldSpec("info_needed", T, "information requested"),
    FieldSpec("reply_by", D, "date to reply by"),
    FieldSpec("response_due", D, "seller's response deadline"),
    FieldSpec("appeal_due", D, "last day to appeal"),
    FieldSpec("respond_by", D, "date to reimburse or defend by"),
    FieldSpec("proof_due", D, "date proof of insurance is due"),
    FieldSpec("step_in_cause", T, "why the marketplace stepped in"),
    FieldSpec("outcome", T, "outcome of the escalation"),
    FieldSpec("seller_grounds", T, "the seller's grounds for rejecting"),
    FieldSpec("insurance_problems", T, "why the seller's insurance is not valid"),
    FieldSpec("min_per_occurrence", M, "required per-occurrence limit"),
    FieldSpec("min_aggregate", M, "required aggregate limit"),
    FieldSpec("max_deductible", M, "highest allowed deductible"),
    FieldSpec("min_rating", T, "lowest allowed insurer rating"),
    FieldSpec("cancellation_notice_days", T, "required days of cancellation notice"),
    FieldSpec(
        "accelerator_directory",
        R,
        "Insurance Accelerator providers",
        columns=("Insurer", "Rating", "Contact", "Products"),
    ),
    FieldSpec("firm", T, "expert firm"),
    FieldSpec("report_due", D, "date the expert report is due"),
    FieldSpec("referral_note", T, "what the experts are asked to examine"),
    FieldSpec("fraud_score", T, "fraud screening score"),
    FieldSpec("evidence_count", T, "number of evidence files"),
    FieldSpec("fraud_flags", R, "fraud flags", columns=("Flag", "Severity", "Score", "Explanation")),
)


@dataclass(frozen=True)
class LetterKind:
    code: str
    title: str
    addressee: Party
    description: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


_CLAIM = ("product_title", "order_id", "incident", "incident_date")

_KINDS = (
    LetterKind(
        "customer_concession_paid",
        "Concession approved and paid",
        Party.CUSTOMER,
        "Tells the customer the marketplace approved the claim and pays it directly.",
        ("customer_name", *_CLAIM, "amount_claimed", "approved_amount", "decision_date"),
    ),
    LetterKind(
        "customer_paid_after_step_in",
        "Paid after marketplace step-in",
        Party.CUSTOMER,
        "Tells the customer the marketplace paid the claim because the seller did not.",
        ("customer_name", *_CLAIM, "seller_name", "payment_amount", "payment_date", "step_in_cause"),
    ),
    LetterKind(
        "customer_denied",
        "Claim denied",
        Party.CUSTOMER,
        "Tells the customer the claim is denied, why in plain words, and what they can do next.",
        (
            "customer_name",
            *_CLAIM,
            "amount_claimed",
            "decision_date",
            "denial_reason",
            "next_steps",
        ),
        ("decision_note",),
    ),
    LetterKind(
        "customer_information_requested",
        "Information requested",
        Party.CUSTOMER,
        "Asks the customer for what the adjuster needs to decide, with the date to reply by.",
        ("customer_name", *_CLAIM, "info_needed", "reply_by"),
    ),
    LetterKind(
        "seller_claim_presented",
        "Claim presented to seller",
        Party.SELLER,
        "Presents a valid claim to the seller: amount, response deadline and how to respond.",
        ("seller_name", *_CLAIM, "order_date", "filed_date", "approved_amount", "response_due"),
        ("incident_description",),
    ),
    LetterKind(
        "seller_concession_notice",
        "Concession notice (no action needed)",
        Party.SELLER,
        "Informs the seller that the marketplace paid a concession; no action is needed.",
        ("seller_name", *_CLAIM, "approved_amount", "decision_date", "appeal_due"),
        ("recovery_amount",),
    ),
    LetterKind(
        "seller_step_in_demand",
        "Step-in and reimbursement demand",
        Party.SELLER,
        "Tells the seller the marketplace stepped in to pay and asks for reimbursement.",
        (
            "seller_name",
            *_CLAIM,
            "approved_amount",
            "recovery_amount",
            "step_in_cause",
            "decision_date",
            "respond_by",
        ),
        ("decision_note",),
    ),
    LetterKind(
        "seller_proof_of_insurance",
        "Proof of insurance requested",
        Party.SELLER,
        "Asks a seller without valid insurance for proof by a date, with the requirements and "
        "the Insurance Accelerator directory.",
        (
            "seller_name",
            *_CLAIM,
            "approved_amount",
            "recovery_amount",
            "insurance_problems",
            "proof_due",
            "min_per_occurrence",
            "min_aggregate",
            "max_deductible",
            "min_rating",
            "cancellation_notice_days",
            "accelerator_directory",
        ),
    ),
    LetterKind(
        "seller_escalation_outcome",
        "Escalation outcome",
        Party.SELLER,
        "Tells the seller what the supervisor decided after the seller rejected the claim.",
        ("seller_name", *_CLAIM, "decision_date", "outcome"),
        ("seller_grounds", "decision_note", "approved_amount", "recovery_amount", "denial_reason"),
    ),
    LetterKind(
        "expert_referral",
        "Expert referral cover letter",
        Party.EXPERT,
        "Cover letter referring a claim to external fraud experts: packet contents and report date.",
        (
            "firm",
            "customer_name",
            "seller_name",
            *_CLAIM,
            "filed_date",
            "amount_claimed",
            "fraud_score",
            "evidence_count",
            "fraud_flags",
            "referral_note",
            "report_due",
        ),
        ("incident_description",),
    ),
)

KINDS: Mapping[str, LetterKind] = MappingProxyType({k.code: k for k in _KINDS})


def kind_named(code: str) -> LetterKind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValidationError(f"unknown letter kind {code!r}; kinds: {', '.join(KINDS)}", "kind") from None


def field_spec(name: str) -> FieldSpec | None:
    return COMMON_FIELDS.get(name) or FIELDS.get(name)
