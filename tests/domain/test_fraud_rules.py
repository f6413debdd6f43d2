"""Each fraud rule fires on its case, stays quiet on a clean claim, and explains itself."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from atoz_desk.domain.fraud import RULES, ScreeningInput, screen
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import IncidentType

POLICY = PolicySettings()
CLEAN = ScreeningInput(
    amount_claimed=Decimal("300.00"),
    currency="USD",
    product_price=Decimal("80.00"),
    incident_type=IncidentType.PROPERTY_DAMAGE,
    incident_date=date(2026, 10, 10),
    filed_at=datetime(2026, 10, 15, 12, tzinfo=UTC),
    order_date=date(2026, 9, 1),
    delivered_date=date(2026, 9, 4),
    customer_since=datetime(2024, 1, 1, tzinfo=UTC),
)


def test_a_clean_claim_raises_no_flag() -> None:
    result = screen(CLEAN, POLICY)
    assert result.findings == () and result.score == 0 and not result.needs_fraud_review


@pytest.mark.parametrize(
    ("code", "changes", "cited"),
    [
        ("repeat_claimant", {"prior_claims_by_customer": 3}, "3 other claims"),
        ("repeat_address", {"prior_claims_at_address": 2}, "same address"),
        (
            "just_under_limit",
            {"amount_claimed": Decimal("950.00"), "product_price": Decimal("500")},
            "$950.00",
        ),
        ("late_filing", {"incident_date": date(2026, 6, 1)}, "136 days"),
        ("just_after_delivery", {"incident_date": date(2026, 9, 5)}, "1 day(s) after delivery"),
        ("disproportionate_amount", {"product_price": Decimal("10.00")}, "30 times"),
        ("injury_without_medical_record", {"incident_type": IncidentType.PERSONAL_INJURY}, "no medical"),
        ("inconsistent_dates", {"incident_date": date(2026, 9, 2)}, "before delivery"),
        ("customer_seller_link", {"customer_seller_shared": ("address",)}, "share their address"),
        ("new_account", {"customer_since": datetime(2026, 10, 1, tzinfo=UTC)}, "14 days old"),
        ("reused_evidence", {"reused_evidence_refs": ("AZ-00000007",)}, "AZ-00000007"),
    ],
)
def test_each_rule_fires_on_its_case_and_cites_the_data(
    code: str, changes: dict[str, object], cited: str
) -> None:
    result = screen(dataclasses.replace(CLEAN, **changes), POLICY)  # type: ignore[arg-type]
    found = {f.code: f for f in result.findings}
    assert code in found, result.findings
    assert cited in found[code].explanation
    assert found[code].score > 0


def test_every_rule_is_covered() -> None:
    assert len(RULES) == 11


def test_three_flags_send_a_claim_to_fraud_review() -> None:
    risky = dataclasses.replace(
        CLEAN,
        amount_claimed=Decimal("990.00"),
        product_price=Decimal("30.00"),
        incident_type=IncidentType.PERSONAL_INJURY,
    )
    result = screen(risky, POLICY)
    assert len(result.findings) >= 3 and result.needs_fraud_review
    assert any("red flags" in r for r in result.reasons)
