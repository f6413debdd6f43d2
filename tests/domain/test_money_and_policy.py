from __future__ import annotations

from decimal import Decimal

import pytest

from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.money import format_money, parse_amount
from atoz_desk.domain.policy import PolicySettings


@pytest.mark.parametrize(
    ("text", "expected"),
    [("450", "450.00"), ("1,234.5", "1234.50"), ("$999.99", "999.99"), ("0.01", "0.01"), ("12.340", "12.34")],
)
def test_amounts_parse_exactly(text: str, expected: str) -> None:
    assert parse_amount(text, maximum=Decimal("1000000")) == Decimal(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-5", "greater than"),
        ("0", "greater than"),
        ("1e9", "not a number like"),
        ("1000000000", "over the program maximum"),
        ("1000000.01", "over the program maximum"),
        ("12.345", "more than 2 decimal places"),
        ("abc", "not a number"),
        ("", "required"),
        ("NaN", "not a number like"),
        (0.1, "not 0.1"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_amount(value, field="amount_claimed", maximum=Decimal("1000000.00"))


def test_money_is_shown_with_its_currency() -> None:
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("12"), "GBP") == "£12.00"
    assert format_money(Decimal("-3"), "EUR") == "-€3.00"


def test_concession_limit_is_exclusive_by_default_and_a_setting() -> None:
    policy = PolicySettings()
    assert policy.is_concession_amount(Decimal("999.99"))
    assert not policy.is_concession_amount(Decimal("1000.00"))
    inclusive = policy.with_overrides({"concession_limit_inclusive": True, "concession_limit": "1500"})
    assert inclusive.is_concession_amount(Decimal("1500.00"))
    assert not inclusive.is_concession_amount(Decimal("1500.01"))


def test_unknown_or_malformed_policy_overrides_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown policy setting"):
        PolicySettings().with_overrides({"concesion_limit": "10"})
    with pytest.raises(ValidationError, match="seller_response_days"):
        PolicySettings().with_overrides({"seller_response_days": "a week"})
