"""Service-test helpers: services over the real database, demo-free users, claims filed by intake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import count
from typing import Any

import pytest

from atoz_desk.data.database import Database
from atoz_desk.data.models import InsurancePolicy, Insurer, Seller
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.intake_rules import parse_intake

_orders = count(1)


def intake_row(n: int, **overrides: Any) -> dict[str, Any]:
    """An import row for the n-th claim: a kettle that scorched a worktop, $450 claimed."""
    row: dict[str, Any] = {
        "order_id": f"O-{n:06d}",
        "order_date": "2026-09-20",
        "delivered_date": "2026-09-23",
        "product_id": f"P-{n:06d}",
        "product_title": "Electric kettle 1.7 l",
        "product_price": "120.00",
        "seller_id": "S-ACME",
        "seller_name": "Acme Appliances",
        "customer_name": f"Customer {n}",
        "customer_email": f"customer{n}@example.com",
        "customer_address": f"{n} Main Street, Springfield",
        "incident_type": "property_damage",
        "incident_date": "2026-10-10",
        "filed_at": "2026-10-20T10:00:00Z",
        "amount_claimed": "450.00",
        "currency": "USD",
        "description": "The kettle overheated and scorched the worktop.",
    }
    row.update(overrides)
    return row


@dataclass
class Desk:
    """Services plus a team: two adjusters, a senior adjuster, a supervisor, an admin."""

    services: Services
    alice: Actor
    bob: Actor
    carol: Actor
    sam: Actor
    admin: Actor

    def row(self, **overrides: Any) -> dict[str, Any]:
        return intake_row(next(_orders), **overrides)

    def file(self, **overrides: Any) -> str:
        s = self.services
        req = parse_intake(self.row(**overrides), s.policy, s.clock())
        return s.intake.file_claim(req, self.alice).reference

    def insure(self, seller_external_id: str = "S-ACME", **terms: Any) -> None:
        """Give the seller a policy; valid on every rule unless `terms` break one."""
        with self.services.db.unit_of_work() as s:
            seller = s.query(Seller).filter_by(external_id=seller_external_id).one()
            insurer = s.query(Insurer).filter_by(name=terms.get("insurer", "Harbor Mutual")).one_or_none()
            if insurer is None:
                insurer = Insurer(
                    name=terms.get("insurer", "Harbor Mutual"),
                    rating=terms.pop("rating", "A"),
                    accelerator_member=True,
                )
                s.add(insurer)
                s.flush()
            terms.pop("insurer", None)
            values: dict[str, Any] = {
                "policy_number": "PL-1001",
                "effective_date": date(2026, 1, 1),
                "expiry_date": date(2026, 12, 31),
                "per_occurrence_limit": Decimal("1000000.00"),
                "aggregate_limit": Decimal("2000000.00"),
                "deductible": Decimal("5000.00"),
                "marketplace_additional_insured": True,
                "cancellation_notice_days": 30,
            }
            values.update(terms)
            s.add(InsurancePolicy(seller_id=seller.id, insurer_id=insurer.id, **values))


@pytest.fixture
def desk(db: Database, clock: Any) -> Desk:
    services = Services.build(db, clock=clock)
    users = services.users
    pw = "correct horse"
    users.add_user("alice", role="adjuster", authority="1000", password=pw, display_name="Alice Adjuster")
    users.add_user("bob", role="adjuster", authority="1000", password=pw, display_name="Bob Adjuster")
    users.add_user("carol", role="adjuster", authority="10000", password=pw, display_name="Carol Senior")
    users.add_user("sam", role="supervisor", authority="100000", password=pw, display_name="Sam Supervisor")
    users.add_user("admin", role="admin", authority="1000000", password=pw, display_name="Ada Admin")
    return Desk(
        services,
        users.actor("alice"),
        users.actor("bob"),
        users.actor("carol"),
        users.actor("sam"),
        users.actor("admin"),
    )
