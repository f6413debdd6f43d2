"""Shared fixtures: a real database on both backends, a controllable clock, Qt offscreen.

PostgreSQL comes from ATOZ_TEST_PG_URL (e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``). Unset: PostgreSQL tests
are skipped, unless ATOZ_REQUIRE_PG=1 (CI), which makes them fail. Set but
unreachable: they always fail. Each test session works in its own schema
(``atoz_test_<hex>``), dropped at the end, so tests never touch other data.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

import atoz_desk.data.models  # noqa: F401  (every table on Base.metadata)
from atoz_desk.data import migrate
from atoz_desk.data.base import Base
from atoz_desk.data.database import Database, normalise_url

PG_URL_ENV = "ATOZ_TEST_PG_URL"
REQUIRE_PG_ENV = "ATOZ_REQUIRE_PG"

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="pg", marks=pytest.mark.postgres),
]


# --------------------------------------------------------------------------- clock


class FakeClock:
    """A clock the test moves by hand: ``clock()`` returns an aware UTC datetime."""

    START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __init__(self, start: datetime = START) -> None:
        self._now = self._check(start)

    def __call__(self) -> datetime:
        return self._now

    @property
    def now(self) -> datetime:
        return self._now

    def advance(
        self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0
    ) -> datetime:
        self._now += timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
        return self._now

    def set(self, dt: datetime) -> datetime:
        self._now = self._check(dt)
        return self._now

    @staticmethod
    def _check(dt: datetime) -> datetime:
        if dt.tzinfo is None:
            raise ValueError(f"naive datetime {dt!r}: give the clock an aware UTC time")
        return dt.astimezone(UTC)

    def __repr__(self) -> str:
        return f"FakeClock({self._now.isoformat()})"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


# --------------------------------------------------------------------- PostgreSQL


def _admin_engine(url: str) -> Engine:
    return create_engine(normalise_url(url), poolclass=NullPool, connect_args={"connect_timeout": 5})


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The PostgreSQL server URL for tests (database-wide; use a schema fixture for tables)."""
    url = os.environ.get(PG_URL_ENV, "").strip()
    if not url:
        if os.environ.get(REQUIRE_PG_ENV, "").strip() == "1":
            pytest.fail(
                f"{REQUIRE_PG_ENV}=1 but {PG_URL_ENV} is not set: set it to the test server, e.g. "
                "postgresql+psycopg://postgres@127.0.0.1:5432/test",
                pytrace=False,
            )
        pytest.skip(f"PostgreSQL tests need {PG_URL_ENV}")
    engine = _admin_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError) as exc:
        reason = getattr(exc, "orig", None) or exc
        shown = make_url(normalise_url(url)).render_as_string(hide_password=True)
        pytest.fail(f"{PG_URL_ENV}={shown} is set but the server cannot be reached: {reason}", pytrace=False)
    finally:
        engine.dispose()
    return url


def schema_url(url: str, schema: str) -> str:
    """`url` with its search_path set to `schema`, so code that builds its own engine stays inside."""
    u = make_url(normalise_url(url)).update_query_dict({"options": f"-csearch_path={schema}"})
    return u.render_as_string(hide_password=False)


@contextmanager
def pg_schema(url: str, prefix: str = "atoz_test") -> Iterator[str]:
    """A new, empty PostgreSQL schema, dropped (with everything in it) afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def pg_database(url: str, schema: str) -> Database:
    """A Database whose every connection works in `schema`."""
    return Database(schema_url(url, schema), connect_args={"options": f"-csearch_path={schema}"})


@pytest.fixture(scope="session")
def pg_session_db(pg_url: str) -> Iterator[Database]:
    """The session's PostgreSQL schema with every table (create_all), shared by all tests."""
    with pg_schema(pg_url) as schema:
        db = pg_database(pg_url, schema)
        try:
            create_schema(db)
            yield db
        finally:
            db.dispose()


def _truncate_all(db: Database) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


# -------------------------------------------------------------------- databases


def create_schema(db: Database) -> None:
    """Every table (create_all), stamped with the head revision so it looks migrated.

    `migrate.ensure_current` (used by the app and the command line) is then a
    no-op on a test database instead of refusing tables it did not make.
    """
    Base.metadata.create_all(db.engine)
    script = ScriptDirectory.from_config(migrate.alembic_config(db.url))
    with db.engine.begin() as connection:
        MigrationContext.configure(connection).stamp(script, "head")


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Every table, no rows, stamped at the head revision: a new SQLite file, or the session's
    PostgreSQL schema emptied with one TRUNCATE."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'atoz.sqlite3'}")
        try:
            create_schema(database)
            yield database
        finally:
            database.dispose()
        return
    shared: Database = request.getfixturevalue("pg_session_db")
    _truncate_all(shared)
    yield shared


@contextmanager
def empty_database(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str, name: str
) -> Iterator[Database]:
    """A database with no tables: a new SQLite file `name`.sqlite3, or a new PostgreSQL schema."""
    if backend == "sqlite":
        with _disposed(Database(f"sqlite:///{tmp_path / f'{name}.sqlite3'}")) as database:
            yield database
        return
    url: str = request.getfixturevalue("pg_url")
    with pg_schema(url, prefix=f"atoz_{name}") as schema, _disposed(pg_database(url, schema)) as database:
        yield database


@contextmanager
def _disposed(database: Database) -> Iterator[Database]:
    try:
        yield database
    finally:
        database.dispose()


@pytest.fixture(params=BACKENDS)
def blank_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database with no tables at all (for migrations): a new SQLite file or a new PostgreSQL schema."""
    with empty_database(request, tmp_path, request.param, "blank") as database:
        yield database


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Anything that reaches the PostgreSQL server gets the `postgres` marker."""
    for item in items:
        if "pg_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    """A fresh PostgreSQL schema with every table, for tests that reach it from several processes."""
    with pg_schema(pg_url, prefix="atoz_sync") as schema:
        database = pg_database(pg_url, schema)
        try:
            Base.metadata.create_all(database.engine)
            yield database
        finally:
            database.dispose()
