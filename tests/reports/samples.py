"""Sample data for every letter kind: realistic values, every required field filled."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from atoz_desk.reports import KINDS, Addressee, FieldValue, LetterData, Signer

NAME = "Zoë Łukasiewicz-Ωμέγα Фёдорова"

VALUES: dict[str, FieldValue] = {
    "customer_name": NAME,
    "seller_name": "Acme Appliances GmbH",
    "product_title": "Electric kettle 1.7 l",
    "order_id": "O-000123",
    "order_date": date(2026, 9, 20),
    "incident": "property damage",
    "incident_date": date(2026, 10, 10),
    "incident_description": "The kettle overheated and scorched the worktop.",
    "filed_date": date(2026, 10, 20),
    "amount_claimed": Decimal("1234.50"),
    "approved_amount": Decimal("1200.00"),
    "payment_amount": Decimal("1200.00"),
    "payment_date": date(2026, 11, 12),
    "recovery_amount": Decimal("1200.00"),
    "decision_date": date(2026, 11, 2),
    "decision_note": "The photos show scorch marks that match the kettle's base.",
    "denial_reason": "the evidence does not show that a defect in the product caused the loss",
    "next_steps": "If you have evidence we have not seen, reply with it and we will look at your claim again.",
    "info_needed": "A photo of the kettle's rating plate and the repair estimate for the worktop.",
    "reply_by": date(2026, 11, 16),
    "response_due": date(2026, 11, 9),
    "appeal_due": date(2026, 12, 2),
    "respond_by": date(2026, 12, 2),
    "proof_due": date(2026, 11, 9),
    "step_in_cause": "the seller did not respond by 9 November 2026",
    "outcome": "the marketplace steps in",
    "seller_grounds": "The product was misused.",
    "insurance_problems": "no product liability insurance on file",
    "min_per_occurrence": Decimal("1000000.00"),
    "min_aggregate": Decimal("1000000.00"),
    "max_deductible": Decimal("10000.00"),
    "min_rating": "A-",
    "cancellation_notice_days": "30",
    "accelerator_directory": (
        ("Harbor Mutual", "A", "sales@harbor.example, +1 206 555 0100", "Product liability"),
        ("Северный Страховой", "A+", "info@sever.example", "Product liability, recall"),
    ),
    "firm": "Veritas Claims Forensics",
    "report_due": date(2026, 11, 23),
    "referral_note": "Check whether the injury photos predate the order.",
    "fraud_score": "75",
    "evidence_count": "4",
    "fraud_flags": (
        ("just_under_limit", "medium", "20", "Claimed $990.00, within 10% under the $1,000.00 limit."),
        ("disproportionate_amount", "high", "30", "Claimed 33 times the product price of $30.00."),
    ),
}

ADDRESSEES = {
    "customer": Addressee(NAME, ("12 Main Street", "Springfield, IL 62701")),
    "seller": Addressee("Acme Appliances GmbH", ("Hauptstraße 5", "10115 Berlin", "legal@acme.example")),
    "expert": Addressee("Veritas Claims Forensics", ("Independent insurance-fraud review",)),
}


def sample(kind: str, *, currency: str = "USD", **overrides: Any) -> LetterData:
    k = KINDS[kind]
    fields: dict[str, Any] = {name: VALUES[name] for name in k.fields}
    fields.update({n: v for n, v in overrides.items() if n in k.fields})
    fields = {n: v for n, v in fields.items() if v is not ...}
    return LetterData(
        kind=kind,
        reference="AZ-2026-000123",
        letter_date=date(2026, 11, 2),
        currency=currency,
        addressee=overrides.get("addressee", ADDRESSEES[k.addressee.value]),
        signer=overrides.get("signer", Signer("Alice Adjuster", "Claims Adjuster")),
        fields=MappingProxyType(fields),
    )
