"""The queue list on the left: open claims, all claims, then every state, each with its count."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from atoz_desk.domain.states import ClaimState

QueueKeyRole = Qt.ItemDataRole.UserRole + 1

OPEN_CLAIMS = "open"
ALL_CLAIMS = "all"


@dataclass(frozen=True)
class Queue:
    key: str
    label: str
    states: tuple[str, ...]
    """The states it shows; empty means every state."""

    def count(self, counts: Mapping[str, int]) -> int:
        return sum(n for state, n in counts.items() if not self.states or state in self.states)


QUEUES: tuple[Queue, ...] = (
    Queue(OPEN_CLAIMS, "Open claims", tuple(s.value for s in ClaimState if s.is_open)),
    Queue(ALL_CLAIMS, "All claims", ()),
    *(Queue(s.value, s.label, (s.value,)) for s in ClaimState),
)
_BY_KEY = {queue.key: queue for queue in QUEUES}


def queue_for(key: str) -> Queue:
    return _BY_KEY[key]


class QueueNav(QListView):
    """Emits `queue_chosen` with the key of the chosen queue (a state value, OPEN_CLAIMS or ALL_CLAIMS)."""

    queue_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueNav")
        self.setAccessibleName("Queues")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(True)
        self._items = QStandardItemModel(self)
        self._by_key: dict[str, QStandardItem] = {}
        for queue in QUEUES:
            item = QStandardItem(queue.label)
            item.setData(queue.key, QueueKeyRole)
            item.setData(queue.label, Qt.ItemDataRole.AccessibleTextRole)
            item.setEditable(False)
            self._items.appendRow(item)
            self._by_key[queue.key] = item
        self.setModel(self._items)
        self.selectionModel().selectionChanged.connect(self._selection_changed)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("Marketplace step-in (999,999)") + 24)

    def current_key(self) -> str | None:
        """The chosen queue's key, or None when no queue is chosen (a reference search)."""
        rows = self.selectionModel().selectedRows()
        return str(rows[0].data(QueueKeyRole)) if rows else None

    def choose(self, key: str) -> None:
        """Select a queue; choosing the one already selected shows it afresh."""
        if self.current_key() == key:
            self.queue_chosen.emit(key)
        else:
            self.setCurrentIndex(self._by_key[key].index())

    def clear_choice(self) -> None:
        self.selectionModel().clearSelection()

    def row_of(self, key: str) -> int:
        return self._by_key[key].row()

    def show_counts(self, counts: Mapping[str, int]) -> None:
        for queue in QUEUES:
            n = queue.count(counts)
            item = self._by_key[queue.key]
            item.setText(f"{queue.label} ({n:,})")
            item.setData(f"{queue.label}, {n} claims", Qt.ItemDataRole.AccessibleTextRole)
            # empty queues stay reachable but recede
            item.setForeground(self.palette().text() if n else self.palette().placeholderText())

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self.queue_chosen.emit(str(indexes[0].data(QueueKeyRole)))
