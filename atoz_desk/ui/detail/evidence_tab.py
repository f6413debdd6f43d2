"""Evidence: what the customer sent. Files arrive in a later issue; for now the count, or an empty state."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QVBoxLayout, QWidget

from atoz_desk.services.dto import ClaimDetail
from atoz_desk.ui.widgets import EmptyState


class EvidenceTab(QWidget):
    title = "Evidence"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceTab")
        self.setAccessibleName("Evidence")
        self.count = 0
        self.empty = EmptyState("No evidence yet", "", self)
        QVBoxLayout(self).addWidget(self.empty)

    def tab_title(self) -> str:
        return f"{self.title} ({self.count})" if self.count else self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        self.count = claim.evidence_count
        if self.count:
            files = f"{self.count} evidence file{'s' if self.count != 1 else ''} on record"
            self.empty.set_text(
                files, "Each file is stored with its SHA-256; viewing them here comes in a later release."
            )
        else:
            self.empty.set_text(
                "No evidence yet",
                "Photos, receipts, medical records and repair estimates the customer sends "
                "for this claim will be listed here.",
            )
