"""PostgreSQL LISTEN for change notifications, on its own autocommit connection (no Qt).

A notification only means "read the feed": the payload is a hint. The UI
watches `fileno()` with a QSocketNotifier and calls `drain()` when it is
readable; after a lost connection it calls `reconnect()` with backoff and
then reads the feed to catch up on whatever it missed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from atoz_desk.sync.feed import CHANNEL

if TYPE_CHECKING:  # psycopg is loaded with the first listener: an embedded-SQLite desk never needs it
    import psycopg


def libpq_dsn(sqlalchemy_url: str) -> str:
    """The psycopg connection string for a SQLAlchemy PostgreSQL URL."""
    u = make_url(sqlalchemy_url)
    parts = {
        "host": u.host,
        "port": str(u.port) if u.port else None,
        "dbname": u.database,
        "user": u.username,
        "password": u.password,
    }
    dsn = " ".join(f"{k}={_quote(v)}" for k, v in parts.items() if v)
    options = u.query.get("options")
    if isinstance(options, str):
        dsn += f" options={_quote(options)}"
    return dsn


def _quote(value: str) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


class PgListener:
    def __init__(self, url: str, *, connect_timeout: int = 5) -> None:
        self._dsn = libpq_dsn(url)
        self._timeout = connect_timeout
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def connect(self) -> None:
        import psycopg

        self.close()
        conn = psycopg.connect(self._dsn, autocommit=True, connect_timeout=self._timeout)
        conn.execute(f"LISTEN {CHANNEL}")
        self._conn = conn

    reconnect = connect

    def fileno(self) -> int:
        if self._conn is None:
            raise RuntimeError("not connected")
        return self._conn.fileno()

    def drain(self) -> int:
        """Read pending notifications without blocking; how many arrived. Raises on a lost server."""
        import psycopg

        if self._conn is None:
            raise psycopg.OperationalError("not connected")
        count = 0
        for _ in self._conn.notifies(timeout=0, stop_after=10_000):
            count += 1
        if count == 0:
            # readable with nothing to read: most likely the server closed the connection
            self.ping()
        return count

    def ping(self) -> None:
        """A round trip; raises psycopg.OperationalError when the server is gone."""
        import psycopg

        if self._conn is None:
            raise psycopg.OperationalError("not connected")
        self._conn.execute("SELECT 1")

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
