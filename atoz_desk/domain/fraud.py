"""Fraud and abuse screening rules: small pure functions, each explaining itself.

Each rule looks at a `ScreeningInput` (gathered by the screening service from
the database) and returns a `FlagFinding` or None. No black box: the
explanation cites the figures behind the flag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from atoz_desk.domain.evidence import kind_label, missing_evidence
from atoz_desk.domain.money import format_money
from atoz_desk.domain.policy import DEFAULT_FRAUD_RULE_SCORES, PolicySettings
from atoz_desk.domain.states import EvidenceKind, IncidentType, Severity


@dataclass(frozen=True)
class PhotoMatch:
    """A photo of this claim that is near-identical to a photo on another claim."""

    reference: str  # the other claim
    filename: str  # the other claim's photo
    distance: int  # bits that differ between the perceptual hashes
    own_filename: str = ""


@dataclass(frozen=True)
class ReceiptSoftware:
    """A receipt on this claim and the program its metadata names (EXIF Software, PDF Producer)."""

    filename: str
    software: str


@dataclass(frozen=True)
class OrderRef:
    """Another claim of the same customer and the order (receipt) it is about."""

    reference: str
    order_id: str
    order_date: date


@dataclass(frozen=True)
class SharedReceipt:
    """The same receipt file (hash) on a claim of a different customer."""

    reference: str
    filename: str


@dataclass(frozen=True)
class ContactMatch:
    """Another customer account with this customer's e-mail or phone, and its claims."""

    link: str  # "e-mail address" | "phone number"
    value: str
    customer_name: str
    claim_refs: tuple[str, ...]


@dataclass(frozen=True)
class ScreeningInput:
    amount_claimed: Decimal
    currency: str
    product_price: Decimal
    incident_type: IncidentType
    incident_date: date
    filed_at: datetime
    order_date: date
    delivered_date: date | None
    prior_claims_by_customer: int = 0
    prior_claims_at_address: int = 0
    has_medical_evidence: bool = False
    customer_since: datetime | None = None
    customer_seller_shared: tuple[str, ...] = ()  # e.g. ("address", "email")
    reused_evidence_refs: tuple[str, ...] = ()
    # when the screening runs (None: at filing, as intake and the demo screen)
    screened_at: datetime | None = None
    evidence_kinds: tuple[str, ...] = ()
    similar_photos: tuple[PhotoMatch, ...] = ()
    receipt_software: tuple[ReceiptSoftware, ...] = ()
    order_external_id: str = ""
    customer_other_orders: tuple[OrderRef, ...] = ()
    receipts_of_other_customers: tuple[SharedReceipt, ...] = ()
    contact_matches: tuple[ContactMatch, ...] = ()


@dataclass(frozen=True)
class FlagFinding:
    code: str
    severity: Severity
    score: int
    explanation: str


@dataclass(frozen=True)
class ScreeningResult:
    findings: tuple[FlagFinding, ...]
    score: int
    needs_fraud_review: bool
    reasons: tuple[str, ...] = field(default=())


Rule = Callable[[ScreeningInput, PolicySettings], FlagFinding | None]


def _finding(p: PolicySettings, key: str, severity: Severity, explanation: str) -> FlagFinding | None:
    """A flag scored from the policy's rule scores; a rule scored 0 is switched off."""
    score = p.fraud_rule_scores.get(key, DEFAULT_FRAUD_RULE_SCORES[key])
    if score <= 0:
        return None
    return FlagFinding(key.split(":")[0], severity, score, explanation)


def _refs(refs: Iterable[str], most: int = 5) -> str:
    items = list(dict.fromkeys(refs))
    shown = ", ".join(items[:most])
    return shown + (f" and {len(items) - most} more" if len(items) > most else "")


def repeat_claimant(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    n = s.prior_claims_by_customer
    if n < p.repeat_claims_threshold:
        return None
    high = n >= 2 * p.repeat_claims_threshold
    return _finding(
        p,
        "repeat_claimant:high" if high else "repeat_claimant",
        Severity.HIGH if high else Severity.MEDIUM,
        f"The customer filed {n} other claims in the last {p.repeat_claims_window_days} days "
        f"(flagged at {p.repeat_claims_threshold} or more).",
    )


def repeat_address(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    n = s.prior_claims_at_address
    if n < p.repeat_claims_threshold:
        return None
    return _finding(
        p,
        "repeat_address",
        Severity.MEDIUM,
        f"{n} other claims in the last {p.repeat_claims_window_days} days came from the same "
        "address under other customer accounts.",
    )


def just_under_limit(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    limit = p.concession_limit
    floor = limit * (1 - p.just_under_limit_fraction)
    if not (floor <= s.amount_claimed and p.is_concession_amount(s.amount_claimed)):
        return None
    return _finding(
        p,
        "just_under_limit",
        Severity.MEDIUM,
        f"The amount claimed, {format_money(s.amount_claimed, s.currency)}, is just under the "
        f"{format_money(limit, s.currency)} concession limit (within "
        f"{p.just_under_limit_fraction * 100:.0f}%).",
    )


def late_filing(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    days = (s.filed_at.date() - s.incident_date).days
    if days <= p.late_filing_days:
        return None
    return _finding(
        p,
        "late_filing",
        Severity.MEDIUM,
        f"Filed {days} days after the incident on {s.incident_date.isoformat()} "
        f"(flagged beyond {p.late_filing_days} days).",
    )


def just_after_delivery(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if s.delivered_date is None:
        return None
    days = (s.incident_date - s.delivered_date).days
    if days > p.just_after_delivery_days or days < 0:
        return None
    return _finding(
        p,
        "just_after_delivery",
        Severity.LOW,
        f"The incident on {s.incident_date.isoformat()} is {days} day(s) after delivery on "
        f"{s.delivered_date.isoformat()}.",
    )


def disproportionate_amount(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if s.product_price <= 0:
        return None
    ratio = s.amount_claimed / s.product_price
    if ratio <= p.amount_to_price_ratio:
        return None
    high = ratio >= 5 * p.amount_to_price_ratio
    return _finding(
        p,
        "disproportionate_amount:high" if high else "disproportionate_amount",
        Severity.HIGH if high else Severity.MEDIUM,
        f"The amount claimed, {format_money(s.amount_claimed, s.currency)}, is {ratio:.0f} times the "
        f"product's price of {format_money(s.product_price, s.currency)} "
        f"(flagged above {p.amount_to_price_ratio}×).",
    )


def injury_without_medical_record(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if not s.incident_type.involves_injury or s.has_medical_evidence:
        return None
    return _finding(
        p,
        "injury_without_medical_record",
        Severity.LOW,
        "A personal injury is claimed but no medical record is among the evidence.",
    )


def inconsistent_dates(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if s.incident_date >= s.order_date and (s.delivered_date is None or s.incident_date >= s.delivered_date):
        return None
    before = s.delivered_date if s.delivered_date and s.incident_date < s.delivered_date else s.order_date
    what = "delivery" if before == s.delivered_date else "the order"
    return _finding(
        p,
        "inconsistent_dates",
        Severity.HIGH,
        f"The incident on {s.incident_date.isoformat()} is before {what} on {before.isoformat()}.",
    )


def customer_seller_link(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if not s.customer_seller_shared:
        return None
    return _finding(
        p,
        "customer_seller_link",
        Severity.HIGH,
        f"The customer and the seller share their {' and '.join(s.customer_seller_shared)}.",
    )


def new_account(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if s.customer_since is None:
        return None
    days = (s.filed_at - s.customer_since).days
    if days >= p.new_account_days:
        return None
    return _finding(
        p,
        "new_account",
        Severity.LOW,
        f"The customer's account is {max(days, 0)} days old (flagged under {p.new_account_days} days).",
    )


def reused_evidence(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if not s.reused_evidence_refs:
        return None
    return _finding(
        p,
        "reused_evidence",
        Severity.HIGH,
        "The same evidence file is attached to other claims: " + _refs(s.reused_evidence_refs) + ".",
    )


def near_duplicate_photo(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    """A photo that is not the same file but looks the same (resized, re-compressed) as another claim's."""
    matches = sorted(
        (m for m in s.similar_photos if m.distance <= p.near_duplicate_max_distance),
        key=lambda m: (m.distance, m.reference),
    )
    if not matches:
        return None
    cited = "; ".join(
        f"{m.own_filename + ' matches ' if m.own_filename else ''}{m.filename} on {m.reference} "
        f"(distance {m.distance})"
        for m in matches[:5]
    )
    more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
    return _finding(
        p,
        "near_duplicate_photo",
        Severity.HIGH,
        f"A photo is near-identical to a photo on another claim: {cited}{more} "
        f"(near-identical at a perceptual-hash distance of {p.near_duplicate_max_distance} or less).",
    )


def missing_required_evidence(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    """The incident type's checklist still incomplete after the grace period.

    A missing medical record has its own rule (injury_without_medical_record), so it is not
    counted twice here.
    """
    if s.screened_at is None:
        return None
    days = (s.screened_at - s.filed_at).days
    if days < p.missing_evidence_grace_days:
        return None
    missing = [
        k for k in missing_evidence(s.incident_type, s.evidence_kinds) if k is not EvidenceKind.MEDICAL_RECORD
    ]
    if not missing:
        return None
    names = " and ".join(kind_label(k).lower() for k in missing)
    return _finding(
        p,
        "missing_required_evidence",
        Severity.LOW,
        f"{days} days after filing, the {s.incident_type.value.replace('_', ' ')} claim still has no "
        f"{names} (required for this incident type; flagged after "
        f"{p.missing_evidence_grace_days} days).",
    )


def edited_with(software: str, p: PolicySettings) -> str | None:
    """The image editor a metadata software string names, or None."""
    low = software.lower()
    return next((name for name in p.image_editors if name.strip().lower() in low), None)


def altered_receipt(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    edited = [r for r in s.receipt_software if edited_with(r.software, p)]
    if not edited:
        return None
    cited = "; ".join(f"{r.filename} names {r.software!r}" for r in edited[:5])
    return _finding(
        p,
        "altered_receipt",
        Severity.HIGH,
        f"A receipt's metadata shows it was saved by an image editor: {cited}.",
    )


_NUMBERED = re.compile(r"^(.*?)(\d+)$")


def _order_number(order_id: str) -> tuple[str, int] | None:
    m = _NUMBERED.match(order_id.strip())
    return (m.group(1), int(m.group(2))) if m else None


def sequential_receipts(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    """Receipts that look made in a batch.

    Two cases, from the data we hold: (1) this customer's other claims are about orders whose
    numbers are in close sequence with this claim's order (same prefix, numbers at most
    `sequential_receipt_gap` apart) yet dated on different days (a store numbers orders as they
    are placed, so near numbers days apart were not issued by it in sequence); (2) the same
    receipt file is on a claim of a different customer.
    """
    parts = []
    own = _order_number(s.order_external_id)
    if own is not None:
        close = []
        for o in s.customer_other_orders:
            other = _order_number(o.order_id)
            if (
                other is not None
                and other[0] == own[0]
                and 0 < abs(other[1] - own[1]) <= p.sequential_receipt_gap
                and o.order_date != s.order_date
            ):
                close.append(f"{o.order_id} of {o.order_date.isoformat()} on {o.reference}")
        if close:
            parts.append(
                f"order {s.order_external_id} of {s.order_date.isoformat()} is numbered in sequence with "
                + _refs(close, 3)
                + f" (within {p.sequential_receipt_gap}, on different days)"
            )
    if s.receipts_of_other_customers:
        parts.append(
            "the same receipt file is on another customer's claim: "
            + _refs(f"{r.filename} on {r.reference}" for r in s.receipts_of_other_customers)
        )
    if not parts:
        return None
    text = "; ".join(parts)
    return _finding(p, "sequential_receipts", Severity.MEDIUM, text[0].upper() + text[1:] + ".")


def shared_contact(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    """Another customer account with the same e-mail or phone has claims: the same person
    under another name."""
    with_claims = [m for m in s.contact_matches if m.claim_refs]
    if not with_claims:
        return None
    cited = "; ".join(
        f"{m.customer_name} has the same {m.link} {m.value} and filed {_refs(m.claim_refs, 3)}"
        for m in with_claims[:3]
    )
    return _finding(
        p,
        "shared_contact",
        Severity.HIGH if len(with_claims) > 1 else Severity.MEDIUM,
        f"Another customer account shares this customer's contact details: {cited}.",
    )


RULES: tuple[Rule, ...] = (
    repeat_claimant,
    repeat_address,
    just_under_limit,
    late_filing,
    just_after_delivery,
    disproportionate_amount,
    injury_without_medical_record,
    inconsistent_dates,
    customer_seller_link,
    new_account,
    reused_evidence,
    near_duplicate_photo,
    missing_required_evidence,
    altered_receipt,
    sequential_receipts,
    shared_contact,
)

RULE_CODES: tuple[str, ...] = tuple(dict.fromkeys(k.split(":")[0] for k in DEFAULT_FRAUD_RULE_SCORES))


def review_reasons(flag_count: int, score: int, p: PolicySettings) -> tuple[str, ...]:
    """Why flags of this count and score send a claim to fraud review (empty: they do not)."""
    reasons = []
    if flag_count >= p.fraud_review_flag_count:
        reasons.append(f"{flag_count} red flags (review at {p.fraud_review_flag_count} or more)")
    if score >= p.fraud_review_score:
        reasons.append(f"fraud score {score} (review at {p.fraud_review_score} or more)")
    return tuple(reasons)


def screen(s: ScreeningInput, p: PolicySettings) -> ScreeningResult:
    """Run every rule; 3+ flags or a score at the threshold sends the claim to fraud review."""
    findings = tuple(f for rule in RULES if (f := rule(s, p)) is not None)
    score = min(100, sum(f.score for f in findings))
    reasons = review_reasons(len(findings), score, p)
    return ScreeningResult(findings, score, bool(reasons), reasons)
