"""Find a claim in one step (Ctrl+K / Ctrl+F): reference, customer e-mail, order id or any text.

A command-palette box over the top of the window. Typing searches (debounced)
through `QueueService.find`; the hits list underneath; Enter opens the chosen
(or top) hit, even when pressed before the results have arrived; Esc closes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QLabel,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DomainError
from atoz_desk.services.dto import ClaimRow
from atoz_desk.services.queues import QueueService
from atoz_desk.ui import style
from atoz_desk.ui.formatting import first_upper, money, state_label
from atoz_desk.ui.icons import icon
from atoz_desk.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
SEARCH_DELAY_MS = 150
HitReferenceRole = Qt.ItemDataRole.UserRole + 1
HitRowRole = Qt.ItemDataRole.UserRole + 2


def hit_text(row: ClaimRow) -> str:
    return (
        f"{row.reference}   {row.customer_name} — {row.product_title}   ·   "
        f"{state_label(row.state)}   ·   {money(row.amount_claimed, row.currency)}"
    )


class HitsModel(QAbstractListModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ClaimRow] = []

    def set_hits(self, rows: list[ClaimRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def hit(self, row: int) -> ClaimRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.hit(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return hit_text(row)
        if role == HitReferenceRole:
            return row.reference
        if role == HitRowRole:
            return row
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class _HitDelegate(QStyledItemDelegate):
    """Two lines per hit: reference, customer and amount; then product, state and assignee."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        row = index.data(HitRowRole)
        background = QStyleOptionViewItem(option)
        widget = option.widget
        drawer = widget.style() if widget is not None else QApplication.style()
        drawer.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter, widget)
        if not isinstance(row, ClaimRow):
            return
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_colour = option.palette.highlightedText().color() if selected else option.palette.text().color()
        muted = text_colour if selected else style.colour(style.MUTED)
        area = option.rect.adjusted(10, 4, -10, -4)
        line = option.fontMetrics.height()
        bold = QFont(option.font)
        bold.setBold(True)
        painter.save()
        painter.setPen(text_colour)
        painter.setFont(bold)
        amount = money(row.amount_claimed, row.currency)
        amount_width = QFontMetrics(bold).horizontalAdvance(amount)
        top = QRect(area.left(), area.top(), area.width(), line)
        painter.drawText(top, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), amount)
        reference_width = QFontMetrics(bold).horizontalAdvance(row.reference + "   ")
        painter.drawText(top, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), row.reference)
        painter.setFont(option.font)
        name_box = top.adjusted(reference_width, 0, -(amount_width + 16), 0)
        name = option.fontMetrics.elidedText(row.customer_name, Qt.TextElideMode.ElideRight, name_box.width())
        painter.drawText(name_box, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), name)
        painter.setPen(muted)
        second = QRect(area.left(), area.top() + line + 2, area.width(), line)
        who = row.assignee or "unassigned"
        detail = f"{row.product_title}  ·  {state_label(row.state)}  ·  {who}"
        detail = option.fontMetrics.elidedText(detail, Qt.TextElideMode.ElideRight, second.width())
        painter.drawText(second, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), detail)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(400, option.fontMetrics.height() * 2 + 12)


class SearchPalette(QFrame):
    open_claim = Signal(str)

    def __init__(self, queues: QueueService, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("searchPalette")
        self.setAccessibleName("Find a claim")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#searchPalette { border: 1px solid #8a96a6; border-radius: 6px; background: palette(base); }"
        )
        self._queues, self._runner = queues, runner
        self._task: int | None = None
        self._results_for: str | None = None
        self._open_when_ready = False
        self._return_focus: QWidget | None = None
        self._timer = QTimer(self)
        self._timer.setObjectName("searchDelay")
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search_now)

        self.edit = QLineEdit(self)
        self.edit.setObjectName("searchEdit")
        self.edit.setAccessibleName("Find claim by reference, e-mail, order id or text")
        self.edit.setPlaceholderText("Find a claim: reference, customer e-mail, order id, or any name…")
        self.edit.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.edit.setClearButtonEnabled(True)
        self.edit.installEventFilter(self)
        self.hits = HitsModel(self)
        self.list = QListView(self)
        self.list.setObjectName("searchHits")
        self.list.setAccessibleName("Matching claims")
        self.list.setModel(self.hits)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the box keeps the keyboard; arrows move here
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setUniformItemSizes(True)
        self.list.setItemDelegate(_HitDelegate(self.list))
        self.list.clicked.connect(lambda index: self._open_row(index.row()))
        self.status = QLabel("Enter opens the top match · ↑/↓ choose · Esc closes", self)
        self.status.setObjectName("searchStatus")
        self.status.setProperty("role", "caption")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 6)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        layout.addWidget(self.status)
        self.edit.textEdited.connect(self._typed)
        self.edit.returnPressed.connect(self.enter)
        self.hide()

    # ------------------------------------------------------------------ show

    def popup(self) -> None:
        parent = self.parentWidget()
        width = min(max(parent.width() // 2, 520), parent.width() - 40)
        height = min(420, parent.height() - 80)
        self.setGeometry((parent.width() - width) // 2, 56, width, height)
        focus = QApplication.focusWidget()
        if focus is not None and not self.isAncestorOf(focus):
            self._return_focus = focus
        self.show()
        self.raise_()
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()

    def close_palette(self) -> None:
        self._timer.stop()
        self._forget()
        self._open_when_ready = False
        had_focus = self.edit.hasFocus()
        self.hide()
        back, self._return_focus = self._return_focus, None
        if had_focus and back is not None and back.isVisible():
            back.setFocus(Qt.FocusReason.OtherFocusReason)  # the keyboard goes back where it was

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit:
            if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                if event.key() == Qt.Key.Key_Escape:
                    self.close_palette()
                    return True
                if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                    self._move(1 if event.key() == Qt.Key.Key_Down else -1)
                    return True
            if event.type() == QEvent.Type.FocusOut and self.isVisible():
                QTimer.singleShot(0, self._maybe_close)
        return super().eventFilter(watched, event)

    def _maybe_close(self) -> None:
        if not self.edit.hasFocus() and self.isVisible():
            self.close_palette()

    def _move(self, step: int) -> None:
        n = self.hits.rowCount()
        if not n:
            return
        row = self.list.currentIndex().row()
        row = min(max(row + step, 0), n - 1) if row >= 0 else 0
        self.list.setCurrentIndex(self.hits.index(row))

    # ---------------------------------------------------------------- search

    def _typed(self, _text: str) -> None:
        self._open_when_ready = False
        self._timer.start()

    def search_now(self) -> None:
        self._timer.stop()
        text = " ".join(self.edit.text().split())
        self._forget()
        if not text:
            self.hits.set_hits([])
            self._results_for = None
            self.status.setText("Enter opens the top match · ↑/↓ choose · Esc closes")
            return
        queues = self._queues
        task: int | None = None

        def found(rows: list[ClaimRow]) -> None:
            if task != self._task:
                return
            self._task = None
            self._results_for = text
            self.hits.set_hits(rows)
            if rows:
                self.list.setCurrentIndex(self.hits.index(0))
                many = "50+" if len(rows) >= 50 else str(len(rows))
                self.status.setText(
                    f"{many} match{'es' if len(rows) != 1 else ''} · Enter opens the highlighted one"
                )
            else:
                self.status.setText(f"No claim matches “{text}”.")
            if self._open_when_ready:
                self._open_when_ready = False
                if rows:
                    self._open_row(0)

        def refused(problem: DomainError) -> None:
            if task != self._task:
                return
            self._task = None
            self._open_when_ready = False
            self.status.setText(first_upper(problem.message))

        self.status.setText("Searching…")
        task = self._runner.run(lambda: queues.find(text), found, on_error=refused, owner=self)
        self._task = task

    def enter(self) -> None:
        text = " ".join(self.edit.text().split())
        if not text:
            return
        if self._timer.isActive() or self._task is not None or self._results_for != text:
            self._open_when_ready = True  # Enter before the answer: open the top hit when it comes
            if self._task is None or self._timer.isActive():
                self.search_now()
            return
        row = self.list.currentIndex().row()
        self._open_row(row if row >= 0 else 0)

    def _open_row(self, row: int) -> None:
        hit = self.hits.hit(row)
        if hit is None:
            return
        self.close_palette()
        self.open_claim.emit(hit.reference)

    def _forget(self) -> None:
        if self._task is not None:
            self._runner.discard(self._task)
            self._task = None
