"""Fraud and abuse screening rules: small pure functions, each explaining itself.

Each rule looks at a `ScreeningInput` (gathered by the screening service from
the database) and returns a `FlagFinding` or None. No black box: the
explanation cites the figures behind the flag.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from atoz_desk.domain.money import format_money
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import IncidentType, Severity


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


def repeat_claimant(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    n = s.prior_claims_by_customer
    if n < p.repeat_claims_threshold:
        return None
    return FlagFinding(
        "repeat_claimant",
        Severity.HIGH if n >= 2 * p.repeat_claims_threshold else Severity.MEDIUM,
        25 if n >= 2 * p.repeat_claims_threshold else 15,
        f"The customer filed {n} other claims in the last {p.repeat_claims_window_days} days "
        f"(flagged at {p.repeat_claims_threshold} or more).",
    )


def repeat_address(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    n = s.prior_claims_at_address
    if n < p.repeat_claims_threshold:
        return None
    return FlagFinding(
        "repeat_address",
        Severity.MEDIUM,
        15,
        f"{n} other claims in the last {p.repeat_claims_window_days} days came from the same "
        "address under other customer accounts.",
    )


def just_under_limit(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    limit = p.concession_limit
    floor = limit * (1 - p.just_under_limit_fraction)
    if not (floor <= s.amount_claimed and p.is_concession_amount(s.amount_claimed)):
        return None
    return FlagFinding(
        "just_under_limit",
        Severity.MEDIUM,
        20,
        f"The amount claimed, {format_money(s.amount_claimed, s.currency)}, is just under the "
        f"{format_money(limit, s.currency)} concession limit (within "
        f"{p.just_under_limit_fraction * 100:.0f}%).",
    )


def late_filing(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    days = (s.filed_at.date() - s.incident_date).days
    if days <= p.late_filing_days:
        return None
    return FlagFinding(
        "late_filing",
        Severity.MEDIUM,
        15,
        f"Filed {days} days after the incident on {s.incident_date.isoformat()} "
        f"(flagged beyond {p.late_filing_days} days).",
    )


def just_after_delivery(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if s.delivered_date is None:
        return None
    days = (s.incident_date - s.delivered_date).days
    if days > p.just_after_delivery_days or days < 0:
        return None
    return FlagFinding(
        "just_after_delivery",
        Severity.LOW,
        10,
        f"The incident on {s.incident_date.isoformat()} is {days} day(s) after delivery on "
        f"{s.delivered_date.isoformat()}.",
    )


def disproportionate_amount(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if s.product_price <= 0:
        return None
    ratio = s.amount_claimed / s.product_price
    if ratio <= p.amount_to_price_ratio:
        return None
    return FlagFinding(
        "disproportionate_amount",
        Severity.MEDIUM if ratio < 5 * p.amount_to_price_ratio else Severity.HIGH,
        20 if ratio < 5 * p.amount_to_price_ratio else 35,
        f"The amount claimed, {format_money(s.amount_claimed, s.currency)}, is {ratio:.0f} times the "
        f"product's price of {format_money(s.product_price, s.currency)} "
        f"(flagged above {p.amount_to_price_ratio}×).",
    )


def injury_without_medical_record(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if not s.incident_type.involves_injury or s.has_medical_evidence:
        return None
    return FlagFinding(
        "injury_without_medical_record",
        Severity.LOW,
        10,
        "A personal injury is claimed but no medical record is among the evidence.",
    )


def inconsistent_dates(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if s.incident_date >= s.order_date and (s.delivered_date is None or s.incident_date >= s.delivered_date):
        return None
    before = s.delivered_date if s.delivered_date and s.incident_date < s.delivered_date else s.order_date
    what = "delivery" if before == s.delivered_date else "the order"
    return FlagFinding(
        "inconsistent_dates",
        Severity.HIGH,
        30,
        f"The incident on {s.incident_date.isoformat()} is before {what} on {before.isoformat()}.",
    )


def customer_seller_link(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if not s.customer_seller_shared:
        return None
    return FlagFinding(
        "customer_seller_link",
        Severity.HIGH,
        35,
        f"The customer and the seller share their {' and '.join(s.customer_seller_shared)}.",
    )


def new_account(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if s.customer_since is None:
        return None
    days = (s.filed_at - s.customer_since).days
    if days >= p.new_account_days:
        return None
    return FlagFinding(
        "new_account",
        Severity.LOW,
        10,
        f"The customer's account is {max(days, 0)} days old (flagged under {p.new_account_days} days).",
    )


def reused_evidence(s: ScreeningInput, p: PolicySettings) -> FlagFinding | None:
    if not s.reused_evidence_refs:
        return None
    return FlagFinding(
        "reused_evidence",
        Severity.HIGH,
        40,
        "The same evidence file is attached to other claims: " + ", ".join(s.reused_evidence_refs) + ".",
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
)


def screen(s: ScreeningInput, p: PolicySettings) -> ScreeningResult:
    """Run every rule; 3+ flags or a score at the threshold sends the claim to fraud review."""
    findings = tuple(f for rule in RULES if (f := rule(s, p)) is not None)
    score = min(100, sum(f.score for f in findings))
    reasons = []
    if len(findings) >= p.fraud_review_flag_count:
        reasons.append(f"{len(findings)} red flags (review at {p.fraud_review_flag_count} or more)")
    if score >= p.fraud_review_score:
        reasons.append(f"fraud score {score} (review at {p.fraud_review_score} or more)")
    return ScreeningResult(findings, score, bool(reasons), tuple(reasons))
