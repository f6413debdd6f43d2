"""Backend-specific schema made without importing the other backend: JSONB and the New queue's index.

The models name no dialect (an SQLite start never loads the PostgreSQL one),
yet PostgreSQL still gets JSONB columns and the partial index of unassigned
claims, whether the schema comes from `create_all` or from the migrations.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, insert, text

from atoz_desk.data import migrate
from atoz_desk.data.base import Base
from atoz_desk.data.database import Database
from atoz_desk.data.models import AppSetting, Claim, Customer, Order, Product, Seller, User
from atoz_desk.domain.states import Role
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.queues import QueueId, QueueQuery
from tests.conftest import create_schema, empty_database

JSON_COLUMNS = {
    ("app_settings", "value"),
    ("evidence", "details"),
    ("history", "changes"),
    ("letters", "data"),
}
NEW_QUEUE_INDEX = "ix_claims_unassigned_state_due_at"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


SCHEMAS = [
    pytest.param(("sqlite", "create_all"), id="sqlite-create_all"),
    pytest.param(("sqlite", "migrations"), id="sqlite-migrations"),
    pytest.param(("postgresql", "create_all"), id="pg-create_all", marks=pytest.mark.postgres),
    pytest.param(("postgresql", "migrations"), id="pg-migrations", marks=pytest.mark.postgres),
]


def _schema_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database whose schema was made as tests and benches make it (create_all, as the
    `db` fixture does), or as every real database gets it (the migrations)."""
    backend, origin = request.param
    make = create_schema if origin == "create_all" else migrate.upgrade
    if origin == "create_all":
        _forget_partial_conditions(backend)
    with empty_database(request, tmp_path, backend, "schema") as database:
        make(database)
        yield database


def _forget_partial_conditions(backend: str) -> None:
    """The models as a fresh process has them: an earlier create_all or migration in this one gave
    the partial index its WHERE for the backend, which would hide a create_all that does not."""
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            if "where" in index.info and index.dialect_kwargs.get(f"{backend}_where") is not None:
                del index.dialect_kwargs[f"{backend}_where"]


@pytest.fixture(params=SCHEMAS)
def schema_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from _schema_database(request, tmp_path)


@pytest.fixture(params=SCHEMAS[2:])
def pg_schema_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """PostgreSQL only: the index exists for its planner (SQLite sorts a short list of new claims)."""
    yield from _schema_database(request, tmp_path)


def _json_column_types(db: Database) -> dict[tuple[str, str], str]:
    with db.engine.connect() as c:
        if db.is_postgresql:
            rows = c.execute(
                text(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND data_type IN ('json', 'jsonb')"
                )
            )
            return {(t, col): kind for t, col, kind in rows}
        out = {}
        for table, column in JSON_COLUMNS:
            for row in c.exec_driver_sql(f"PRAGMA table_info({table})"):
                if row[1] == column:
                    out[(table, column)] = row[2].lower()
        return out


def test_json_columns_are_jsonb_on_postgresql(schema_db: Database) -> None:
    expected = "jsonb" if schema_db.is_postgresql else "json"
    assert _json_column_types(schema_db) == dict.fromkeys(JSON_COLUMNS, expected)


def test_a_stored_document_comes_back_as_it_went_in(db: Database) -> None:
    doc = {"limits": {"adjuster": "1000.00"}, "days": [7, 14], "note": "Zoë", "off": None, "on": True}
    with db.unit_of_work() as s:
        s.add_all(
            [
                AppSetting(key="doc", value=doc, updated_at=T0),
                AppSetting(key="nothing", value=None, updated_at=T0),
            ]
        )
    with db.reading() as s:
        assert s.get(AppSetting, "doc").value == doc
        assert s.get(AppSetting, "nothing").value is None
    with db.engine.connect() as c:
        # None is stored as the JSON null (as the JSON type always did), not as SQL NULL
        stored_null = c.execute(text("SELECT value IS NULL FROM app_settings WHERE key = 'nothing'")).scalar()
        assert not stored_null


def _index_definition(db: Database) -> str:
    with db.engine.connect() as c:
        if db.is_postgresql:
            sql = "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = :n"
        else:
            sql = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"
        found = c.execute(text(sql), {"n": NEW_QUEUE_INDEX}).scalar()
    assert isinstance(found, str), f"{NEW_QUEUE_INDEX} is missing"
    return " ".join(found.replace("(", " ").replace(")", " ").split())


def test_the_new_queue_index_holds_only_unassigned_claims(schema_db: Database) -> None:
    assert _index_definition(schema_db).endswith("WHERE assignee_id IS NULL")


def _fill(db: Database, unassigned: int, assigned: int) -> tuple[Actor, list[str]]:
    """Many new claims, few of them unassigned; the references of the unassigned, most urgent first."""
    with db.unit_of_work() as s:
        user = User(
            username="alice",
            display_name="Alice",
            role=Role.ADJUSTER.value,
            authority_limit=Decimal("1000.00"),
            password_hash="-",
            created_at=T0,
        )
        customer = Customer(name="Customer", email="c@example.com", address="1 Main St", created_at=T0)
        seller = Seller(external_id="S-1", name="Acme", created_at=T0)
        s.add_all([user, customer, seller])
        s.flush()
        product = Product(external_id="P-1", title="Kettle", price=Decimal("20.00"), seller_id=seller.id)
        s.add(product)
        s.flush()
        order = Order(
            external_id="O-1",
            customer_id=customer.id,
            product_id=product.id,
            seller_id=seller.id,
            order_date=date(2026, 10, 1),
        )
        s.add(order)
        s.flush()
        ids = {
            "order_id": order.id,
            "customer_id": customer.id,
            "seller_id": seller.id,
            "product_id": product.id,
        }
        actor = Actor(user.id, user.username, user.display_name, Role.ADJUSTER, user.authority_limit)

    def row(n: int, assignee: int | None) -> dict[str, Any]:
        return {
            **ids,
            "reference": f"AZ-{n:07d}",
            "incident_type": "property_damage",
            "incident_date": date(2026, 10, 20),
            "filed_at": T0,
            "description": "",
            "currency": "USD",
            "amount_claimed": Decimal("100.00"),
            "state": "new",
            "assignee_id": assignee,
            # the unassigned interleave with the assigned in due order
            "due_at": T0 + timedelta(minutes=n),
            "fraud_score": 0,
            "flag_count": 0,
            "defense_open": False,
            "created_at": T0,
            "updated_at": T0,
            "version": 1,
            "search_text": "",
        }

    total = unassigned + assigned
    step = total // unassigned
    rows = [row(n, None if n % step == 0 and n // step < unassigned else actor.user_id) for n in range(total)]
    with db.unit_of_work() as s:
        s.execute(insert(Claim), rows)
    with db.engine.connect() as c:
        c.execute(text("ANALYZE claims"))
        c.commit()
    return actor, [r["reference"] for r in rows if r["assignee_id"] is None]


def _plan(db: Database, statement: str, parameters: Any) -> str:
    with db.engine.connect() as c:
        return " ".join(str(r[0]) for r in c.exec_driver_sql("EXPLAIN " + statement, parameters))


def test_the_new_queue_pages_on_its_partial_index_on_postgresql(pg_schema_db: Database) -> None:
    db = pg_schema_db
    actor, unassigned = _fill(db, unassigned=40, assigned=4000)
    services = Services.build(db)
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        page = services.queues.page(QueueQuery(queue=QueueId.NEW), actor, limit=25)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)

    assert [r.reference for r in page.rows] == unassigned[:25]
    keyset = [(sql, p) for sql, p in statements if "assignee_id IS NULL" in sql]
    assert keyset, statements
    plans = [_plan(db, sql, p) for sql, p in keyset]
    assert any(NEW_QUEUE_INDEX in plan for plan in plans), plans
