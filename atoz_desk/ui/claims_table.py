"""The queue table view: row selection, fixed starting widths, no measuring of contents."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from atoz_desk.ui.claims_model import COL_PRODUCT, COLUMNS, ClaimQueueModel


class ClaimTableView(QTableView):
    """Shows a ClaimQueueModel; arrow keys move the current claim."""

    def __init__(self, model: ClaimQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("claimsTable")
        self.setAccessibleName("Claims")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)  # Tab leaves the table, arrows move within it
        self.setSortingEnabled(False)  # the queue is sorted in the database (due date, then id)
        self.verticalHeader().hide()
        # fixed row height from the font: measuring rows would read every row's contents
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        metrics, header_metrics = self.fontMetrics(), header.fontMetrics()
        padding = metrics.averageCharWidth() + 12
        for column, spec in enumerate(COLUMNS):
            text = max(metrics.horizontalAdvance(spec.sample), header_metrics.horizontalAdvance(spec.title))
            self.setColumnWidth(column, text + padding)
        # the product title takes whatever width is left, so the table fits without scrolling
        header.setSectionResizeMode(COL_PRODUCT, QHeaderView.ResizeMode.Stretch)
