"""Confirm or dismiss one fraud flag: the flag in words, a reason (a dismissal needs one), then the service.

The decision is sent on the task runner with the claim version the window
showed; when someone changed the claim since, the service refuses with
StaleEdit and the dialog shows the standard conflict (what they did, what
you were doing) with Reload and Re-apply, as the move dialogs do.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DomainError, StaleEdit
from atoz_desk.domain.transitions import Actor
from atoz_desk.services.claims import ClaimQueries
from atoz_desk.services.dto import ClaimDetail, FlagInfo
from atoz_desk.services.fraud import FraudOverview, FraudService
from atoz_desk.ui import style
from atoz_desk.ui.action_dialog import conflict_widgets
from atoz_desk.ui.conflict_view import OFFLINE_MESSAGE, changes_since
from atoz_desk.ui.formatting import first_upper, humanize
from atoz_desk.ui.tasks import TaskRunner


class FlagDecisionDialog(QDialog):
    """Confirm (note optional) or dismiss (reason required) an open flag on the claim shown."""

    def __init__(
        self,
        decision: str,
        flag: FlagInfo,
        claim: ClaimDetail,
        fraud: FraudService,
        claims: ClaimQueries,
        actor: Actor,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        is_offline: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(parent)
        assert decision in ("confirm", "dismiss")
        self.decision, self.flag, self.claim = decision, flag, claim
        self._fraud, self._claims, self._actor, self._runner = fraud, claims, actor, runner
        self._is_offline = is_offline
        self.expected_version = claim.version
        self.overview: FraudOverview | None = None
        self.latest: ClaimDetail | None = None
        self.sending = False
        dismiss = decision == "dismiss"
        verb = "Dismiss" if dismiss else "Confirm"
        self.setObjectName("flagDecisionDialog")
        self.setWindowTitle(f"{verb} fraud flag — {claim.reference}")
        self.setAccessibleName(f"{verb} fraud flag")
        self.setMinimumWidth(520)

        heading = QLabel(f"{humanize(flag.code)} ({flag.severity}, +{flag.score})", self)
        heading.setFont(style.scaled_font(self, 1.1, bold=True))
        explanation = QLabel(flag.explanation, self)
        explanation.setWordWrap(True)
        explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        effect = QLabel(
            "Dismissing takes its score off the claim's fraud score; the reason goes into its history."
            if dismiss
            else "Confirming keeps its score on the claim and records that you checked it.",
            self,
        )
        effect.setProperty("role", "caption")
        effect.setWordWrap(True)
        self.reason_label = QLabel("&Reason (required):" if dismiss else "&Note (optional):", self)
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setObjectName("flagReason")
        self.reason_edit.setAccessibleName("Reason" if dismiss else "Note")
        self.reason_edit.setPlaceholderText(
            "Why this flag does not point to fraud, e.g. the receipt was checked with the seller"
            if dismiss
            else "What you checked (optional)"
        )
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(self.fontMetrics().height() * 4 + 12)
        self.reason_label.setBuddy(self.reason_edit)
        self.reason_error = QLabel(self)
        self.reason_error.setProperty("role", "fieldError")
        self.reason_error.hide()
        self.banner, self.reload_button, self.conflict = conflict_widgets(self, self.reapply)

        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(f"{verb} flag", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("decideFlag")
        self.ok_button.setDefault(True)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("cancelFlagDecision")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        send = QShortcut(QKeySequence("Ctrl+Return"), self)
        send.activated.connect(self.submit)
        self.status_label = QLabel(self)
        self.status_label.setProperty("role", "caption")

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(explanation)
        layout.addWidget(effect)
        layout.addWidget(self.banner)
        layout.addWidget(self.conflict)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.reason_edit)
        layout.addWidget(self.reason_error)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self.reason_edit.setFocus()

    @property
    def reason(self) -> str:
        return self.reason_edit.toPlainText().strip()

    def submit(self) -> None:
        """Check the reason, then send the decision with the version the window showed."""
        if self.sending or not self.ok_button.isEnabled():
            return
        if self.decision == "dismiss" and not self.reason:
            self.reason_error.setText("Say why the flag is dismissed: a dismissal needs a reason.")
            self.reason_error.show()
            self.reason_edit.setStyleSheet(style.invalid_field_style())
            self.reason_edit.setFocus()
            return
        self.reason_error.hide()
        self.reason_edit.setStyleSheet("")
        if self._is_offline():
            self.banner.show_message(OFFLINE_MESSAGE, error=True)
            return
        fraud, actor, flag_id = self._fraud, self._actor, self.flag.id
        decision, reason, version = self.decision, self.reason or None, self.expected_version
        self.sending = True
        self.ok_button.setEnabled(False)
        self.status_label.setText("Saving…")
        self._runner.run(
            lambda: fraud.decide_flag(flag_id, decision, reason, actor, expected_version=version),
            self._done,
            on_error=self._refused,
            owner=self,
        )

    def _done(self, overview: FraudOverview) -> None:
        self.sending = False
        self.overview = overview
        self.accept()

    def _refused(self, problem: DomainError) -> None:
        self.sending = False
        self.status_label.clear()
        self.banner.show_message(first_upper(problem.message), error=True)
        stale = isinstance(problem, StaleEdit)
        self.reload_button.setVisible(stale)
        if stale:
            claims, reference = self._claims, self.claim.reference
            self._runner.run(lambda: claims.detail(reference), self._show_conflict, owner=self)
            self.reload_button.setFocus()
        else:
            self.ok_button.setEnabled(True)

    def _show_conflict(self, latest: ClaimDetail) -> None:
        self.latest = latest
        self.conflict.show_conflict(changes_since(self.claim, latest), self.describe_mine())

    def describe_mine(self) -> str:
        verb = "Dismiss" if self.decision == "dismiss" else "Confirm"
        text = f"{verb} the {humanize(self.flag.code).lower()} flag (version you saw)"
        return f"{text}; reason: {self.reason}" if self.reason else text

    def reapply(self) -> None:
        """Send the same decision again against the claim as it is now (every check runs again)."""
        if self.latest is None:
            return
        self.expected_version = self.latest.version
        self.claim = self.latest
        self.banner.clear()
        self.conflict.hide()
        self.reload_button.hide()
        self.ok_button.setEnabled(True)
        self.submit()
