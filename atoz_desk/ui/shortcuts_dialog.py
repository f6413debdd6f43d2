"""Help → Keyboard shortcuts: every key the window answers, from the command registry."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from atoz_desk.ui import style
from atoz_desk.ui.commands import Shortcut
from atoz_desk.ui.record_table import Field, RecordTable, RecordTableModel

SHORTCUT_FIELDS: tuple[Field[Shortcut], ...] = (
    Field("Area", lambda s: s.group, sample="Dialogs"),
    Field("Keys", lambda s: s.keys, sample="Ctrl+Return or Ctrl+Enter"),
    Field("Does", lambda s: s.description),
)


class ShortcutsDialog(QDialog):
    def __init__(self, shortcuts: Sequence[Shortcut], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setAccessibleName("Keyboard shortcuts")
        self.setWindowTitle("Keyboard shortcuts")
        heading = QLabel("Everything in AtoZ Desk works from the keyboard", self)
        heading.setFont(style.scaled_font(self, 1.15, bold=True))
        hint = QLabel(
            "Menus open with Alt and the underlined letter; Tab moves between panes' controls.", self
        )
        hint.setProperty("role", "caption")
        self.model: RecordTableModel[Shortcut] = RecordTableModel(SHORTCUT_FIELDS, self)
        self.model.set_records(list(shortcuts))
        self.table = RecordTable(self.model, "shortcutsTable", "Keyboard shortcuts", "", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(hint)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(720, 560)
