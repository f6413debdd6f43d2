"""Stopping a read whose result is no longer wanted (a count overtaken by the next filter).

A `QueryCancel` goes with the work to the worker thread. The read runs its
statement inside `token.running(session_or_connection)`, which registers the
live DBAPI connection while the statement runs; `cancel()`, from any thread,
interrupts it there: SQLite's `interrupt()`, a PostgreSQL cancel request.

Registering, unregistering and the interrupt share one lock: the worker cannot
leave `running()` (and hand the connection back to the pool) while an
interrupt is on its way, so an interrupt never reaches a later, unrelated
statement on that pooled connection. Both backends ignore an interrupt that
finds the connection idle, so a token cancelled after its statement finished
is harmless.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from atoz_desk.domain.errors import Cancelled

_log = logging.getLogger(__name__)

# PostgreSQL's query_canceled: a cancel request (and statement_timeout, which is no cancel of ours)
_QUERY_CANCELED = "57014"
# the cancel request runs on a thread of its own; an unreachable server must not hold the worker long
PG_CANCEL_TIMEOUT_S = 2.0


class QueryCancel:
    """A token that stops the statement running under it; thread-safe, one use."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cancelled = False
        self._live: Any = None  # the DBAPI connection whose statement runs under the token now

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def cancel(self) -> None:
        """Stop the work: interrupt its statement if one runs, refuse any statement not yet started.

        Never waits on the network: SQLite's interrupt is a flag, and a PostgreSQL cancel request
        (a new connection to the server) is sent from a thread of its own, so the GUI thread that
        discards a count does not wait on a slow or unreachable server.
        """
        with self._lock:
            if self._cancelled:
                return
            self._cancelled = True
            live = self._live
            if live is None:
                return
            if isinstance(live, sqlite3.Connection):
                live.interrupt()
                return
        threading.Thread(target=self._cancel_request, args=(live,), name="query-cancel", daemon=True).start()

    def _cancel_request(self, connection: Any) -> None:
        with self._lock:  # the worker cannot hand `connection` back to the pool while this is sent
            if self._live is connection:
                _interrupt(connection)

    def check(self) -> None:
        """Raise Cancelled if the token was cancelled (between statements of a longer read)."""
        if self._cancelled:
            raise Cancelled()

    @contextmanager
    def running(self, bind: Session | Connection) -> Iterator[None]:
        """Run the block's statements on `bind` so that `cancel()` can interrupt them.

        Raises Cancelled instead of starting when the token is already cancelled, when a
        statement was interrupted by it, or when it was cancelled before the block ended (a
        cancel in the instant before a statement starts cannot stop it: the result is
        still unwanted).
        """
        dbapi_connection = _dbapi_connection(bind)
        with self._lock:
            if self._cancelled:
                raise Cancelled()
            self._live = dbapi_connection
        try:
            yield
        except DBAPIError as exc:
            if self._cancelled and _is_interrupt(exc):
                raise Cancelled() from exc
            raise
        finally:
            with self._lock:  # waits for an interrupt in flight: it must land before the pool has it
                self._live = None
        self.check()


def cancellable(bind: Session | Connection, cancel: QueryCancel | None) -> AbstractContextManager[None]:
    """`cancel.running(bind)`, or nothing to do when there is no token."""
    return nullcontext() if cancel is None else cancel.running(bind)


def _dbapi_connection(bind: Session | Connection) -> Any:
    connection = bind.connection() if isinstance(bind, Session) else bind
    return connection.connection.dbapi_connection  # None once invalidated: nothing to interrupt


def _interrupt(dbapi_connection: Any) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.interrupt()
        return
    cancel_safe = getattr(dbapi_connection, "cancel_safe", None)  # psycopg 3.2+
    try:
        if cancel_safe is not None:
            cancel_safe(timeout=PG_CANCEL_TIMEOUT_S)
        else:
            dbapi_connection.cancel()
    except Exception as exc:  # the server is out of reach: the statement runs on, its result unused
        _log.warning("could not cancel a query: %s", exc)


def _is_interrupt(exc: DBAPIError) -> bool:
    orig = exc.orig
    if isinstance(orig, sqlite3.OperationalError):
        return "interrupted" in str(orig)
    return getattr(orig, "sqlstate", None) == _QUERY_CANCELED
