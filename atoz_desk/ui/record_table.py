"""A small read-only table of records (history, flags, payments, workload...) with named fields.

`RecordTableModel` holds a short list of plain records (DTOs) and shows the
fields given (or, for a pivot such as the team workload, fields that follow
the data: `set_table`); `RecordTable` is the matching view with fixed row
heights, starting widths from sample text and an empty-state message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from atoz_desk.ui import style
from atoz_desk.ui.icons import icon

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex
RecordRole = Qt.ItemDataRole.UserRole + 1

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Field(Generic[T]):
    title: str
    text: Callable[[T], str]
    sample: str = ""
    numeric: bool = False
    tooltip: Callable[[T], str | None] | None = None
    colour: Callable[[T], str | None] | None = None
    icon: Callable[[T], str | None] | None = None


class RecordTableModel(QAbstractTableModel, Generic[T]):
    fields_changed = Signal()
    """`set_table` brought other columns: views size them afresh."""

    def __init__(
        self,
        fields: Sequence[Field[T]],
        parent: QObject | None = None,
        *,
        bold: Callable[[T], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.fields = tuple(fields)
        self._records: list[T] = []
        self._bold = bold

    def set_records(self, records: Sequence[T]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def set_table(self, fields: Sequence[Field[T]], records: Sequence[T]) -> None:
        """Columns and records at once, for tables whose columns depend on the records."""
        changed = [f.title for f in fields] != [f.title for f in self.fields]
        self.beginResetModel()
        self.fields = tuple(fields)
        self._records = list(records)
        self.endResetModel()
        if changed:
            self.fields_changed.emit()

    def record_at(self, row: int) -> T | None:
        return self._records[row] if 0 <= row < len(self._records) else None

    def records(self) -> list[T]:
        return list(self._records)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self.fields)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        record = self.record_at(index.row())
        if record is None or not 0 <= index.column() < len(self.fields):
            return None
        field = self.fields[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return field.text(record)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if field.numeric else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole:
            return field.tooltip(record) if field.tooltip else field.text(record)
        if role == Qt.ItemDataRole.ForegroundRole and field.colour is not None:
            name = field.colour(record)
            return style.colour(name) if name else None
        if role == Qt.ItemDataRole.DecorationRole and field.icon is not None:
            name = field.icon(record)
            return icon(name) if name else None
        if role == Qt.ItemDataRole.FontRole and self._bold is not None and self._bold(record):
            font = QFont()
            font.setBold(True)
            return font
        if role == RecordRole:
            return record
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.fields):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.fields[section].title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if self.fields[section].numeric else _LEFT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class RecordTable(QTableView):
    """A view for a RecordTableModel: whole rows, last column stretches, empty-state text."""

    def __init__(
        self,
        model: RecordTableModel[Any],
        name: str,
        accessible: str,
        empty_text: str,
        parent: QWidget | None = None,
        *,
        stretch_column: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.setModel(model)
        self._model = model
        self.empty_text = empty_text
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(stretch_column is None)
        header.setDefaultAlignment(_LEFT)
        self._stretch_column = stretch_column
        self.size_columns()
        model.fields_changed.connect(self.size_columns)

    def size_columns(self) -> None:
        """Starting widths from each field's sample text and title (rows are never measured)."""
        metrics, header = self.fontMetrics(), self.horizontalHeader()
        self._wanted: list[int] = []
        for column, field in enumerate(self._model.fields):
            title = max(metrics.horizontalAdvance(line) for line in field.title.split("\n"))
            text = max(metrics.horizontalAdvance(field.sample), title)
            extra = 22 if field.icon is not None else 0
            self._wanted.append(text + metrics.averageCharWidth() * 2 + 16 + extra)
            self.setColumnWidth(column, self._wanted[-1])
        if self._stretch_column is not None and self._stretch_column < len(self._model.fields):
            header.setSectionResizeMode(self._stretch_column, QHeaderView.ResizeMode.Stretch)

    def columns_width(self) -> int:
        """The width the columns want, frame included (for a dialog sizing itself to its table)."""
        return sum(self._wanted) + self.frameWidth() * 2

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._model.rowCount():
            return
        painter = QPainter(self.viewport())
        try:
            painter.setPen(style.colour(style.MUTED))
            area = self.viewport().rect().adjusted(16, 16, -16, -16)
            painter.drawText(
                QRect(area),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap),
                self.empty_text,
            )
        finally:
            painter.end()
