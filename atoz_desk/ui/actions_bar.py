"""The moves the user may make on the open claim, as buttons with keyboard shortcuts.

Built from `workflow.actions_for`: each ActionOption becomes a QAction
(Alt+1..9 in order) and a button; a blocked one is disabled and says why.
The primary move of the state (start review, approve, present, pay, close)
is drawn as the main button and also answers Ctrl+Enter.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QPushButton, QWidget

from atoz_desk.domain.policy import PolicySettings
from atoz_desk.services.dto import ActionOption, ClaimDetail
from atoz_desk.ui.formatting import first_upper
from atoz_desk.ui.widgets import FlowLayout

MAX_NUMBERED = 9
# what "approve" (Ctrl+Enter) means in each state, most specific first
PRIMARY_ORDER = (
    "start_review",
    "issue_payment",
    "confirm_seller_payment",
    "confirm_payment",
    "step_in",
    "close",
)


def primary_action(options: list[ActionOption], claim: ClaimDetail, policy: PolicySettings) -> str | None:
    """The state's main move when it is enabled, else None."""
    enabled = {o.action for o in options if o.enabled}
    if claim.state == "in_review":
        amount: Decimal = claim.approved_amount or claim.amount_claimed
        wanted = "approve_concession" if policy.is_concession_amount(amount) else "present_to_seller"
        return wanted if wanted in enabled else None
    return next((name for name in PRIMARY_ORDER if name in enabled), None)


def _tooltip(option: ActionOption, shortcut: str | None) -> str:
    keys = f" ({shortcut})" if shortcut else ""
    if option.blocked_reason:
        return f"{option.label}{keys}\nNot available: {first_upper(option.blocked_reason)}."
    needs = f"\nAsks for: {', '.join(option.requires)}" if option.requires else ""
    return f"{option.label}{keys}{needs}"


class ActionsBar(QWidget):
    """Emits `invoked(ActionOption)` when a move is chosen (button, Alt+number or menu)."""

    invoked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("actionsBar")
        self.setAccessibleName("Claim actions")
        self._layout = FlowLayout(self, spacing=6)
        self.options: list[ActionOption] = []
        self.actions_by_name: dict[str, QAction] = {}
        self.buttons: dict[str, QPushButton] = {}
        self.primary: str | None = None
        self._extras: list[QAction] = []
        self.none_label = QLabel("No actions are open to you on this claim.", self)
        self.none_label.setObjectName("actionsNote")
        self.none_label.setProperty("role", "caption")
        self._layout.addWidget(self.none_label)

    def set_extra_actions(self, actions: list[QAction]) -> None:
        """Fixed commands shown after the workflow's moves (e.g. Reassign for supervisors)."""
        self._extras = actions

    def set_options(self, options: list[ActionOption], primary: str | None) -> None:
        self.clear()
        self.options = list(options)
        self.primary = primary
        for number, option in enumerate(self.options, start=1):
            shortcut = f"Alt+{number}" if number <= MAX_NUMBERED else None
            action = QAction(option.label, self)
            action.setObjectName(f"action_{option.action}")
            action.setEnabled(option.enabled)
            action.setToolTip(_tooltip(option, shortcut))
            action.setStatusTip(option.blocked_reason or option.label)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            action.triggered.connect(lambda _checked=False, o=option: self._invoke(o))
            self.addAction(action)
            self.actions_by_name[option.action] = action
            self._add_button(option.action, action, primary=option.action == primary)
        for extra in self._extras:
            if extra.isVisible():
                self._add_button(extra.objectName(), extra, primary=False)
        self._explain()

    def _explain(self) -> None:
        """When nothing can be done, say why once, in words (tooltips say it per button too)."""
        reasons = {o.blocked_reason for o in self.options}
        if not self.options:
            text = "No moves are open from this state."
        elif None in reasons:
            text = ""
        elif len(reasons) == 1:
            text = f"Not available: {first_upper(str(reasons.pop()))}."
        else:
            text = "None of these moves is open to you now; hover one to see why."
        self.none_label.setText(text)
        # the note goes last, after the buttons
        self._layout.removeWidget(self.none_label)
        self._layout.addWidget(self.none_label)
        self.none_label.setVisible(bool(text))

    def _add_button(self, name: str, action: QAction, *, primary: bool) -> None:
        button = QPushButton(action.text(), self)
        button.setObjectName(f"button_{name}")
        button.setAccessibleName(action.text())
        button.setToolTip(action.toolTip())
        button.setEnabled(action.isEnabled())
        button.setIcon(action.icon())
        button.setAutoDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        if primary:
            button.setProperty("primary", True)
            button.setToolTip(action.toolTip() + "\nPrimary action: Ctrl+Enter")
        button.clicked.connect(action.trigger)
        self._layout.addWidget(button)
        self.buttons[name] = button

    def clear(self) -> None:
        for action in self.actions_by_name.values():
            self.removeAction(action)
            action.deleteLater()
        for button in self.buttons.values():
            self._layout.removeWidget(button)
            button.deleteLater()
        self.actions_by_name, self.buttons, self.options, self.primary = {}, {}, [], None
        self.none_label.setVisible(True)

    def workflow_actions(self) -> list[QAction]:
        return list(self.actions_by_name.values())

    def trigger_primary(self) -> bool:
        action = self.actions_by_name.get(self.primary or "")
        if action is None or not action.isEnabled():
            return False
        action.trigger()
        return True

    def option(self, name: str) -> ActionOption | None:
        return next((o for o in self.options if o.action == name), None)

    def _invoke(self, option: ActionOption) -> None:
        if option.enabled:
            self.invoked.emit(option)
