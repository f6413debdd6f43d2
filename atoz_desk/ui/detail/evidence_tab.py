"""Evidence: the claim's files, the checklist for its incident type, previews, adding and verifying.

The list comes with the ClaimDetail; thumbnails, previews, adding, verifying
and the temporary copy for the system viewer all go through EvidenceService
on the task runner, never on the GUI thread. Adding (file dialog, drag and
drop) asks the kind of each file, stores them with a progress dialog
(Cancel works) and then asks the window to reload the claim: the new files,
the re-screened flags and the history entries show at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QItemSelection, QSize, Qt, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QImageReader,
    QPixmap,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.evidence import REQUIRED_EVIDENCE, kind_label
from atoz_desk.domain.states import IncidentType, Role
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.dto import ClaimDetail, EvidenceInfo, VerifyReport
from atoz_desk.services.evidence import EvidenceService
from atoz_desk.ui import style
from atoz_desk.ui.evidence_model import (
    COLUMNS,
    NAME,
    PICTURE,
    SAMPLES,
    THUMB_PX,
    EvidenceModel,
    file_size,
    previewable_image,
    type_label,
)
from atoz_desk.ui.formatting import first_upper, incident_label, is_open_state
from atoz_desk.ui.icons import icon
from atoz_desk.ui.pdf_preview import PdfPreview
from atoz_desk.ui.tasks import TaskRunner
from atoz_desk.ui.widgets import Banner, EmptyState, tab_button

if TYPE_CHECKING:  # imported when files are first added
    from atoz_desk.ui.evidence_add import AddResult, EvidenceAdder, EvidenceKindDialog

PREVIEW_MAX_PX = 2400
"""Images are decoded (off the GUI thread) to at most this many pixels on the longer side."""

EMPTY_TEXT = (
    "Photos, receipts, medical records, police or fire reports and repair estimates for this claim "
    "are listed here. Add evidence (Ctrl+Shift+E) or drop files on this tab."
)


def decode_image(data: bytes, max_px: int = PREVIEW_MAX_PX) -> QImage:
    """An image from its bytes, turned upright (EXIF) and at most max_px on the longer side.

    Safe on a worker thread: QImage is not a widget."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > max_px:
        reader.setScaledSize(size.scaled(max_px, max_px, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    buffer.close()
    return image


def read_all(service: EvidenceService, evidence_id: int) -> bytes:
    return b"".join(service.open(evidence_id))


def may_add(actor: Actor | None, claim: ClaimDetail | None) -> str | None:
    """Why this user may not add evidence to the claim, or None when they may (the service checks too)."""
    if actor is None or claim is None:
        return "No claim open."
    if actor.role not in (Role.ADJUSTER, Role.SUPERVISOR):
        return "Adding evidence needs the role adjuster or supervisor."
    if not is_open_state(claim.state):
        return f"The claim is {claim.state_label.lower()}: evidence can only be added to open claims."
    if actor.role is Role.ADJUSTER and claim.assignee_id not in (None, actor.user_id):
        return f"The claim is assigned to {claim.assignee}; only they or a supervisor may add evidence."
    return None


def checklist_html(claim: ClaimDetail) -> str:
    """'Checklist for property damage: ✓ Photo  ✗ Repair estimate — Needs: repair estimate'."""
    try:
        required = REQUIRED_EVIDENCE[IncidentType(claim.incident_type)]
    except (KeyError, ValueError):
        return ""
    missing = set(claim.evidence_missing)
    parts = []
    for kind in required:
        if kind.value in missing:
            parts.append(f"<span style='color:{style.DANGER}'>✗ {kind_label(kind)}</span>")
        else:
            parts.append(f"<span style='color:{style.SUCCESS}'>✓ {kind_label(kind)}</span>")
    head = f"<b>Checklist for {incident_label(claim.incident_type).lower()}:</b>&nbsp; "
    tail = (
        f" &nbsp;— <b>Needs: {', '.join(kind_label(k).lower() for k in claim.evidence_missing)}</b>"
        if claim.evidence_missing
        else f" &nbsp;— <span style='color:{style.SUCCESS}'>complete</span>"
    )
    return head + " &nbsp; ".join(parts) + tail


class ImageView(QLabel):
    """A picture scaled to fit, keeping its aspect ratio, redrawn when the pane is resized."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceImage")
        self.setAccessibleName("Evidence picture")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.original: QPixmap | None = None

    def show_image(self, pixmap: QPixmap) -> None:
        self.original = pixmap
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self.original is None or self.original.isNull():
            self.clear()
            return
        room = self.size() - QSize(8, 8)
        if self.original.width() <= room.width() and self.original.height() <= room.height():
            self.setPixmap(self.original)
        else:
            self.setPixmap(
                self.original.scaled(
                    room, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )


class EvidenceTable(QTableView):
    def __init__(self, model: EvidenceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceTable")
        self.setAccessibleName("Evidence files")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setTabKeyNavigation(False)
        self.setIconSize(QSize(THUMB_PX, THUMB_PX))
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(THUMB_PX + 8)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        metrics = self.fontMetrics()
        for column, sample in enumerate(SAMPLES):
            width = max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(COLUMNS[column]))
            self.setColumnWidth(column, width + metrics.averageCharWidth() + 14)
        self.setColumnWidth(PICTURE, THUMB_PX + 16)
        header.setSectionResizeMode(PICTURE, QHeaderView.ResizeMode.Fixed)
        # the file name takes the room left (long names elide in the middle); the hash stays in view
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)


class EvidenceTab(QWidget):
    title = "Evidence"
    title_changed = Signal()
    claim_written = Signal(str)
    """Files were added to the claim (reference): the window reloads it (evidence, flags, history)."""
    preview_changed = Signal()
    """The preview now shows the chosen file, or a message instead of it."""
    added = Signal(object)
    """A batch of files was handled: list[AddResult]."""
    verified = Signal(object)
    """A verify finished: VerifyReport."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceTab")
        self.setAccessibleName("Evidence")
        self.setAcceptDrops(True)
        self._service: EvidenceService | None = None
        self._actor: Actor | None = None
        self._runner: TaskRunner | None = None
        self.claim: ClaimDetail | None = None
        self.reference: str | None = None
        self._preview_task: int | None = None
        self._want_id: int | None = None
        self.count = 0
        self.file_dialog: QFileDialog | None = None
        self.kind_dialog: EvidenceKindDialog | None = None
        self.adder: EvidenceAdder | None = None
        self.verifying = False
        self.opening = False
        self.system_opener: Callable[[QUrl], object] = QDesktopServices.openUrl
        """Hands a temporary copy to the system viewer (the desktop's default application)."""

        self.checklist = QLabel(self)
        self.checklist.setObjectName("evidenceChecklist")
        self.checklist.setAccessibleName("Evidence checklist")
        self.checklist.setTextFormat(Qt.TextFormat.RichText)
        self.checklist.setWordWrap(True)

        self.add_button = tab_button(self, "&Add evidence…", "Ctrl+Shift+E", "addEvidence", self.choose_files)
        self.add_button.setProperty("primary", True)
        self.verify_button = tab_button(self, "Ver&ify files", "Ctrl+Shift+V", "verifyEvidence", self.verify)
        self.open_button = tab_button(
            self, "&Open with system viewer", "Ctrl+Shift+O", "openEvidence", self.open_external
        )
        self.copy_hash_button = tab_button(
            self, "Copy &SHA-256", "Ctrl+Shift+H", "copyEvidenceHash", self.copy_hash
        )
        self.banner = Banner(self)
        self.banner.setObjectName("evidenceBanner")
        self.status_label = QLabel(self)
        self.status_label.setObjectName("evidenceStatus")
        self.status_label.setProperty("role", "caption")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.model = EvidenceModel(self)
        self.table = EvidenceTable(self.model, self)
        self.empty = EmptyState("No evidence yet", EMPTY_TEXT, self)

        self.preview_title = QLabel(self)
        self.preview_title.setObjectName("evidencePreviewTitle")
        self.preview_title.setFont(style.scaled_font(self, 1.0, bold=True))
        self.preview_title.setWordWrap(True)
        self.preview_message = EmptyState("No file chosen", "Choose a file in the list to see it here.", self)
        self.preview_message.setObjectName("evidencePreviewMessage")
        self.image_view = ImageView(self)
        self.pdf_preview = PdfPreview(self, accessible_name="Evidence PDF preview")
        other = QWidget(self)
        self.other_message = EmptyState("No preview for this file", "", other, icon_name="file")
        self.other_open_button = QPushButton("Open with system viewer", other)
        self.other_open_button.setObjectName("openEvidenceOther")
        self.other_open_button.setAccessibleName("Open with system viewer")
        self.other_open_button.setToolTip(
            "Opens a verified temporary copy in the desktop's viewer (Ctrl+Shift+O)"
        )
        self.other_open_button.clicked.connect(self.open_external)
        other_layout = QVBoxLayout(other)
        other_layout.addWidget(self.other_message, 1)
        other_layout.addWidget(self.other_open_button, 0, Qt.AlignmentFlag.AlignHCenter)
        other_layout.addStretch(1)
        self.other_page = other
        self.preview_stack = QStackedWidget(self)
        self.preview_stack.setObjectName("evidencePreview")
        for page in (self.preview_message, self.image_view, self.pdf_preview, other):
            self.preview_stack.addWidget(page)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 4, 0, 0)
        right_layout.addWidget(self.preview_title)
        right_layout.addWidget(self.preview_stack, 1)

        self.list_stack = QStackedWidget(self)
        self.list_stack.addWidget(self.empty)
        self.list_stack.addWidget(self.table)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("evidenceSplitter")
        self.splitter.addWidget(self.list_stack)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.list_stack.setMinimumWidth(self.fontMetrics().averageCharWidth() * 60)
        right.setMinimumWidth(self.fontMetrics().averageCharWidth() * 36)

        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.add_button, self.open_button, self.copy_hash_button, self.verify_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.checklist)
        layout.addLayout(buttons)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.status_label)
        self.table.selectionModel().selectionChanged.connect(self._chosen)
        self._update_buttons()

    # ----------------------------------------------------------------- wiring

    def use_services(self, services: Services, actor: Actor, runner: TaskRunner) -> None:
        """The pane hands every tab that reads beyond the ClaimDetail its services and the runner."""
        self._service, self._actor, self._runner = services.evidence, actor, runner
        service = services.evidence
        self.model.use_loader(lambda evidence_id: service.thumbnail(evidence_id, THUMB_PX), runner)
        self._update_buttons()

    def tab_title(self) -> str:
        return f"{self.title} ({self.count})" if self.count else self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        if claim.reference != self.reference:
            self.reference = claim.reference
            self._want_id = None
            self.banner.clear()
            self.status_label.clear()
        self.claim = claim
        self.count = len(claim.evidence) or claim.evidence_count
        self.checklist.setText(checklist_html(claim))
        self.checklist.setVisible(bool(self.checklist.text()))
        current = self.selected()
        want = self._want_id or (current.id if current else None)
        self._want_id = None
        self.table.selectionModel().blockSignals(True)
        self.model.set_records(claim.evidence)
        self.table.selectionModel().blockSignals(False)
        if claim.evidence:
            self.list_stack.setCurrentWidget(self.table)
            row = self.model.row_of(want) if want is not None else -1
            self.table.selectRow(row if row >= 0 else 0)  # its preview is read afresh
        else:
            if self.count:
                self.empty.set_text(
                    f"{self.count} evidence file{'s' if self.count != 1 else ''} on record", EMPTY_TEXT
                )
            else:
                self.empty.set_text("No evidence yet", EMPTY_TEXT)
            self.list_stack.setCurrentWidget(self.empty)
            self._chosen(QItemSelection(), QItemSelection())
        self._update_buttons()

    def selected(self) -> EvidenceInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record_at(rows[0].row()) if rows else None

    def _update_buttons(self) -> None:
        why_not = may_add(self._actor, self.claim) if self._service is not None else "Not connected."
        busy = self.adder is not None or self.kind_dialog is not None
        self.add_button.setEnabled(why_not is None and not busy)
        self.add_button.setToolTip(
            "Add evidence: choose files, or drop them on this tab (Ctrl+Shift+E)"
            if why_not is None
            else f"Add evidence: {why_not}"
        )
        chosen = self.selected()
        self.open_button.setEnabled(chosen is not None and chosen.has_file and not self.opening)
        self.other_open_button.setEnabled(self.open_button.isEnabled())
        self.copy_hash_button.setEnabled(chosen is not None)
        self.verify_button.setEnabled(
            self.claim is not None and bool(self.claim.evidence) and not self.verifying
        )

    # ---------------------------------------------------------------- preview

    def _chosen(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        info = self.selected()
        self._forget_preview()
        self._update_buttons()
        if info is None:
            self.preview_title.clear()
            self._message("No file chosen", "Choose a file in the list to see it here." if self.count else "")
            return
        self.preview_title.setText(f"{info.filename} — {info.kind_label}, {file_size(info.size_bytes)}")
        self.preview_title.setToolTip(f"SHA-256 {info.sha256}")
        if not info.has_file:
            self._message(
                "No file on record",
                "Only this file's details were recorded (kind, name, size, SHA-256); there is no content "
                "to show. Ask the customer to send it again.",
                icon_name="file-missing",
            )
            return
        service, runner = self._service, self._runner
        if service is None or runner is None:
            return
        if previewable_image(info):
            self._read(info, lambda: decode_image(read_all(service, info.id)), self._show_image)
        elif info.media_type == "application/pdf":
            self._read(info, lambda: read_all(service, info.id), self._show_pdf)
        else:
            self.other_message.set_text(
                f"No preview for {type_label(info.media_type).lower()} files",
                "Open it with the system viewer: a verified temporary copy opens in the desktop's "
                "application for this type (Ctrl+Shift+O).",
            )
            self.preview_stack.setCurrentWidget(self.other_page)
            self.preview_changed.emit()

    def _read(self, info: EvidenceInfo, work: Callable[[], object], show: Callable[[object], None]) -> None:
        assert self._runner is not None
        self._message("Loading…", info.filename)
        task: int | None = None

        def arrived(result: object) -> None:
            if task != self._preview_task:
                return
            self._preview_task = None
            show(result)
            self.preview_changed.emit()

        def refused(problem: DomainError) -> None:
            if task != self._preview_task:
                return
            self._preview_task = None
            self._message("The file cannot be shown", first_upper(problem.message), error=True)
            self.preview_changed.emit()

        task = self._runner.run(work, arrived, on_error=refused, owner=self)
        self._preview_task = task

    def _show_image(self, result: object) -> None:
        image = result if isinstance(result, QImage) else QImage()
        if image.isNull():
            self._message(
                "The picture cannot be shown",
                "Qt could not decode this image; open it with the system viewer.",
                error=True,
            )
            return
        self.image_view.show_image(QPixmap.fromImage(image))
        self.preview_stack.setCurrentWidget(self.image_view)

    def _show_pdf(self, result: object) -> None:
        if isinstance(result, bytes) and self.pdf_preview.show_pdf(result):
            self.preview_stack.setCurrentWidget(self.pdf_preview)
        else:
            self.preview_stack.setCurrentWidget(self.pdf_preview)  # it shows why it cannot

    def _message(self, title: str, text: str, *, error: bool = False, icon_name: str = "empty") -> None:
        self.preview_message.set_text(title, text)
        self.preview_message.icon_label.setPixmap(icon("conflict" if error else icon_name).pixmap(40, 40))
        self.preview_stack.setCurrentWidget(self.preview_message)

    def showing_image(self) -> bool:
        return self.preview_stack.currentWidget() is self.image_view and self.image_view.original is not None

    def showing_pdf(self) -> bool:
        return self.preview_stack.currentWidget() is self.pdf_preview and self.pdf_preview.showing_document()

    def _forget_preview(self) -> None:
        if self._preview_task is not None and self._runner is not None:
            self._runner.discard(self._preview_task)
        self._preview_task = None

    @property
    def preview_loading(self) -> bool:
        return self._preview_task is not None

    # ------------------------------------------------------------------- add

    def choose_files(self) -> QFileDialog | None:
        """Add evidence…: a file dialog (several files at once), then the kind of each."""
        if not self.add_button.isEnabled() or self.file_dialog is not None:
            return None
        dialog = QFileDialog(self, f"Add evidence to {self.reference}")
        dialog.setObjectName("addEvidenceDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setNameFilters(
            [
                "Evidence (*.jpg *.jpeg *.png *.gif *.webp *.tif *.tiff *.heic *.pdf *.docx *.xlsx *.txt)",
                "All files (*)",
            ]
        )
        dialog.filesSelected.connect(self.add_files)
        dialog.finished.connect(lambda _code: self._file_dialog_closed(dialog))
        self.file_dialog = dialog
        dialog.open()
        return dialog

    def _file_dialog_closed(self, dialog: QFileDialog) -> None:
        self.file_dialog = None
        dialog.deleteLater()

    def add_files(self, paths: Sequence[str]) -> EvidenceKindDialog | None:
        """Files chosen or dropped: ask the kind of each, then store them (file dialog and drop call this)."""
        paths = [str(p) for p in paths if str(p)]
        claim = self.claim
        why_not = may_add(self._actor, claim)
        if not paths or claim is None:
            return None
        if why_not is not None:
            self.banner.show_message(f"Nothing added: {why_not[:1].lower()}{why_not[1:]}", error=True)
            return None
        if self.kind_dialog is not None or self.adder is not None:
            self.banner.show_message("Files are being added already; wait for them to finish.", error=True)
            return None
        from atoz_desk.ui.evidence_add import EvidenceKindDialog

        dialog = EvidenceKindDialog(claim.reference, paths, claim.evidence_missing, self)
        reference = claim.reference
        dialog.accepted.connect(lambda: self.add_with_kinds(dialog.choices(), reference))
        dialog.finished.connect(lambda _code: self._kind_dialog_closed(dialog))
        self.kind_dialog = dialog
        self._update_buttons()
        dialog.open()
        dialog.activateWindow()  # the keyboard goes to the first file's kind at once
        if dialog.combos:
            dialog.combos[0].setFocus()
        return dialog

    def _kind_dialog_closed(self, dialog: EvidenceKindDialog) -> None:
        self.kind_dialog = None
        dialog.deleteLater()
        self._update_buttons()

    def add_with_kinds(
        self, items: Sequence[tuple[str, str]], reference: str | None = None
    ) -> EvidenceAdder | None:
        """Store (path, kind) pairs on the runner with a progress dialog; the claim reloads after."""
        service, runner, actor = self._service, self._runner, self._actor
        reference = reference or self.reference
        if service is None or runner is None or actor is None or reference is None or not items:
            return None
        self.banner.clear()
        self.status_label.setText(f"Adding {len(items)} file{'s' if len(items) != 1 else ''}…")
        self.status_label.setStyleSheet("")
        from atoz_desk.ui.evidence_add import EvidenceAdder

        adder = EvidenceAdder(service, actor, runner, reference, items, self)
        adder.finished.connect(lambda results: self._added(adder, results))
        self.adder = adder
        self._update_buttons()
        adder.start()
        return adder

    def _added(self, adder: EvidenceAdder, results: list[AddResult]) -> None:
        self.adder = None
        adder.deleteLater()
        stored = [r for r in results if r.info is not None]
        refused = [r for r in results if r.problem is not None]
        skipped = [r for r in results if r.cancelled]
        parts = []
        if stored:
            names = ", ".join(f"{r.info.filename} ({r.info.kind_label.lower()})" for r in stored if r.info)
            parts.append(f"Added {len(stored)} file{'s' if len(stored) != 1 else ''}: {names}.")
        if skipped:
            parts.append(
                f"Cancelled: {', '.join(Path(r.path).name for r in skipped)} not added; nothing of "
                f"{'it' if len(skipped) == 1 else 'them'} was stored."
            )
        self.status_label.setText(" ".join(parts) or "Nothing added.")
        if refused:
            lines = [f"{Path(r.path).name} was not added: {r.problem}" for r in refused]
            self.banner.show_message("\n".join(lines), error=True)
        if stored and stored[-1].info is not None:
            self._want_id = stored[-1].info.id
            self.claim_written.emit(adder.reference)
        self._update_buttons()
        self.added.emit(results)

    # ------------------------------------------------------------ drag & drop

    @staticmethod
    def _dropped_paths(event: QDragEnterEvent | QDropEvent) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_paths(event) and self.add_button.isEnabled():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self._dropped_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_files(paths)

    # --------------------------------------------------------- verify, open

    def verify(self) -> None:
        """Re-hash this claim's stored files and say whether each still matches its SHA-256."""
        service, runner, reference = self._service, self._runner, self.reference
        if service is None or runner is None or reference is None or self.verifying:
            return
        self.verifying = True
        self._update_buttons()
        self.status_label.setText("Re-hashing this claim's files…")
        self.status_label.setStyleSheet("")

        def done(report: VerifyReport) -> None:
            self.verifying = False
            self._update_buttons()
            files = f"{report.files_checked} file{'s' if report.files_checked != 1 else ''}"
            if report.ok:
                self.banner.clear()
                amount = file_size(report.bytes_checked)
                text = f"Verified: all {files} match their SHA-256 ({amount} re-hashed)."
                if report.without_file:
                    text += f" {report.without_file} without a file on record (details only)."
                self.status_label.setText(text)
            else:
                lines = [
                    f"{m.filename or m.expected_sha256[:12]}: stored as {m.expected_sha256[:12]}… "
                    f"({m.expected_size:,} bytes), now {m.actual_sha256[:12]}… ({m.actual_size:,} bytes)"
                    for m in report.mismatches
                ]
                self.banner.show_message(
                    f"{len(report.mismatches)} file{'s' if len(report.mismatches) != 1 else ''} no longer "
                    "match their SHA-256 — restore them from a backup:\n" + "\n".join(lines),
                    error=True,
                )
                self.status_label.setText(f"Checked {files}.")
            self.verified.emit(report)

        def refused(problem: DomainError) -> None:
            self.verifying = False
            self._update_buttons()
            self._refused(problem)

        runner.run(lambda: service.verify(reference), done, on_error=refused, owner=self)

    def open_external(self) -> None:
        """A verified temporary copy (written off the GUI thread), opened with the system viewer."""
        info, service, runner = self.selected(), self._service, self._runner
        if info is None or not info.has_file or service is None or runner is None or self.opening:
            return
        self.opening = True
        self._update_buttons()
        self.status_label.setText(f"Opening {info.filename}…")
        self.status_label.setStyleSheet("")

        def ready(path: Path) -> None:
            self.opening = False
            self._update_buttons()
            self.status_label.setText(f"Opened a temporary copy of {info.filename} ({path}).")
            self.system_opener(QUrl.fromLocalFile(str(path)))

        def refused(problem: DomainError) -> None:
            self.opening = False
            self._update_buttons()
            self._refused(problem)

        runner.run(lambda: service.export_temp(info.id), ready, on_error=refused, owner=self)

    def copy_hash(self) -> None:
        info = self.selected()
        if info is None:
            return
        QGuiApplication.clipboard().setText(info.sha256)
        self.status_label.setText(f"Copied the SHA-256 of {info.filename}: {info.sha256}")
        self.status_label.setStyleSheet("")

    def _refused(self, problem: DomainError) -> None:
        self.status_label.setText(first_upper(problem.message))
        self.status_label.setStyleSheet(style.error_label_style())
