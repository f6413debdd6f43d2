"""A QueryCancel stops a running read from another thread, on SQLite and PostgreSQL, and nothing else.

The long statements: on SQLite a recursive count that would take minutes; on
PostgreSQL pg_sleep. Each database here has a one-connection pool, so "the
next query" runs on the very connection that was interrupted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from atoz_desk.data.cancel import QueryCancel, cancellable
from atoz_desk.data.database import Database
from atoz_desk.domain.errors import Cancelled, DatabaseUnavailable

ENDLESS = {  # minutes when nobody stops them
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(60)",
}
ABOUT_A_SECOND = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
    "SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(1), 3000000",
}
QUICKLY_S = 3.0


@pytest.fixture
def one_connection(db: Database) -> Iterator[Database]:
    """The test database behind a pool of exactly one connection."""
    single = Database(db.url, pool_size=1, max_overflow=0)
    try:
        yield single
    finally:
        single.dispose()


def _live_connection(db: Database) -> object:
    with db.engine.connect() as connection:
        return connection.connection.dbapi_connection


def _cancel_when_running(token: QueryCancel, after_s: float = 0.3) -> threading.Thread:
    """Cancel from another thread once the statement has had time to start."""
    thread = threading.Thread(target=lambda: (time.sleep(after_s), token.cancel()))
    thread.start()
    return thread


def test_a_running_read_is_interrupted_from_another_thread(one_connection: Database) -> None:
    db = one_connection
    before = _live_connection(db)
    token = QueryCancel()
    canceller = _cancel_when_running(token)
    started = time.perf_counter()
    with pytest.raises(Cancelled) as caught, db.reading() as s, token.running(s):
        s.execute(text(ENDLESS[db.dialect]))
    elapsed = time.perf_counter() - started
    canceller.join()
    assert elapsed < QUICKLY_S, f"the interrupted statement still took {elapsed:.1f} s"
    assert not isinstance(caught.value, DatabaseUnavailable)  # the desk must not go offline for it
    # the pool's one connection survived the interrupt and answers the next query
    with db.reading() as s:
        assert s.scalar(text("SELECT 41 + 1")) == 42
    assert _live_connection(db) is before


def test_a_quick_read_connection_is_interrupted_too(one_connection: Database) -> None:
    db = one_connection
    token = QueryCancel()
    canceller = _cancel_when_running(token)
    started = time.perf_counter()
    with pytest.raises(Cancelled), db.quick_read() as connection, token.running(connection):
        connection.execute(text(ENDLESS[db.dialect]))
    canceller.join()
    assert time.perf_counter() - started < QUICKLY_S
    with db.quick_read() as connection:
        assert connection.scalar(text("SELECT 42")) == 42


def test_a_token_cancelled_first_runs_nothing(one_connection: Database) -> None:
    token = QueryCancel()
    token.cancel()
    ran = []
    with pytest.raises(Cancelled), one_connection.reading() as s, token.running(s):
        ran.append(s.scalar(text("SELECT 1")))
    assert ran == []


def test_a_cancel_after_the_statement_but_inside_the_block_still_reports_cancelled(
    one_connection: Database,
) -> None:
    token = QueryCancel()
    with pytest.raises(Cancelled), one_connection.reading() as s, token.running(s):
        assert s.scalar(text("SELECT 1")) == 1
        token.cancel()  # the result is unwanted now, whatever it was


def test_a_token_cancelled_after_its_read_leaves_the_next_statement_alone(
    one_connection: Database,
) -> None:
    """Once the block is left, the connection is someone else's: a late cancel must not reach it."""
    db = one_connection
    token = QueryCancel()
    with db.reading() as s, token.running(s):
        assert s.scalar(text("SELECT 1")) == 1

    results: list[object] = []
    errors: list[BaseException] = []

    def next_read() -> None:  # the same pooled connection, another piece of work
        try:
            with db.reading() as s:
                results.append(s.execute(text(ABOUT_A_SECOND[db.dialect])).one()[-1])
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=next_read)
    worker.start()
    time.sleep(0.3)
    token.cancel()  # late: its own statement is long done, an unrelated one runs on the connection
    worker.join()
    assert token.cancelled
    assert errors == []
    assert results == [3000000]


def test_no_token_no_change(one_connection: Database) -> None:
    with one_connection.reading() as s, cancellable(s, None):
        assert s.scalar(text("SELECT 7")) == 7


@pytest.mark.postgres
def test_a_statement_timeout_is_not_mistaken_for_a_cancel(pg_session_db: Database) -> None:
    """PostgreSQL reports both as query_canceled; only the token's own cancel is quiet."""
    token = QueryCancel()
    with pytest.raises(OperationalError, match="statement timeout"), pg_session_db.reading() as s:
        s.execute(text("SET LOCAL statement_timeout = 50"))
        with token.running(s):
            s.execute(text("SELECT pg_sleep(5)"))
    assert not token.cancelled
