"""No lost edit: when a save meets a newer claim, show theirs next to mine, then Reload or Re-apply.

A dialog whose save was refused with StaleEdit fetches the claim again and
shows, side by side, what the others did since the version the user saw
(each history entry the user had not seen: who, when, the move, the state
before → after, the fields it changed) and what this user was trying to do
(the move and its inputs). Reload discards the user's attempt; Re-apply
sends the same inputs again against the new version, so every check
(transition, authority, required fields, the version itself) runs again.

Writes are never queued while offline: a move replayed later could act on
a claim that has changed since, with nobody looking. A refused write keeps
the dialog and its input; the user retries, and the retry re-runs the
conflict check against whatever the claim is by then.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from atoz_desk.services.dto import ClaimDetail, HistoryInfo
from atoz_desk.ui.formatting import humanize, state_label

OFFLINE_MESSAGE = (
    "Not saved — you are offline; it will not be sent until you retry. "
    "What you typed is kept: press the button again once the connection is back."
)
_SKIP_FIELDS = {"from_user_id"}

RELOAD = 2
"""A dialog's done() code: the user asked to reload the claim after a conflict."""


def hh_mm(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone().strftime("%H:%M")


def changes_since(seen: ClaimDetail, now: ClaimDetail) -> list[HistoryInfo]:
    """History entries in `now` that the user did not have in `seen`, oldest first."""
    known = {h.id for h in seen.history}
    return sorted((h for h in now.history if h.id not in known), key=lambda h: h.id)


def _value(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) == 2:
        return f"{_value(value[0])} → {_value(value[1])}"
    if value is None or value == "":
        return "—"
    return str(value)


def describe_change(h: HistoryInfo) -> str:
    """'Bob Brown at 09:14 — start review: New → In review; assignee: Bob'."""
    line = f"{h.actor} at {hh_mm(h.at)} — {humanize(h.action).lower()}"
    if h.from_state and h.to_state and h.from_state != h.to_state:
        line += f": {state_label(h.from_state)} → {state_label(h.to_state)}"
    elif h.to_state:
        line += f" (stays {state_label(h.to_state).lower()})"
    fields = [f"{humanize(k).lower()}: {_value(v)}" for k, v in h.changes.items() if k not in _SKIP_FIELDS]
    if fields:
        line += "; " + ", ".join(fields)
    if h.note:
        line += f"; note: “{h.note}”"
    return line


class ConflictView(QFrame):
    """Theirs (what changed) next to mine (what I tried), with Re-apply; the dialog owns Reload."""

    reapply_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictView")
        self.setAccessibleName("Conflicting change")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.theirs_label = QLabel(self)
        self.theirs_label.setObjectName("conflictTheirs")
        self.theirs_label.setWordWrap(True)
        self.mine_label = QLabel(self)
        self.mine_label.setObjectName("conflictMine")
        self.mine_label.setWordWrap(True)
        self.reapply_button = QPushButton("Re-apply my change", self)
        self.reapply_button.setObjectName("reapplyButton")
        self.reapply_button.setToolTip(
            "Send the same inputs again against the claim as it is now; every check runs again"
        )
        self.reapply_button.clicked.connect(self.reapply_requested)
        columns = QHBoxLayout()
        columns.addWidget(self.theirs_label, 1)
        columns.addWidget(self.mine_label, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(columns)
        layout.addWidget(self.reapply_button)
        self.changes: list[HistoryInfo] = []
        self.hide()

    def show_conflict(self, theirs: list[HistoryInfo], mine: str) -> None:
        self.changes = list(theirs)
        lines = [describe_change(h) for h in theirs] or ["(the claim's history shows no new entry)"]
        self.theirs_label.setText("What changed since you opened it:\n• " + "\n• ".join(lines))
        self.mine_label.setText(f"What you were doing:\n{mine}")
        self.setAccessibleDescription(self.theirs_label.text() + "\n" + self.mine_label.text())
        self.show()
