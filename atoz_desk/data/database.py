"""Engine, sessions and the unit of work.

A `Database` is built by the composition root (never at import time). A
session lives for one unit of work on one thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from atoz_desk.domain.errors import ConcurrentChange, DatabaseUnavailable, StaleEdit


def normalise_url(url: str) -> str:
    """Accept `postgresql://` and use psycopg 3; make SQLite file folders exist."""
    u = make_url(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    if u.drivername.startswith("sqlite") and u.database and u.database != ":memory:":
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return u.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def build_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    return create_engine(url, **kwargs)


__all__ = ["ConcurrentChange", "Database", "DatabaseUnavailable", "build_engine", "normalise_url"]


class Database:
    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = normalise_url(url)
        self.engine = build_engine(self.url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def is_postgresql(self) -> bool:
        return self.dialect == "postgresql"

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: commit on success, roll back on any error.

        Optimistic-lock failures become StaleEdit; a lost server becomes
        DatabaseUnavailable. Either way nothing half-done is kept.
        """
        session = self.sessions()
        try:
            yield session
            session.commit()
        except StaleDataError:
            session.rollback()
            raise StaleEdit(
                "Someone else changed this claim while you were working on it; "
                "nothing was overwritten. Reload it and apply your change again."
            ) from None
        except OperationalError as exc:
            session.rollback()
            if _is_connection_error(exc):
                raise DatabaseUnavailable(
                    f"The database cannot be reached ({_first_line(exc)}); nothing was saved. "
                    "Try again when the connection is back."
                ) from exc
            raise
        except IntegrityError as exc:
            # services check what they can first; what remains is another workstation saving
            # the same new record (seller, order, …) at the same moment
            session.rollback()
            raise ConcurrentChange(
                "Another workstation saved the same record at the same moment; nothing was saved. "
                f"Try again. ({_first_line(exc)})"
            ) from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit: always rolled back."""
        session = self.sessions()
        try:
            yield session
        except OperationalError as exc:
            _raise_unavailable_if_lost(exc)
            raise
        finally:
            session.rollback()
            session.close()

    @contextmanager
    def quick_read(self) -> Iterator[Connection]:
        """A connection for reads that need no transaction around them (autocommit).

        Each statement sees its own consistent snapshot; there is no BEGIN or ROLLBACK to
        wait for, which on PostgreSQL is two of a queue page's four round trips.
        """
        try:
            with self.engine.connect() as connection:
                yield connection.execution_options(isolation_level="AUTOCOMMIT")
        except OperationalError as exc:
            _raise_unavailable_if_lost(exc)
            raise

    def dispose(self) -> None:
        self.engine.dispose()


def _raise_unavailable_if_lost(exc: OperationalError) -> None:
    """A read that lost the server is DatabaseUnavailable (an expected problem); others stay bugs."""
    if _is_connection_error(exc):
        raise DatabaseUnavailable(
            f"The database cannot be reached ({_first_line(exc)}). Try again when it is back."
        ) from exc


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__


def _is_connection_error(exc: OperationalError) -> bool:
    if exc.connection_invalidated:
        return True
    text = str(exc.orig).lower()
    return any(
        s in text
        for s in ("connection", "server closed", "terminating", "could not connect", "unable to open")
    )
