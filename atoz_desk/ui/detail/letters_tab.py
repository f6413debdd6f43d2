"""Letters: the claim's archived resolution letters, newest first, with a preview beside them.

The list and each PDF are read through LetterService on the task runner; the
preview is a PdfPreview. Save as writes the archived bytes (checked against
their SHA-256 again) on a worker; Print paints the pages onto the printer on
the GUI thread (a QPrinter cannot be painted elsewhere). Generate letter makes
a new version of a kind that fits the claim now; older versions never change.
A letter whose bytes no longer match their SHA-256 is never shown: the
preview says so instead.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.dto import ClaimDetail
from atoz_desk.services.letters import LetterInfo, LetterKindInfo, LetterService, LetterTampered
from atoz_desk.ui import style
from atoz_desk.ui.formatting import first_upper, local_time
from atoz_desk.ui.pdf_preview import PdfPreview, print_pdf
from atoz_desk.ui.record_table import Field, RecordTable, RecordTableModel
from atoz_desk.ui.tasks import TaskRunner
from atoz_desk.ui.widgets import EmptyState, accept_buttons, save_as_dialog, tab_button

TAMPERED_TITLE = "This letter was changed after it was archived"
SHA_SHOWN = 10  # hex digits of the SHA-256 in the list; the tooltip has all 64


def file_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def suggested_name(letter: LetterInfo) -> str:
    """`<REF>-<kind>-v<version>.pdf`, the name Save as offers."""
    return f"{letter.reference}-{letter.kind}-v{letter.version}.pdf"


def _tooltip(letter: LetterInfo) -> str:
    return (
        f"{letter.title} to the {letter.addressee}, version {letter.version} "
        f"(template {letter.template_version})\nMade {local_time(letter.created_at)} by {letter.created_by}\n"
        f"SHA-256 {letter.sha256}"
    )


LETTER_FIELDS: tuple[Field[LetterInfo], ...] = (
    Field("Letter", lambda x: x.title, sample="Step-in and reimbursement demand", tooltip=_tooltip),
    Field("To", lambda x: x.addressee.capitalize(), sample="Customer"),
    Field("Version", lambda x: f"v{x.version}", sample="v10", numeric=True),
    Field("Created (local)", lambda x: local_time(x.created_at), sample="2026-12-31 23:59"),
    Field("By", lambda x: x.created_by, sample="Carol Jensen"),
    Field("Size", lambda x: file_size(x.size_bytes), sample="99.9 KB", numeric=True),
    Field("SHA-256", lambda x: x.sha256[:SHA_SHOWN], sample="0123456789"[:SHA_SHOWN], tooltip=_tooltip),
)


class GenerateLetterDialog(QDialog):
    """Choose one of the kinds that fit the claim now; accepting asks the tab to make it."""

    def __init__(self, reference: str, kinds: list[LetterKindInfo], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("generateLetterDialog")
        self.setWindowTitle(f"Generate letter — {reference}")
        self.kinds = kinds
        self.kind_combo = QComboBox(self)
        self.kind_combo.setObjectName("letterKind")
        self.kind_combo.setAccessibleName("Letter kind")
        for kind in kinds:
            self.kind_combo.addItem(f"{kind.title} (to the {kind.addressee})", kind.code)
        self.description = QLabel(self)
        self.description.setProperty("role", "caption")
        self.description.setWordWrap(True)
        note = QLabel(
            "The letter is made from the claim as it is now and archived as a new version; "
            "earlier versions stay exactly as they were.",
            self,
        )
        note.setWordWrap(True)
        buttons, self.generate_button = accept_buttons(self, "&Generate")
        form = QFormLayout()
        form.addRow("&Kind:", self.kind_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.description)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.kind_combo.currentIndexChanged.connect(self._describe)
        self._describe()
        self.resize(max(self.sizeHint().width(), 460), self.sizeHint().height())

    def choose(self, code: str) -> None:
        self.kind_combo.setCurrentIndex(self.kind_combo.findData(code))

    @property
    def kind(self) -> str:
        return str(self.kind_combo.currentData())

    def _describe(self) -> None:
        index = self.kind_combo.currentIndex()
        self.description.setText(self.kinds[index].description if 0 <= index < len(self.kinds) else "")


class LettersTab(QWidget):
    title = "Letters"
    title_changed = Signal()
    """The number of letters changed (the pane shows it in the tab's title)."""
    letters_loaded = Signal()
    preview_changed = Signal()
    """The preview now shows the chosen letter, or a message instead of it."""
    saved = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lettersTab")
        self.setAccessibleName("Letters")
        self._service: LetterService | None = None
        self._actor: Actor | None = None
        self._runner: TaskRunner | None = None
        self.reference: str | None = None
        self.loading = False
        self._list_task: int | None = None
        self._pdf_task: int | None = None
        self._want_id: int | None = None
        self.file_dialog: QFileDialog | None = None
        self.generate_dialog: GenerateLetterDialog | None = None

        self.empty = EmptyState(
            "No letters yet",
            "Letters to the customer and seller (denials, concessions, step-ins) are listed here, "
            "archived with their SHA-256, once they are generated for this claim.",
            self,
        )
        self.model: RecordTableModel[LetterInfo] = RecordTableModel(LETTER_FIELDS, self)
        self.table = RecordTable(
            self.model, "lettersTable", "Letters of the claim", "No letters yet.", self, stretch_column=0
        )
        self.preview = PdfPreview(self, accessible_name="Letter preview")
        self.preview.clear("No letter chosen", "Choose a letter in the list to see it here.")

        self.save_button = tab_button(self, "&Save as…", "Ctrl+S", "saveLetter", self.save_as)
        self.print_button = tab_button(self, "&Print…", "Ctrl+P", "printLetter", self.print_letter)
        self.generate_button = tab_button(
            self, "&Generate letter…", "Ctrl+G", "generateLetter", self.generate
        )
        self.status_label = QLabel(self)
        self.status_label.setObjectName("lettersStatus")
        self.status_label.setProperty("role", "caption")
        self.status_label.setWordWrap(True)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.save_button, self.print_button, self.generate_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 4, 0, 0)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.table, 1)
        left_layout.addWidget(self.status_label)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("lettersSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self._user_sized = False
        self.splitter.splitterMoved.connect(lambda _pos, _index: setattr(self, "_user_sized", True))
        self.table.setMinimumWidth(self.fontMetrics().averageCharWidth() * 40)
        self.preview.setMinimumWidth(self.fontMetrics().averageCharWidth() * 40)

        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.empty)
        self._stack.addWidget(self.splitter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)
        self.table.selectionModel().selectionChanged.connect(self._chosen)
        self._update_buttons()

    # ----------------------------------------------------------------- wiring

    def use_services(self, services: Services, actor: Actor, runner: TaskRunner) -> None:
        """The pane hands every tab that reads beyond the ClaimDetail its services and the runner."""
        self._service, self._actor, self._runner = services.letters, actor, runner

    def tab_title(self) -> str:
        n = self.model.rowCount()
        return f"{self.title} ({n})" if n else self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        if claim.reference != self.reference:
            self.reference = claim.reference
            self._want_id = None
            self._forget(self._pdf_task)
            self.model.set_records([])
            self.status_label.clear()
            self.empty.set_text("Loading letters…", "")
            self._stack.setCurrentWidget(self.empty)
            self.title_changed.emit()
        self.refresh()

    # ------------------------------------------------------------------- list

    @property
    def letters(self) -> list[LetterInfo]:
        return self.model.records()

    def selected(self) -> LetterInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_at(rows[0].row()) if rows else None

    def refresh(self, *, select_id: int | None = None) -> None:
        """Read the claim's letters again (after a move, or a letter generated here)."""
        service, runner, reference = self._service, self._runner, self.reference
        if service is None or runner is None or reference is None:
            return
        current = self.selected()
        self._want_id = select_id or self._want_id or (current.id if current else None)
        self._forget(self._list_task)
        self.loading = True
        task: int | None = None

        def arrived(letters: list[LetterInfo]) -> None:
            if task != self._list_task:
                return
            self._list_task, self.loading = None, False
            self._show_letters(sorted(letters, key=lambda x: (x.created_at, x.id), reverse=True))

        def refused(problem: DomainError) -> None:
            if task != self._list_task:
                return
            self._list_task, self.loading = None, False
            self.empty.set_text("Letters not shown", first_upper(problem.message))
            self._stack.setCurrentWidget(self.empty)
            self.letters_loaded.emit()

        task = runner.run(lambda: service.list(reference), arrived, on_error=refused, owner=self)
        self._list_task = task

    def _show_letters(self, letters: list[LetterInfo]) -> None:
        want = self._want_id
        self._want_id = None
        self.table.selectionModel().blockSignals(True)
        self.model.set_records(letters)
        self.table.selectionModel().blockSignals(False)
        if not letters:
            self.empty.set_text(
                "No letters yet",
                "Letters to the customer and seller (denials, concessions, step-ins) are listed here, "
                "archived with their SHA-256, once a decision makes them. Generate letter (Ctrl+G) "
                "makes one now.",
            )
            self._stack.setCurrentWidget(self.empty)
            self.preview.clear("No letter chosen", "")
        else:
            self._stack.setCurrentWidget(self.splitter)
            self._fit_list()
            ids = [x.id for x in letters]
            self.table.selectRow(ids.index(want) if want in ids else 0)  # its preview is read afresh
        self._update_buttons()
        self.title_changed.emit()
        self.letters_loaded.emit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_list()

    def _fit_list(self) -> None:
        """The list as wide as its columns (when there is room), the preview the rest.

        Only until the user drags the divider: from then on their sizes stay.
        """
        if self._user_sized or not self.splitter.isVisible():
            return
        total = sum(self.splitter.sizes()) or self.width()
        wanted = self.table.columns_width() + self.table.verticalScrollBar().sizeHint().width() + 4
        left = min(wanted, total * 3 // 5)  # the page keeps room to be read at its width
        self.splitter.setSizes([left, max(total - left, 1)])

    # ---------------------------------------------------------------- preview

    def _chosen(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        letter = self.selected()
        self._forget(self._pdf_task)
        self._pdf_task = None
        if letter is None or self._service is None or self._runner is None:
            self.preview.clear("No letter chosen", "Choose a letter in the list to see it here.")
            self._update_buttons()
            return
        service = self._service
        self.preview.show_message("Loading the letter…", f"{letter.title}, version {letter.version}")
        self._update_buttons()
        task: int | None = None

        def arrived(pdf: bytes) -> None:
            if task != self._pdf_task:
                return
            self._pdf_task = None
            self.preview.show_pdf(pdf)
            self._update_buttons()
            self.preview_changed.emit()

        def refused(problem: DomainError) -> None:
            if task != self._pdf_task:
                return
            self._pdf_task = None
            if isinstance(problem, LetterTampered):
                self.preview.show_message(TAMPERED_TITLE, problem.message, error=True)
            else:
                self.preview.show_message(
                    "The letter cannot be shown", first_upper(problem.message), error=True
                )
            self._update_buttons()
            self.preview_changed.emit()

        task = self._runner.run(lambda: service.pdf(letter.id), arrived, on_error=refused, owner=self)
        self._pdf_task = task

    def _update_buttons(self) -> None:
        ready = self.preview.showing_document() and self.selected() is not None
        self.save_button.setEnabled(ready)
        self.print_button.setEnabled(ready)
        self.generate_button.setEnabled(self.reference is not None and self._service is not None)

    # ---------------------------------------------------------------- save as

    def save_as(self) -> QFileDialog | None:
        letter = self.selected()
        if letter is None or not self.preview.showing_document() or self.file_dialog is not None:
            return None
        dialog = save_as_dialog(
            self, "Save letter as", suggested_name(letter), "PDF documents (*.pdf)", "pdf", "saveLetterDialog"
        )
        dialog.fileSelected.connect(lambda path: self.save_to(path, letter))
        dialog.finished.connect(lambda _code: self._file_dialog_closed(dialog))
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def _file_dialog_closed(self, dialog: QFileDialog) -> None:
        self.file_dialog = None
        dialog.deleteLater()

    def save_to(self, path: str, letter: LetterInfo | None = None) -> None:
        """Write the letter (the one chosen, unless given) to `path` on a worker thread."""
        letter = letter or self.selected()
        service, runner = self._service, self._runner
        if letter is None or service is None or runner is None:
            return
        self.status_label.setText(f"Saving {Path(path).name}…")
        self.status_label.setStyleSheet("")

        def done(_size: int) -> None:
            self.status_label.setText(f"Saved {letter.title.lower()} v{letter.version} to {path}")
            self.saved.emit(path)

        def refused(problem: DomainError) -> None:
            self.status_label.setText(first_upper(problem.message))
            self.status_label.setStyleSheet(style.error_label_style())

        runner.run(lambda: service.save_pdf(letter.id, path), done, on_error=refused, owner=self)

    # ------------------------------------------------------------------ print

    def print_letter(self) -> QPrintDialog | None:
        if not self.preview.showing_document():
            return None
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        letter = self.selected()
        if letter is not None:
            printer.setDocName(suggested_name(letter))
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("printLetterDialog")
        dialog.accepted.connect(lambda: self.print_to(printer))
        dialog.finished.connect(lambda _code: dialog.deleteLater())
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()
        return dialog

    def print_to(self, printer: QPrinter) -> int:
        """Paint every page of the letter shown onto the printer; returns the pages printed."""
        pages = print_pdf(self.preview.document, printer)
        if pages:
            self.status_label.setText(f"Sent {pages} page{'s' if pages != 1 else ''} to the printer.")
            self.status_label.setStyleSheet("")
        else:
            self.status_label.setText("The printer could not start; nothing was printed.")
            self.status_label.setStyleSheet(style.error_label_style())
        return pages

    # --------------------------------------------------------------- generate

    def generate(self) -> None:
        """Ask which kind (of those that fit the claim now), then make and archive a new version."""
        service, runner, actor, reference = self._service, self._runner, self._actor, self.reference
        if service is None or runner is None or actor is None or reference is None:
            return
        if self.generate_dialog is not None:
            self.generate_dialog.raise_()
            return
        self.status_label.setText("Checking which letters fit this claim…")
        self.status_label.setStyleSheet("")

        def offered(kinds: list[LetterKindInfo]) -> None:
            if reference != self.reference:
                return
            if not kinds:
                self.status_label.setText(
                    f"No letter fits {reference} yet: it has had no decision to announce."
                )
                return
            self.status_label.clear()
            dialog = GenerateLetterDialog(reference, kinds, self)
            current = self.selected()
            if current is not None:
                dialog.choose(current.kind)
            dialog.accepted.connect(lambda: self._make(reference, dialog.kind))
            dialog.finished.connect(lambda _code: self._generate_closed(dialog))
            self.generate_dialog = dialog
            dialog.open()

        runner.run(
            lambda: service.applicable_kinds(reference, actor), offered, on_error=self._refused, owner=self
        )

    def _generate_closed(self, dialog: GenerateLetterDialog) -> None:
        self.generate_dialog = None
        dialog.deleteLater()

    def _make(self, reference: str, kind: str) -> None:
        service, runner, actor = self._service, self._runner, self._actor
        if service is None or runner is None or actor is None:
            return
        self.status_label.setText("Generating the letter…")

        def made(letter: LetterInfo) -> None:
            self.status_label.setText(f"Made {letter.title.lower()}, version {letter.version}.")
            if reference == self.reference:
                self.refresh(select_id=letter.id)

        runner.run(lambda: service.generate(reference, kind, actor), made, on_error=self._refused, owner=self)

    def _refused(self, problem: DomainError) -> None:
        self.status_label.setText(first_upper(problem.message))
        self.status_label.setStyleSheet(style.error_label_style())

    def _forget(self, task: int | None) -> None:
        if task is not None and self._runner is not None:
            self._runner.discard(task)
