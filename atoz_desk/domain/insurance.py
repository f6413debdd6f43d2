"""Seller insurance validity: every failing requirement is named, not just "invalid"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from atoz_desk.domain.money import format_money
from atoz_desk.domain.policy import PolicySettings

# Best first; AM Best-style letter ratings.
RATING_ORDER = ("A++", "A+", "A", "A-", "B++", "B+", "B", "B-", "C++", "C+", "C", "C-", "D")


@dataclass(frozen=True)
class PolicyTerms:
    policy_number: str
    insurer_name: str
    insurer_rating: str
    effective_date: date
    expiry_date: date
    per_occurrence_limit: Decimal
    aggregate_limit: Decimal
    deductible: Decimal
    marketplace_additional_insured: bool
    cancellation_notice_days: int
    currency: str = "USD"


@dataclass(frozen=True)
class InsuranceCheck:
    valid: bool
    policy_number: str | None
    failures: tuple[str, ...]

    @property
    def summary(self) -> str:
        if self.valid:
            return f"Valid (policy {self.policy_number})"
        return "Not valid: " + "; ".join(self.failures)


def rating_at_least(rating: str, minimum: str) -> bool:
    try:
        return RATING_ORDER.index(rating.strip().upper()) <= RATING_ORDER.index(minimum.upper())
    except ValueError:
        return False


def check_policy(terms: PolicyTerms, on: date, p: PolicySettings) -> tuple[str, ...]:
    """The requirements this policy fails on the given (incident) date."""
    cur = terms.currency
    failures = []
    if on < terms.effective_date:
        failures.append(f"policy {terms.policy_number} starts {terms.effective_date.isoformat()}, after {on}")
    if on > terms.expiry_date:
        failures.append(f"policy {terms.policy_number} expired {terms.expiry_date.isoformat()}")
    if terms.per_occurrence_limit < p.insurance_min_per_occurrence:
        failures.append(
            f"per-occurrence limit {format_money(terms.per_occurrence_limit, cur)} is below "
            f"{format_money(p.insurance_min_per_occurrence, cur)}"
        )
    if terms.aggregate_limit < p.insurance_min_aggregate:
        failures.append(
            f"aggregate limit {format_money(terms.aggregate_limit, cur)} is below "
            f"{format_money(p.insurance_min_aggregate, cur)}"
        )
    if terms.deductible > p.insurance_max_deductible:
        failures.append(
            f"deductible {format_money(terms.deductible, cur)} is above "
            f"{format_money(p.insurance_max_deductible, cur)}"
        )
    if not rating_at_least(terms.insurer_rating, p.insurance_min_rating):
        failures.append(
            f"insurer {terms.insurer_name} is rated {terms.insurer_rating}, below {p.insurance_min_rating}"
        )
    if not terms.marketplace_additional_insured:
        failures.append("the marketplace is not named as additional insured")
    if terms.cancellation_notice_days < p.insurance_cancellation_notice_days:
        failures.append(
            f"cancellation notice is {terms.cancellation_notice_days} days, "
            f"not {p.insurance_cancellation_notice_days}"
        )
    return tuple(failures)


def evaluate(policies: list[PolicyTerms], on: date, p: PolicySettings) -> InsuranceCheck:
    """Valid when any one policy meets every requirement on the date."""
    if not policies:
        return InsuranceCheck(False, None, ("no product liability insurance on file",))
    best: tuple[PolicyTerms, tuple[str, ...]] | None = None
    for terms in policies:
        failures = check_policy(terms, on, p)
        if not failures:
            return InsuranceCheck(True, terms.policy_number, ())
        if best is None or len(failures) < len(best[1]):
            best = (terms, failures)
    assert best is not None
    return InsuranceCheck(False, best[0].policy_number, best[1])


def insurance_required_by(first_month_over_threshold: date | None, p: PolicySettings) -> date | None:
    """Insurance is required within the grace period after a seller first passes the gross threshold."""
    if first_month_over_threshold is None:
        return None
    return first_month_over_threshold + timedelta(days=p.insurance_grace_days)
