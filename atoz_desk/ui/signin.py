"""Sign-in: user name and password, checked by the user service off the GUI thread.

The dialog shows before the database is open (start-up opens it on a worker
while the user types): until `set_users` hands it the user service, a Sign in
waits, says so, and goes ahead the moment the database is ready.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from atoz_desk.domain.transitions import Actor
    from atoz_desk.services.auth import UserService

OPENING = "Opening the database…"
WAITING = "You are signed in as soon as it is ready."


class SignInDialog(QDialog):
    """Accepted once the service has vouched for the user; `actor` is then who signed in."""

    def __init__(
        self,
        users: UserService | None,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        hint: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._users = users
        self._runner = runner
        self._waiting = False  # Sign in pressed before the database was open
        self._step = OPENING  # what opening the database is doing, while it is not open
        self.actor: Actor | None = None
        self.setWindowTitle("Sign in to AtoZ Desk")
        self.setObjectName("signInDialog")
        self.setAccessibleName("Sign in")

        self.username_edit = QLineEdit(self)
        self.username_edit.setObjectName("username")
        self.username_edit.setAccessibleName("User name")
        self.username_edit.setMaxLength(64)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("password")
        self.password_edit.setAccessibleName("Password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)

        self.hint_label = QLabel(hint or "", self)
        self.hint_label.setObjectName("signInHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setVisible(bool(hint))
        self.status_label = QLabel(OPENING, self)
        self.status_label.setObjectName("signInStatus")
        self.status_label.setAccessibleName("Sign-in status")
        self.status_label.setProperty("role", "caption")
        self.status_label.setWordWrap(True)
        self.status_label.setVisible(users is None)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("signInError")
        self.error_label.setAccessibleName("Sign-in problem")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b3261e; font-weight: bold;")
        self.error_label.hide()

        self.buttons = QDialogButtonBox(self)
        self.sign_in_button = self.buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setAccessibleName("Sign in")
        self.sign_in_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&User name:", self.username_edit)
        form.addRow("&Password:", self.password_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.status_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        self.username_edit.setFocus()

    @property
    def checking(self) -> bool:
        return not self.sign_in_button.isEnabled()

    @property
    def waiting_for_database(self) -> bool:
        return self._users is None

    def set_hint(self, hint: str) -> None:
        self.hint_label.setText(hint)
        self.hint_label.setVisible(bool(hint))

    def set_status(self, text: str) -> None:
        """What opening the database is doing now (shown while it is not open yet)."""
        self._step = text
        self._show_status()

    def _show_status(self) -> None:
        if self._users is None:
            self.status_label.setText(f"{self._step} {WAITING}" if self._waiting else self._step)

    def set_users(self, users: UserService) -> None:
        """The database is open: a Sign in that was waiting for it goes ahead now."""
        self._users = users
        self.status_label.hide()
        if self._waiting:
            self._waiting = False
            self._set_checking(False)
            self._submit()

    def _submit(self) -> None:
        if self.checking:
            return
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username or not password:
            self._refused("Enter your user name and password.")
            return
        users = self._users
        self._set_checking(True)
        if users is None:
            self._waiting = True
            self._show_status()
            self.error_label.hide()
            return
        self._runner.run(
            lambda: users.authenticate(username, password),
            self._signed_in,
            on_error=lambda problem: self._refused(problem.message),
            owner=self,
        )

    def _signed_in(self, actor: Actor) -> None:
        self._set_checking(False)
        self.actor = actor
        self.error_label.hide()
        self.accept()

    def _refused(self, message: str) -> None:
        self._set_checking(False)
        self.error_label.setText(message[:1].upper() + message[1:])
        self.error_label.show()
        self.password_edit.clear()
        (self.password_edit if self.username_edit.text().strip() else self.username_edit).setFocus()

    def _set_checking(self, checking: bool) -> None:
        for widget in (self.username_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not checking)
