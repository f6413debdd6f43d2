"""Letters: resolution letters generated for the claim (they arrive in a later issue)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtWidgets import QVBoxLayout, QWidget

from atoz_desk.services.dto import ClaimDetail
from atoz_desk.ui.widgets import EmptyState


class LettersTab(QWidget):
    title = "Letters"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lettersTab")
        self.setAccessibleName("Letters")
        self.empty = EmptyState(
            "No letters yet",
            "Letters to the customer and seller (denials, concessions, step-ins) are listed here, "
            "archived with their SHA-256, once they are generated for this claim.",
            self,
        )
        QVBoxLayout(self).addWidget(self.empty)

    def tab_title(self) -> str:
        return self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        return None
