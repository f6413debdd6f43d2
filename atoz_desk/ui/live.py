"""Live updates for one window: others' changes, and the offline banner with its retries.

On each batch of changes from the SyncClient the counts are refreshed, the
changed claims' rows are re-read in place (and dimmed when they left the
queue), and when the open claim was changed by someone else its detail is
reloaded under a quiet "Updated by NAME at HH:MM — action" banner. An open
action dialog keeps what the user typed and the version the user saw, so
saving still meets the conflict honestly.

A lost database (a task's DatabaseUnavailable, or the listener's dropped
connection) shows the offline banner; the connection light schedules
retries with backoff (1, 2, 4 … 30 s) and "Retry now" skips the wait. A
retry reopens the listener and catches up from the feed cursor. Writes are
NOT queued while offline (see conflict_view): the dialog says so and keeps
its input for the user to retry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton

from atoz_desk.sync.feed import Change
from atoz_desk.ui.conflict_view import hh_mm
from atoz_desk.ui.formatting import humanize
from atoz_desk.ui.sync_client import SyncClient

if TYPE_CHECKING:
    from atoz_desk.ui.main_window import MainWindow


def updated_by(change: Change) -> str:
    return f"Updated by {change.actor} at {hh_mm(change.at)} — {humanize(change.action).lower()}"


class LiveUpdates(QObject):
    def __init__(self, window: MainWindow, sync: SyncClient) -> None:
        super().__init__(window)
        self._w = window
        self.sync = sync
        self.retry_button = QPushButton("Retry now", window)
        self.retry_button.setObjectName("retryNowButton")
        self.retry_button.setAccessibleName("Retry the connection now")
        window.offline_banner.add_button(self.retry_button)
        self.retry_button.clicked.connect(window.connection.retry_now)
        window.connection.retry.connect(self.retry)
        sync.changed.connect(self.apply)
        sync.lost.connect(self.went_offline)
        sync.restored.connect(self._restored)

    @property
    def offline(self) -> bool:
        return not self._w.connection.online

    def start(self) -> None:
        self.sync.start()

    def stop(self) -> None:
        self.sync.stop()

    # -------------------------------------------------------------- changes

    def apply(self, changes: list[Change]) -> None:
        w = self._w
        w.refresh_counts()
        references = list(dict.fromkeys(c.reference for c in changes if c.reference))
        w.queue_panel.refresh_rows(references)
        current = w.controller.current
        if current is None or current.reference not in references:
            return
        theirs = [c for c in self.sync.from_others(changes) if c.reference == current.reference]
        if not theirs:
            return  # this window's own write: the controller already reloaded it
        text = updated_by(theirs[-1])
        w.controller.reload()
        w.detail_pane.update_banner.show_message(text, error=False)
        w.controller.notice_update(text)

    # ------------------------------------------------------------ connection

    def went_offline(self, reason: str) -> None:
        w = self._w
        w.controller.offline = True
        if not w.connection.waiting:  # one outage, many reports: schedule one retry
            w.connection.set_offline(reason)
        w.offline_banner.show_message(
            f"You are offline: {reason}. Nothing you typed is lost, and nothing is saved or sent "
            f"until the connection is back; the desk retries in {w.connection.next_retry_s} s."
        )

    def retry(self) -> None:
        self._w.show_status("Reconnecting to the database…")
        self.sync.reconnect()

    def _restored(self) -> None:
        w = self._w
        w.controller.offline = False
        if not w.connection.online:
            w.connection.set_online()
            w.offline_banner.clear()
            w.show_status("The database is back; catching up on what changed meanwhile.")
            w.refresh_counts()
