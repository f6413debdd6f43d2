"""Sign-in, the window, sign-out, again: one desk session per signed-in user, no global state.

Signing out or switching user closes the window (and everything it owns)
and shows the sign-in dialog again; a new window is built for the next
actor. Cancelling sign-in, or closing the window, ends the session.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.ui.heap import release_on_close, settle_after_start
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.queue_model import PAGE_SIZE
from atoz_desk.ui.settings import DeskSettings
from atoz_desk.ui.signin import SignInDialog
from atoz_desk.ui.tasks import TaskRunner


class DeskSession(QObject):
    finished = Signal()
    """Nobody is signed in any more and no sign-in is showing: the app may quit."""

    def __init__(
        self,
        services: Services,
        runner: TaskRunner,
        settings: DeskSettings,
        *,
        database_label: str,
        hint: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__()
        self._services, self._runner, self._settings = services, runner, settings
        self._database_label, self._hint, self._page_size = database_label, hint, page_size
        self.window: MainWindow | None = None
        self.sign_in: SignInDialog | None = None
        self.signed_in: list[str] = []  # who signed in, in order (for the log and tests)

    def start(self) -> None:
        self._show_sign_in()

    def _show_sign_in(self, switching_from: str | None = None) -> None:
        dialog = SignInDialog(self._services.users, self._runner, hint=self._hint)
        last = self._settings.last_username()
        if last and switching_from is None:
            dialog.username_edit.setText(last)
            dialog.password_edit.setFocus()
        dialog.finished.connect(lambda code: self._signed_in(dialog, code))
        self.sign_in = dialog
        dialog.open()

    def _signed_in(self, dialog: SignInDialog, code: int) -> None:
        self.sign_in = None
        actor = dialog.actor
        dialog.deleteLater()
        if code != QDialog.DialogCode.Accepted or actor is None:
            self.finished.emit()
            return
        self._settings.set_last_username(actor.username)
        self._open_window(actor)

    def _open_window(self, actor: Actor) -> None:
        window = MainWindow(
            self._services,
            actor,
            self._runner,
            database_label=self._database_label,
            settings=self._settings,
            page_size=self._page_size,
        )
        signing_out = [False]

        def sign_out(switch: bool) -> None:
            signing_out[0] = True
            self._show_sign_in(switching_from=actor.username if switch else None)
            window.close()

        def closed() -> None:
            if self.window is window:
                self.window = None
            window.deleteLater()  # the window's models, timers and dialogs go with it
            release_on_close()
            if not signing_out[0]:
                self.finished.emit()

        window.sign_out_requested.connect(sign_out)
        window.closed.connect(closed)
        self.window = window
        self.signed_in.append(actor.username)
        window.show()
        settle_after_start()

    def shutdown(self) -> None:
        """End whatever is showing (the app is quitting)."""
        if self.sign_in is not None:
            self.sign_in.reject()
        if self.window is not None:
            self.window.close()
