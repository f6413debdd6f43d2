"""Intake validation: each bad field is refused with its name, nothing half-parsed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.services.intake_rules import parse_intake

NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)
GOOD = {
    "order_id": "O-1",
    "order_date": "2026-09-20",
    "delivered_date": "2026-09-23",
    "product_id": "P-1",
    "product_title": "Kettle",
    "product_price": "49.99",
    "seller_id": "S-1",
    "seller_name": "Acme",
    "customer_name": "Zoë Łukasiewicz",
    "customer_email": "Zoe@Example.com",
    "customer_address": "1 Main St",
    "incident_type": "personal_injury",
    "incident_date": "2026-10-01",
    "filed_at": "2026-10-02T10:00:00+02:00",
    "amount_claimed": "1,250.50",
    "currency": "eur",
    "description": "",
}


def test_a_good_row_is_normalised() -> None:
    req = parse_intake(GOOD, PolicySettings(), NOW)
    assert str(req.amount_claimed) == "1250.50" and req.currency == "EUR"
    assert req.customer_email == "zoe@example.com" and req.customer_name == "Zoë Łukasiewicz"
    assert req.filed_at == datetime(2026, 10, 2, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount_claimed", "-5", "greater than"),
        ("amount_claimed", "1e9", "not a number like"),
        ("amount_claimed", "1000000.01", "over the program maximum"),
        ("amount_claimed", "12.345", "2 decimal places"),
        ("amount_claimed", "ten", "not a number"),
        ("order_date", "2021-08-31", "before the program started"),
        ("order_date", "31/08/2026", "not a date"),
        ("incident_date", "2026-12-01", "in the future"),
        ("incident_date", "2026-10-05", "after the claim was filed"),
        ("filed_at", "2027-01-01T00:00:00Z", "in the future"),
        ("incident_type", "theft", "not one of"),
        ("customer_email", "nobody", "not an e-mail"),
        ("currency", "JPY", "not a supported currency"),
        ("seller_id", "", "required"),
        ("delivered_date", "2026-09-01", "before the order date"),
        ("customer_name", "Bad\x00Name", "control characters"),
    ],
)
def test_bad_fields_are_refused_by_name(field: str, value: str, message: str) -> None:
    row = {**GOOD, field: value}
    with pytest.raises(ValidationError, match=message) as caught:
        parse_intake(row, PolicySettings(), NOW)
    assert caught.value.field == field


def test_every_bad_field_is_reported_at_once() -> None:
    from atoz_desk.services.intake_rules import validate_intake

    row = {
        **GOOD,
        "amount_claimed": "-5",
        "customer_email": "nobody",
        "incident_type": "theft",
        "seller_id": "",
    }
    fields = {p.field for p in validate_intake(row, PolicySettings(), NOW)}
    assert fields == {"amount_claimed", "customer_email", "incident_type", "seller_id"}
    assert validate_intake(GOOD, PolicySettings(), NOW) == []
    late = {**GOOD, "incident_date": "2026-10-05"}  # each field fine alone, wrong together
    assert [p.field for p in validate_intake(late, PolicySettings(), NOW)] == ["incident_date"]
