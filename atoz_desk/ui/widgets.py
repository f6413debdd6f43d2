"""Small building blocks shared by panels: empty states, banners, a wrapping button row."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, QStandardPaths, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.ui import style
from atoz_desk.ui.icons import icon


class EmptyState(QWidget):
    """An icon, a title and a line of help, centred: what a panel shows when it has nothing."""

    def __init__(
        self, title: str, text: str, parent: QWidget | None = None, *, icon_name: str = "empty"
    ) -> None:
        super().__init__(parent)
        self.icon_label = QLabel(self)
        self.icon_label.setPixmap(icon(icon_name).pixmap(40, 40))
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label = QLabel(title, self)
        self.title_label.setObjectName("emptyTitle")
        self.title_label.setFont(style.scaled_font(self, 1.15, bold=True))
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label = QLabel(text, self)
        self.text_label.setObjectName("emptyText")
        self.text_label.setProperty("role", "caption")
        self.text_label.setWordWrap(True)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label.setMaximumWidth(self.fontMetrics().averageCharWidth() * 70)
        self.setAccessibleName(title)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(self.icon_label)
        layout.addWidget(self.title_label)
        layout.addWidget(self.text_label, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)

    def set_text(self, title: str, text: str) -> None:
        self.title_label.setText(title)
        self.text_label.setText(text)
        self.setAccessibleName(title)


class Banner(QWidget):
    """A coloured message strip with an optional button on the right (e.g. Reload)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel(self)
        self.label.setObjectName("bannerText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.label, 1)
        self.hide()

    def add_button(self, button: QWidget) -> None:
        self._layout.addWidget(button, 0, Qt.AlignmentFlag.AlignVCenter)

    def show_message(self, text: str, *, error: bool = True) -> None:
        self.label.setText(text)
        self.label.setStyleSheet(style.banner_style(error))
        self.setAccessibleName(text)
        self.show()

    def clear(self) -> None:
        self.label.clear()
        self.hide()


class FlowLayout(QLayout):
    """Lays widgets out left to right and wraps them onto the next line when out of room."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, *, apply: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line_height = area.x(), area.y(), 0
        for item in self._items:
            if item.widget() is not None and item.widget().isHidden():
                continue
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line_height > 0:
                x, y = area.x(), y + line_height + self._spacing
                line_height = 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + margins.bottom()


def tab_button(tab: QWidget, text: str, keys: str, name: str, slot: Callable[[], object]) -> QPushButton:
    """A claim tab's button with its own shortcut, live only while that tab has the focus.

    The shortcut is named in the tooltip and kept as the button's "keys" property (the
    shortcuts dialog lists them); the accessible name is the text without "&" and "…".
    """
    button = QPushButton(text, tab)
    plain = text.replace("&", "").rstrip("…")
    button.setObjectName(name)
    button.setAccessibleName(plain)
    button.setToolTip(f"{plain} ({keys})")
    button.setProperty("keys", keys)
    button.clicked.connect(slot)
    shortcut = QShortcut(QKeySequence(keys), tab)
    shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    shortcut.activated.connect(button.click)
    return button


def accept_buttons(dialog: QDialog, text: str) -> tuple[QDialogButtonBox, QPushButton]:
    """Cancel and the dialog's one primary button (`text`, accepting it), wired to the dialog."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, dialog)
    accept = buttons.addButton(text, QDialogButtonBox.ButtonRole.AcceptRole)
    accept.setProperty("primary", True)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons, accept


def save_as_dialog(
    parent: QWidget, title: str, file_name: str, name_filter: str, suffix: str, name: str
) -> QFileDialog:
    """A "save as" file dialog that starts in the user's Documents folder with `file_name`."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    dialog = QFileDialog(parent, title, str(Path(folder or ".") / file_name))
    dialog.setObjectName(name)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setNameFilter(name_filter)
    dialog.setDefaultSuffix(suffix)
    return dialog
