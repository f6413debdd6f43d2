"""History: every entry of the claim's append-only log, oldest first, in local time.

What a move changed (`HistoryInfo.changes`) reads as a short line, e.g.
"amount $450.00 · lane concession · assignee alice": money in the claim's
currency, codes in words, times local; internal ids are left out. The note
the user wrote has its own column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from PySide6.QtWidgets import QVBoxLayout, QWidget

from atoz_desk.services.dto import ClaimDetail, HistoryInfo
from atoz_desk.ui.formatting import DASH, humanize, incident_label, local_time, money, state_label
from atoz_desk.ui.record_table import Field, RecordTable, RecordTableModel

SEPARATOR = " · "
_MONEY_KEYS = frozenset(
    {"amount", "amount_claimed", "payment_issued", "payment_confirmed", "recovered", "recovery_opened"}
)
# ids mean nothing to a reader; the currency is in every amount; intake's reasons are in its note
_SKIPPED_KEYS = frozenset({"payments_confirmed", "currency", "review_reasons"})
_LABELS = {
    "to": "assigned to",
    "info_due": "customer to reply by",
    "seller_response_due": "seller to answer by",
    "expert_due": "expert report due",
    "payer": "paid by",
}
_WORDS = {"payer": {"seller": "seller", "insurer": "seller's insurer"}}
_NAME_KEYS = frozenset({"assignee", "firm"})  # people and firms keep their spelling


def move_text(entry: HistoryInfo) -> str:
    if entry.to_state and entry.from_state != entry.to_state:
        start = state_label(entry.from_state) if entry.from_state else "Filed"
        return f"{start} → {state_label(entry.to_state)}"
    return f"stays {state_label(entry.to_state).lower()}" if entry.to_state else DASH


def _when(text: str) -> str:
    """An ISO date stays a date; an ISO time is shown in local time."""
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
        return local_time(datetime.fromisoformat(text))
    except ValueError:
        return text


def _change(key: str, value: object, currency: str) -> str | None:
    """One change in words, or None for what a reader has no use for."""
    if key in _SKIPPED_KEYS or key.endswith(("_id", "_ids")):
        return None
    label = _LABELS.get(key, humanize(key).lower())
    if key == "to":
        return f"assigned to {value}" if value else "unassigned"
    if key == "flags" and isinstance(value, str):
        return value  # "open flags dismissed" says it all
    if value is None or value == "" or value == []:
        return f"{label} {DASH}"
    if isinstance(value, list):
        if all(isinstance(v, int) for v in value):
            return None  # a list of record ids
        return f"{label} {', '.join(humanize(str(v)).lower() for v in value)}"
    if isinstance(value, bool):
        return f"{label} {'yes' if value else 'no'}"
    if key in _MONEY_KEYS:
        try:
            return f"{label} {money(Decimal(str(value)), currency)}"
        except InvalidOperation:
            return f"{label} {value}"
    if key.endswith(("_due", "_at", "_date")):
        return f"{label} {_when(str(value))}"
    if key == "incident_type":
        return f"{label} {incident_label(str(value)).lower()}"
    if isinstance(value, int | float):
        return f"{label} {value}"
    if key in _NAME_KEYS:
        return f"{label} {value}"
    # codes (lane, reason, outcome, status) read as words
    return f"{label} {_WORDS.get(key, {}).get(str(value)) or humanize(str(value)).lower()}"


def changes_text(changes: Mapping[str, object], currency: str) -> str:
    """`{"amount": "450.00", "lane": "concession", ...}` → `amount $450.00 · lane concession`."""
    shown = dict(changes)
    amount = shown.get("amount")
    if amount is not None and any(shown.get(k) == amount for k in ("recovered", "payment_confirmed")):
        del shown["amount"]  # "recovered $200.00" already says what the amount was
    parts = (_change(key, value, currency) for key, value in shown.items())
    return SEPARATOR.join(p for p in parts if p)


@dataclass(frozen=True)
class HistoryLine:
    """A history entry with its changes already in words (they need the claim's currency)."""

    entry: HistoryInfo
    changes: str


def _tooltip(line: HistoryLine) -> str:
    entry = line.entry
    parts = [f"{local_time(entry.at)} — {entry.actor}: {humanize(entry.action)} ({move_text(entry)})"]
    if line.changes:
        parts.append(f"Changed: {line.changes}")
    if entry.note:
        parts.append(f"Note: {entry.note}")
    return "\n".join(parts)


HISTORY_FIELDS: tuple[Field[HistoryLine], ...] = (
    Field("When (local)", lambda h: local_time(h.entry.at), sample="2026-12-31 23:59"),
    Field("Who", lambda h: h.entry.actor, sample="Carol Jensen", tooltip=_tooltip),
    Field("Action", lambda h: humanize(h.entry.action), sample="Record seller acceptance", tooltip=_tooltip),
    Field(
        "From → to",
        lambda h: move_text(h.entry),
        sample="Awaiting seller → Seller accepted",
        tooltip=_tooltip,
    ),
    Field(
        "Changes",
        lambda h: h.changes or DASH,
        sample="amount $9,999.99 · seller insured yes · lane concession",
        tooltip=_tooltip,
    ),
    Field("Note", lambda h: h.entry.note or DASH, tooltip=_tooltip),
)


class HistoryTab(QWidget):
    title = "History"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyTab")
        self.setAccessibleName("Claim history")
        self.model: RecordTableModel[HistoryLine] = RecordTableModel(HISTORY_FIELDS, self)
        self.table = RecordTable(self.model, "historyTable", "History entries", "No history recorded.", self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)

    def tab_title(self) -> str:
        n = self.model.rowCount()
        return f"{self.title} ({n})" if n else self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        self.model.set_records(
            [HistoryLine(h, changes_text(h.changes, claim.currency)) for h in claim.history]
        )
        if claim.history:
            self.table.scrollToBottom()  # the latest move is what the adjuster looks for
