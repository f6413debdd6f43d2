"""Adding files to a claim: ask the kind of each file, then store them on the task runner with progress.

`EvidenceKindDialog` lists the chosen files with a kind for each (guessed
from the name's type; the service sniffs the real type from the content and
refuses what does not fit). `EvidenceAdder` stores the files one after the
other on a worker: a QProgressDialog shows the bytes read and hashed, then
stored; Cancel stops the file being read (nothing of it is stored) and the
files after it. A refused file does not stop the others: each refusal is
reported with its message.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QGridLayout,
    QLabel,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.evidence import AddCancelled, kind_label
from atoz_desk.domain.states import EvidenceKind
from atoz_desk.domain.transitions import Actor
from atoz_desk.services.dto import EvidenceInfo
from atoz_desk.services.evidence import EvidenceService
from atoz_desk.ui.evidence_model import file_size
from atoz_desk.ui.formatting import first_upper
from atoz_desk.ui.tasks import TaskRunner
from atoz_desk.ui.widgets import accept_buttons

PROGRESS_STEPS = 1000


def guess_kind(path: str | Path, missing: Sequence[str] = ()) -> EvidenceKind:
    """A starting kind from the file's name: a picture is a photo; a document is the first
    still-missing document kind of the checklist, else "other". The user can change it."""
    media_type, _ = mimetypes.guess_type(str(path))
    if media_type is not None and media_type.startswith("image/"):
        return EvidenceKind.PHOTO
    for kind in missing:
        if kind != EvidenceKind.PHOTO.value:
            return EvidenceKind(kind)
    return EvidenceKind.OTHER


class EvidenceKindDialog(QDialog):
    """One row per file: its name and a kind to choose (Tab moves down the list, Enter adds)."""

    def __init__(
        self,
        reference: str,
        paths: Sequence[str],
        missing: Sequence[str] = (),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceKindDialog")
        self.setWindowTitle(f"Add evidence — {reference}")
        self.setAccessibleName("Kind of each file")
        self.paths = [str(p) for p in paths]
        heading = QLabel(
            f"What is each file? {len(self.paths)} file{'s' if len(self.paths) != 1 else ''} "
            f"to add to claim {reference}.",
            self,
        )
        heading.setWordWrap(True)
        note = QLabel(
            "The type is read from each file's content, not its name; executables, empty and broken "
            "files are refused. Each file is stored with its SHA-256 and never changes.",
            self,
        )
        note.setProperty("role", "caption")
        note.setWordWrap(True)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setColumnStretch(0, 1)
        self.combos: list[QComboBox] = []
        for row, path in enumerate(self.paths):
            name = QLabel(Path(path).name, self)
            name.setToolTip(path)
            combo = QComboBox(self)
            combo.setObjectName(f"evidenceKind{row}")
            combo.setAccessibleName(f"Kind of {Path(path).name}")
            for kind in EvidenceKind:
                combo.addItem(kind_label(kind), kind.value)
            combo.setCurrentIndex(combo.findData(guess_kind(path, missing).value))
            name.setBuddy(combo)
            grid.addWidget(name, row, 0)
            grid.addWidget(combo, row, 1)
            self.combos.append(combo)
        count = len(self.paths)
        buttons, self.add_button = accept_buttons(self, f"&Add {count} file{'s' if count != 1 else ''}")
        self.add_button.setObjectName("addEvidenceFiles")
        self.add_button.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(grid)
        layout.addWidget(note)
        layout.addWidget(buttons)
        if self.combos:
            self.combos[0].setFocus()
        self.resize(max(self.sizeHint().width(), 520), self.sizeHint().height())

    def set_kind(self, row: int, kind: str) -> None:
        self.combos[row].setCurrentIndex(self.combos[row].findData(kind))

    def choices(self) -> list[tuple[str, str]]:
        """(path, kind) for every file, in the order chosen."""
        return [(p, str(c.currentData())) for p, c in zip(self.paths, self.combos, strict=True)]


@dataclass(frozen=True)
class AddResult:
    """What became of one file: stored (info), refused (problem) or not tried (cancelled)."""

    path: str
    info: EvidenceInfo | None = None
    problem: str | None = None
    cancelled: bool = False


class _Progress(QObject):
    """Lives on the GUI thread; the worker emits, the slot runs on the GUI thread (queued)."""

    moved = Signal(int, int, int)  # file number, bytes done, bytes in the file


class EvidenceAdder(QObject):
    """Stores a batch of (path, kind) on the runner with a progress dialog; `finished` with results."""

    finished = Signal(object)
    """list[AddResult], in the order given."""

    def __init__(
        self,
        service: EvidenceService,
        actor: Actor,
        runner: TaskRunner,
        reference: str,
        items: Sequence[tuple[str, str]],
        dialog_parent: QWidget,
    ) -> None:
        super().__init__(dialog_parent)
        self.reference = reference
        self.items = list(items)
        self._stop = threading.Event()
        self._file, self._storing, self._last = -1, False, 0
        self._progress = _Progress(self)
        self._progress.moved.connect(self._moved)
        self.dialog = QProgressDialog(dialog_parent)
        self.dialog.setObjectName("evidenceProgress")
        self.dialog.setWindowTitle(f"Adding evidence — {reference}")
        self.dialog.setAccessibleName("Adding evidence")
        self.dialog.setRange(0, PROGRESS_STEPS)
        self.dialog.setMinimumDuration(300)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumWidth(460)
        self.dialog.canceled.connect(self.cancel)
        self.dialog.setLabelText(self._label(0, "Starting"))
        self._service, self._actor, self._runner = service, actor, runner
        self.running = False

    def start(self) -> None:
        service, actor, reference, items = self._service, self._actor, self.reference, list(self.items)
        stop, signal = self._stop, self._progress.moved
        self.running = True
        self.dialog.setValue(0)

        def work() -> list[AddResult]:
            results: list[AddResult] = []
            for number, (path, kind) in enumerate(items):
                if stop.is_set():
                    results.append(AddResult(path, cancelled=True))
                    continue

                def progress(done: int, total: int, n: int = number) -> None:
                    signal.emit(n, done, total)

                try:
                    info = service.add(reference, path, kind, actor, progress, stop.is_set)
                except AddCancelled:
                    results.append(AddResult(path, cancelled=True))
                except DomainError as problem:
                    results.append(AddResult(path, problem=first_upper(problem.message)))
                else:
                    results.append(AddResult(path, info=info))
            return results

        self._runner.run(work, self._done, on_error=self._failed, owner=self)

    def cancel(self) -> None:
        """Stop reading the current file (nothing of it is stored) and skip the rest."""
        self._stop.set()
        self.dialog.setLabelText("Cancelling… nothing of the file being read is kept.")

    @property
    def cancelled(self) -> bool:
        return self._stop.is_set()

    def _label(self, number: int, what: str, done: int = 0, total: int = 0) -> str:
        name = Path(self.items[number][0]).name if self.items else ""
        of = f" ({number + 1} of {len(self.items)})" if len(self.items) > 1 else ""
        amount = f"\n{file_size(done)} of {file_size(total)}" if total else ""
        return f"{what} {name}{of}{amount}"

    def _moved(self, number: int, done: int, total: int) -> None:
        if not self.running or self._stop.is_set():
            return
        if number != self._file:
            self._file, self._storing = number, False
        elif done < self._last:
            self._storing = True  # the service reads and hashes the file, then stores it: bytes start again
        self._last = done
        what = "Storing" if self._storing else "Reading and hashing"
        self.dialog.setLabelText(self._label(number, what, done, total))
        share = (0.5 if self._storing else 0.0) + (done / total if total else 1.0) / 2
        value = (number + share) * PROGRESS_STEPS / max(1, len(self.items))
        self.dialog.setValue(min(PROGRESS_STEPS - 1, round(value)))

    def _done(self, results: list[AddResult]) -> None:
        self.running = False
        self.dialog.reset()
        self.dialog.hide()
        self.dialog.deleteLater()
        self.finished.emit(results)

    def _failed(self, problem: DomainError) -> None:  # only an unexpected problem outside any one file
        self._done([AddResult(p, problem=first_upper(problem.message)) for p, _ in self.items])
