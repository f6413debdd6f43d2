"""Fraud: the score against the review threshold, every flag explained, and expert referrals."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from atoz_desk.services.dto import ClaimDetail, FlagInfo, ReferralInfo
from atoz_desk.ui import style
from atoz_desk.ui.formatting import DASH, humanize, local_date, local_time
from atoz_desk.ui.record_table import Field, RecordTable, RecordTableModel

_SEVERITY_COLOUR = {"high": style.DANGER, "medium": style.WARNING}


def _flag_detail(f: FlagInfo) -> str:
    text = f"{humanize(f.code)} ({f.severity}, +{f.score}, {f.status}): {f.explanation}"
    return f"{text}\nDecision: {f.decision_note}" if f.decision_note else text


FLAG_FIELDS: tuple[Field[FlagInfo], ...] = (
    Field(
        "Severity",
        lambda f: humanize(f.severity),
        sample="Medium",
        colour=lambda f: _SEVERITY_COLOUR.get(f.severity),
    ),
    Field("Rule", lambda f: humanize(f.code), sample="Amount just under limit", tooltip=_flag_detail),
    Field("Score", lambda f: f"+{f.score}", sample="+100", numeric=True),
    Field("Status", lambda f: humanize(f.status), sample="Dismissed"),
    Field("Explanation", lambda f: f.explanation, tooltip=_flag_detail),
)

REFERRAL_FIELDS: tuple[Field[ReferralInfo], ...] = (
    Field("Firm", lambda r: r.firm, sample="Northgate Forensic Review"),
    Field("Referred", lambda r: local_time(r.referred_at), sample="2026-12-31 23:59"),
    Field("Report due", lambda r: local_date(r.due_date), sample="2026-12-31"),
    Field("Outcome", lambda r: humanize(r.outcome) if r.outcome else "Waiting", sample="Unsubstantiated"),
    Field("Note", lambda r: r.outcome_note or DASH),
)


class FraudTab(QWidget):
    title = "Fraud"

    def __init__(self, high_risk_score: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fraudTab")
        self.setAccessibleName("Fraud screening")
        self._threshold = high_risk_score
        self.score_label = QLabel(self)
        self.score_label.setObjectName("fraudScore")
        self.score_label.setAccessibleName("Fraud score")
        self.score_label.setFont(style.scaled_font(self, 1.6, bold=True))
        self.verdict_label = QLabel(self)
        self.verdict_label.setObjectName("fraudVerdict")
        self.verdict_label.setWordWrap(True)
        self.flags_model: RecordTableModel[FlagInfo] = RecordTableModel(FLAG_FIELDS, self)
        self.flags = RecordTable(
            self.flags_model,
            "flagsTable",
            "Fraud flags",
            "Screening raised no fraud flags on this claim.",
            self,
        )
        self.flag_detail = QLabel(self)
        self.flag_detail.setObjectName("flagDetail")
        self.flag_detail.setAccessibleName("Selected flag")
        self.flag_detail.setWordWrap(True)
        self.flag_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.referrals_model: RecordTableModel[ReferralInfo] = RecordTableModel(REFERRAL_FIELDS, self)
        self.referrals = RecordTable(
            self.referrals_model,
            "referralsTable",
            "Expert referrals",
            "Not referred to external experts.",
            self,
        )
        self.referrals_caption = QLabel("Expert referrals", self)
        self.referrals_caption.setFont(style.scaled_font(self, 1.0, bold=True))
        top = QHBoxLayout()
        top.addWidget(self.score_label)
        top.addSpacing(12)
        top.addWidget(self.verdict_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.flags, 3)
        layout.addWidget(self.flag_detail)
        layout.addWidget(self.referrals_caption)
        layout.addWidget(self.referrals, 1)
        self.flags.selectionModel().currentRowChanged.connect(self._flag_chosen)

    def tab_title(self) -> str:
        n = self.flags_model.rowCount()
        return f"{self.title} ({n})" if n else self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        score, limit = claim.fraud_score, self._threshold
        high = score >= limit
        self.score_label.setText(f"{score} / 100")
        self.score_label.setStyleSheet(f"color: {style.WARNING if high else style.SUCCESS};")
        open_flags = sum(1 for f in claim.flags if f.status == "open")
        self.verdict_label.setText(
            (
                f"High risk: at or above the review threshold of {limit}."
                if high
                else f"Below the review threshold of {limit}."
            )
            + f" {len(claim.flags)} flag{'s' if len(claim.flags) != 1 else ''}, {open_flags} open."
        )
        self.flags_model.set_records(claim.flags)
        self.flag_detail.setText("Select a flag to read its full explanation." if claim.flags else "")
        self.referrals_model.set_records(claim.referrals)
        self.referrals.setVisible(bool(claim.referrals))
        self.referrals_caption.setVisible(bool(claim.referrals))

    def _flag_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        flag = self.flags_model.record_at(current.row()) if current.isValid() else None
        self.flag_detail.setText(_flag_detail(flag) if flag else "")
