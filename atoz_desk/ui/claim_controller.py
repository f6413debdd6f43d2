"""The open claim and what the user does to it: load, move, take next, reassign.

Every read and write goes through the services on the task runner. A load
that is overtaken by another (J/K pressed quickly) is discarded. Panels
listen: `loaded` shows the claim, `changed` refreshes its queue row and the
counts after any write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog, QWidget

from atoz_desk.ui.conflict_view import RELOAD
from atoz_desk.ui.formatting import first_upper, state_label

if TYPE_CHECKING:  # the dialogs are imported when a move or a reassignment first opens one
    from atoz_desk.domain.errors import DomainError
    from atoz_desk.domain.transitions import Actor
    from atoz_desk.services import Services
    from atoz_desk.services.dto import ActionOption, ClaimDetail
    from atoz_desk.ui.action_dialog import ActionDialog
    from atoz_desk.ui.reassign_dialog import ReassignDialog
    from atoz_desk.ui.tasks import TaskRunner


class ClaimController(QObject):
    loading = Signal(str)
    """A claim (reference) is on its way."""
    loaded = Signal(object, object)
    """The claim (ClaimDetail) and the moves open to the user (list[ActionOption])."""
    load_failed = Signal(str)
    changed = Signal(object)
    """A write changed this claim (ClaimDetail): its row, the counts and the detail refresh."""
    message = Signal(str)
    """Something for the status bar."""

    def __init__(self, services: Services, actor: Actor, runner: TaskRunner, dialog_parent: QWidget) -> None:
        super().__init__(dialog_parent)
        self._services = services
        self._actor = actor
        self._runner = runner
        self._parent = dialog_parent
        self.current: ClaimDetail | None = None
        self.options: list[ActionOption] = []
        self._load_task: int | None = None
        self._taking = False
        self.dialog: QDialog | None = None
        self.offline = False
        """Set by the window while the database is unreachable: dialogs then refuse to send."""

    @property
    def busy_loading(self) -> bool:
        return self._load_task is not None

    # ------------------------------------------------------------------ load

    def open(self, reference: str, *, written: bool = False) -> None:
        """Load a claim and its moves in one background read; any earlier load is dropped.

        `written`: the claim was just changed outside a move (evidence added, a flag decided), so
        its queue row and the counts refresh too once it arrives."""
        self._forget_load()
        services, actor = self._services, self._actor  # each service is made on the worker if it is new
        task: int | None = None

        def arrived(result: tuple[ClaimDetail, list[ActionOption]]) -> None:
            if task != self._load_task:
                return
            self._load_task = None
            self.current, self.options = result
            self.loaded.emit(*result)
            if written:
                self.changed.emit(result[0])

        def refused(problem: DomainError) -> None:
            if task != self._load_task:
                return
            self._load_task = None
            self.load_failed.emit(first_upper(problem.message))

        task = self._runner.run(
            lambda: (services.claims.detail(reference), services.workflow.actions_for(reference, actor)),
            arrived,
            on_error=refused,
            owner=self,
        )
        self._load_task = task
        self.loading.emit(reference)

    def written_by_tab(self, reference: str) -> None:
        """A tab of the open claim wrote to it: show it afresh, with its queue row and the counts."""
        if self.current is not None and self.current.reference == reference:
            self.open(reference, written=True)

    def reload(self) -> None:
        if self.current is not None:
            self.open(self.current.reference)

    def clear(self) -> None:
        self._forget_load()
        self.current, self.options = None, []

    def _forget_load(self) -> None:
        if self._load_task is not None:
            self._runner.discard(self._load_task)
            self._load_task = None

    # ----------------------------------------------------------------- moves

    def invoke(self, option: ActionOption) -> ActionDialog | None:
        """Open the dialog for one move; it runs the move and reports back here."""
        claim = self.current
        if claim is None or self.dialog is not None:
            return None
        if not option.enabled:
            self.message.emit(f"{option.label}: {option.blocked_reason}")
            return None
        from atoz_desk.ui.action_dialog import ActionDialog

        dialog = ActionDialog(
            option,
            claim,
            self._services.workflow,
            self._actor,
            self._runner,
            self._parent,
            today=self._services.clock().astimezone().date(),
            claims=self._services.claims,
            is_offline=lambda: self.offline,
        )
        dialog.finished.connect(lambda code: self._move_finished(dialog, code))
        self.dialog = dialog
        dialog.open()
        dialog.activateWindow()  # the keyboard goes to the dialog at once
        return dialog

    def _move_finished(self, dialog: ActionDialog, code: int) -> None:
        self.dialog = None
        dialog.deleteLater()
        self._parent.activateWindow()  # back to the window, its focus where it was
        if code == QDialog.DialogCode.Accepted and dialog.detail is not None:
            detail = dialog.detail
            self.message.emit(
                f"{dialog.option.label}: {detail.reference} is now {state_label(detail.state).lower()}."
            )
            self._after_write(detail)
        elif code == RELOAD:
            self.message.emit("Reloaded the claim: check what changed, then make your move again.")
            self.reload()

    def _after_write(self, detail: ClaimDetail) -> None:
        self.current = detail
        self.changed.emit(detail)
        self.open(detail.reference)  # the moves open now depend on the new state

    # ------------------------------------------------------------ assignment

    def take_next(self) -> None:
        """Assign the most urgent new claim to the user and open it."""
        if self._taking:
            return
        self._taking = True
        services, actor = self._services, self._actor
        self.message.emit("Taking the next new claim…")

        def took(detail: ClaimDetail | None) -> None:
            self._taking = False
            if detail is None:
                self.message.emit("No new claims are waiting: the New queue is empty.")
                return
            self.message.emit(f"You took {detail.reference}; its review has started.")
            self._after_write(detail)

        def refused(problem: DomainError) -> None:
            self._taking = False
            self.message.emit(first_upper(problem.message))

        self._runner.run(lambda: services.assignment.take_next(actor), took, on_error=refused, owner=self)

    def reassign(self) -> ReassignDialog | None:
        claim = self.current
        if claim is None or self.dialog is not None:
            return None
        from atoz_desk.ui.reassign_dialog import ReassignDialog

        dialog = ReassignDialog(
            claim, self._services, self._actor, self._runner, self._parent, is_offline=lambda: self.offline
        )
        dialog.finished.connect(lambda code: self._reassigned(dialog, code))
        self.dialog = dialog
        dialog.open()
        dialog.activateWindow()
        return dialog

    def _reassigned(self, dialog: ReassignDialog, code: int) -> None:
        self.dialog = None
        dialog.deleteLater()
        self._parent.activateWindow()
        if code == QDialog.DialogCode.Accepted and dialog.detail is not None:
            who = dialog.detail.assignee or "nobody (unassigned)"
            self.message.emit(f"{dialog.detail.reference} is now assigned to {who}.")
            self._after_write(dialog.detail)
        elif code == RELOAD:
            self.message.emit("Reloaded the claim: check who has it now, then reassign again if needed.")
            self.reload()

    def notice_update(self, text: str) -> None:
        """Another user changed the open claim: an open dialog says so and keeps its input."""
        dialog = self.dialog
        if dialog is None:
            return
        from atoz_desk.ui.action_dialog import ActionDialog  # loaded already: a dialog is open
        from atoz_desk.ui.reassign_dialog import ReassignDialog

        if isinstance(dialog, ActionDialog | ReassignDialog):
            dialog.notice_update(text)

    def opened_elsewhere(self, detail: ClaimDetail) -> None:
        """A claim written outside this controller (e.g. filed by the New claim dialog)."""
        self._after_write(detail)
