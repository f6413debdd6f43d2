"""Every figure of PROGRAM_RULES.md as one typed, frozen settings object.

Code reads figures from here, never from literals. Overrides are stored in
the `app_settings` table and applied with `PolicySettings.with_overrides`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.states import Role


def _limits() -> MappingProxyType[str, Decimal]:
    return MappingProxyType(
        {
            "adjuster": Decimal("1000.00"),
            "senior_adjuster": Decimal("10000.00"),
            "supervisor": Decimal("100000.00"),
            "admin": Decimal("1000000.00"),
        }
    )


@dataclass(frozen=True)
class PolicySettings:
    # Intake and eligibility
    program_start: date = date(2021, 9, 1)
    max_claim_amount: Decimal = Decimal("1000000.00")
    currencies: tuple[str, ...] = ("USD", "GBP", "EUR")

    # Concession lane: "under $1,000"; the limit and its inclusiveness are settings
    concession_limit: Decimal = Decimal("1000.00")
    concession_limit_inclusive: bool = False
    proof_of_insurance_days: int = 7
    seller_appeal_days: int = 30

    # Seller lane
    seller_response_days: int = 7
    seller_reminder_days_before: int = 2

    # Work deadlines (our defaults)
    review_sla_days: int = 5
    info_request_days: int = 14
    expert_review_days: int = 21

    # Fraud screening
    fraud_review_flag_count: int = 3
    fraud_review_score: int = 60
    repeat_claims_window_days: int = 365
    repeat_claims_threshold: int = 2
    just_under_limit_fraction: Decimal = Decimal("0.10")
    late_filing_days: int = 90
    just_after_delivery_days: int = 1
    amount_to_price_ratio: Decimal = Decimal("20")
    new_account_days: int = 30

    # Evidence: the largest file accepted (25 MB); checked before and while a file is read
    evidence_max_bytes: int = 25 * 1024 * 1024

    # Seller insurance requirements
    insurance_min_per_occurrence: Decimal = Decimal("1000000.00")
    insurance_min_aggregate: Decimal = Decimal("1000000.00")
    insurance_max_deductible: Decimal = Decimal("10000.00")
    insurance_min_rating: str = "A-"
    insurance_cancellation_notice_days: int = 30
    insurance_required_after_gross: Decimal = Decimal("10000.00")
    insurance_grace_days: int = 30

    # Authority limits by level; a user's own limit is stored on the user
    authority_limits: MappingProxyType[str, Decimal] = field(default_factory=_limits)

    def is_concession_amount(self, amount: Decimal) -> bool:
        """True when the amount belongs to the concession lane (paid by us directly)."""
        if self.concession_limit_inclusive:
            return amount <= self.concession_limit
        return amount < self.concession_limit

    def default_authority(self, role: Role) -> Decimal:
        return self.authority_limits[role.value]

    def with_overrides(self, overrides: dict[str, Any]) -> PolicySettings:
        """A copy with stored overrides applied; unknown keys and bad values are refused."""
        known = {f.name: f for f in dataclasses.fields(self)}
        changes: dict[str, Any] = {}
        for key, raw in overrides.items():
            if key not in known:
                raise ValidationError(f"unknown policy setting {key!r}", key)
            current = getattr(self, key)
            changes[key] = _coerce(key, raw, current)
            if key in _POSITIVE and changes[key] < 1:
                raise ValidationError(f"policy setting {key} must be at least 1 (got {raw!r})", key)
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, MappingProxyType):
                value = {k: str(v) for k, v in value.items()}
            elif isinstance(value, Decimal | date):
                value = str(value) if isinstance(value, Decimal) else value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out


# settings where zero or less would make no sense
_POSITIVE = frozenset({"evidence_max_bytes"})


def _coerce(key: str, raw: Any, current: Any) -> Any:
    try:
        if isinstance(current, bool):
            if isinstance(raw, bool):
                return raw
            return str(raw).strip().lower() in ("1", "true", "yes")
        if isinstance(current, int):
            return int(raw)
        if isinstance(current, Decimal):
            return Decimal(str(raw))
        if isinstance(current, date):
            return date.fromisoformat(str(raw))
        if isinstance(current, tuple):
            return tuple(raw)
        if isinstance(current, MappingProxyType):
            return MappingProxyType({str(k): Decimal(str(v)) for k, v in dict(raw).items()})
        return str(raw)
    except (ValueError, TypeError, ArithmeticError) as exc:
        raise ValidationError(f"policy setting {key}: {raw!r} is not valid ({exc})", key) from None
