"""The main window: a shell that composes the panels and wires them together.

Queues on the left (QueueNav), the filtered queue table in the middle
(QueuePanel), the open claim below it (ClaimDetailPane) driven by the
ClaimController, commands from the Commands registry, and a status bar with
the user, the database and the connection. Each of those is its own module.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QSplitter, QVBoxLayout, QWidget

from atoz_desk import __version__
from atoz_desk.domain.errors import DatabaseUnavailable, DomainError
from atoz_desk.domain.states import Role
from atoz_desk.services.queues import QUEUE_BY_ID, QueueId, visible_queues
from atoz_desk.ui.actions_bar import primary_action
from atoz_desk.ui.claim_controller import ClaimController
from atoz_desk.ui.commands import Commands
from atoz_desk.ui.connection import ConnectionIndicator
from atoz_desk.ui.detail.pane import ClaimDetailPane
from atoz_desk.ui.formatting import first_upper, is_open_state, role_label, state_label
from atoz_desk.ui.live import LiveUpdates
from atoz_desk.ui.queue_model import PAGE_SIZE
from atoz_desk.ui.queue_nav import QueueNav
from atoz_desk.ui.queue_panel import QueuePanel
from atoz_desk.ui.search_palette import SearchPalette
from atoz_desk.ui.sync_client import SyncClient
from atoz_desk.ui.widgets import Banner

if TYPE_CHECKING:  # the dialogs and the letter batch are imported when first used
    from atoz_desk.domain.transitions import Actor
    from atoz_desk.services import Services
    from atoz_desk.services.dto import ActionOption, ClaimDetail
    from atoz_desk.ui.letter_batch import LetterBatch
    from atoz_desk.ui.new_claim_dialog import NewClaimDialog
    from atoz_desk.ui.settings import DeskSettings
    from atoz_desk.ui.tasks import TaskRunner
    from atoz_desk.ui.workload import WorkloadDialog

STATUS_MESSAGE_MS = 8000
COUNTS_REFRESH_MS = 30_000
WARM_UP_DELAY_MS = 1000

LATER_MODULES = (
    "atoz_desk.ui.action_dialog",
    "atoz_desk.ui.detail.evidence_tab",
    "atoz_desk.ui.detail.fraud_tab",
    "atoz_desk.ui.detail.correspondence_tab",
    "atoz_desk.ui.detail.payments_tab",
    "atoz_desk.ui.detail.letters_tab",
    "atoz_desk.ui.detail.history_tab",
    "atoz_desk.ui.flag_decision_dialog",
    "atoz_desk.ui.evidence_add",
    "atoz_desk.ui.reassign_dialog",
    "atoz_desk.ui.new_claim_dialog",
    "atoz_desk.ui.letter_batch",
    "atoz_desk.ui.shortcuts_dialog",
    "atoz_desk.ui.workload",
)
"""What the window imports only when first used (the claim's other tabs, the dialogs), likeliest
first. Importing this module leaves them out; the window imports them on a worker once the
adjuster pauses after its first page (`warm_up`), so first use on the GUI thread finds them loaded."""


def warm_up(services: Services) -> None:
    """Import LATER_MODULES and make the services they use (on a worker: no widget is touched)."""
    for name in LATER_MODULES:
        importlib.import_module(name)
    for service in ("claims", "workflow", "assignment", "evidence", "fraud", "letters"):
        getattr(services, service)


def warm_claim_reads(services: Services, actor: Actor, reference: str) -> None:
    """Read a claim as opening it would, and drop the result: the statements are compiled after."""
    services.claims.detail(reference)
    services.workflow.actions_for(reference, actor)


class MainWindow(QMainWindow):
    sign_out_requested = Signal(bool)
    """The user signs out (False) or switches user (True); the session closes this window."""
    closed = Signal()

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        *,
        database_label: str,
        settings: DeskSettings,
        page_size: int = PAGE_SIZE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._runner, self._settings = services, runner, settings
        self.actor = actor
        self.supervisor = actor.role in (Role.SUPERVISOR, Role.ADMIN)
        self._counts_task: int | None = None
        self._counts_again = False
        self.new_claim_dialog: NewClaimDialog | None = None
        self.workload_dialog: WorkloadDialog | None = None
        self.setWindowTitle(f"AtoZ Desk — {actor.display_name}")
        self.setObjectName("mainWindow")
        self.setAccessibleName("AtoZ Desk")

        self.queue_nav = QueueNav(visible_queues(actor), self)
        self.queue_panel = QueuePanel(services, actor, runner, settings, self, page_size=page_size)
        self.claims_model, self.claims_view = self.queue_panel.model, self.queue_panel.view
        self.filter_bar = self.queue_panel.filter_bar
        # the first page and the counts are asked for now: the database works on them while the
        # rest of the window is built
        self.queue_nav.queue_chosen.connect(self._show_queue)
        start = settings.last_queue()
        self.queue_nav.choose(start if start is not None and self.queue_nav.has_queue(start) else QueueId.MY)
        self.refresh_counts()
        self.detail_pane = ClaimDetailPane(services.policy.fraud_review_score, self)
        self.detail_pane.use_services(services, actor, runner)
        self.actions_bar = self.detail_pane.actions_bar
        self.controller = ClaimController(services, actor, runner, self)
        self.commands = Commands(self, supervisor=self.supervisor)
        self.commands.set_tab_titles(ClaimDetailPane.tab_titles())
        self.actions_bar.set_extra_actions([self.commands.reassign])
        self.offline_banner = Banner(self)
        self.search = SearchPalette(services.queues, runner, self)
        self._letter_batch: LetterBatch | None = None
        self.counts_timer = QTimer(self)
        self.counts_timer.setObjectName("countsTimer")
        self.counts_timer.setInterval(COUNTS_REFRESH_MS)
        self.warm_up_timer = QTimer(self)
        self.warm_up_timer.setObjectName("warmUpTimer")
        self.warm_up_timer.setSingleShot(True)
        self.warm_up_timer.setInterval(WARM_UP_DELAY_MS)

        self._build_layout()
        self.actions_menu = self.commands.build_menus()
        self.commands.build_toolbar()
        self._build_status_bar(database_label)
        sync = SyncClient(services, runner, actor.user_id, self, poll_ms=settings.sync_poll_ms())
        self.live = LiveUpdates(self, sync)
        self._wire()
        self._restore_window()
        self.counts_timer.start()
        self.live.start()

    # ---------------------------------------------------------------- layout

    def _build_layout(self) -> None:
        self.detail_splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.detail_splitter.setObjectName("queueDetailSplitter")
        self.detail_splitter.addWidget(self.queue_panel)
        self.detail_splitter.addWidget(self.detail_pane)
        self.detail_splitter.setStretchFactor(0, 5)
        self.detail_splitter.setStretchFactor(1, 6)
        self.detail_splitter.setChildrenCollapsible(False)
        self.nav_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.nav_splitter.setObjectName("navSplitter")
        self.nav_splitter.addWidget(self.queue_nav)
        self.nav_splitter.addWidget(self.detail_splitter)
        self.nav_splitter.setStretchFactor(1, 1)
        self.nav_splitter.setChildrenCollapsible(False)
        self.nav_splitter.setSizes([self.queue_nav.minimumWidth(), 1200])
        self.detail_splitter.setSizes([380, 460])
        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.addWidget(self.offline_banner)
        layout.addWidget(self.nav_splitter, 1)
        self.setCentralWidget(central)
        self.resize(1440, 900)

    def _build_status_bar(self, database_label: str) -> None:
        role = role_label(self.actor.role)
        self.user_label = QLabel(f"Signed in as {self.actor.display_name} ({role})", self)
        self.user_label.setObjectName("statusUser")
        self.user_label.setAccessibleName("Signed-in user")
        self.database_label = QLabel(f"Database: {database_label}", self)
        self.database_label.setObjectName("statusDatabase")
        self.database_label.setAccessibleName("Database")
        self.connection = ConnectionIndicator(self)
        for label in (self.connection, self.user_label, self.database_label):
            label.setContentsMargins(8, 0, 8, 0)
            self.statusBar().addPermanentWidget(label)

    def _restore_window(self) -> None:
        geometry = self._settings.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        nav, detail = self._settings.window_splitters()
        if nav is not None:
            self.nav_splitter.restoreState(nav)
        if detail is not None:
            self.detail_splitter.restoreState(detail)

    def _wire(self) -> None:
        c, ctl, panel = self.commands, self.controller, self.queue_panel
        self.queue_nav.queue_reselected.connect(lambda _queue: self.refresh())
        panel.claim_chosen.connect(ctl.open)
        panel.problem.connect(self.show_status)
        ctl.loading.connect(self._claim_loading)
        ctl.loaded.connect(self._claim_loaded)
        ctl.load_failed.connect(self._claim_refused)
        ctl.changed.connect(self._claim_changed)
        ctl.message.connect(self.show_status)
        self.actions_bar.invoked.connect(ctl.invoke)
        self.detail_pane.claim_written.connect(ctl.written_by_tab)
        self.detail_pane.reload_requested.connect(ctl.reload)
        self.detail_pane.open_claim.connect(self.open_claim)
        self.search.open_claim.connect(self.open_claim)
        self.counts_timer.timeout.connect(self._tick)
        self.claims_model.page_loaded.connect(self._first_page_loaded)
        # the warm-up waits for a second in which the adjuster asked for nothing: its Python
        # shares the GIL with the GUI thread, so beside a queue, sort, filter or claim it is felt
        self.claims_model.page_loaded.connect(self._postpone_warm_up)
        ctl.loading.connect(self._postpone_warm_up)
        self.warm_up_timer.timeout.connect(self._warm_up)
        self._runner.problem.connect(self.show_status)
        self._runner.unavailable.connect(self.live.went_offline)
        self.actions_menu.aboutToShow.connect(self._fill_actions_menu)
        c.columns_menu.aboutToShow.connect(lambda: self.claims_view.fill_column_menu(c.columns_menu))
        c.take_next.triggered.connect(ctl.take_next)
        c.find.triggered.connect(self.search.popup)
        c.next_claim.triggered.connect(lambda: panel.step(1))
        c.previous_claim.triggered.connect(lambda: panel.step(-1))
        c.primary.triggered.connect(self.primary_action)
        c.reassign.triggered.connect(ctl.reassign)
        c.letter_batch.triggered.connect(lambda: self.letter_batch.start(panel.selected_references()))
        c.refresh.triggered.connect(self.refresh)
        c.filter.triggered.connect(self._focus_filter)
        c.next_pane.triggered.connect(lambda: self._cycle_pane(1))
        c.previous_pane.triggered.connect(lambda: self._cycle_pane(-1))
        for number, action in enumerate(c.tabs):
            action.triggered.connect(lambda _=False, n=number: self.detail_pane.show_tab(n))
        c.new_claim.triggered.connect(self.new_claim)
        c.workload.triggered.connect(self.show_workload)
        c.shortcuts.triggered.connect(self.show_shortcuts)
        c.about.triggered.connect(self._about)
        c.switch_user.triggered.connect(lambda: self.sign_out_requested.emit(True))
        c.sign_out.triggered.connect(lambda: self.sign_out_requested.emit(False))
        c.quit.triggered.connect(self.close)

    def _first_page_loaded(self) -> None:
        self.claims_model.page_loaded.disconnect(self._first_page_loaded)
        self.warm_up_timer.start()  # once the first page is painted and the user reads it

    def _postpone_warm_up(self, *_what: object) -> None:
        if self.warm_up_timer.isActive():
            self.warm_up_timer.start()  # from now: a second without new work

    def _warm_up(self) -> None:
        services, actor = self._services, self.actor
        if not all(name in sys.modules for name in LATER_MODULES):  # else the sign-in's worker did
            self._runner.run(lambda: warm_up(services), on_error=lambda _problem: None, owner=self)
        first = self.claims_model.claim_at(0)
        if first is not None and self.controller.current is None:
            # the first claim opened pays for compiling the detail's dozen statements (about
            # 50 ms of Python on the worker, which the GUI thread then shares the GIL with); a
            # read of the top row now, discarded, compiles them while the adjuster reads the queue
            reference = first.reference
            self._runner.run(
                lambda: warm_claim_reads(services, actor, reference),
                on_error=lambda _problem: None,
                owner=self,
            )

    # ---------------------------------------------------------------- queues

    def _show_queue(self, queue: QueueId) -> None:
        self._settings.set_last_queue(queue)
        self.queue_panel.show_queue(QUEUE_BY_ID[queue])

    def refresh(self) -> None:
        """F5: counts, the queue (keeping the open claim selected) and the open claim."""
        self.refresh_counts()
        current = self.controller.current
        self.queue_panel.reload(keep=current.reference if current else None)
        self.controller.reload()

    def refresh_counts(self) -> None:
        if self._counts_task is not None:
            self._counts_again = True  # one count at a time; another right after this one
            return
        self._counts_again = False
        queues, actor = self._services.queues, self.actor
        self._counts_task = self._runner.run(
            lambda: queues.counts(actor), self._counts_arrived, on_error=self._counts_refused, owner=self
        )

    def _counts_arrived(self, counts: dict[QueueId, int]) -> None:
        self._counts_task = None
        self.queue_nav.show_counts(counts)
        if self._counts_again:
            self.refresh_counts()

    def _counts_refused(self, problem: DomainError) -> None:
        self._counts_task = None
        if isinstance(problem, DatabaseUnavailable):
            self.live.went_offline(problem.message)  # the banner, and retries with backoff
        else:
            self.show_status(first_upper(problem.message))

    def _tick(self) -> None:
        self.refresh_counts()
        self.claims_model.refresh_times()

    # ---------------------------------------------------------------- claims

    def open_claim(self, reference: str) -> None:
        """Open a claim by reference (search, new claim); select it in the table when it is there."""
        self.queue_panel.select_reference(reference)
        self.controller.open(reference)

    def _claim_loading(self, reference: str) -> None:
        self.detail_pane.set_loading(True)
        if self.detail_pane.detail is None:
            self.detail_pane.show_prompt(f"Loading {reference}…", "Opening claim")

    def _claim_loaded(self, detail: ClaimDetail, options: list[ActionOption]) -> None:
        self.detail_pane.show_claim(detail, self._services.clock())
        primary = primary_action(options, detail, self._services.policy)
        self.commands.reassign.setEnabled(self.supervisor and is_open_state(detail.state))
        self.actions_bar.set_options(options, primary)
        self.queue_panel.select_reference(detail.reference)

    def _claim_refused(self, message: str) -> None:
        self.detail_pane.show_prompt(message, "Claim not shown")
        self.show_status(message)

    def _claim_changed(self, detail: ClaimDetail) -> None:
        self.queue_panel.claim_changed(detail)
        self.refresh_counts()

    def primary_action(self) -> None:
        if self.controller.dialog is not None:
            return
        if not self.actions_bar.trigger_primary():
            claim = self.detail_pane.detail
            what = f"a claim that is {state_label(claim.state).lower()}" if claim else "no open claim"
            self.show_status(f"No primary action is open to you for {what}; Alt+1…9 choose a move.")

    def _fill_actions_menu(self) -> None:
        self.actions_menu.clear()
        actions = self.actions_bar.workflow_actions()
        self.actions_menu.addActions(actions)
        if not actions:
            self.actions_menu.addAction("No claim open").setEnabled(False)

    @property
    def letter_batch(self) -> LetterBatch:
        """Letters for the selected claims (Ctrl+Shift+L), made on first use."""
        if self._letter_batch is None:
            from atoz_desk.ui.letter_batch import LetterBatch

            self._letter_batch = LetterBatch(self._services, self.actor, self._runner, self)
            self._letter_batch.message.connect(self.show_status)
        return self._letter_batch

    def new_claim(self) -> None:
        if self.new_claim_dialog is not None:
            self.new_claim_dialog.raise_()
            return
        from atoz_desk.ui.new_claim_dialog import NewClaimDialog

        dialog = NewClaimDialog(self._services, self.actor, self._runner, self)
        dialog.open_claim.connect(self.open_claim)
        dialog.finished.connect(lambda _code: self._new_claim_closed(dialog))
        self.new_claim_dialog = dialog
        dialog.open()
        dialog.activateWindow()

    def _new_claim_closed(self, dialog: NewClaimDialog) -> None:
        self.new_claim_dialog = None
        if dialog.result_info is not None:
            self.refresh_counts()
            self.queue_panel.refresh_count()
        dialog.deleteLater()

    def show_workload(self) -> None:
        if not self.supervisor:
            return
        if self.workload_dialog is None:
            from atoz_desk.ui.workload import WorkloadDialog

            self.workload_dialog = WorkloadDialog(self._services.assignment, self._runner, self)
        else:
            self.workload_dialog.refresh()
        self.workload_dialog.show()
        self.workload_dialog.raise_()
        self.workload_dialog.activateWindow()

    # ------------------------------------------------------------------ misc

    def show_shortcuts(self) -> None:
        from atoz_desk.ui.shortcuts_dialog import ShortcutsDialog

        ShortcutsDialog(self.commands.shortcut_list(), self).open()

    def _focus_filter(self) -> None:
        self.filter_bar.text_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_bar.text_edit.selectAll()

    def _cycle_pane(self, step: int) -> None:
        panes: list[QWidget] = [self.queue_nav, self.claims_view, self.detail_pane.tabs]
        focus = self.focusWidget()
        index = next((i for i, p in enumerate(panes) if focus is p or (focus and p.isAncestorOf(focus))), -1)
        panes[(index + step) % len(panes)].setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About AtoZ Desk",
            f"AtoZ Desk {__version__}\nA-to-z Guarantee property-damage and personal-injury claims.",
        )

    def show_status(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_MESSAGE_MS)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.queue_panel.save_layout()
        self._settings.save_window(
            self.saveGeometry(), self.nav_splitter.saveState(), self.detail_splitter.saveState()
        )
        self._settings.sync()
        self.counts_timer.stop()
        self.warm_up_timer.stop()
        self.live.stop()
        self._runner.unavailable.disconnect(self.live.went_offline)
        self.connection.stop()
        self.filter_bar.stop()
        self.search.close_palette()
        self.controller.clear()
        if self._letter_batch is not None:
            self._letter_batch.close()
        for dialog in (self.workload_dialog, self.new_claim_dialog, self.controller.dialog):
            if dialog is not None:
                dialog.close()
        super().closeEvent(event)
        self.closed.emit()
