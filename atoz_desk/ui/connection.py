"""The status bar's connection light: connected, or offline and retrying with backoff.

The window reports each background read's outcome; a lost database
(DatabaseUnavailable) or a dropped change listener turns the light red and
schedules the next try after 1, 2, 4 ... up to 30 seconds, so a dead server
is not hammered; `retry_now` (the banner's "Retry now") does not wait.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

from atoz_desk.ui import style

MAX_BACKOFF_S = 30


class ConnectionIndicator(QLabel):
    retry = Signal()
    """Time to try the database again."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusConnection")
        self.setAccessibleName("Connection")
        self.online = True
        self._backoff_s = 0
        self._timer = QTimer(self)
        self._timer.setObjectName("reconnectTimer")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.retry)
        self.set_online()

    @property
    def next_retry_s(self) -> int:
        return self._backoff_s

    @property
    def waiting(self) -> bool:
        """Offline with a retry scheduled: another failure report until then is the same outage."""
        return not self.online and self._timer.isActive()

    def retry_now(self) -> None:
        self._timer.stop()
        self.retry.emit()

    def set_online(self) -> None:
        self.online = True
        self._backoff_s = 0
        self._timer.stop()
        self.setText(f"<span style='color:{style.SUCCESS}'>●</span> Connected")
        self.setToolTip("The database answered the last request.")

    def set_offline(self, reason: str) -> None:
        self.online = False
        self._backoff_s = min(self._backoff_s * 2, MAX_BACKOFF_S) if self._backoff_s else 1
        self.setText(f"<span style='color:{style.DANGER}'>●</span> Offline — retrying in {self._backoff_s} s")
        self.setToolTip(f"{reason}\nNothing you typed is lost; the desk retries by itself.")
        self._timer.start(self._backoff_s * 1000)

    def stop(self) -> None:
        self._timer.stop()
