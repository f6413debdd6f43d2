"""The middle of the window: the filter bar over the queue table, for the queue chosen on the left.

It turns the queue, the filters and the sort into a QueueQuery, remembers
each queue's column layout and sort (DeskSettings), counts what matches,
and tells the window which claim the user moved to.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QEvent, QItemSelection, QItemSelectionModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QVBoxLayout, QWidget

from atoz_desk.data.cancel import QueryCancel
from atoz_desk.domain.errors import Cancelled, DomainError
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.dto import ClaimDetail, ClaimRow
from atoz_desk.services.queues import QueueQuery, QueueSpec, SortKey
from atoz_desk.ui.filter_bar import FilterBar
from atoz_desk.ui.formatting import first_upper
from atoz_desk.ui.queue_columns import hidden_by_default
from atoz_desk.ui.queue_model import PAGE_SIZE, QueueTableModel, row_from_detail
from atoz_desk.ui.queue_table import QueueTableView
from atoz_desk.ui.settings import DeskSettings
from atoz_desk.ui.tasks import TaskRunner

# a filtered count stops here and says "10,000+"
COUNT_CAP = 10_000

MAX_LIVE_ROWS = 40  # more changed claims than this at once: reload the page instead


class QueuePanel(QWidget):
    claim_chosen = Signal(str)
    """The user moved to this claim (reference) in the table."""
    problem = Signal(str)

    def __init__(
        self,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        settings: DeskSettings,
        parent: QWidget | None = None,
        *,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("queuePanel")
        self._services, self._actor, self._runner, self._settings = services, actor, runner, settings
        self.spec: QueueSpec | None = None
        self._count_task: int | None = None
        self._count_after_page = False
        self._want_reference: str | None = None
        self._pending_step: int | None = None
        self._membership_tasks: set[int] = set()
        self.filter_bar = FilterBar(self)
        self.model = QueueTableModel(
            services.queues,
            actor,
            runner,
            clock=services.clock,
            high_risk_score=services.policy.fraud_review_score,
            parent=self,
            page_size=page_size,
        )
        self.view = QueueTableView(self.model, self)
        # Shift/Ctrl+click select several claims (batch letters); the open claim follows a single row
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.view, 1)

        self.filter_bar.changed.connect(self._filters_changed)
        self.view.sort_requested.connect(self._sort_requested)
        self.model.sort_applied.connect(self.view.show_sort)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.end_loaded.connect(self._end_loaded)
        self.view.installEventFilter(self)  # Ctrl+End: the queue's end without loading every page
        self.model.load_failed.connect(lambda message: self.problem.emit(first_upper(message)))
        # the chosen claim is the selected row: a bare current index (set when the table merely
        # gets the focus) must not replace the claim the user has open
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)

    # ----------------------------------------------------------------- query

    @property
    def query(self) -> QueueQuery | None:
        return self.model.query

    def show_queue(self, spec: QueueSpec) -> None:
        """Another queue: its own layout and sort, no filters."""
        self.save_layout()
        self.spec = spec
        self._want_reference = None
        self.filter_bar.set_queue(spec)
        self.view.restore_layout(self._settings.queue_header(spec.id), hidden_by_default(spec.id))
        saved = self._settings.queue_sort(spec.id)
        sort, descending = saved if saved is not None else (spec.default_sort, spec.default_descending)
        self.view.show_sort(sort, descending)
        self.view.empty_text = f"No claims in {spec.label}."
        self._set_query(QueueQuery(queue=spec.id, sort=sort, descending=descending))

    def reload(self, *, keep: str | None = None) -> None:
        """Fetch the queue afresh (F5), selecting `keep` again if it is still there."""
        if self.model.query is None:
            return
        self._want_reference = keep
        self.model.reload()
        self.refresh_count()

    def _set_query(self, query: QueueQuery) -> None:
        before = self.model.query
        self.model.set_query(query)
        if before is not None and replace(before, sort=None, descending=None) == replace(
            query, sort=None, descending=None
        ):
            return  # another order of the same claims: the count stands
        # counted once the first page is in: the rows the adjuster waits for go first
        self._count_after_page = True
        if self._count_task is not None:
            self._runner.discard(self._count_task)  # and stops it: the next page needs the core
            self._count_task = None
        self.filter_bar.show_count(None)

    def _filters_changed(self) -> None:
        if self.model.query is None or self.spec is None:
            return
        filters = self.filter_bar.filters
        self.view.empty_text = (
            "No claims match these filters. Ctrl+L edits them; Clear removes them."
            if filters.active
            else f"No claims in {self.spec.label}."
        )
        self._set_query(filters.apply(self.model.query))

    def _sort_requested(self, sort: SortKey, descending: bool) -> None:
        if self.model.query is None or self.spec is None:
            return
        self._settings.set_queue_sort(self.spec.id, sort, descending)
        self._set_query(replace(self.model.query, sort=sort, descending=descending))

    def save_layout(self) -> None:
        if self.spec is not None:
            self._settings.set_queue_header(self.spec.id, self.view.layout_state())

    def refresh_count(self) -> None:
        query = self.model.query
        if query is None:
            return
        if self._count_task is not None:
            self._runner.discard(self._count_task)
        self.filter_bar.show_count(None)
        queues, actor = self._services.queues, self._actor
        task: int | None = None

        def counted(n: int) -> None:
            if task == self._count_task:
                self._count_task = None
                self.filter_bar.show_count(n, more=cap is not None and n > cap)

        def refused(problem: DomainError) -> None:
            if task == self._count_task:
                self._count_task = None
                self.filter_bar.count_label.setText("")
                if not isinstance(problem, Cancelled):  # stopped on purpose: nothing went wrong
                    self.problem.emit(first_upper(problem.message))

        # a filtered count stops at COUNT_CAP ("10,000+"): counting every match of a broad
        # filter at a million claims would hold a core the next page needs; for the same
        # reason a count overtaken by the next filter is stopped (discard cancels `token`)
        cap = COUNT_CAP if self.filter_bar.filters.active else None
        token = QueryCancel()
        task = self._runner.run(
            lambda: queues.count(query, actor, cap=cap, cancel=token),
            counted,
            on_error=refused,
            owner=self,
            cancel=token,
        )
        self._count_task = task

    # ------------------------------------------------------------ selection

    def selected_row(self) -> int:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def selected_references(self) -> list[str]:
        """The claims of every selected row, in table order."""
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return [c.reference for c in (self.model.claim_at(r) for r in rows) if c is not None]

    def current_reference(self) -> str | None:
        claim = self.model.claim_at(self.selected_row())
        return claim.reference if claim else None

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index)

    def select_reference(self, reference: str) -> bool:
        """Put the table on this claim if it is loaded (without asking for it again)."""
        row = self.model.row_of(reference)
        if row is None:
            self.view.selectionModel().clearCurrentIndex()
            self.view.clearSelection()
            return False
        if row != self.selected_row():
            self.view.selectionModel().blockSignals(True)
            self.select_row(row)
            self.view.selectionModel().blockSignals(False)
            self.view.viewport().update()
        return True

    def step(self, delta: int) -> None:
        """Next (+1) or previous (-1) claim; at the end of what is loaded, fetch the next page first."""
        current = self.selected_row()
        target = current + delta if current >= 0 else 0
        if 0 <= target < self.model.rowCount():
            self.select_row(target)
        elif target >= self.model.rowCount() and self.model.canFetchMore(QModelIndex()):
            self._pending_step = target
            self.model.fetchMore(QModelIndex())

    def claim_changed(self, detail: ClaimDetail) -> None:
        """A claim was written: show its new values now, then ask the queue whether it still belongs."""
        reference, query = detail.reference, self.model.query
        if self.model.update_claim(row_from_detail(detail)):
            self.select_reference(reference)
        if query is None:
            return
        queues, actor = self._services.queues, self._actor
        task: int | None = None

        def answered(belongs: bool) -> None:
            self._membership_tasks.discard(task or 0)
            if self.model.query != query:  # the user moved on to another queue or filter
                return
            if self.model.row_of(reference) is not None:
                self.model.mark_departed(reference, not belongs)
            elif belongs:
                self.reload(keep=reference)  # e.g. a claim just taken now belongs in My claims
                return
            self.refresh_count()

        def refused(problem: DomainError) -> None:
            self._membership_tasks.discard(task or 0)
            self.problem.emit(first_upper(problem.message))

        task = self._runner.run(
            lambda: queues.contains(query, reference, actor), answered, on_error=refused, owner=self
        )
        self._membership_tasks.add(task)

    def refresh_rows(self, references: list[str]) -> None:
        """Other workstations changed these claims: re-fetch just their rows, and ask if they belong."""
        query = self.model.query
        if query is None or not references:
            return
        if len(references) > MAX_LIVE_ROWS:
            self.reload(keep=self.current_reference())
            return
        queues, actor = self._services.queues, self._actor

        def fetch() -> list[tuple[str, ClaimRow | None, bool]]:
            out = []
            for reference in references:
                row = next((r for r in queues.find(reference, limit=1) if r.reference == reference), None)
                out.append((reference, row, queues.contains(query, reference, actor)))
            return out

        def arrived(results: list[tuple[str, ClaimRow | None, bool]]) -> None:
            if self.model.query != query:
                return
            joined = False
            for reference, row, belongs in results:
                if row is not None and self.model.update_claim(row):
                    self.model.mark_departed(reference, not belongs)
                elif belongs:
                    joined = True  # a claim new to this queue: its place depends on the sort
            if joined:
                self.reload(keep=self.current_reference())
            else:
                self.refresh_count()

        def refused(problem: DomainError) -> None:
            self.problem.emit(first_upper(problem.message))

        self._runner.run(fetch, arrived, on_error=refused, owner=self)

    @property
    def checking_membership(self) -> bool:
        """A changed claim's place in the queue is still being asked about."""
        return bool(self._membership_tasks)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.view
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_End
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
            and self.model.canFetchMore(QModelIndex())
        ):
            self.model.jump_to_end()
            return True
        return super().eventFilter(watched, event)

    def _end_loaded(self) -> None:
        last = self.model.rowCount() - 1
        if last >= 0:
            self.select_row(last)

    def _page_loaded(self, _added: int) -> None:
        if self._count_after_page:
            self._count_after_page = False
            self.refresh_count()
        if self._pending_step is not None:
            target, self._pending_step = self._pending_step, None
            if target < self.model.rowCount():
                self.select_row(target)
        if self._want_reference is not None and self.model.row_of(self._want_reference) is not None:
            self.select_reference(self._want_reference)
            self._want_reference = None

    def _selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if len(self.view.selectionModel().selectedRows()) != 1:
            return  # several rows chosen for a batch: the claim open stays open
        claim = self.model.claim_at(self.selected_row())
        if claim is not None:
            self.claim_chosen.emit(claim.reference)
