"""Letters for the claims selected in the queue: choose a kind (or each claim's latest decision),
then a progress dialog with Cancel while `LetterService.generate_batch` runs on the task runner,
then a summary of what was made, what failed and why, and where a cancel stopped.

The worker reports progress by emitting `progressed` (delivered to the GUI thread queued); it
never touches a widget. Cancel only sets a flag the batch reads between claims: letters under way
finish their own transaction, and the summary counts exactly what was archived.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.letters import AUTO, BatchResult
from atoz_desk.ui.formatting import first_upper
from atoz_desk.ui.tasks import TaskRunner
from atoz_desk.ui.widgets import accept_buttons

MAX_FAILURES_LISTED = 12


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def summary_text(result: BatchResult) -> str:
    """What a batch did, in words: made N, failed M (with reasons), cancelled after K."""
    lines: list[str] = []
    if result.cancelled:
        lines.append(
            f"Cancelled after {result.processed:,} of {_plural(result.total, 'claim')}: "
            "the rest were not started."
        )
    claims = len({letter.reference for letter in result.letters})
    lines.append(f"Made {_plural(len(result.letters), 'letter')} for {_plural(claims, 'claim')}.")
    if result.failures:
        lines.append("")
        lines.append(f"{_plural(len(result.failures), 'claim')} failed:")
        for failure in result.failures[:MAX_FAILURES_LISTED]:
            lines.append(f"• {failure.reference}: {first_upper(failure.message)}")
        hidden = len(result.failures) - MAX_FAILURES_LISTED
        if hidden > 0:
            lines.append(f"… and {hidden:,} more.")
    return "\n".join(lines)


class BatchKindDialog(QDialog):
    """Which letter to make for every selected claim, or each claim's latest decision."""

    def __init__(self, count: int, kinds: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("batchLettersDialog")
        self.setWindowTitle("Generate letters for selection")
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("batchLetterKind")
        self.kind_combo.setAccessibleName("Letter kind")
        self.kind_combo.addItem("The latest decision's letters (each claim its own)", AUTO)
        for code, title in kinds:
            self.kind_combo.addItem(title, code)
        intro = QLabel(
            f"Make a new letter for each of the {_plural(count, 'selected claim')}. Each is archived in "
            "its own transaction as a new version; earlier versions never change. A claim the letter "
            "does not fit is reported and skipped.",
            self,
        )
        intro.setWordWrap(True)
        buttons, self.generate_button = accept_buttons(self, "&Generate")
        form = QFormLayout()
        form.addRow("&Letter:", self.kind_combo)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.resize(max(self.sizeHint().width(), 480), self.sizeHint().height())

    def choose(self, code: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(code))

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())


class LetterBatch(QObject):
    progressed = Signal(int, int)
    """Claims done and claims in the batch; emitted on the worker, delivered queued to the GUI."""
    finished = Signal(object)
    """The BatchResult, once the summary is shown."""
    message = Signal(str)
    """Something for the status bar."""

    def __init__(self, services: Services, actor: Actor, runner: TaskRunner, parent: QWidget) -> None:
        super().__init__(parent)
        self._service, self._actor, self._runner, self._parent = services.letters, actor, runner, parent
        self._cancel = threading.Event()
        self._task: int | None = None
        self.kind_dialog: BatchKindDialog | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.summary_box: QMessageBox | None = None
        self.summary_text = ""
        self.progressed.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)

    @property
    def running(self) -> bool:
        return self._task is not None

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    def start(self, references: Sequence[str]) -> None:
        """Ask which letter, then run the batch for these claims."""
        if self.running or self.kind_dialog is not None:
            self.message.emit("A batch of letters is already under way.")
            return
        refs = list(dict.fromkeys(references))
        if not refs:
            self.message.emit("Select one or more claims in the queue first (Shift+click or Ctrl+click).")
            return
        kinds = [(k.code, f"{k.title} (to the {k.addressee})") for k in self._service.kinds()]
        dialog = BatchKindDialog(len(refs), kinds, self._parent)
        dialog.accepted.connect(lambda: self.run(refs, dialog.kind))
        dialog.finished.connect(lambda _code: self._kind_closed(dialog))
        self.kind_dialog = dialog
        dialog.open()
        # a large batch runs in worker processes: start them while the user reads the dialog
        service, size = self._service, len(refs)
        self._runner.run(lambda: service.prepare_batch(size), on_error=lambda _problem: None, owner=self)

    def _kind_closed(self, dialog: BatchKindDialog) -> None:
        self.kind_dialog = None
        dialog.deleteLater()

    def run(self, references: Sequence[str], kind_or_auto: str) -> None:
        """Start the batch on the runner with a progress dialog (no questions asked)."""
        refs = list(references)
        if self.running or not refs:
            return
        self._cancel = threading.Event()
        cancel, service, actor, report = self._cancel, self._service, self._actor, self.progressed
        progress = QProgressDialog(
            f"Generating letters for {_plural(len(refs), 'claim')}…", "Cancel", 0, len(refs), self._parent
        )
        progress.setObjectName("batchLettersProgress")
        progress.setWindowTitle("Generating letters")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setValue(0)
        progress.canceled.connect(self._cancel_pressed)
        self.progress_dialog = progress
        progress.show()

        def work() -> BatchResult:
            return service.generate_batch(refs, kind_or_auto, actor, report.emit, cancel.is_set)

        self._task = self._runner.run(work, self._done, on_error=self._refused, owner=self)

    def cancel(self) -> None:
        """Stop starting claims (safe from any thread); what is under way finishes and is reported."""
        self._cancel.set()

    def _cancel_pressed(self) -> None:
        self.cancel()
        if self.progress_dialog is not None:
            self.progress_dialog.setLabelText("Cancelling: finishing the letters under way…")

    def close(self) -> None:
        """The window closes: stop the batch and close its dialogs."""
        self.cancel()
        for dialog in (self.kind_dialog, self.summary_box):
            if dialog is not None:
                dialog.close()

    def _show_progress(self, done: int, total: int) -> None:
        dialog = self.progress_dialog
        if dialog is None:
            return
        dialog.setValue(done)
        if not self._cancel.is_set():
            dialog.setLabelText(f"Generating letters: {done:,} of {_plural(total, 'claim')} done…")

    def _close_progress(self) -> None:
        self._task = None
        dialog, self.progress_dialog = self.progress_dialog, None
        if dialog is not None:
            dialog.canceled.disconnect(self._cancel_pressed)
            dialog.close()
            dialog.deleteLater()

    def _done(self, result: BatchResult) -> None:
        self._close_progress()
        self.summary_text = summary_text(result)
        failed = bool(result.failures)
        box = QMessageBox(
            QMessageBox.Icon.Warning if failed else QMessageBox.Icon.Information,
            "Letters generated" if not result.cancelled else "Letters: batch cancelled",
            self.summary_text,
            QMessageBox.StandardButton.Ok,
            self._parent,
        )
        box.setObjectName("batchLettersSummary")
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.finished.connect(lambda _code: self._summary_closed(box))
        self.summary_box = box
        box.open()
        self.message.emit(self.summary_text.splitlines()[0])
        self.finished.emit(result)

    def _summary_closed(self, box: QMessageBox) -> None:
        if self.summary_box is box:
            self.summary_box = None
        box.deleteLater()

    def _refused(self, problem: DomainError) -> None:
        self._close_progress()
        self.summary_text = first_upper(problem.message)
        self.message.emit(f"Letters not generated: {self.summary_text}")
