"""What other workstations did: the change feed, read when the database says so (or on a timer).

On PostgreSQL one autocommit LISTEN connection (PgListener) is watched by a
QSocketNotifier; a notification only means "read the feed after the
cursor". Connecting can take seconds on a dead server, so it runs on the
task runner; `drain()` is non-blocking and runs on the GUI thread. A slow
safety timer reads the feed too. On SQLite the feed is polled (1 s by
default). Feed reads go through the task runner, one at a time: a burst of
notifications while a read is in flight makes exactly one more read.

A lost connection (the listener's OperationalError, or DatabaseUnavailable
from a read) emits `lost`; the window retries with backoff by calling
`reconnect()`, which catches up from the cursor (never from head) and emits
`restored`. This object holds no SQL: the feed and listener do.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSocketNotifier, QTimer, Signal

from atoz_desk.domain.errors import DatabaseUnavailable, DomainError
from atoz_desk.services import Services
from atoz_desk.sync.feed import Change, ChangeFeed, FeedCursor
from atoz_desk.sync.listener import PgListener
from atoz_desk.ui.tasks import TaskRunner

SQLITE_POLL_MS = 1_000
SAFETY_POLL_MS = 10_000
READ_LIMIT = 500


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class SyncClient(QObject):
    changed = Signal(list)
    """Changes committed by anyone (this window's own included), oldest first: list[Change]."""
    lost = Signal(str)
    """The database (or the listener's connection to it) is gone; the reason."""
    restored = Signal()
    """Connected again; the catch-up read from the cursor has been started."""

    def __init__(
        self,
        services: Services,
        runner: TaskRunner,
        actor_id: int | None,
        parent: QObject | None = None,
        *,
        poll_ms: int = SQLITE_POLL_MS,
        safety_poll_ms: int = SAFETY_POLL_MS,
        listener_factory: Callable[[str], PgListener] = PgListener,
    ) -> None:
        super().__init__(parent)
        self._runner = runner
        self._feed = ChangeFeed(services.db)
        self._url = services.db.url
        self.postgresql = services.db.is_postgresql
        self.listener_factory = listener_factory
        self.actor_id = actor_id
        self.cursor: FeedCursor | None = None
        self.listener: PgListener | None = None
        self._notifier: QSocketNotifier | None = None
        self._reading = False
        self._again = False
        self._connecting = False
        self._stopped = False
        self.online = False
        self.timer = QTimer(self)
        self.timer.setObjectName("syncPollTimer")
        self.timer.setInterval(safety_poll_ms if self.postgresql else poll_ms)
        self.timer.timeout.connect(self.read)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start at the feed's head (only what happens from now on), listening on PostgreSQL."""
        self.reconnect()

    @property
    def busy(self) -> bool:
        return self._reading or self._connecting

    def reconnect(self) -> None:
        """(Re)open the listener off the GUI thread, then catch up from the cursor."""
        if self._connecting or self._stopped:
            return
        self._connecting = True
        feed, start, url = self._feed, self.cursor, self._url
        factory = self.listener_factory if self.postgresql else None

        def connect() -> tuple[FeedCursor, PgListener | None]:
            head = feed.head()  # also proves the database answers again
            cursor = start if start is not None else head
            if factory is None:
                return cursor, None
            import psycopg  # PostgreSQL only: an embedded-SQLite desk starts without it

            listener = factory(url)
            try:
                listener.connect()
            except psycopg.Error as exc:
                listener.close()
                raise DatabaseUnavailable(f"the change listener cannot connect ({_reason(exc)})") from exc
            return cursor, listener

        # no owner: the result must come back even after stop(), so a fresh listener gets closed
        self._runner.run(connect, self._connected, on_error=self._connect_failed)

    def _connected(self, result: tuple[FeedCursor, PgListener | None]) -> None:
        self._connecting = False
        cursor, listener = result
        if self._stopped:
            if listener is not None:
                listener.close()
            return
        self._drop_listener()
        if self.cursor is None:  # a reconnect keeps its own cursor: it catches up what it missed
            self.cursor = cursor
        if listener is not None:
            self.listener = listener
            notifier = QSocketNotifier(listener.fileno(), QSocketNotifier.Type.Read, self)
            notifier.setObjectName("syncSocketNotifier")
            notifier.activated.connect(lambda *_args: self._readable())
            self._notifier = notifier
        self.online = True
        self.timer.start()
        self.restored.emit()
        self.read()  # catch up on whatever happened while connecting or offline

    def _connect_failed(self, problem: DomainError) -> None:
        self._connecting = False
        if not self._stopped:
            self._go_offline(problem.message)

    def stop(self) -> None:
        """Stop listening and polling (the window is closing); results still on their way are dropped."""
        self._stopped = True
        self.timer.stop()
        self._drop_listener()

    def _drop_listener(self) -> None:
        if self._notifier is not None:
            self._notifier.setEnabled(False)
            self._notifier.deleteLater()
            self._notifier = None
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def _go_offline(self, reason: str) -> None:
        self.online = False
        self.timer.stop()
        self._drop_listener()
        self.lost.emit(reason)

    # ---------------------------------------------------------------- reads

    def _readable(self) -> None:
        listener = self.listener
        if listener is None or self._stopped:
            return
        import psycopg  # loaded already: a listener exists

        try:
            arrived = listener.drain()
        except psycopg.Error as exc:
            self._go_offline(f"the connection to the database was lost ({_reason(exc)})")
            return
        if arrived:
            self.read()

    def read(self) -> None:
        """Read the feed after the cursor; while a read is in flight, just note that another is due."""
        if self._stopped or not self.online or self.cursor is None:
            return
        if self._reading:
            self._again = True
            return
        self._reading, self._again = True, False
        feed, cursor = self._feed, self.cursor
        self._runner.run(
            lambda: feed.read(cursor, limit=READ_LIMIT), self._arrived, on_error=self._read_failed, owner=self
        )

    def _arrived(self, result: tuple[list[Change], FeedCursor]) -> None:
        self._reading = False
        if self._stopped:
            return
        changes, cursor = result
        self.cursor = cursor
        if changes:
            self.changed.emit(changes)
        if self._again or len(changes) >= READ_LIMIT:
            self.read()

    def _read_failed(self, problem: DomainError) -> None:
        self._reading = False
        if self._stopped:
            return
        if isinstance(problem, DatabaseUnavailable):
            self._go_offline(problem.message)

    def from_others(self, changes: list[Change]) -> list[Change]:
        """The changes another user (or the system) made: what the "updated by" notice is about."""
        return [c for c in changes if c.actor_id is None or c.actor_id != self.actor_id]
