"""Payments & Recovery: money paid to the customer and money recovered from the seller."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from atoz_desk.services.dto import ClaimDetail, PaymentInfo, RecoveryInfo
from atoz_desk.ui import style
from atoz_desk.ui.formatting import DASH, humanize, local_time, money
from atoz_desk.ui.record_table import Field, RecordTable, RecordTableModel

PAYMENT_FIELDS: tuple[Field[PaymentInfo], ...] = (
    Field("Issued", lambda p: local_time(p.issued_at), sample="2026-12-31 23:59"),
    Field("Payer", lambda p: humanize(p.payer), sample="Marketplace"),
    Field("Amount", lambda p: money(p.amount, p.currency), sample="$999,999.99", numeric=True),
    Field(
        "Status",
        lambda p: humanize(p.status),
        sample="Confirmed",
        colour=lambda p: style.SUCCESS if p.status == "confirmed" else None,
    ),
    Field("Confirmed", lambda p: local_time(p.confirmed_at) if p.confirmed_at else "Waiting"),
)

RECOVERY_FIELDS: tuple[Field[RecoveryInfo], ...] = (
    Field("Opened", lambda r: local_time(r.opened_at), sample="2026-12-31 23:59"),
    Field("Amount", lambda r: money(r.amount, r.currency), sample="$999,999.99", numeric=True),
    Field("Recovered", lambda r: money(r.recovered_amount, r.currency), sample="$999,999.99", numeric=True),
    Field(
        "Status",
        lambda r: humanize(r.status),
        sample="Written off",
        colour=lambda r: style.WARNING if r.status == "open" else None,
    ),
    Field("Closed", lambda r: local_time(r.closed_at) if r.closed_at else DASH, sample="2026-12-31 23:59"),
    Field("Reason", lambda r: r.reason),
)


class PaymentsTab(QWidget):
    title = "Payments && Recovery"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentsTab")
        self.setAccessibleName("Payments and recovery")
        self.payments_model: RecordTableModel[PaymentInfo] = RecordTableModel(PAYMENT_FIELDS, self)
        self.recoveries_model: RecordTableModel[RecoveryInfo] = RecordTableModel(RECOVERY_FIELDS, self)
        self.payments = RecordTable(
            self.payments_model,
            "paymentsTable",
            "Payments",
            "No payment has been issued on this claim.",
            self,
        )
        self.recoveries = RecordTable(
            self.recoveries_model,
            "recoveriesTable",
            "Recoveries",
            "No recovery is open against the seller.",
            self,
        )
        self.defense_label = QLabel(self)
        self.defense_label.setObjectName("defenseOpen")
        self.defense_label.setWordWrap(True)
        self.defense_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._caption("Payments to the customer"))
        layout.addWidget(self.payments, 1)
        layout.addWidget(self._caption("Recovery from the seller"))
        layout.addWidget(self.recoveries, 1)
        layout.addWidget(self.defense_label)

    def _caption(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setFont(style.scaled_font(self, 1.0, bold=True))
        return label

    def tab_title(self) -> str:
        n = self.payments_model.rowCount() + self.recoveries_model.rowCount()
        return f"Payments && Recovery ({n})" if n else self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        self.payments_model.set_records(claim.payments)
        self.recoveries_model.set_records(claim.recoveries)
        if claim.defense_open:
            self.defense_label.setText(
                "The seller's defense is open: the marketplace stepped in and the seller may still show "
                "the product was not at fault. A supervisor records the outcome."
            )
            self.defense_label.show()
        else:
            self.defense_label.hide()
