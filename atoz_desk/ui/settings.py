"""What the desk remembers between sessions, per user account on this machine (QSettings).

Every key lives here, typed, so widgets never scatter loose strings. The
QSettings object is handed in by the composition root (tests give one in a
temporary folder); organisation and application are both "AtoZ Desk".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings

if TYPE_CHECKING:  # the sign-in dialog reads settings before the database layer is imported
    from atoz_desk.services.queues import QueueId, SortKey

ORGANISATION = "AtoZ Desk"
APPLICATION = "AtoZ Desk"
# bump when the queue table's columns change: old header layouts are then ignored
QUEUE_LAYOUT_VERSION = 2  # 2: the Approved column after Claimed


def desk_qsettings() -> QSettings:
    """The real user's settings (only the composition root calls this)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANISATION, APPLICATION)


class DeskSettings:
    def __init__(self, store: QSettings) -> None:
        self._store = store

    @property
    def store(self) -> QSettings:
        return self._store

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._store.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    # -- queue tables: column widths and order, and sort, per queue

    def _queue_key(self, queue: QueueId, what: str) -> str:
        return f"queues/v{QUEUE_LAYOUT_VERSION}/{queue.value}/{what}"

    def queue_header(self, queue: QueueId) -> QByteArray | None:
        return self._bytes(self._queue_key(queue, "header"))

    def set_queue_header(self, queue: QueueId, state: QByteArray) -> None:
        self._store.setValue(self._queue_key(queue, "header"), state)

    def queue_sort(self, queue: QueueId) -> tuple[SortKey, bool] | None:
        from atoz_desk.services.queues import SortKey

        key = self._store.value(self._queue_key(queue, "sort"))
        descending = self._store.value(self._queue_key(queue, "descending"))
        try:
            return SortKey(str(key)), str(descending).lower() in ("true", "1")
        except ValueError:
            return None

    def set_queue_sort(self, queue: QueueId, sort: SortKey, descending: bool) -> None:
        self._store.setValue(self._queue_key(queue, "sort"), sort.value)
        self._store.setValue(self._queue_key(queue, "descending"), descending)

    # -- the window

    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def window_splitters(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self._bytes("window/nav_splitter"), self._bytes("window/detail_splitter")

    def save_window(self, geometry: QByteArray, nav: QByteArray, detail: QByteArray) -> None:
        self._store.setValue("window/geometry", geometry)
        self._store.setValue("window/nav_splitter", nav)
        self._store.setValue("window/detail_splitter", detail)

    def last_queue(self) -> QueueId | None:
        from atoz_desk.services.queues import QueueId

        try:
            return QueueId(str(self._store.value("window/queue")))
        except ValueError:
            return None

    def set_last_queue(self, queue: QueueId) -> None:
        self._store.setValue("window/queue", queue.value)

    # -- sign-in

    def last_username(self) -> str:
        value = self._store.value("signin/username")
        return str(value) if value else ""

    def set_last_username(self, username: str) -> None:
        self._store.setValue("signin/username", username)

    # -- live updates

    def sync_poll_ms(self) -> int:
        """How often a SQLite desk reads the change feed (PostgreSQL is told by LISTEN)."""
        try:
            value = int(str(self._store.value("sync/poll_ms", 1000)))
        except ValueError:
            return 1000
        return max(200, value)

    def sync(self) -> None:
        self._store.sync()
