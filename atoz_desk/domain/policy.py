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

# Score of each fraud rule (see domain/fraud.py); ":high" is the score of a rule's stronger case.
DEFAULT_FRAUD_RULE_SCORES: dict[str, int] = {
    "repeat_claimant": 15,
    "repeat_claimant:high": 25,
    "repeat_address": 15,
    "just_under_limit": 20,
    "late_filing": 15,
    "just_after_delivery": 10,
    "disproportionate_amount": 20,
    "disproportionate_amount:high": 35,
    "injury_without_medical_record": 10,
    "inconsistent_dates": 30,
    "customer_seller_link": 35,
    "new_account": 10,
    "reused_evidence": 40,
    "near_duplicate_photo": 35,
    "missing_required_evidence": 10,
    "altered_receipt": 35,
    "sequential_receipts": 25,
    "shared_contact": 25,
}

# Programs whose name in a receipt's metadata (EXIF Software, PDF Producer/Creator) shows it was edited
DEFAULT_IMAGE_EDITORS: tuple[str, ...] = (
    "photoshop",
    "gimp",
    "paint.net",
    "canva",
    "pixelmator",
    "affinity photo",
    "lightroom",
    "photopea",
    "snapseed",
    "picsart",
    "fotor",
    "corel",
    "paintshop",
    "krita",
    "inkscape",
    "illustrator",
)


def _rule_scores() -> MappingProxyType[str, int]:
    return MappingProxyType(dict(DEFAULT_FRAUD_RULE_SCORES))


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
    fraud_rule_scores: MappingProxyType[str, int] = field(default_factory=_rule_scores)
    # a photo within this many bits (Hamming distance of 64-bit perceptual hashes) is near-identical
    near_duplicate_max_distance: int = 8
    # the evidence checklist is a red flag only when still incomplete this long after filing
    missing_evidence_grace_days: int = 14
    image_editors: tuple[str, ...] = DEFAULT_IMAGE_EDITORS
    # order numbers of one customer's claims this close to each other are "in sequence"
    sequential_receipt_gap: int = 3

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
            if key == "fraud_rule_scores":
                changes[key] = _rule_score_overrides(raw, current)
            elif key == "image_editors" and isinstance(raw, str):
                changes[key] = tuple(name.strip() for name in raw.split(","))
            else:
                changes[key] = _coerce(key, raw, current)
            if key in _POSITIVE and changes[key] < 1:
                raise ValidationError(f"policy setting {key} must be at least 1 (got {raw!r})", key)
            _check_fraud_figure(key, changes[key])
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, MappingProxyType):
                value = {k: str(v) if isinstance(v, Decimal) else v for k, v in value.items()}
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


def _rule_score_overrides(raw: Any, current: MappingProxyType[str, int]) -> MappingProxyType[str, int]:
    """Scores of named rules over the current ones: known rule codes only, whole numbers 0-100."""
    if not isinstance(raw, dict | MappingProxyType):
        raise ValidationError(
            f"policy setting fraud_rule_scores: {raw!r} is not a map of rule code to score",
            "fraud_rule_scores",
        )
    merged = dict(current)
    for code, value in dict(raw).items():
        if code not in DEFAULT_FRAUD_RULE_SCORES:
            known = ", ".join(sorted(DEFAULT_FRAUD_RULE_SCORES))
            raise ValidationError(
                f"policy setting fraud_rule_scores: {code!r} is not a fraud rule (known: {known})",
                "fraud_rule_scores",
            )
        try:
            score = int(str(value))
        except ValueError:
            score = -1
        if not 0 <= score <= 100:
            raise ValidationError(
                f"policy setting fraud_rule_scores: the score of {code} must be a whole number "
                f"from 0 to 100, not {value!r}",
                "fraud_rule_scores",
            )
        merged[str(code)] = score
    return MappingProxyType(merged)


_FRAUD_RANGES: dict[str, tuple[int, int]] = {
    "near_duplicate_max_distance": (0, 64),
    "missing_evidence_grace_days": (0, 3650),
    "sequential_receipt_gap": (1, 1000),
}


def _check_fraud_figure(key: str, value: Any) -> None:
    if key in _FRAUD_RANGES:
        low, high = _FRAUD_RANGES[key]
        if not low <= value <= high:
            raise ValidationError(f"policy setting {key}: {value} is not between {low} and {high}", key)
    elif key == "image_editors" and not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError("policy setting image_editors: a list of program names", key)
