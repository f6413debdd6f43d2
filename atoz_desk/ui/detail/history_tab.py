"""History: every entry of the claim's append-only log, oldest first, in local time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtWidgets import QVBoxLayout, QWidget

from atoz_desk.services.dto import ClaimDetail, HistoryInfo
from atoz_desk.ui.formatting import DASH, humanize, local_time, state_label
from atoz_desk.ui.record_table import Field, RecordTable, RecordTableModel


def move_text(entry: HistoryInfo) -> str:
    if entry.to_state and entry.from_state != entry.to_state:
        start = state_label(entry.from_state) if entry.from_state else "Filed"
        return f"{start} → {state_label(entry.to_state)}"
    return f"stays {state_label(entry.to_state).lower()}" if entry.to_state else DASH


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or DASH
    return DASH if value is None else str(value)


def changes_text(entry: HistoryInfo) -> str:
    return "; ".join(f"{humanize(k).lower()}: {_value(v)}" for k, v in entry.changes.items())


def _tooltip(entry: HistoryInfo) -> str:
    parts = [f"{local_time(entry.at)} — {entry.actor}: {humanize(entry.action)} ({move_text(entry)})"]
    if entry.note:
        parts.append(f"Note: {entry.note}")
    if entry.changes:
        parts.append(f"Changed: {changes_text(entry)}")
    return "\n".join(parts)


HISTORY_FIELDS: tuple[Field[HistoryInfo], ...] = (
    Field("When (local)", lambda h: local_time(h.at), sample="2026-12-31 23:59"),
    Field("Who", lambda h: h.actor, sample="Carol Jensen", tooltip=_tooltip),
    Field("Action", lambda h: humanize(h.action), sample="Record seller acceptance", tooltip=_tooltip),
    Field("From → to", move_text, sample="Awaiting seller → Seller accepted", tooltip=_tooltip),
    Field(
        "Note",
        lambda h: " ".join(filter(None, [h.note, f"({changes_text(h)})" if h.changes else None])) or DASH,
        tooltip=_tooltip,
    ),
)


class HistoryTab(QWidget):
    title = "History"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyTab")
        self.setAccessibleName("Claim history")
        self.model: RecordTableModel[HistoryInfo] = RecordTableModel(HISTORY_FIELDS, self)
        self.table = RecordTable(self.model, "historyTable", "History entries", "No history recorded.", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    def tab_title(self) -> str:
        n = self.model.rowCount()
        return f"{self.title} ({n})" if n else self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        self.model.set_records(claim.history)
        if claim.history:
            self.table.scrollToBottom()  # the latest move is what the adjuster looks for
