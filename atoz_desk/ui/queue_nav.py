"""The queue list on the left: the queues this user may see, each with a live count."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QIcon, QMouseEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from atoz_desk.services.queues import QueueId, QueueSpec
from atoz_desk.ui import style
from atoz_desk.ui.icons import icon

QueueIdRole = Qt.ItemDataRole.UserRole + 1
CountRole = Qt.ItemDataRole.UserRole + 2

Index = QModelIndex | QPersistentModelIndex

_ICONS = {
    QueueId.MY: "queue-my",
    QueueId.NEW: "queue-new",
    QueueId.FRAUD_REVIEW: "queue-fraud",
    QueueId.AWAITING_SELLER: "queue-seller",
    QueueId.SELLER_REJECTED: "queue-rejected",
    QueueId.ESCALATIONS: "queue-escalations",
    QueueId.APPROVALS: "queue-approvals",
    QueueId.PAYMENTS_PENDING: "queue-payments",
    QueueId.RECOVERIES: "queue-recoveries",
    QueueId.CLOSED: "queue-closed",
    QueueId.OPEN: "queue-open",
    QueueId.ALL: "queue-all",
}


class QueueNavModel(QAbstractListModel):
    def __init__(self, specs: tuple[QueueSpec, ...], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._specs = specs
        self._counts: dict[QueueId, int] = {}

    @property
    def specs(self) -> tuple[QueueSpec, ...]:
        return self._specs

    def row_of(self, queue: QueueId) -> int:
        return next(i for i, spec in enumerate(self._specs) if spec.id == queue)

    def count(self, queue: QueueId) -> int | None:
        return self._counts.get(queue)

    def set_counts(self, counts: Mapping[QueueId, int]) -> None:
        self._counts = dict(counts)
        if self._specs:
            self.dataChanged.emit(self.index(0), self.index(len(self._specs) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._specs)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._specs):
            return None
        spec = self._specs[index.row()]
        n = self._counts.get(spec.id)
        if role == Qt.ItemDataRole.DisplayRole:
            return spec.label
        if role == Qt.ItemDataRole.DecorationRole:
            return icon(_ICONS.get(spec.id, "queue-all"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{spec.label}: {n:,} claims" if n is not None else spec.label
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{spec.label}, {n} claims" if n is not None else spec.label
        if role == QueueIdRole:
            return spec.id.value  # a plain string: QVariant turns str subclasses into str anyway
        if role == CountRole:
            return n
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class _CountDelegate(QStyledItemDelegate):
    """Icon and label as usual, the count right-aligned in a pill; empty queues recede."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        count = index.data(CountRole)
        text = f"{count:,}" if isinstance(count, int) else "…"
        metrics = option.fontMetrics
        pill_width = metrics.horizontalAdvance(text) + 14
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        rect = QRect(option.rect)
        opt.rect = rect.adjusted(0, 0, -(pill_width + 8), 0)
        if count == 0 and not selected:
            opt.palette.setColor(opt.palette.ColorRole.Text, style.colour(style.MUTED))
        widget = option.widget
        drawer = widget.style() if widget is not None else QApplication.style()
        # the row's background (selection) spans the pill too
        background = QStyleOptionViewItem(option)
        background.text = ""
        background.icon = QIcon()
        drawer.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)
        drawer.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        pill = QRect(
            rect.right() - pill_width - 6,
            rect.center().y() - metrics.height() // 2,
            pill_width,
            metrics.height(),
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(style.colour("#ffffff" if selected else ("#eef1f5" if not count else "#dfe6f0")))
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setPen(style.colour(style.MUTED if not count else "#26364d"))
        painter.drawText(pill, int(Qt.AlignmentFlag.AlignCenter), text)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 60, max(size.height(), option.fontMetrics.height() + 14))


class QueueNav(QListView):
    """Emits `queue_chosen(QueueId)` when the user picks a queue."""

    queue_chosen = Signal(object)
    queue_reselected = Signal(object)
    """The user clicked the queue already shown: show it afresh."""

    def __init__(self, specs: tuple[QueueSpec, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueNav")
        self.setAccessibleName("Queues")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setUniformItemSizes(True)
        self.setIconSize(QSize(18, 18))
        self.setSpacing(1)
        self._before_click: QueueId | None = None
        self.nav_model = QueueNavModel(specs, self)
        self.setModel(self.nav_model)
        self.setItemDelegate(_CountDelegate(self))
        self.selectionModel().selectionChanged.connect(self._selection_changed)
        widest = max((self.fontMetrics().horizontalAdvance(s.label) for s in specs), default=100)
        self.setMinimumWidth(widest + self.fontMetrics().horizontalAdvance("99,999") + 80)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._before_click = self.current_queue()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        index = self.indexAt(event.position().toPoint())
        before = self._before_click
        unchanged = before is not None and self.current_queue() == before
        if index.isValid() and unchanged and QueueId(index.data(QueueIdRole)) == before:
            self.queue_reselected.emit(before)
        self._before_click = None

    def current_queue(self) -> QueueId | None:
        rows = self.selectionModel().selectedRows()
        return QueueId(rows[0].data(QueueIdRole)) if rows else None

    def choose(self, queue: QueueId) -> None:
        """Select a queue; choosing the one already selected shows it afresh."""
        if self.current_queue() == queue:
            self.queue_chosen.emit(queue)
        else:
            self.setCurrentIndex(self.nav_model.index(self.nav_model.row_of(queue)))

    def has_queue(self, queue: QueueId) -> bool:
        return any(spec.id == queue for spec in self.nav_model.specs)

    def row_of(self, queue: QueueId) -> int:
        return self.nav_model.row_of(queue)

    def show_counts(self, counts: Mapping[QueueId, int]) -> None:
        self.nav_model.set_counts(counts)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self.queue_chosen.emit(QueueId(indexes[0].data(QueueIdRole)))
