"""The claim detail pane: header, actions, and the seven tabs (each its own module)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.dto import ClaimDetail
from atoz_desk.ui import style
from atoz_desk.ui.actions_bar import ActionsBar
from atoz_desk.ui.detail.correspondence_tab import CorrespondenceTab
from atoz_desk.ui.detail.evidence_tab import EvidenceTab
from atoz_desk.ui.detail.fraud_tab import FraudTab
from atoz_desk.ui.detail.history_tab import HistoryTab
from atoz_desk.ui.detail.letters_tab import LettersTab
from atoz_desk.ui.detail.payments_tab import PaymentsTab
from atoz_desk.ui.detail.summary_tab import SummaryTab
from atoz_desk.ui.formatting import countdown, incident_label, is_open_state, money
from atoz_desk.ui.tasks import TaskRunner
from atoz_desk.ui.widgets import Banner, EmptyState

PROMPT = (
    "Choose a claim in the queue, or press Ctrl+N to take the next new claim, "
    "Ctrl+K to find one, J / K to move through the queue."
)

_STATE_COLOURS = {
    "denied": "#8a1c12",
    "withdrawn": "#5f6b7a",
    "closed": "#5f6b7a",
    "paid": "#1e7b34",
    "fraud_review": "#b54708",
    "expert_review": "#b54708",
    "escalated": "#8a1c12",
    "seller_rejected": "#8a1c12",
}


class ClaimDetailPane(QStackedWidget):
    """Shows a ClaimDetail with its actions, or an empty state while none is chosen."""

    claim_written = Signal(str)
    """A tab wrote to the claim (evidence added, a flag decided, re-screened): reload it and its row."""
    reload_requested = Signal()
    """A tab's write met a newer claim and the user chose Reload."""
    open_claim = Signal(str)
    """A tab asks to open another claim (a linked claim) by reference."""

    def __init__(self, high_risk_score: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("claimDetail")
        self.setAccessibleName("Claim detail")
        self.detail: ClaimDetail | None = None

        self.placeholder = EmptyState("No claim open", PROMPT, self)
        self.placeholder.setObjectName("claimDetailPlaceholder")
        self.addWidget(self.placeholder)

        content = QWidget(self)
        self.reference_label = QLabel(content)
        self.reference_label.setObjectName("claimReference")
        self.reference_label.setAccessibleName("Claim reference")
        self.reference_label.setFont(style.scaled_font(self, 1.35, bold=True))
        self.reference_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state_label = QLabel(content)
        self.state_label.setObjectName("claimState")
        self.state_label.setAccessibleName("Claim state")
        self.headline_label = QLabel(content)
        self.headline_label.setObjectName("claimHeadline")
        self.headline_label.setAccessibleName("Claim headline")
        self.due_label = QLabel(content)
        self.due_label.setObjectName("claimDue")
        self.due_label.setAccessibleName("Due")
        self.loading_label = QLabel("Loading…", content)
        self.loading_label.setProperty("role", "caption")
        self.loading_label.hide()

        self.update_banner = Banner(content)
        self.update_banner.setObjectName("claimUpdatedBanner")
        self.actions_bar = ActionsBar(content)
        self.tabs = QTabWidget(content)
        self.tabs.setObjectName("detailTabs")
        self.tabs.setAccessibleName("Claim detail tabs")
        self.tabs.setDocumentMode(True)
        self.summary_tab = SummaryTab(content)
        self.evidence_tab = EvidenceTab(content)
        self.fraud_tab = FraudTab(high_risk_score, content)
        self.correspondence_tab = CorrespondenceTab(content)
        self.payments_tab = PaymentsTab(content)
        self.letters_tab = LettersTab(content)
        self.history_tab = HistoryTab(content)
        self.pages = (
            self.summary_tab,
            self.evidence_tab,
            self.fraud_tab,
            self.correspondence_tab,
            self.payments_tab,
            self.letters_tab,
            self.history_tab,
        )
        for page in self.pages:
            self.tabs.addTab(page, page.title)
            retitled = getattr(page, "title_changed", None)  # tabs that load their own records later
            if retitled is not None:
                retitled.connect(self._retitle_tabs)
            for name in ("claim_written", "reload_requested", "open_claim"):  # tabs that write or link
                relay = getattr(page, name, None)
                if relay is not None:
                    relay.connect(getattr(self, name))

        title_row = QHBoxLayout()
        title_row.setSpacing(10)
        title_row.addWidget(self.reference_label)
        title_row.addWidget(self.state_label)
        title_row.addWidget(self.headline_label, 1)
        title_row.addWidget(self.loading_label)
        title_row.addWidget(self.due_label)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(8, 6, 8, 0)
        layout.setSpacing(6)
        layout.addLayout(title_row)
        layout.addWidget(self.update_banner)
        layout.addWidget(self.actions_bar)
        layout.addWidget(self.tabs, 1)
        self.content = content
        self.addWidget(content)

    def use_services(self, services: Services, actor: Actor, runner: TaskRunner) -> None:
        """Tabs that read more than the ClaimDetail (letters, evidence files) get the services and runner."""
        for page in self.pages:
            attach = getattr(page, "use_services", None)
            if attach is not None:
                attach(services, actor, runner)

    def _retitle_tabs(self) -> None:
        for index, page in enumerate(self.pages):
            self.tabs.setTabText(index, page.tab_title())

    @staticmethod
    def tab_titles() -> list[str]:
        return [
            p.title.replace("&&", "&")
            for p in (
                SummaryTab,
                EvidenceTab,
                FraudTab,
                CorrespondenceTab,
                PaymentsTab,
                LettersTab,
                HistoryTab,
            )
        ]

    def show_prompt(self, message: str = PROMPT, title: str = "No claim open") -> None:
        self.detail = None
        self.actions_bar.clear()
        self.placeholder.set_text(title, message)
        self.setCurrentWidget(self.placeholder)

    def set_loading(self, loading: bool) -> None:
        self.loading_label.setVisible(loading)

    def show_tab(self, number: int) -> None:
        if 0 <= number < self.tabs.count() and self.detail is not None:
            self.tabs.setCurrentIndex(number)
            self.tabs.currentWidget().setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        if self.detail is None or self.detail.reference != claim.reference:
            self.update_banner.clear()  # "updated by" is about the claim it was shown on
        self.detail = claim
        self.set_loading(False)
        self.reference_label.setText(claim.reference)
        colour = _STATE_COLOURS.get(claim.state, style.ACCENT)
        self.state_label.setText(claim.state_label)
        self.state_label.setStyleSheet(
            f"color: white; background: {colour}; border-radius: 9px; padding: 2px 10px; font-weight: bold;"
        )
        amount = money(
            claim.approved_amount if claim.approved_amount is not None else claim.amount_claimed,
            claim.currency,
        )
        approved = "approved" if claim.approved_amount is not None else "claimed"
        who = claim.assignee or "unassigned"
        self.headline_label.setText(
            f"{claim.customer.get('name', '')} · {incident_label(claim.incident_type)} · "
            f"{amount} {approved} · {who}"
        )
        self.headline_label.setToolTip(self.headline_label.text())
        if is_open_state(claim.state):
            left, overdue = countdown(claim.due_at, now)
            self.due_label.setText(("⚠ " if overdue else "") + left.capitalize())
            self.due_label.setStyleSheet(f"color: {style.DANGER}; font-weight: bold;" if overdue else "")
            self.due_label.setToolTip("Time to the claim's next deadline (Summary lists them all)")
        else:
            self.due_label.setText("")
        for index, page in enumerate(self.pages):
            page.show_claim(claim, now)
            self.tabs.setTabText(index, page.tab_title())
        self.setCurrentWidget(self.content)
