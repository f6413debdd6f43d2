"""The claim detail pane: header, actions, and the seven tabs (each its own module).

Only the Summary tab is built with the pane. Every other tab is built, and its
module imported, the first time it is shown, and a tab is filled with the open
claim when it is shown: opening a claim fills the tab in view, not all seven,
and a tab that reads its own records (letters, evidence previews, fraud
overview) reads them for the claim on screen when the user looks at it.
The titles of tabs not filled yet are counted from the ClaimDetail.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, cast

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from atoz_desk.services.dto import ClaimDetail
from atoz_desk.ui import style
from atoz_desk.ui.actions_bar import ActionsBar
from atoz_desk.ui.detail.summary_tab import SummaryTab
from atoz_desk.ui.formatting import countdown, incident_label, is_open_state, money
from atoz_desk.ui.widgets import Banner, EmptyState

if TYPE_CHECKING:
    from atoz_desk.domain.transitions import Actor
    from atoz_desk.services import Services
    from atoz_desk.ui.detail.correspondence_tab import CorrespondenceTab
    from atoz_desk.ui.detail.evidence_tab import EvidenceTab
    from atoz_desk.ui.detail.fraud_tab import FraudTab
    from atoz_desk.ui.detail.history_tab import HistoryTab
    from atoz_desk.ui.detail.letters_tab import LettersTab
    from atoz_desk.ui.detail.payments_tab import PaymentsTab
    from atoz_desk.ui.tasks import TaskRunner

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

SUMMARY, EVIDENCE, FRAUD, CORRESPONDENCE, PAYMENTS, LETTERS, HISTORY = range(7)
"""The tabs' places (Ctrl+1 … Ctrl+7 and `show_tab` count from SUMMARY = 0)."""


class _Page(Protocol):
    """What the pane asks of a tab."""

    def tab_title(self) -> str: ...
    def show_claim(self, claim: ClaimDetail, now: datetime, /) -> None: ...


@dataclass(frozen=True)
class _TabSpec:
    title: str
    """As the tab class's `title` ("&&" shows one "&")."""
    count: Callable[[ClaimDetail], int] | None
    """The number in the title, from the claim; None where only the tab knows it (it reads it)."""

    def title_for(self, claim: ClaimDetail | None) -> str:
        n = self.count(claim) if self.count is not None and claim is not None else 0
        return f"{self.title} ({n})" if n else self.title


_TABS = (
    _TabSpec("Summary", None),
    _TabSpec("Evidence", lambda c: len(c.evidence) or c.evidence_count),
    _TabSpec("Fraud", lambda c: len(c.flags)),
    _TabSpec("Correspondence", lambda c: len(c.correspondence)),
    _TabSpec("Payments && Recovery", lambda c: len(c.payments) + len(c.recoveries)),
    _TabSpec("Letters", lambda c: c.letter_count),
    _TabSpec("History", lambda c: len(c.history)),
)


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
        self._now: datetime | None = None
        self._high_risk_score = high_risk_score
        self._services: tuple[Services, Actor, TaskRunner] | None = None

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
        # each other tab sits in an empty holder until it is first shown (then built into it)
        self._holders: list[QWidget] = [self.summary_tab]
        self._pages: list[QWidget | None] = [self.summary_tab]
        self._filled: list[ClaimDetail | None] = [None] * len(_TABS)
        """The claim each tab shows (the very object): another one means the tab is filled again."""
        self.tabs.addTab(self.summary_tab, _TABS[SUMMARY].title)
        for spec in _TABS[SUMMARY + 1 :]:
            holder = QWidget(self.tabs)
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 0, 0, 0)
            self._holders.append(holder)
            self._pages.append(None)
            self.tabs.addTab(holder, spec.title)
        self.tabs.currentChanged.connect(self._tab_shown)

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
        """Tabs that read more than the ClaimDetail (letters, evidence files) get the services and runner
        when they are built."""
        self._services = (services, actor, runner)
        for page in self._pages:
            if page is not None:
                self._attach(page)

    def _attach(self, page: QWidget) -> None:
        attach = getattr(page, "use_services", None)
        if attach is not None and self._services is not None:
            attach(*self._services)

    # ------------------------------------------------------------------ tabs

    @property
    def evidence_tab(self) -> EvidenceTab:
        """The Evidence tab, built and filled with the open claim if it was not yet (so are the others)."""
        return cast("EvidenceTab", self.tab(EVIDENCE))

    @property
    def fraud_tab(self) -> FraudTab:
        return cast("FraudTab", self.tab(FRAUD))

    @property
    def correspondence_tab(self) -> CorrespondenceTab:
        return cast("CorrespondenceTab", self.tab(CORRESPONDENCE))

    @property
    def payments_tab(self) -> PaymentsTab:
        return cast("PaymentsTab", self.tab(PAYMENTS))

    @property
    def letters_tab(self) -> LettersTab:
        return cast("LettersTab", self.tab(LETTERS))

    @property
    def history_tab(self) -> HistoryTab:
        return cast("HistoryTab", self.tab(HISTORY))

    def tab(self, index: int) -> QWidget:
        """Tab `index`, built if it was not and showing the open claim (never an earlier one)."""
        page = self._build(index)
        self._fill(index)
        return page

    def current_tab(self) -> QWidget | None:
        """The tab in view (None only before a tab not built yet is shown)."""
        return self._pages[self.tabs.currentIndex()]

    def is_built(self, index: int) -> bool:
        return self._pages[index] is not None

    def _build(self, index: int) -> QWidget:
        page = self._pages[index]
        if page is not None:
            return page
        holder = self._holders[index]
        page = self._make(index, holder)
        self._pages[index] = page
        holder_layout = holder.layout()
        assert holder_layout is not None
        holder_layout.addWidget(page)
        holder.setFocusProxy(page)
        page.show()  # at once: the keyboard focus may go to it before the next event
        retitled = getattr(page, "title_changed", None)  # tabs that load their own records later
        if retitled is not None:
            retitled.connect(self._retitle_tabs)
        for name in ("claim_written", "reload_requested", "open_claim"):  # tabs that write or link
            relay = getattr(page, name, None)
            if relay is not None:
                relay.connect(getattr(self, name))
        self._attach(page)
        return page

    def _make(self, index: int, parent: QWidget) -> QWidget:
        """A tab, its module imported only now (the Evidence and Letters tabs bring QtPdf)."""
        if index == EVIDENCE:
            from atoz_desk.ui.detail.evidence_tab import EvidenceTab

            return EvidenceTab(parent)
        if index == FRAUD:
            from atoz_desk.ui.detail.fraud_tab import FraudTab

            return FraudTab(self._high_risk_score, parent)
        if index == CORRESPONDENCE:
            from atoz_desk.ui.detail.correspondence_tab import CorrespondenceTab

            return CorrespondenceTab(parent)
        if index == PAYMENTS:
            from atoz_desk.ui.detail.payments_tab import PaymentsTab

            return PaymentsTab(parent)
        if index == LETTERS:
            from atoz_desk.ui.detail.letters_tab import LettersTab

            return LettersTab(parent)
        if index == HISTORY:
            from atoz_desk.ui.detail.history_tab import HistoryTab

            return HistoryTab(parent)
        raise IndexError(index)

    def _fill(self, index: int) -> None:
        """The tab shows the open claim: filled now if it shows none or an earlier copy."""
        claim, now, page = self.detail, self._now, self._pages[index]
        if claim is None or now is None or page is None or self._filled[index] is claim:
            return
        self._filled[index] = claim
        cast(_Page, page).show_claim(claim, now)
        self.tabs.setTabText(index, self._title(index))

    def _tab_shown(self, index: int) -> None:
        if 0 <= index < len(self._pages):
            self._build(index)
            self._fill(index)

    def _title(self, index: int) -> str:
        page = self._pages[index]
        if page is not None and self._filled[index] is self.detail:
            return cast(_Page, page).tab_title()
        return _TABS[index].title_for(self.detail)  # not filled with this claim yet

    def _retitle_tabs(self) -> None:
        for index in range(self.tabs.count()):
            self.tabs.setTabText(index, self._title(index))

    @staticmethod
    def tab_titles() -> list[str]:
        return [spec.title.replace("&&", "&") for spec in _TABS]

    # ----------------------------------------------------------------- claim

    def show_prompt(self, message: str = PROMPT, title: str = "No claim open") -> None:
        self.detail = None
        self.actions_bar.clear()
        self.placeholder.set_text(title, message)
        self.setCurrentWidget(self.placeholder)

    def set_loading(self, loading: bool) -> None:
        self.loading_label.setVisible(loading)

    def show_tab(self, number: int) -> None:
        if 0 <= number < self.tabs.count() and self.detail is not None:
            self.tabs.setCurrentIndex(number)  # builds and fills it
            self.tab(number).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        """Show the claim: the header and the tab in view now, every other tab when it is shown."""
        if self.detail is None or self.detail.reference != claim.reference:
            self.update_banner.clear()  # "updated by" is about the claim it was shown on
        self.detail, self._now = claim, now
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
        current = self.tabs.currentIndex()
        self._build(current)
        self._fill(current)
        self._retitle_tabs()
        self.setCurrentWidget(self.content)
