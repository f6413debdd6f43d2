"""The read-only summary of one claim: who, what, how much, insurance, flags and history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.money import format_money
from atoz_desk.services.dto import ClaimDetail, FlagInfo, HistoryInfo
from atoz_desk.ui.claims_model import incident_label, local_time, state_label

_FIELDS = (
    ("customer", "Customer"),
    ("seller", "Seller"),
    ("product", "Product"),
    ("incident", "Incident"),
    ("amounts", "Amounts"),
    ("assignee", "Assignee"),
    ("due", "Due"),
    ("fraud", "Fraud score"),
    ("insurance", "Insurance"),
)


def money_or_dash(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency) if amount is not None else "—"


def flag_line(flag: FlagInfo) -> str:
    line = f"{flag.code} ({flag.severity}, +{flag.score}, {flag.status}): {flag.explanation}"
    return f"{line} — {flag.decision_note}" if flag.decision_note else line


def history_line(entry: HistoryInfo) -> str:
    move = ""
    if entry.to_state and entry.from_state != entry.to_state:
        start = f" {state_label(entry.from_state)}" if entry.from_state else ""
        move = f"{start} → {state_label(entry.to_state)}"
    note = f": {entry.note}" if entry.note else ""
    return f"{local_time(entry.at)}  {entry.actor}  {entry.action.replace('_', ' ')}{move}{note}"


def _when(at: datetime | None) -> str:
    return local_time(at) if at is not None else "—"


class ClaimDetailPane(QStackedWidget):
    """Shows a ClaimDetail, a loading note, or a prompt to choose a claim."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("claimDetail")
        self.setAccessibleName("Claim detail")
        self.detail: ClaimDetail | None = None

        self.placeholder = QLabel("Choose a claim in the list to see it here.", self)
        self.placeholder.setObjectName("claimDetailPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.addWidget(self.placeholder)

        content = QWidget(self)
        self.reference_label = QLabel(content)
        self.reference_label.setObjectName("claimReference")
        self.reference_label.setAccessibleName("Claim reference")
        heading = QFont(self.font())
        heading.setPointSizeF(heading.pointSizeF() * 1.3)
        heading.setBold(True)
        self.reference_label.setFont(heading)
        self.state_label = QLabel(content)
        self.state_label.setObjectName("claimState")
        self.state_label.setAccessibleName("Claim state")
        self.state_label.setFont(heading)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.fields: dict[str, QLabel] = {}
        for key, title in _FIELDS:
            value = QLabel(content)
            value.setObjectName(f"claim_{key}")
            value.setAccessibleName(title)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setTextFormat(Qt.TextFormat.PlainText)
            form.addRow(f"{title}:", value)
            self.fields[key] = value

        self.flags_text = self._read_only_text(content, "claimFlags", "Fraud flags")
        self.history_text = self._read_only_text(content, "claimHistory", "Claim history")

        title_row = QHBoxLayout()
        title_row.addWidget(self.reference_label)
        title_row.addSpacing(12)
        title_row.addWidget(self.state_label)
        title_row.addStretch(1)

        # one line per field (wrapped labels in a form get clipped when short of room);
        # the summary scrolls instead, both ways
        summary = QWidget(content)
        left = QVBoxLayout(summary)
        left.setContentsMargins(0, 0, 0, 0)
        left.addLayout(title_row)
        left.addLayout(form)
        left.addStretch(1)
        summary_scroll = QScrollArea(content)
        summary_scroll.setObjectName("claimSummary")
        summary_scroll.setAccessibleName("Claim summary")
        summary_scroll.setWidget(summary)
        summary_scroll.setWidgetResizable(True)
        summary_scroll.setFrameShape(QFrame.Shape.NoFrame)
        right = QVBoxLayout()
        right.addWidget(self._caption("Fraud flags", self.flags_text, content))
        right.addWidget(self.flags_text, 1)
        right.addWidget(self._caption("History", self.history_text, content))
        right.addWidget(self.history_text, 2)
        columns = QHBoxLayout(content)
        columns.addWidget(summary_scroll, 1)
        columns.addLayout(right, 1)
        self.content = content
        self.addWidget(content)

    @staticmethod
    def _read_only_text(parent: QWidget, name: str, accessible: str) -> QPlainTextEdit:
        text = QPlainTextEdit(parent)
        text.setObjectName(name)
        text.setAccessibleName(accessible)
        text.setReadOnly(True)
        text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        text.setTabChangesFocus(True)
        return text

    @staticmethod
    def _caption(title: str, buddy: QWidget, parent: QWidget) -> QLabel:
        caption = QLabel(f"<b>{title}</b>", parent)
        caption.setBuddy(buddy)
        return caption

    def show_prompt(self, message: str = "Choose a claim in the list to see it here.") -> None:
        self.detail = None
        self.placeholder.setText(message)
        self.setCurrentWidget(self.placeholder)

    def show_claim(self, claim: ClaimDetail) -> None:
        self.detail = claim
        cur = claim.currency
        self.reference_label.setText(claim.reference)
        self.state_label.setText(claim.state_label)
        customer, seller = claim.customer, claim.seller
        values = {
            "customer": f"{customer.get('name', '')} <{customer.get('email', '')}>",
            "seller": f"{seller.get('name', '')} ({seller.get('external_id', '')})",
            "product": str(claim.product.get("title", "")),
            "incident": f"{incident_label(claim.incident_type)} on {claim.incident_date.isoformat()}, "
            f"filed {local_time(claim.filed_at)}",
            "amounts": f"claimed {format_money(claim.amount_claimed, cur)}, "
            f"approved {money_or_dash(claim.approved_amount, cur)}",
            "assignee": claim.assignee or "Unassigned",
            "due": _when(claim.due_at),
            "fraud": str(claim.fraud_score),
            "insurance": claim.insurance.summary,
        }
        for key, text in values.items():
            self.fields[key].setText(text)
            self.fields[key].setToolTip(text)
        self.flags_text.setPlainText("\n".join(flag_line(f) for f in claim.flags) or "No fraud flags.")
        self.history_text.setPlainText("\n".join(history_line(h) for h in claim.history) or "No history.")
        self.setCurrentWidget(self.content)
