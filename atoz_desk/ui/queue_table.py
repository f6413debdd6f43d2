"""The queue table view: row selection, sort on the database-sortable columns only,
starting widths from sample text (never by measuring rows), columns shown or hidden
per queue (header menu, View → Queue columns), and a clear empty state."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from atoz_desk.services.queues import SortKey
from atoz_desk.ui import style
from atoz_desk.ui.icons import icon
from atoz_desk.ui.queue_columns import COL_REFERENCE, COLUMNS, indicator_for, sort_for_column
from atoz_desk.ui.queue_model import QueueTableModel


class QueueTableView(QTableView):
    """Shows a QueueTableModel; emits `sort_requested(SortKey, descending)` for sortable headers."""

    sort_requested = Signal(object, bool)

    def __init__(self, model: QueueTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("claimsTable")
        self.setAccessibleName("Claims in the queue")
        self.setModel(model)
        self._model = model
        self.empty_text = "No claims in this queue."
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setShowGrid(False)
        self.setTabKeyNavigation(False)  # Tab leaves the table, arrows move within it
        self.setSortingEnabled(False)  # sorting runs in the database; the header only asks for it
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().hide()
        # fixed row height from the font: measuring rows would read every row's contents
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionsMovable(True)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setMinimumSectionSize(self.fontMetrics().horizontalAdvance("Age") + 24)
        self._indicator: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)
        self._auto_fit = True  # default widths follow the view's width until the user sizes a column
        self._sizing = False
        self._hidden: frozenset[int] = frozenset()  # the queue's columns hidden by default
        self.reset_layout()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.sortIndicatorChanged.connect(self._indicator_clicked)
        header.sectionResized.connect(self._section_resized)
        model.modelReset.connect(self.viewport().update)
        model.page_loaded.connect(self._rows_arrived)

    def _rows_arrived(self, _added: int) -> None:
        # Qt sets the scroll bar's range for the new rows but leaves it hidden until the next
        # layout (the first click on a row): the queue looked unscrollable, and that first click
        # then resized the viewport and repainted the whole table. The layout Qt had put off to a
        # timer runs now too: run later, it asked for a second paint of the whole page.
        self.executeDelayedItemsLayout()
        self.updateGeometries()
        self.viewport().update()

    # ---------------------------------------------------------------- layout

    def default_widths(self) -> list[int]:
        metrics, header_metrics = self.fontMetrics(), self.horizontalHeader().fontMetrics()
        padding = metrics.averageCharWidth() + 14
        widths = []
        for spec in COLUMNS:
            # a sortable header also draws its sort arrow; a cell may carry the overdue / risk icon
            arrow = 24 if spec.sort is not None else 0
            icon = 20 if spec.title in ("Due", "Fraud") else 0
            cell = metrics.horizontalAdvance(spec.sample) + icon
            title = header_metrics.horizontalAdvance(spec.title) + arrow
            widths.append(max(cell, title) + padding)
        return widths

    def reset_layout(self) -> None:
        """Starting widths, the model's column order and the queue's default columns."""
        header = self.horizontalHeader()
        for logical in range(len(COLUMNS)):
            visual = header.visualIndex(logical)
            if visual != logical:
                header.moveSection(visual, logical)
            header.setSectionHidden(logical, logical in self._hidden)
        self._auto_fit = True
        self._fit_widths()

    def _fit_widths(self) -> None:
        """Sample widths; the free width (or the shortfall) is shared by the long text columns."""
        widths = self.default_widths()
        # leave room for the vertical scroll bar that appears once a page fills the view
        available = self.viewport().width() - (
            0 if self.verticalScrollBar().isVisible() else self.verticalScrollBar().sizeHint().width()
        )
        header = self.horizontalHeader()
        flexible = [i for i, c in enumerate(COLUMNS) if c.flexible and not header.isSectionHidden(i)]
        if available > 200 and flexible:
            spare = available - sum(w for i, w in enumerate(widths) if not header.isSectionHidden(i))
            share = spare // len(flexible)
            for i in flexible:
                widths[i] = max(widths[i] + share, self.fontMetrics().averageCharWidth() * 10)
        self._sizing = True
        try:
            for column, width in enumerate(widths):
                self.setColumnWidth(column, width)
        finally:
            self._sizing = False

    def _section_resized(self, _section: int, _old: int, _new: int) -> None:
        if not self._sizing:
            self._auto_fit = False  # the user sized a column: keep their widths from now on

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self._fit_widths()

    def layout_state(self) -> QByteArray:
        return self.horizontalHeader().saveState()

    def restore_layout(self, state: QByteArray | None, hidden: frozenset[int] = frozenset()) -> None:
        """Widths, order and shown columns saved for a queue; else the defaults (`hidden` hidden)."""
        header = self.horizontalHeader()
        self._hidden = hidden
        indicator = self._indicator
        header.blockSignals(True)
        try:
            self._sizing = True
            restored = state is not None and header.restoreState(state) and header.count() == len(COLUMNS)
            self._sizing = False
            if restored:
                self._auto_fit = False
            else:
                self.reset_layout()
            header.setSortIndicator(*indicator)  # the sort is the query's, not the saved header's
        finally:
            header.blockSignals(False)

    def fill_column_menu(self, menu: QMenu) -> None:
        """A tick per column (the reference always shows) and a way back to the queue's defaults."""
        menu.clear()
        header = self.horizontalHeader()
        for column, spec in enumerate(COLUMNS):
            action = menu.addAction(spec.title)
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            action.setEnabled(column != COL_REFERENCE)
            action.toggled.connect(lambda shown, c=column: self.show_column(c, shown))
        menu.addSeparator()
        menu.addAction("Reset columns", self.reset_layout)

    def show_column(self, column: int, shown: bool) -> None:
        header = self.horizontalHeader()
        header.setSectionHidden(column, not shown)
        if shown and header.sectionSize(column) < header.minimumSectionSize():
            self.setColumnWidth(column, self.default_widths()[column])
        if self._auto_fit:
            self._fit_widths()

    def _header_menu(self, at: QPoint) -> None:
        menu = QMenu(self)
        self.fill_column_menu(menu)
        menu.exec(self.horizontalHeader().mapToGlobal(at))
        menu.deleteLater()

    # ------------------------------------------------------------------ sort

    def show_sort(self, sort: SortKey, descending: bool) -> None:
        """Put the indicator where the service's sort is, without asking for a sort."""
        self._indicator = indicator_for(sort, descending)
        header = self.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(*self._indicator)
        header.blockSignals(False)

    def sort_by_column(self, column: int, order: Qt.SortOrder) -> None:
        """What a header click does, callable from the keyboard and tests."""
        self.horizontalHeader().setSortIndicator(column, order)

    def _indicator_clicked(self, column: int, order: Qt.SortOrder) -> None:
        wanted = sort_for_column(column, order == Qt.SortOrder.AscendingOrder)
        if wanted is None:  # customer, seller, state...: not sortable in the database; undo the click
            header = self.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(*self._indicator)
            header.blockSignals(False)
            return
        self._indicator = (column, order)
        self.sort_requested.emit(*wanted)

    # ------------------------------------------------------------ empty state

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._model.rowCount() or self._model.loading:
            return
        painter = QPainter(self.viewport())
        try:
            area = self.viewport().rect().adjusted(24, 24, -24, -24)
            pixmap = icon("empty").pixmap(40, 40)
            top = area.top() + max((area.height() - 100) // 3, 0)
            painter.drawPixmap(area.center().x() - 20, top, pixmap)
            painter.setPen(style.colour(style.MUTED))
            painter.setFont(style.scaled_font(self, 1.05))
            painter.drawText(
                QRect(area.left(), top + 48, area.width(), 60),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                self.empty_text,
            )
        finally:
            painter.end()
