"""One move on one claim: ask only what the move needs, check it, then run it off the GUI thread.

The dialog stays open while the service works; a refusal is shown next to
the field it names (or above the form), a stale copy shows the conflict
(theirs next to mine) and offers Reload or Re-apply, and only a completed
move closes the dialog (result in `detail`).
Writes are never queued while offline (see conflict_view): the dialog keeps
its input and the user retries.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DatabaseUnavailable, DomainError, StaleEdit, ValidationError
from atoz_desk.domain.money import parse_amount
from atoz_desk.domain.transitions import ActionParams, Actor
from atoz_desk.services.claims import ClaimQueries
from atoz_desk.services.dto import ActionOption, ClaimDetail
from atoz_desk.services.workflow import ClaimWorkflow
from atoz_desk.ui import style
from atoz_desk.ui.conflict_view import OFFLINE_MESSAGE, RELOAD, ConflictView, changes_since
from atoz_desk.ui.formatting import first_upper, humanize, money, state_label
from atoz_desk.ui.icons import icon
from atoz_desk.ui.tasks import TaskRunner
from atoz_desk.ui.widgets import Banner


def conflict_widgets(
    dialog: QDialog, reapply: Callable[[], None]
) -> tuple[Banner, QPushButton, ConflictView]:
    """The message banner, its hidden "Reload claim" button (closes with RELOAD) and the conflict view
    that every dialog saving a claim shows when the claim changed underneath it."""
    banner = Banner(dialog)
    reload_button = QPushButton(icon("refresh"), "Reload claim", dialog)
    reload_button.setObjectName("reloadButton")
    reload_button.hide()
    reload_button.clicked.connect(lambda: dialog.done(RELOAD))
    banner.add_button(reload_button)
    conflict = ConflictView(dialog)
    conflict.reapply_requested.connect(reapply)
    return banner, reload_button, conflict


PAYERS = (("", "Not recorded"), ("seller", "Seller"), ("insurer", "Seller's insurer"))


class ActionDialog(QDialog):
    def __init__(
        self,
        option: ActionOption,
        claim: ClaimDetail,
        workflow: ClaimWorkflow,
        actor: Actor,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        today: date,
        claims: ClaimQueries | None = None,
        is_offline: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(parent)
        self.option, self.claim = option, claim
        self._workflow, self._actor, self._runner = workflow, actor, runner
        self._claims, self._is_offline = claims, is_offline
        self._today = today
        self.latest: ClaimDetail | None = None  # the claim as it is now, after a conflict
        self.detail: ClaimDetail | None = None
        self.working = False
        self.setObjectName("actionDialog")
        self.setAccessibleName(option.label)
        self.setWindowTitle(f"{option.label} — {claim.reference}")

        heading = QLabel(option.label, self)
        heading.setFont(style.scaled_font(self, 1.15, bold=True))
        move = state_label(claim.state)
        target = state_label(option.target_state)
        where = f"{move} → {target}" if target != move else f"stays {move.lower()}"
        summary = QLabel(
            f"{claim.reference} · {claim.customer.get('name', '')} · claimed "
            f"{money(claim.amount_claimed, claim.currency)}\n{where}",
            self,
        )
        summary.setProperty("role", "caption")
        self.banner, self.reload_button, self.conflict = conflict_widgets(self, self.reapply)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.errors: dict[str, QLabel] = {}
        self.amount_edit: QLineEdit | None = None
        self.reason_combo: QComboBox | None = None
        self.note_edit: QPlainTextEdit | None = None
        self.firm_edit: QLineEdit | None = None
        self.due_check: QCheckBox | None = None
        self.due_edit: QDateEdit | None = None
        self.payer_combo: QComboBox | None = None
        self._build_fields()
        if not self.errors:
            nothing = QLabel("This move needs nothing more from you.", self)
            nothing.setProperty("role", "caption")
            self.form.addRow(nothing)

        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton(_verb(option), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("confirmAction")
        self.ok_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.status_label = QLabel(self)
        self.status_label.setProperty("role", "caption")
        # Ctrl+Enter sends from inside the note, where Enter makes a new line
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.submit)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(summary)
        layout.addWidget(self.banner)
        layout.addWidget(self.conflict)
        layout.addLayout(self.form)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * 84)
        first = next((w for w in self._inputs() if w is not None), self.ok_button)
        first.setFocus()

    # ------------------------------------------------------------------ form

    def _row(self, name: str, caption: str, widget: QWidget) -> None:
        error = QLabel(self)
        error.setObjectName(f"error_{name}")
        error.setProperty("role", "fieldError")
        error.setWordWrap(True)
        error.hide()
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(error)
        label = QLabel(caption, self)
        label.setBuddy(widget)
        self.form.addRow(label, box)
        self.errors[name] = error

    def _build_fields(self) -> None:
        o, c = self.option, self.claim
        if o.needs_amount:
            self.amount_edit = QLineEdit(self)
            self.amount_edit.setObjectName("amountEdit")
            self.amount_edit.setAccessibleName("Amount")
            self.amount_edit.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            prefill = c.approved_amount if c.approved_amount is not None else c.amount_claimed
            if o.action != "record_recovery":
                self.amount_edit.setText(f"{prefill:.2f}")
            self._row("amount", f"&Amount ({c.currency}):", self.amount_edit)
            limit = QLabel(
                f"Claimed {money(c.amount_claimed, c.currency)}; "
                f"your authority limit is {money(self._actor.authority_limit, c.currency)}.",
                self,
            )
            limit.setObjectName("authorityHint")
            limit.setProperty("role", "caption")
            self.form.addRow("", limit)
        if o.reasons:
            self.reason_combo = QComboBox(self)
            self.reason_combo.setObjectName("reasonCombo")
            self.reason_combo.setAccessibleName("Reason")
            self.reason_combo.addItem("Choose a reason…", None)
            for reason in o.reasons:
                self.reason_combo.addItem(humanize(reason), reason)
            self._row("reason", "&Reason:", self.reason_combo)
        if o.needs_firm:
            self.firm_edit = QLineEdit(self)
            self.firm_edit.setObjectName("firmEdit")
            self.firm_edit.setAccessibleName("Expert firm")
            self._row("firm", "Expert &firm:", self.firm_edit)
        if o.offers_due_date:
            self.due_check = QCheckBox("Set a due &date", self)
            self.due_check.setObjectName("dueCheck")
            self.due_edit = QDateEdit(self)
            self.due_edit.setObjectName("dueEdit")
            self.due_edit.setAccessibleName("Due date")
            self.due_edit.setCalendarPopup(True)
            self.due_edit.setDisplayFormat("yyyy-MM-dd")
            start = self._today + timedelta(days=14)
            self.due_edit.setDate(QDate(start.year, start.month, start.day))
            self.due_edit.setMinimumDate(QDate(self._today.year, self._today.month, self._today.day))
            self.due_edit.setEnabled(o.needs_firm)
            self.due_check.setChecked(o.needs_firm)
            self.due_check.toggled.connect(self.due_edit.setEnabled)
            row = QWidget(self)
            line = QHBoxLayout(row)
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(self.due_check)
            line.addWidget(self.due_edit, 1)
            self._row("due_date", "Due date:", row)
        if o.offers_payer:
            self.payer_combo = QComboBox(self)
            self.payer_combo.setObjectName("payerCombo")
            self.payer_combo.setAccessibleName("Who paid")
            for value, label in PAYERS:
                self.payer_combo.addItem(label, value)
            self._row("payer", "&Paid by:", self.payer_combo)
        if o.needs_note:
            self.note_edit = QPlainTextEdit(self)
            self.note_edit.setObjectName("noteEdit")
            self.note_edit.setAccessibleName("Note")
            self.note_edit.setTabChangesFocus(True)
            self.note_edit.setPlaceholderText("Why — this goes into the claim's history (Ctrl+Enter sends)")
            self.note_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
            self._row("note", "&Note:", self.note_edit)

    def _input_for(self, field: str) -> QWidget | None:
        return {
            "amount": self.amount_edit,
            "reason": self.reason_combo,
            "firm": self.firm_edit,
            "due_date": self.due_edit,
            "payer": self.payer_combo,
            "note": self.note_edit,
        }.get(field)

    def _inputs(self) -> list[QWidget | None]:
        return [self.amount_edit, self.reason_combo, self.firm_edit, self.payer_combo, self.note_edit]

    # ------------------------------------------------------------ validation

    def params(self) -> ActionParams:
        """What the user entered; raises ValidationError (with .field) before anything is sent."""
        amount = None
        if self.amount_edit is not None:
            amount = parse_amount(self.amount_edit.text(), field="amount")
        reason = None
        if self.reason_combo is not None:
            reason = self.reason_combo.currentData()
            if not reason:
                raise ValidationError("choose a reason", "reason")
        firm = None
        if self.firm_edit is not None:
            firm = self.firm_edit.text().strip()
            if not firm:
                raise ValidationError("name the expert firm", "firm")
        due = None
        if self.due_edit is not None and self.due_check is not None and self.due_check.isChecked():
            due = self.due_edit.date().toPython()
        payer = (self.payer_combo.currentData() or None) if self.payer_combo is not None else None
        note = None
        if self.note_edit is not None:
            note = self.note_edit.toPlainText().strip()
            if not note:
                raise ValidationError("write a note saying why", "note")
        return ActionParams(amount=amount, reason=reason, note=note, firm=firm, due_date=due, payer=payer)

    def submit(self) -> None:
        if self.working:
            return
        self._clear_problems()
        try:
            params = self.params()
        except ValidationError as problem:
            self.show_problem(problem)
            return
        if self._is_offline():
            # not queued: a move replayed later could act on a claim that changed meanwhile
            self.banner.show_message(OFFLINE_MESSAGE, error=True)
            return
        self._set_working(True)
        workflow, actor, claim, action = self._workflow, self._actor, self.claim, self.option.action
        self._runner.run(
            lambda: workflow.act(claim.reference, action, actor, params, expected_version=claim.version),
            self._done,
            on_error=self._refused,
            owner=self,
        )

    def _done(self, detail: ClaimDetail) -> None:
        self._set_working(False)
        self.detail = detail
        self.accept()

    def _refused(self, problem: DomainError) -> None:
        self._set_working(False)
        if isinstance(problem, DatabaseUnavailable):
            self.banner.show_message(f"{OFFLINE_MESSAGE} ({problem.message})", error=True)
            return
        self.show_problem(problem)
        if isinstance(problem, StaleEdit) and self._claims is not None:
            claims, reference = self._claims, self.claim.reference
            self._runner.run(lambda: claims.detail(reference), self._show_conflict, owner=self)

    def _show_conflict(self, latest: ClaimDetail) -> None:
        self.latest = latest
        self.conflict.show_conflict(changes_since(self.claim, latest), self.describe_mine())

    def describe_mine(self) -> str:
        """The move and what the user entered, in words."""
        parts = [f"{self.option.label} (from {state_label(self.claim.state).lower()}, version you saw)"]
        try:
            p = self.params()
        except ValidationError:
            return parts[0]
        if p.amount is not None:
            parts.append(f"amount {money(p.amount, self.claim.currency)}")
        if p.reason:
            parts.append(f"reason: {humanize(p.reason).lower()}")
        if p.firm:
            parts.append(f"expert firm: {p.firm}")
        if p.due_date:
            parts.append(f"due {p.due_date.isoformat()}")
        if p.payer:
            parts.append(f"paid by {p.payer}")
        if p.note:
            parts.append(f"note: “{p.note}”")
        return "\n".join(parts)

    def reapply(self) -> None:
        """Send the same inputs against the claim as it is now: every check runs again."""
        if self.latest is None or self.working:
            return
        self.claim, self.latest = self.latest, None
        self.conflict.hide()
        self.submit()

    def notice_update(self, text: str) -> None:
        """Someone else changed the claim: say so quietly; the input and the version seen stay."""
        if not self.banner.isVisible() or not self.reload_button.isVisible():
            self.banner.show_message(
                f"{text}. What you typed is kept; saving checks it against the version you saw.",
                error=False,
            )

    def show_problem(self, problem: DomainError) -> None:
        field = problem.field if isinstance(problem, ValidationError) else None
        label = self.errors.get(field or "")
        if label is not None:
            label.setText(first_upper(problem.message))
            label.show()
            target = self._input_for(field or "")
            if target is not None:
                target.setFocus()
            return
        self.banner.show_message(first_upper(problem.message), error=True)
        stale = isinstance(problem, StaleEdit)
        self.reload_button.setVisible(stale)
        if stale:
            self.ok_button.setEnabled(False)  # sending again would only meet the same conflict
            self.reload_button.setFocus()

    def _clear_problems(self) -> None:
        for label in self.errors.values():
            label.hide()
        self.banner.clear()
        self.reload_button.hide()
        self.conflict.hide()

    def _set_working(self, working: bool) -> None:
        self.working = working
        self.ok_button.setEnabled(not working)
        for widget in self._inputs():
            if widget is not None:
                widget.setEnabled(not working)
        self.status_label.setText("Working…" if working else "")


def _verb(option: ActionOption) -> str:
    """The confirm button says what happens: 'Approve concession', 'Deny claim'..."""
    label = option.label.split("(")[0].split(":")[0].strip()
    return label if len(label) <= 32 else "Confirm"
