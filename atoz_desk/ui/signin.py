"""Sign-in: user name and password, checked by the user service off the GUI thread."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.transitions import Actor
from atoz_desk.services.auth import UserService
from atoz_desk.ui.tasks import TaskRunner


class SignInDialog(QDialog):
    """Accepted once the service has vouched for the user; `actor` is then who signed in."""

    def __init__(
        self,
        users: UserService,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        hint: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._users = users
        self._runner = runner
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
        if hint:
            hint_label = QLabel(hint, self)
            hint_label.setObjectName("signInHint")
            hint_label.setWordWrap(True)
            layout.addWidget(hint_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(360)
        self.username_edit.setFocus()

    @property
    def checking(self) -> bool:
        return not self.sign_in_button.isEnabled()

    def _submit(self) -> None:
        if self.checking:
            return
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username or not password:
            self._refused("Enter your user name and password.")
            return
        self._set_checking(True)
        users = self._users
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
