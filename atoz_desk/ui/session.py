"""Sign-in, the window, sign-out, again: one desk session per signed-in user, no global state.

At start-up the sign-in dialog shows first and the database opens on a worker
(with the window's modules imported behind it) while the user types; a Sign in
pressed earlier waits for it. An older schema waits for an administrator to
sign in and confirm the upgrade; anyone else is told to ask one.

Signing out or switching user closes the window (and everything it owns)
and shows the sign-in dialog again; a new window is built for the next
actor. Cancelling sign-in, or closing the window, ends the session.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QProgressDialog, QWidget

from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.states import Role
from atoz_desk.ui.heap import release_on_close, settle_after_start
from atoz_desk.ui.settings import DeskSettings
from atoz_desk.ui.signin import SignInDialog
from atoz_desk.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from atoz_desk.data.migrate import SchemaStatus
    from atoz_desk.domain.transitions import Actor
    from atoz_desk.services import Services
    from atoz_desk.services.startup import OpenedDatabase
    from atoz_desk.ui.main_window import MainWindow

APP_NAME = "AtoZ Desk"
WINDOW_MODULES = ("atoz_desk.ui.main_window",)
"""Imported on the opening worker, so signing in only builds the window."""


def prepare_desk(
    opener: Callable[[], OpenedDatabase], database_open: Callable[[OpenedDatabase], None] | None = None
) -> OpenedDatabase:
    """The worker's half of start-up: open the database, then import what the window needs.

    `database_open` hears of the open database before the window's modules load, so a password
    is checked (on another worker) while they do.
    """
    opened = opener()
    services = opened.services
    _built_here = services.users  # the sign-in's service, built off the GUI thread
    if database_open is not None:
        database_open(opened)
    for name in WINDOW_MODULES:
        importlib.import_module(name)
    _built_here_too = (services.queues, services.claims)  # the first page's
    return opened


class DeskSession(QObject):
    finished = Signal()
    """Nobody is signed in any more and no sign-in is showing: the app may quit."""
    _opening_step = Signal(str)
    _database_open = Signal(object)

    def __init__(
        self,
        services: Services | None,
        runner: TaskRunner,
        settings: DeskSettings,
        *,
        database_label: str = "",
        hint: str | None = None,
        page_size: int | None = None,
    ) -> None:
        super().__init__()
        self._services, self._runner, self._settings = services, runner, settings
        self._database_label, self._hint, self._page_size = database_label, hint, page_size
        self._behind: SchemaStatus | None = None
        self._ended = False
        self.exit_code = 0
        """What the process should exit with: 1 when the database could not be opened or upgraded."""
        self.window: MainWindow | None = None
        self.sign_in: SignInDialog | None = None
        self.message: QMessageBox | None = None
        """The question or notice showing now (upgrade, a database that cannot be used), if any."""
        self.signed_in: list[str] = []  # who signed in, in order (for the log and tests)
        self._window_code_ready = True  # False while the opening worker still imports the window
        self._actor_waiting: Actor | None = None  # signed in before the window's code was ready
        # both queued: emitted on the opening worker
        self._opening_step.connect(self._show_opening_step)
        self._database_open.connect(self._opened)

    @property
    def services(self) -> Services | None:
        return self._services

    def start(self, opener: Callable[[], OpenedDatabase] | None = None) -> None:
        """Show the sign-in dialog; with `opener`, open the database on a worker meanwhile."""
        self._show_sign_in()
        if opener is not None:
            self._window_code_ready = False
            self._runner.run(
                lambda: prepare_desk(opener, self._database_open.emit),
                self._ready,
                on_error=self._cannot_open,
            )

    # ------------------------------------------------------------ opening

    def opening_step(self, text: str) -> None:
        """For the opener, on its worker: say what opening the database is doing (thread-safe)."""
        self._opening_step.emit(text)

    def _show_opening_step(self, text: str) -> None:
        if self.sign_in is not None:
            self.sign_in.set_status(text)

    def _opened(self, opened: OpenedDatabase) -> None:
        if self._ended:
            opened.services.db.dispose()
            return
        self._services, self._database_label, self._behind = opened.services, opened.label, opened.behind
        dialog = self.sign_in
        if dialog is None:
            return
        hints = [h for h in (self._hint, opened.notice) if h]
        if opened.behind is not None:
            from atoz_desk.services.startup import behind_hint

            hints = [behind_hint(opened.behind)]
        dialog.set_hint("\n\n".join(hints))
        dialog.set_users(opened.services.users)

    def _ready(self, opened: OpenedDatabase) -> None:
        """The window's modules are imported too: a sign-in that came first opens the window now."""
        self._window_code_ready = True
        if self._ended:
            return
        actor, self._actor_waiting = self._actor_waiting, None
        if actor is not None:
            self._open_window(actor)
        elif self.sign_in is not None and not self.sign_in.checking and opened.behind is None:
            # the user is still typing: the rest of the window's code loads now, not in the first
            # seconds of work (the window would import it on a worker a second after its first page)
            from atoz_desk.ui.main_window import warm_up

            services = opened.services
            self._runner.run(lambda: warm_up(services), on_error=lambda _problem: None)

    def _cannot_open(self, problem: DomainError) -> None:
        if self.sign_in is not None:
            dialog, self.sign_in = self.sign_in, None
            dialog.hide()
            dialog.deleteLater()
        self._tell(f"{APP_NAME} cannot open the database", problem.message, critical=True, exit_code=1)

    def _tell(self, title: str, text: str, *, critical: bool = False, exit_code: int = 0) -> None:
        """A message the user closes, after which the session ends."""
        icon = QMessageBox.Icon.Critical if critical else QMessageBox.Icon.Information
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok)
        box.setObjectName("sessionMessage")
        box.finished.connect(lambda _code: self._end(exit_code))
        self.message = box
        box.open()

    def _end(self, exit_code: int = 0) -> None:
        self.message = None
        if self._ended:
            return
        self._ended = True
        self.exit_code = exit_code
        self.finished.emit()

    # ------------------------------------------------------------ sign-in

    def _show_sign_in(self, switching_from: str | None = None) -> None:
        users = self._services.users if self._services is not None else None
        dialog = SignInDialog(users, self._runner, hint=self._hint)
        last = self._settings.last_username()
        if last and switching_from is None:
            dialog.username_edit.setText(last)
            dialog.password_edit.setFocus()
        dialog.finished.connect(lambda code: self._signed_in(dialog, code))
        self.sign_in = dialog
        dialog.open()

    def _signed_in(self, dialog: SignInDialog, code: int) -> None:
        if self.sign_in is not dialog:  # closed by the session itself (the database cannot be used)
            return
        self.sign_in = None
        actor = dialog.actor
        dialog.deleteLater()
        if code != QDialog.DialogCode.Accepted or actor is None:
            self._end()
            return
        self._settings.set_last_username(actor.username)
        if self._behind is not None:
            self._ask_to_upgrade(actor, self._behind)
            return
        self._open_window(actor)

    # ------------------------------------------------------------ an older schema

    def _ask_to_upgrade(self, actor: Actor, schema: SchemaStatus) -> None:
        from atoz_desk.services.startup import ask_admin_message, upgrade_question

        if actor.role is not Role.ADMIN:
            self._tell(APP_NAME, ask_admin_message(schema))
            return
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
        box = QMessageBox(
            QMessageBox.Icon.Question, f"Upgrade the {APP_NAME} database", upgrade_question(schema), yes | no
        )
        box.setObjectName("upgradeQuestion")
        box.setDefaultButton(no)
        box.finished.connect(lambda _code: self._answered(box, actor))
        self.message = box
        box.open()

    def _answered(self, box: QMessageBox, actor: Actor) -> None:
        self.message = None
        if box.clickedButton() is not box.button(QMessageBox.StandardButton.Yes):
            self._end()
            return
        from atoz_desk.services.startup import upgrade_schema

        services = self._services
        assert services is not None  # an actor signed in through them
        progress = _busy(f"Upgrading the {APP_NAME} database…")

        def upgraded(fresh: Services) -> None:
            progress.close()
            self._services, self._behind = fresh, None
            self._open_window(actor)

        def failed(problem: DomainError) -> None:
            progress.close()
            self._tell(
                APP_NAME,
                f"The upgrade failed; nothing was changed:\n\n{problem.message}",
                critical=True,
                exit_code=1,
            )

        self._runner.run(lambda: upgrade_schema(services, actor), upgraded, on_error=failed)

    # ------------------------------------------------------------ the window

    def _open_window(self, actor: Actor) -> None:
        if not self._window_code_ready:
            self._actor_waiting = actor  # opened by _ready, in a moment
            return
        from atoz_desk.ui.main_window import MainWindow
        from atoz_desk.ui.queue_model import PAGE_SIZE

        assert self._services is not None  # an actor signed in through them
        window = MainWindow(
            self._services,
            actor,
            self._runner,
            database_label=self._database_label,
            settings=self._settings,
            page_size=self._page_size or PAGE_SIZE,
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
                self._end()

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


def _busy(text: str, parent: QWidget | None = None) -> QProgressDialog:
    """A progress dialog without steps or Cancel, for work that must run to its end."""
    progress = QProgressDialog(text, "", 0, 0, parent)
    progress.setObjectName("sessionProgress")
    progress.setWindowTitle(APP_NAME)
    progress.setCancelButton(None)
    progress.setMinimumDuration(0)
    progress.show()
    return progress
