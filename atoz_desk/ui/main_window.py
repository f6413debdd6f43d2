"""The main window: a shell around the queue list, the claims table and the claim detail.

It wires panels together and asks the services for data through the task
runner; each panel lives in its own module.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QToolBar,
    QWidget,
)

from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.claims import QueueFilter
from atoz_desk.services.dto import ClaimDetail
from atoz_desk.ui.claim_detail import ClaimDetailPane
from atoz_desk.ui.claims_model import PAGE_SIZE, ClaimQueueModel
from atoz_desk.ui.claims_table import ClaimTableView
from atoz_desk.ui.queue_nav import OPEN_CLAIMS, QueueNav, queue_for
from atoz_desk.ui.tasks import TaskRunner

STATUS_MESSAGE_MS = 8000


def filter_for(queue_key: str) -> QueueFilter:
    return QueueFilter(states=queue_for(queue_key).states)


class MainWindow(QMainWindow):
    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        *,
        database_label: str,
        page_size: int = PAGE_SIZE,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._runner = runner
        self.actor = actor
        self._detail_task: int | None = None
        self._looking_up: str | None = None
        self._queue_key = OPEN_CLAIMS
        self.setWindowTitle("AtoZ Desk")
        self.setObjectName("mainWindow")
        self.setAccessibleName("AtoZ Desk")

        self.queue_nav = QueueNav(self)
        self.claims_model = ClaimQueueModel(services.claims, runner, self, page_size=page_size)
        self.claims_view = ClaimTableView(self.claims_model, self)
        self.detail_pane = ClaimDetailPane(self)
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("referenceSearch")
        self.search_edit.setAccessibleName("Find claim by reference")
        self.search_edit.setPlaceholderText("Find claim by reference (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMaximumWidth(self.fontMetrics().averageCharWidth() * 40)

        self._build_layout()
        self._build_actions()
        self._build_status_bar(database_label)

        self.queue_nav.queue_chosen.connect(self._show_queue)
        self.claims_model.modelReset.connect(self._queue_reset)
        self.claims_model.page_loaded.connect(self._page_loaded)
        self.claims_model.load_failed.connect(self.show_problem)
        self.claims_view.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.search_edit.returnPressed.connect(self._find_reference)
        runner.problem.connect(self.show_problem)

        self.queue_nav.choose(OPEN_CLAIMS)
        self.refresh_counts()

    # ---------------------------------------------------------------- layout

    def _build_layout(self) -> None:
        right = QSplitter(Qt.Orientation.Vertical, self)
        right.setObjectName("queueDetailSplitter")
        right.addWidget(self.claims_view)
        right.addWidget(self.detail_pane)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setChildrenCollapsible(False)
        main = QSplitter(Qt.Orientation.Horizontal, self)
        main.setObjectName("navSplitter")
        main.addWidget(self.queue_nav)
        main.addWidget(right)
        main.setStretchFactor(0, 0)
        main.setStretchFactor(1, 1)
        main.setChildrenCollapsible(False)
        nav_width = self.queue_nav.minimumWidth()
        main.setSizes([nav_width, 6 * nav_width])
        right.setSizes([450, 300])
        self.setCentralWidget(main)

        toolbar = QToolBar("Search", self)
        toolbar.setObjectName("searchToolbar")
        toolbar.setAccessibleName("Search")
        toolbar.setMovable(False)
        toolbar.addWidget(self.search_edit)
        self.addToolBar(toolbar)
        self.resize(1360, 820)

    def _build_actions(self) -> None:
        self.find_action = QAction("&Find claim…", self)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.triggered.connect(self.focus_search)
        self.refresh_action = QAction("&Refresh", self)
        self.refresh_action.setShortcut(QKeySequence("F5"))
        self.refresh_action.triggered.connect(self.refresh)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.triggered.connect(self.close)
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.quit_action)
        claims_menu = self.menuBar().addMenu("&Claims")
        claims_menu.addAction(self.find_action)
        claims_menu.addAction(self.refresh_action)
        # shortcuts work even while the menu bar is hidden or a panel has focus
        for action in (self.find_action, self.refresh_action, self.quit_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        clear_search = QAction("Clear search", self.search_edit)
        clear_search.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear_search.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear_search.triggered.connect(self.clear_search)
        self.search_edit.addAction(clear_search)

    def _build_status_bar(self, database_label: str) -> None:
        role = self.actor.role.value if self.actor.role is not None else "system"
        self.user_label = QLabel(f"Signed in as {self.actor.display_name} ({role})", self)
        self.user_label.setObjectName("statusUser")
        self.user_label.setAccessibleName("Signed-in user")
        self.database_label = QLabel(f"Database: {database_label}", self)
        self.database_label.setObjectName("statusDatabase")
        self.database_label.setAccessibleName("Database")
        for label in (self.user_label, self.database_label):
            label.setContentsMargins(8, 0, 8, 0)
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.database_label)

    # ---------------------------------------------------------------- queues

    def refresh(self) -> None:
        self.refresh_counts()
        self.claims_model.reload()

    def refresh_counts(self) -> None:
        claims = self._services.claims
        self._runner.run(claims.counts_by_state, self.queue_nav.show_counts, owner=self)

    def _show_queue(self, queue_key: str) -> None:
        self._queue_key = queue_key
        self._looking_up = None
        self.search_edit.clear()
        self.claims_model.set_filter(filter_for(queue_key))

    def _queue_reset(self) -> None:
        self._forget_detail()
        self.detail_pane.show_prompt()

    def _page_loaded(self, _added: int) -> None:
        reference, self._looking_up = self._looking_up, None
        if reference is None:
            return
        row = self.claims_model.row_of(reference)
        if row is None:
            self.detail_pane.show_prompt(f"No claim has the reference {reference}.")
            self.statusBar().showMessage(f"No claim has the reference {reference}.", STATUS_MESSAGE_MS)
            return
        self.select_row(row)
        self.claims_view.setFocus()

    # ---------------------------------------------------------------- search

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def clear_search(self) -> None:
        """Back to the queue shown before the search."""
        self.search_edit.clear()
        self.queue_nav.choose(self._queue_key)
        self.claims_view.setFocus()

    def _find_reference(self) -> None:
        reference = self.search_edit.text().strip().upper()
        if not reference:
            self.clear_search()
            return
        self.queue_nav.clear_choice()
        self._looking_up = reference
        self.claims_model.set_filter(QueueFilter(text=reference))

    # ---------------------------------------------------------------- detail

    def select_row(self, row: int) -> None:
        index = self.claims_model.index(row, 0)
        self.claims_view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        claim = self.claims_model.claim_at(current.row()) if current.isValid() else None
        self._forget_detail()
        if claim is None:
            self.detail_pane.show_prompt()
            return
        reference = claim.reference
        claims = self._services.claims
        self._detail_task = self._runner.run(
            lambda: claims.detail(reference),
            self._show_detail,
            on_error=self._detail_refused,
            owner=self,
        )

    def _show_detail(self, detail: ClaimDetail) -> None:
        self._detail_task = None
        self.detail_pane.show_claim(detail)

    def _detail_refused(self, problem: DomainError) -> None:
        self._detail_task = None
        self.detail_pane.show_prompt(problem.message)

    def _forget_detail(self) -> None:
        # a detail still on its way belongs to a row that is no longer current
        if self._detail_task is not None:
            self._runner.discard(self._detail_task)
            self._detail_task = None

    # ---------------------------------------------------------------- misc

    def show_problem(self, message: str) -> None:
        self.statusBar().showMessage(message, STATUS_MESSAGE_MS)

    def closeEvent(self, event: QCloseEvent) -> None:
        self._forget_detail()
        super().closeEvent(event)
