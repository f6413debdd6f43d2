"""Reassign a claim (supervisors): pick an active user, or leave it unassigned.

The reassignment is checked against the version of the claim the supervisor
is looking at: if someone changed it meanwhile, nothing is reassigned and the
dialog shows what changed next to what the supervisor tried, and offers to
reload the claim (closing with RELOAD) or re-apply, as a move's dialog does.
Nothing is queued while offline: the dialog stays, the supervisor retries.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DatabaseUnavailable, DomainError, StaleEdit
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.dto import ClaimDetail, UserInfo
from atoz_desk.ui import style
from atoz_desk.ui.action_dialog import conflict_widgets
from atoz_desk.ui.conflict_view import OFFLINE_MESSAGE, changes_since
from atoz_desk.ui.formatting import first_upper, money, role_label
from atoz_desk.ui.tasks import TaskRunner

UNASSIGNED = ""


class ReassignDialog(QDialog):
    def __init__(
        self,
        claim: ClaimDetail,
        services: Services,
        actor: Actor,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        is_offline: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(parent)
        self.claim = claim
        self._services, self._actor, self._runner = services, actor, runner
        self._is_offline = is_offline
        self.latest: ClaimDetail | None = None
        self.detail: ClaimDetail | None = None
        self.working = True
        self.setObjectName("reassignDialog")
        self.setAccessibleName("Reassign claim")
        self.setWindowTitle(f"Reassign {claim.reference}")

        heading = QLabel(f"Reassign {claim.reference}", self)
        heading.setFont(style.scaled_font(self, 1.15, bold=True))
        current = claim.assignee or "nobody"
        amount = claim.approved_amount if claim.approved_amount is not None else claim.amount_claimed
        info = QLabel(f"Now assigned to {current}. Amount {money(amount, claim.currency)}.", self)
        info.setProperty("role", "caption")
        self.user_combo = QComboBox(self)
        self.user_combo.setObjectName("assigneeCombo")
        self.user_combo.setAccessibleName("Assign to")
        self.user_combo.addItem("Loading users…", None)
        self.user_combo.setEnabled(False)
        self.banner, self.reload_button, self.conflict = conflict_widgets(self, self.reapply)
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("Reassign", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("confirmReassign")
        self.ok_button.setDefault(True)
        self.ok_button.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Assign &to:", self.user_combo)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(info)
        layout.addWidget(self.banner)
        layout.addWidget(self.conflict)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 56)
        users = services.users
        runner.run(users.list_users, self._show_users, on_error=self._refused, owner=self)

    def _show_users(self, users: list[UserInfo]) -> None:
        self.working = False
        self.user_combo.clear()
        self.user_combo.addItem("Unassigned (back to the New queue's pool)", UNASSIGNED)
        amount = (
            self.claim.approved_amount
            if self.claim.approved_amount is not None
            else self.claim.amount_claimed
        )
        for user in users:
            if not user.active:
                continue
            room = "" if user.authority_limit >= amount else " — below this claim's amount"
            self.user_combo.addItem(
                f"{user.display_name} ({role_label(user.role)}, up to "
                f"{money(user.authority_limit, self.claim.currency)}){room}",
                user.username,
            )
            if user.display_name == self.claim.assignee:
                self.user_combo.setCurrentIndex(self.user_combo.count() - 1)
        self.user_combo.setEnabled(True)
        self.ok_button.setEnabled(True)
        self.user_combo.setFocus()

    def selected_username(self) -> str | None:
        value = self.user_combo.currentData()
        return value or None

    def submit(self) -> None:
        if self.working:
            return
        if self._is_offline():
            # not queued: a reassignment replayed later could act on a claim that changed meanwhile
            self.banner.show_message(OFFLINE_MESSAGE)
            return
        self.working = True
        self.ok_button.setEnabled(False)
        self.banner.clear()
        self.reload_button.hide()
        self.conflict.hide()
        services, actor, reference = self._services, self._actor, self.claim.reference
        username, seen = self.selected_username(), self.claim.version
        self._runner.run(  # the assignment service is made on the worker if it is new
            lambda: services.assignment.assign(reference, username, actor, expected_version=seen),
            self._done,
            on_error=self._refused,
            owner=self,
        )

    def _done(self, detail: ClaimDetail) -> None:
        self.working = False
        self.detail = detail
        self.accept()

    def _refused(self, problem: DomainError) -> None:
        self.working = False
        if isinstance(problem, DatabaseUnavailable):
            self.ok_button.setEnabled(self.user_combo.isEnabled())
            self.banner.show_message(f"{OFFLINE_MESSAGE} ({problem.message})")
            return
        stale = isinstance(problem, StaleEdit)
        # sending again would only meet the same conflict: the way on is Reload
        self.ok_button.setEnabled(self.user_combo.isEnabled() and not stale)
        self.banner.show_message(first_upper(problem.message))
        self.reload_button.setVisible(stale)
        if stale:
            self.reload_button.setFocus()
        if stale:
            claims, reference = self._services.claims, self.claim.reference
            self._runner.run(lambda: claims.detail(reference), self._show_conflict, owner=self)

    def _show_conflict(self, latest: ClaimDetail) -> None:
        self.latest = latest
        who = self.user_combo.currentText() if self.user_combo.isEnabled() else "…"
        was = self.claim.assignee or "nobody"
        mine = f"Reassign {self.claim.reference} (then assigned to {was}) to {who}"
        self.conflict.show_conflict(changes_since(self.claim, latest), mine)

    def reapply(self) -> None:
        """The same choice against the claim as it is now: the checks run again."""
        if self.latest is None or self.working:
            return
        self.claim, self.latest = self.latest, None
        self.submit()

    def notice_update(self, text: str) -> None:
        if not self.reload_button.isVisible():
            self.banner.show_message(f"{text}. Your choice is kept; saving checks the version you saw.")
