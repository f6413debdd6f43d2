"""Each fraud rule fires on its case, stays quiet on a clean claim, and explains itself."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.fraud import (
    RULE_CODES,
    RULES,
    ContactMatch,
    OrderRef,
    PhotoMatch,
    ReceiptSoftware,
    ScreeningInput,
    SharedReceipt,
    screen,
)
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
    order_external_id="O-000500",
    screened_at=datetime(2026, 11, 20, 12, tzinfo=UTC),
    evidence_kinds=("photo", "repair_estimate", "receipt"),
    # a clean claim may have things the rules look at, none of them odd
    similar_photos=(PhotoMatch("AZ-00000002", "garden.jpg", 30, "kettle.jpg"),),
    receipt_software=(ReceiptSoftware("receipt.jpg", "iPhone 15 Pro 17.1"),),
    customer_other_orders=(OrderRef("AZ-00000003", "O-000950", date(2026, 5, 1)),),
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
        (
            "near_duplicate_photo",
            {"similar_photos": (PhotoMatch("AZ-00000009", "IMG_1.jpg", 3, "scorch.jpg"),)},
            "scorch.jpg matches IMG_1.jpg on AZ-00000009 (distance 3)",
        ),
        (
            "missing_required_evidence",
            {"evidence_kinds": ("photo",)},
            "36 days after filing, the property damage claim still has no repair estimate",
        ),
        (
            "altered_receipt",
            {"receipt_software": (ReceiptSoftware("receipt.jpg", "Adobe Photoshop 25.0 (Windows)"),)},
            "receipt.jpg names 'Adobe Photoshop 25.0 (Windows)'",
        ),
        (
            "sequential_receipts",
            {"customer_other_orders": (OrderRef("AZ-00000004", "O-000502", date(2026, 7, 14)),)},
            "Order O-000500 of 2026-09-01 is numbered in sequence with O-000502 of 2026-07-14 on AZ-00000004",
        ),
        (
            "sequential_receipts",
            {"receipts_of_other_customers": (SharedReceipt("AZ-00000005", "till.pdf"),)},
            "till.pdf on AZ-00000005",
        ),
        (
            "shared_contact",
            {
                "contact_matches": (
                    ContactMatch("phone number", "+1 555 0100", "Zoe Other", ("AZ-00000011", "AZ-00000012")),
                )
            },
            "Zoe Other has the same phone number +1 555 0100 and filed AZ-00000011, AZ-00000012",
        ),
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
    assert len(RULES) == 16 and len(RULE_CODES) == 16


@pytest.mark.parametrize(
    ("changes", "quiet"),
    [
        # the same order bought in one go (same day) is not a made-up receipt
        ({"customer_other_orders": (OrderRef("AZ-00000004", "O-000501", date(2026, 9, 1)),)}, "sequential"),
        # another customer's claim with a contact but no claims links nothing
        ({"contact_matches": (ContactMatch("e-mail address", "z@x.org", "Zoe", ()),)}, "shared_contact"),
        # the checklist is not a red flag in the first days after filing
        (
            {"evidence_kinds": (), "screened_at": datetime(2026, 10, 20, tzinfo=UTC)},
            "missing_required_evidence",
        ),
        # an injury claim's missing medical record is its own rule, not counted twice
        (
            {"incident_type": IncidentType.PERSONAL_INJURY, "evidence_kinds": ()},
            "missing_required_evidence",
        ),
    ],
)
def test_near_misses_stay_quiet(changes: dict[str, object], quiet: str) -> None:
    result = screen(dataclasses.replace(CLEAN, **changes), POLICY)  # type: ignore[arg-type]
    assert not [f for f in result.findings if f.code.startswith(quiet)], result.findings


def test_rule_scores_and_thresholds_come_from_the_policy() -> None:
    photo = dataclasses.replace(
        CLEAN, similar_photos=(PhotoMatch("AZ-00000009", "IMG_1.jpg", 12, "scorch.jpg"),)
    )
    assert screen(photo, POLICY).findings == ()  # 12 bits apart: different photos at the default 8
    looser = POLICY.with_overrides(
        {"near_duplicate_max_distance": 12, "fraud_rule_scores": {"near_duplicate_photo": 70}}
    )
    result = screen(photo, looser)
    assert [(f.code, f.score) for f in result.findings] == [("near_duplicate_photo", 70)]
    assert result.needs_fraud_review and "fraud score 70" in result.reasons[0]
    # other rules keep their default scores; a score of 0 switches a rule off
    late = dataclasses.replace(CLEAN, filed_at=datetime(2027, 2, 1, tzinfo=UTC))
    assert [f.score for f in screen(late, looser).findings] == [15]
    off = POLICY.with_overrides({"fraud_rule_scores": {"late_filing": 0}})
    assert screen(late, off).findings == ()
    # the stronger case of a rule has its own score
    many = dataclasses.replace(CLEAN, prior_claims_by_customer=5)
    stronger = POLICY.with_overrides({"fraud_rule_scores": {"repeat_claimant:high": 50}})
    assert [(f.code, f.score, f.severity) for f in screen(many, stronger).findings] == [
        ("repeat_claimant", 50, "high")
    ]
    # the editors list is a setting too
    edited = dataclasses.replace(CLEAN, receipt_software=(ReceiptSoftware("r.png", "FancyEdit 2"),))
    assert screen(edited, POLICY).findings == ()
    assert [
        f.code for f in screen(edited, POLICY.with_overrides({"image_editors": "FancyEdit"})).findings
    ] == ["altered_receipt"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"fraud_rule_scores": {"no_such_rule": 10}},
        {"fraud_rule_scores": {"late_filing": 101}},
        {"fraud_rule_scores": {"late_filing": -1}},
        {"fraud_rule_scores": {"late_filing": "lots"}},
        {"fraud_rule_scores": "late_filing=10"},
        {"near_duplicate_max_distance": 65},
        {"sequential_receipt_gap": 0},
        {"missing_evidence_grace_days": -3},
    ],
)
def test_bad_fraud_settings_are_refused(overrides: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        POLICY.with_overrides(overrides)


def test_rule_scores_survive_a_round_trip_through_storage() -> None:
    changed = POLICY.with_overrides({"fraud_rule_scores": {"altered_receipt": 45}})
    stored = changed.as_dict()["fraud_rule_scores"]
    assert stored["altered_receipt"] == 45 and stored["late_filing"] == 15
    assert POLICY.with_overrides({"fraud_rule_scores": stored}).fraud_rule_scores == changed.fraud_rule_scores


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
