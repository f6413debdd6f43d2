"""The portable column types and the optimistic lock, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim, Customer, Order, Product, Seller
from atoz_desk.domain.errors import StaleEdit

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _add_claim(session: Session, reference: str = "AZ-0001", amount: Decimal = Decimal("120.00")) -> Claim:
    """The minimal customer/seller/product/order behind one claim."""
    customer = Customer(name="Zoë Łukasiewicz", email="zoe@example.com", address="1 Main St", created_at=T0)
    seller = Seller(external_id=f"S-{reference}", name="Acme Heaters", created_at=T0)
    session.add_all([customer, seller])
    session.flush()
    product = Product(
        external_id=f"P-{reference}", title="Space heater", price=Decimal("89.99"), seller_id=seller.id
    )
    session.add(product)
    session.flush()
    order = Order(
        external_id=f"O-{reference}",
        customer_id=customer.id,
        product_id=product.id,
        seller_id=seller.id,
        order_date=date(2026, 10, 1),
        delivered_date=date(2026, 10, 4),
    )
    session.add(order)
    session.flush()
    claim = Claim(
        reference=reference,
        order=order,
        customer=customer,
        seller=seller,
        product=product,
        incident_type="property_damage",
        incident_date=date(2026, 10, 20),
        filed_at=T0,
        currency="USD",
        amount_claimed=amount,
        state="new",
        due_at=T0 + timedelta(days=2),
        created_at=T0,
        updated_at=T0,
    )
    session.add(claim)
    session.flush()
    return claim


@pytest.mark.parametrize(
    "amount",
    [Decimal("999.99"), Decimal("1000000.00"), Decimal("0.01"), Decimal("0.00"), Decimal("9999999999.99")],
)
def test_money_round_trips_decimal_exactly(db: Database, amount: Decimal) -> None:
    with db.unit_of_work() as s:
        claim_id = _add_claim(s, amount=amount).id
    with db.reading() as s:
        stored = s.scalars(select(Claim.amount_claimed).where(Claim.id == claim_id)).one()
        fresh = s.get(Claim, claim_id)
        assert fresh is not None
        assert fresh.approved_amount is None
    assert isinstance(stored, Decimal)
    assert stored == amount
    assert stored.as_tuple().exponent == -2
    assert str(stored) == str(amount)


def test_money_sorts_and_filters_in_sql(db: Database) -> None:
    amounts = [Decimal("1000000.00"), Decimal("0.01"), Decimal("999.99"), Decimal("99.90")]
    with db.unit_of_work() as s:
        for n, amount in enumerate(amounts):
            _add_claim(s, reference=f"AZ-{n:04}", amount=amount)
    with db.reading() as s:
        ordered = list(s.scalars(select(Claim.amount_claimed).order_by(Claim.amount_claimed)))
        over = list(s.scalars(select(Claim.amount_claimed).where(Claim.amount_claimed > Decimal("99.99"))))
    assert ordered == sorted(amounts)
    assert sorted(over) == [Decimal("999.99"), Decimal("1000000.00")]


def test_money_refuses_float(db: Database) -> None:
    with pytest.raises(StatementError) as info, db.unit_of_work() as s:
        _add_claim(s, amount=0.1)  # type: ignore[arg-type]
    assert isinstance(info.value.orig, TypeError)


def test_utc_datetime_comes_back_aware_utc(db: Database) -> None:
    plus_five = timezone(timedelta(hours=5, minutes=30))
    local = datetime(2026, 11, 2, 14, 30, 15, 123456, tzinfo=plus_five)  # 09:00:15.123456Z
    with db.unit_of_work() as s:
        claim = _add_claim(s)
        claim.info_due = local
        claim_id = claim.id
    with db.reading() as s:
        fresh = s.get(Claim, claim_id)
        assert fresh is not None
        filed_at, due_at, info_due, response_due = (
            fresh.filed_at,
            fresh.due_at,
            fresh.info_due,
            fresh.seller_response_due,
        )
        raw_due = s.scalars(select(Claim.info_due).where(Claim.id == claim_id)).one()
    for value in (filed_at, due_at, info_due, raw_due):
        assert value is not None
        assert value.tzinfo is not None
        assert value.utcoffset() == timedelta(0)
    assert filed_at == T0
    assert info_due == local == raw_due
    assert info_due is not None
    assert (info_due.hour, info_due.minute, info_due.second, info_due.microsecond) == (9, 0, 15, 123456)
    assert response_due is None


def test_utc_datetime_filters_across_zones(db: Database) -> None:
    with db.unit_of_work() as s:
        _add_claim(s)
    cutoff = datetime(2026, 11, 4, 10, 0, tzinfo=timezone(timedelta(hours=2)))  # 08:00Z, before due_at
    with db.reading() as s:
        due = list(s.scalars(select(Claim.reference).where(Claim.due_at <= cutoff)))
        later = list(s.scalars(select(Claim.reference).where(Claim.due_at > cutoff)))
    assert due == []
    assert later == ["AZ-0001"]


def test_utc_datetime_refuses_naive(db: Database) -> None:
    with pytest.raises(StatementError) as info, db.unit_of_work() as s:
        claim = _add_claim(s)
        claim.info_due = datetime(2026, 11, 2, 9, 0)
    assert isinstance(info.value.orig, ValueError)
    assert "naive" in str(info.value.orig)
    with db.reading() as s:  # the unit of work rolled back: nothing half-done was kept
        assert s.scalars(select(Claim.id)).all() == []


def test_new_claim_starts_at_version_1_and_each_save_bumps_it(db: Database) -> None:
    with db.unit_of_work() as s:
        claim_id = _add_claim(s).id
    with db.reading() as s:
        assert s.scalars(select(Claim.version).where(Claim.id == claim_id)).one() == 1
    with db.unit_of_work() as s:
        claim = s.get(Claim, claim_id)
        assert claim is not None
        claim.state = "in_review"
    with db.reading() as s:
        assert s.scalars(select(Claim.version).where(Claim.id == claim_id)).one() == 2


def test_stale_update_of_a_claim_raises_stale_edit(db: Database) -> None:
    with db.unit_of_work() as s:
        claim_id = _add_claim(s).id

    with pytest.raises(StaleEdit) as info, db.unit_of_work() as slow:
        mine = slow.get(Claim, claim_id)
        assert mine is not None and mine.version == 1
        with db.unit_of_work() as quick:  # another adjuster saves first
            theirs = quick.get(Claim, claim_id)
            assert theirs is not None
            theirs.state = "in_review"
            theirs.assignee_id = None
        mine.state = "denied"
        mine.denial_reason = "late_filing"
    assert "nothing was overwritten" in str(info.value)

    with db.reading() as s:
        kept = s.get(Claim, claim_id)
        assert kept is not None
        assert (kept.state, kept.denial_reason, kept.version) == ("in_review", None, 2)


def test_stale_detached_copy_cannot_overwrite(db: Database) -> None:
    """A copy loaded in an earlier unit of work is saved after someone else's change."""
    with db.unit_of_work() as s:
        claim_id = _add_claim(s).id
    with db.unit_of_work() as s:  # commits without expiring: the copy keeps version 1
        stale = s.get(Claim, claim_id)
        assert stale is not None
    with db.unit_of_work() as s:
        current = s.get(Claim, claim_id)
        assert current is not None
        current.state = "in_review"
    with pytest.raises(StaleEdit), db.unit_of_work() as s:
        s.add(stale)
        stale.state = "withdrawn"
    with db.reading() as s:
        assert s.scalars(select(Claim.state).where(Claim.id == claim_id)).one() == "in_review"


def test_backend_settings(db: Database) -> None:
    with db.engine.connect() as connection:
        if db.dialect == "sqlite":
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        else:
            schema = connection.execute(text("SELECT current_schema()")).scalar()
            assert isinstance(schema, str) and schema.startswith("atoz_test_")
