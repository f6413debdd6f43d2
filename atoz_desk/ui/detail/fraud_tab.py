"""Fraud: the score against the review threshold, every flag explained and decided, linked claims,
re-screening and the expert referral packet.

Flags and referrals come with the ClaimDetail; why the claim is (or would be)
in fraud review and the claims linked to it are read through FraudService on
the task runner. Confirm / Dismiss open a FlagDecisionDialog that sends the
decision with the claim version this window shows (a newer claim shows the
standard conflict). Buttons a user may not use are disabled with a tooltip
saying why; the services refuse anyway.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.states import Role
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.claims import ClaimQueries
from atoz_desk.services.dto import ClaimDetail, FlagInfo, ReferralInfo
from atoz_desk.services.fraud import FraudOverview, FraudService, LinkedClaim, ReferralPacket, RescreenOutcome
from atoz_desk.ui import style
from atoz_desk.ui.conflict_view import RELOAD
from atoz_desk.ui.formatting import DASH, first_upper, humanize, is_open_state, local_date, local_time
from atoz_desk.ui.record_table import Field, RecordTable, RecordTableModel
from atoz_desk.ui.tasks import TaskRunner
from atoz_desk.ui.widgets import Banner, save_as_dialog, tab_button

if TYPE_CHECKING:  # imported when a flag is first confirmed or dismissed
    from atoz_desk.ui.flag_decision_dialog import FlagDecisionDialog

_SEVERITY_COLOUR = {"high": style.DANGER, "medium": style.WARNING}
_STATUS_COLOUR = {"confirmed": style.DANGER, "dismissed": style.MUTED, "cleared": style.MUTED}
_FRAUD_ROLES = (Role.ADJUSTER, Role.SUPERVISOR, Role.ADMIN)
_REVIEW_STATES = ("fraud_review", "expert_review")


def _flag_detail(f: FlagInfo) -> str:
    text = f"{humanize(f.code)} ({f.severity}, +{f.score}, {f.status}): {f.explanation}"
    return f"{text}\nDecision: {f.decision_note}" if f.decision_note else text


FLAG_FIELDS: tuple[Field[FlagInfo], ...] = (
    Field(
        "Severity",
        lambda f: humanize(f.severity),
        sample="Medium",
        colour=lambda f: _SEVERITY_COLOUR.get(f.severity),
    ),
    Field("Rule", lambda f: humanize(f.code), sample="Amount just under limit", tooltip=_flag_detail),
    Field("Score", lambda f: f"+{f.score}", sample="+100", numeric=True),
    Field(
        "Status",
        lambda f: humanize(f.status),
        sample="Dismissed",
        colour=lambda f: _STATUS_COLOUR.get(f.status),
    ),
    Field("Explanation", lambda f: f.explanation, tooltip=_flag_detail),
)

REFERRAL_FIELDS: tuple[Field[ReferralInfo], ...] = (
    Field("Firm", lambda r: r.firm, sample="Northgate Forensic Review"),
    Field("Referred", lambda r: local_time(r.referred_at), sample="2026-12-31 23:59"),
    Field("Report due", lambda r: local_date(r.due_date), sample="2026-12-31"),
    Field("Outcome", lambda r: humanize(r.outcome) if r.outcome else "Waiting", sample="Unsubstantiated"),
    Field("Note", lambda r: r.outcome_note or DASH),
)


def _links(c: LinkedClaim) -> str:
    return "; ".join(c.links)


LINKED_FIELDS: tuple[Field[LinkedClaim], ...] = (
    Field(
        "Reference",
        lambda c: c.reference,
        sample="AZ-00000000",
        tooltip=lambda c: f"Open {c.reference} (Enter)",
    ),
    Field("Customer", lambda c: c.customer_name, sample="Zoë Łukasiewicz-Smith"),
    Field("State", lambda c: c.state_label, sample="Awaiting seller"),
    Field("Filed", lambda c: local_date(c.filed_at), sample="2026-12-31"),
    Field("Score", lambda c: str(c.fraud_score), sample="Score", numeric=True),
    Field("Linked by", _links, tooltip=lambda c: "\n".join(c.links)),
)


def may_work(actor: Actor | None, what: str) -> str | None:
    if actor is None:
        return "Not connected."
    if actor.role not in _FRAUD_ROLES:
        return f"Only adjusters and supervisors may {what}."
    return None


def may_decide(actor: Actor | None, claim: ClaimDetail | None) -> str | None:
    """Why this user may not decide the claim's flags, or None when they may (the service checks too)."""
    why = may_work(actor, "decide fraud flags")
    if why is not None or actor is None:
        return why
    if claim is None:
        return "No claim open."
    if not is_open_state(claim.state):
        return f"The claim is {claim.state_label.lower()}; its flags are final."
    if actor.role is Role.ADJUSTER and claim.assignee_id not in (None, actor.user_id):
        return f"The claim is assigned to {claim.assignee}; only they or a supervisor may decide its flags."
    return None


class FraudTab(QWidget):
    title = "Fraud"
    claim_written = Signal(str)
    """A flag was decided or the claim re-screened: the window reloads it (score, flags, history)."""
    reload_requested = Signal()
    open_claim = Signal(str)
    """Enter / double-click on a linked claim."""
    linked_loaded = Signal()
    overview_loaded = Signal()
    rescreened = Signal(object)
    """RescreenOutcome."""
    packet_written = Signal(object)
    """ReferralPacket."""
    decision_finished = Signal(int)
    """The flag dialog closed with this code (Accepted, Rejected or RELOAD)."""

    def __init__(self, high_risk_score: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fraudTab")
        self.setAccessibleName("Fraud screening")
        self._threshold = high_risk_score
        self._fraud: FraudService | None = None
        self._claims: ClaimQueries | None = None
        self._actor: Actor | None = None
        self._runner: TaskRunner | None = None
        self.claim: ClaimDetail | None = None
        self.overview: FraudOverview | None = None
        self._linked_task: int | None = None
        self._overview_task: int | None = None
        self.busy = False
        self.dialog: FlagDecisionDialog | None = None
        self.file_dialog: QFileDialog | None = None

        self.score_label = QLabel(self)
        self.score_label.setObjectName("fraudScore")
        self.score_label.setAccessibleName("Fraud score")
        self.score_label.setFont(style.scaled_font(self, 1.6, bold=True))
        self.verdict_label = QLabel(self)
        self.verdict_label.setObjectName("fraudVerdict")
        self.verdict_label.setWordWrap(True)
        self.reasons_label = QLabel(self)
        self.reasons_label.setObjectName("fraudReviewReasons")
        self.reasons_label.setAccessibleName("Review reasons")
        self.reasons_label.setWordWrap(True)
        self.reasons_label.setProperty("role", "caption")

        self.confirm_button = tab_button(self, "C&onfirm flag…", "Ctrl+Shift+C", "confirmFlag", self.confirm)
        self.dismiss_button = tab_button(self, "&Dismiss flag…", "Ctrl+Shift+D", "dismissFlag", self.dismiss)
        self.rescreen_button = tab_button(self, "&Re-screen now", "Ctrl+Shift+R", "rescreen", self.rescreen)
        self.packet_button = tab_button(
            self, "Referral &packet…", "Ctrl+Shift+P", "referralPacket", self.choose_packet_path
        )
        self.banner = Banner(self)
        self.banner.setObjectName("fraudBanner")
        self.status_label = QLabel(self)
        self.status_label.setObjectName("fraudStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.flags_model: RecordTableModel[FlagInfo] = RecordTableModel(FLAG_FIELDS, self)
        self.flags = RecordTable(
            self.flags_model,
            "flagsTable",
            "Fraud flags",
            "Screening raised no fraud flags on this claim.",
            self,
        )
        self.flag_detail = QLabel(self)
        self.flag_detail.setObjectName("flagDetail")
        self.flag_detail.setAccessibleName("Selected flag")
        self.flag_detail.setWordWrap(True)
        self.flag_detail.setTextFormat(Qt.TextFormat.PlainText)
        self.flag_detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.flag_detail.setMinimumHeight(self.fontMetrics().height() * 2 + 4)
        self.flag_detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        self.linked_caption = QLabel("&Linked claims", self)
        self.linked_caption.setFont(style.scaled_font(self, 1.0, bold=True))
        self.linked_model: RecordTableModel[LinkedClaim] = RecordTableModel(LINKED_FIELDS, self)
        self.linked = RecordTable(
            self.linked_model,
            "linkedClaimsTable",
            "Linked claims",
            "No other claim shares this customer, address, e-mail, phone, seller contact or evidence.",
            self,
        )
        self.linked.setToolTip("Claims that share details with this one; Enter or double-click opens one")
        self.linked_caption.setBuddy(self.linked)
        self.referrals_model: RecordTableModel[ReferralInfo] = RecordTableModel(REFERRAL_FIELDS, self)
        self.referrals = RecordTable(
            self.referrals_model,
            "referralsTable",
            "Expert referrals",
            "Not referred to external experts.",
            self,
        )
        self.referrals_caption = QLabel("Expert referrals", self)
        self.referrals_caption.setFont(style.scaled_font(self, 1.0, bold=True))

        top = QHBoxLayout()
        top.addWidget(self.score_label)
        top.addSpacing(12)
        verdict = QVBoxLayout()
        verdict.setSpacing(2)
        verdict.addWidget(self.verdict_label)
        verdict.addWidget(self.reasons_label)
        top.addLayout(verdict, 1)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.confirm_button, self.dismiss_button, self.rescreen_button, self.packet_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addLayout(buttons)
        layout.addWidget(self.banner)
        layout.addWidget(self.status_label)
        layout.addWidget(self.flags, 2)
        layout.addWidget(self.flag_detail)
        layout.addWidget(self.linked_caption)
        layout.addWidget(self.linked, 2)
        layout.addWidget(self.referrals_caption)
        layout.addWidget(self.referrals, 1)
        self.flags.selectionModel().currentRowChanged.connect(self._flag_chosen)
        self.linked.activated.connect(self._open_linked)
        self.status_label.hide()
        self._update_buttons()

    # ----------------------------------------------------------------- wiring

    def use_services(self, services: Services, actor: Actor, runner: TaskRunner) -> None:
        """The pane hands every tab that reads beyond the ClaimDetail its services and the runner."""
        self._fraud, self._claims, self._actor, self._runner = services.fraud, services.claims, actor, runner
        self._update_buttons()

    def tab_title(self) -> str:
        n = self.flags_model.rowCount()
        return f"{self.title} ({n})" if n else self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        new_claim = self.claim is None or self.claim.reference != claim.reference
        if new_claim:
            self.banner.clear()
            self.status_label.clear()
            self.status_label.hide()
            self.overview = None
            self.reasons_label.clear()
            self.linked_model.set_records([])
        self.claim = claim
        score, limit = claim.fraud_score, self._threshold
        high = score >= limit
        self.score_label.setText(f"{score} / 100")
        self.score_label.setStyleSheet(f"color: {style.WARNING if high else style.SUCCESS};")
        open_flags = sum(1 for f in claim.flags if f.status == "open")
        self.verdict_label.setText(
            (
                f"High risk: at or above the review threshold of {limit}."
                if high
                else f"Below the review threshold of {limit}."
            )
            + f" {len(claim.flags)} flag{'s' if len(claim.flags) != 1 else ''}, {open_flags} open."
        )
        chosen = self.selected_flag()
        self.flags_model.set_records(claim.flags)
        ids = [f.id for f in claim.flags]
        if chosen is not None and chosen.id in ids:
            self.flags.selectRow(ids.index(chosen.id))
        else:
            self.flag_detail.setText("Select a flag to read its full explanation." if claim.flags else "")
        self.referrals_model.set_records(claim.referrals)
        self.referrals.setVisible(bool(claim.referrals))
        self.referrals_caption.setVisible(bool(claim.referrals))
        self._update_buttons()
        self._load_overview(claim.reference)
        self._load_linked(claim.reference)

    # ------------------------------------------------------------ background

    def _load_overview(self, reference: str) -> None:
        fraud, runner = self._fraud, self._runner
        if fraud is None or runner is None:
            return
        self._forget(self._overview_task)
        task: int | None = None

        def arrived(overview: FraudOverview) -> None:
            if task != self._overview_task:
                return
            self._overview_task = None
            self.overview = overview
            if overview.review_reasons:
                self.reasons_label.setText(
                    "Fraud review because: " + "; ".join(overview.review_reasons) + "."
                )
            else:
                self.reasons_label.setText(
                    "No reason for fraud review: too few flags and a score below the threshold."
                )
            self.overview_loaded.emit()

        def refused(problem: DomainError) -> None:
            if task == self._overview_task:
                self._overview_task = None
                self.reasons_label.setText(first_upper(problem.message))

        task = runner.run(lambda: fraud.overview(reference), arrived, on_error=refused, owner=self)
        self._overview_task = task

    def _load_linked(self, reference: str) -> None:
        fraud, runner = self._fraud, self._runner
        if fraud is None or runner is None:
            return
        self._forget(self._linked_task)
        task: int | None = None

        def arrived(linked: list[LinkedClaim]) -> None:
            if task != self._linked_task:
                return
            self._linked_task = None
            self.linked_model.set_records(linked)
            self.linked_caption.setText(f"&Linked claims ({len(linked)})" if linked else "&Linked claims")
            self.linked_loaded.emit()

        def refused(problem: DomainError) -> None:
            if task == self._linked_task:
                self._linked_task = None
                self.linked.empty_text = first_upper(problem.message)
                self.linked_model.set_records([])
                self.linked_loaded.emit()

        task = runner.run(lambda: fraud.linked_claims(reference), arrived, on_error=refused, owner=self)
        self._linked_task = task

    @property
    def loading(self) -> bool:
        return self._linked_task is not None or self._overview_task is not None

    def _forget(self, task: int | None) -> None:
        if task is not None and self._runner is not None:
            self._runner.discard(task)

    # ------------------------------------------------------------- the flags

    def selected_flag(self) -> FlagInfo | None:
        index = self.flags.currentIndex()
        rows = self.flags.selectionModel().selectedRows() if self.flags.selectionModel() else []
        row = rows[0].row() if rows else index.row() if index.isValid() else -1
        return self.flags_model.record_at(row)

    def _flag_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        flag = self.flags_model.record_at(current.row()) if current.isValid() else None
        self.flag_detail.setText(self.describe_flag(flag) if flag else "")
        self._update_buttons()

    def describe_flag(self, flag: FlagInfo) -> str:
        text = _flag_detail(flag)
        if flag.status in ("confirmed", "dismissed"):
            who = f" by {flag.decided_by}" if flag.decided_by else ""
            who += f" on {local_time(flag.decided_at)}" if flag.decided_at else ""
            text = f"{humanize(flag.status)}{who}. " + text
        elif flag.status == "cleared":
            text = "Cleared by a later screening (the data behind it changed). " + text
        return text

    def _update_buttons(self) -> None:
        flag = self.selected_flag()
        why = may_decide(self._actor, self.claim)
        if why is None and flag is None:
            why = "Select a flag first."
        elif why is None and flag is not None and flag.status != "open":
            why = f"This flag is already {flag.status}; only open flags are decided."
        for button, verb in ((self.confirm_button, "Confirm"), (self.dismiss_button, "Dismiss")):
            button.setEnabled(why is None and self.dialog is None)
            keys = button.property("keys")
            button.setToolTip(f"{verb} the selected flag ({keys})" if why is None else f"{verb}: {why}")
        why = may_work(self._actor, "re-screen claims")
        self.rescreen_button.setEnabled(why is None and self.claim is not None and not self.busy)
        self.rescreen_button.setToolTip(
            "Run every fraud rule on the claim again now (Ctrl+Shift+R)"
            if why is None
            else f"Re-screen: {why}"
        )
        why = may_work(self._actor, "prepare expert referral packets")
        claim = self.claim
        if why is None and claim is not None and not claim.referrals and claim.state not in _REVIEW_STATES:
            why = "The claim has no expert referral and is not in fraud or expert review."
        self.packet_button.setEnabled(why is None and self.claim is not None and not self.busy)
        self.packet_button.setToolTip(
            "Save the expert referral packet: summary PDF, manifest and the evidence files as one ZIP "
            "(Ctrl+Shift+P)"
            if why is None
            else f"Referral packet: {why}"
        )

    def confirm(self) -> FlagDecisionDialog | None:
        return self._decide("confirm")

    def dismiss(self) -> FlagDecisionDialog | None:
        return self._decide("dismiss")

    def _decide(self, decision: str) -> FlagDecisionDialog | None:
        flag, claim = self.selected_flag(), self.claim
        fraud, claims, actor, runner = self._fraud, self._claims, self._actor, self._runner
        if (
            flag is None
            or claim is None
            or fraud is None
            or claims is None
            or actor is None
            or runner is None
        ):
            return None
        if self.dialog is not None or may_decide(actor, claim) is not None or flag.status != "open":
            return None
        from atoz_desk.ui.flag_decision_dialog import FlagDecisionDialog

        dialog = FlagDecisionDialog(decision, flag, claim, fraud, claims, actor, runner, self)
        dialog.finished.connect(lambda code: self._decided_flag(dialog, code))
        self.dialog = dialog
        self._update_buttons()
        dialog.open()
        dialog.activateWindow()  # the keyboard goes to the reason at once
        dialog.reason_edit.setFocus()
        return dialog

    def _decided_flag(self, dialog: FlagDecisionDialog, code: int) -> None:
        self.dialog = None
        dialog.deleteLater()
        self.window().activateWindow()  # back to the window, its focus where it was
        self._update_buttons()
        if code == QDialog.DialogCode.Accepted and dialog.overview is not None:
            done = "Dismissed" if dialog.decision == "dismiss" else "Confirmed"
            self._say(
                f"{done} the {humanize(dialog.flag.code).lower()} flag; "
                f"fraud score now {dialog.overview.fraud_score} / 100."
            )
            self.claim_written.emit(dialog.claim.reference)
        elif code == RELOAD:
            self._say("Reloaded the claim: check what changed, then decide the flag again.")
            self.reload_requested.emit()
        self.decision_finished.emit(code)

    # ------------------------------------------------------------- re-screen

    def rescreen(self) -> None:
        fraud, runner, actor, claim = self._fraud, self._runner, self._actor, self.claim
        if fraud is None or runner is None or actor is None or claim is None or self.busy:
            return
        reference = claim.reference
        self.busy = True
        self._update_buttons()
        self._say("Re-screening the claim…")

        def done(outcome: RescreenOutcome) -> None:
            self.busy = False
            self._update_buttons()
            self._say(describe_rescreen(outcome))
            if outcome.changed:
                self.claim_written.emit(reference)
            self.rescreened.emit(outcome)

        runner.run(lambda: fraud.rescreen(reference, actor), done, on_error=self._refused, owner=self)

    # -------------------------------------------------------- linked claims

    def _open_linked(self, index: QModelIndex) -> None:
        linked = self.linked_model.record_at(index.row())
        if linked is not None:
            self.open_claim.emit(linked.reference)

    # ------------------------------------------------------- referral packet

    def choose_packet_path(self) -> QFileDialog | None:
        claim = self.claim
        if claim is None or not self.packet_button.isEnabled() or self.file_dialog is not None:
            return None
        name = f"{claim.reference}-referral-packet.zip"
        dialog = save_as_dialog(
            self, "Save the referral packet as", name, "ZIP archives (*.zip)", "zip", "referralPacketDialog"
        )
        dialog.fileSelected.connect(self.write_packet)
        dialog.finished.connect(lambda _code: self._file_dialog_closed(dialog))
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def _file_dialog_closed(self, dialog: QFileDialog) -> None:
        self.file_dialog = None
        dialog.deleteLater()

    def write_packet(self, path: str) -> None:
        """Write the referral packet to `path` on a worker thread (what the save dialog calls)."""
        fraud, runner, actor, claim = self._fraud, self._runner, self._actor, self.claim
        if fraud is None or runner is None or actor is None or claim is None or self.busy:
            return
        reference = claim.reference
        self.busy = True
        self._update_buttons()
        self._say(f"Writing the referral packet {Path(path).name}…")

        def done(packet: ReferralPacket) -> None:
            self.busy = False
            self._update_buttons()
            text = (
                f"Referral packet written to {packet.path} ({packet.files} evidence "
                f"file{'s' if packet.files != 1 else ''}; SHA-256 {packet.sha256[:12]}…)."
            )
            if packet.missing_files:
                text += f" Without a file on record: {', '.join(packet.missing_files)}."
            self._say(text)
            self.claim_written.emit(reference)  # the packet is in the claim's history
            self.packet_written.emit(packet)

        runner.run(
            lambda: fraud.referral_packet(reference, path, actor), done, on_error=self._refused, owner=self
        )

    # ------------------------------------------------------------------ misc

    def _say(self, text: str) -> None:
        self.banner.clear()
        self.status_label.setText(text)
        self.status_label.setStyleSheet("")
        self.status_label.show()

    def _refused(self, problem: DomainError) -> None:
        self.busy = False
        self._update_buttons()
        self.status_label.hide()
        self.banner.show_message(first_upper(problem.message), error=True)


def describe_rescreen(outcome: RescreenOutcome) -> str:
    """'Re-screened: added Round amount; cleared New account; score 30 → 55.' or 'nothing changed'."""
    before, after = outcome.score
    if not outcome.changed:
        return f"Re-screened: nothing changed (fraud score {after} / 100)."
    parts = []
    if outcome.added:
        parts.append("added " + ", ".join(humanize(c).lower() for c in outcome.added))
    if outcome.cleared:
        parts.append("cleared " + ", ".join(humanize(c).lower() for c in outcome.cleared))
    if outcome.updated:
        parts.append("updated " + ", ".join(humanize(c).lower() for c in outcome.updated))
    parts.append(f"fraud score {before} → {after}")
    if outcome.state[0] != outcome.state[1]:
        parts.append(f"the claim moved to {humanize(outcome.state[1]).lower()}")
    return "Re-screened: " + "; ".join(parts) + "."
