"""The Evidence tab's table: one row per file, with a thumbnail loaded lazily off the GUI thread.

The rows are the claim's EvidenceInfo records (from the ClaimDetail). A
thumbnail is asked for only when a view first paints the row's picture: the
PNG is made by `EvidenceService.thumbnail` on the task runner and cached by
SHA-256 (a stored file never changes, so neither does its picture). Files
that are not images get a generic icon; rows without content on record say
so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QPixmap

from atoz_desk.domain.errors import DomainError
from atoz_desk.services.dto import EvidenceInfo
from atoz_desk.ui import style
from atoz_desk.ui.formatting import local_time
from atoz_desk.ui.icons import icon
from atoz_desk.ui.tasks import TaskRunner

Index = QModelIndex | QPersistentModelIndex
EvidenceRole = Qt.ItemDataRole.UserRole + 1
THUMB_PX = 48
"""Thumbnails in the table are at most this many pixels on their longer side."""

_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_CENTRE = Qt.AlignmentFlag.AlignCenter

_TYPE_LABELS = {
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "image/tiff": "TIFF image",
    "image/heic": "HEIC image",
    "application/pdf": "PDF document",
    "application/zip": "ZIP archive",
    "text/plain": "Plain text",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
}


def type_label(media_type: str) -> str:
    return _TYPE_LABELS.get(media_type, media_type)


def file_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def previewable_image(info: EvidenceInfo) -> bool:
    """Images the desk can draw itself (HEIC goes to the system viewer)."""
    return info.has_file and info.is_image and info.media_type != "image/heic"


def tooltip(info: EvidenceInfo) -> str:
    what = f"{info.kind_label.lower()}, {type_label(info.media_type)}, {file_size(info.size_bytes)}"
    lines = [
        f"{info.filename} — {what}",
        f"Added {local_time(info.added_at)} by {info.added_by}",
        f"SHA-256 {info.sha256}",
    ]
    if not info.has_file:
        lines.append("No file on record: only its details were recorded.")
    return "\n".join(lines)


COLUMNS = ("", "Kind", "File name", "Type", "Size", "Added by", "Added (local)", "SHA-256")
PICTURE, KIND, NAME, TYPE, SIZE, BY, ADDED, SHA = range(len(COLUMNS))
SAMPLES = ("", "Repair estimate", "living-room-floor.jpg", "PDF document", "123.4 KB",
           "Carol Jensen", "2026-12-31 23:59", "0123456789ab…")  # fmt: skip


class EvidenceModel(QAbstractTableModel):
    """The claim's files; thumbnails arrive (and are cached) as the view asks for them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[EvidenceInfo] = []
        self._thumbs: dict[str, QPixmap] = {}
        self._failed: set[str] = set()
        self._asked: set[str] = set()
        self._load: Callable[[int], bytes] | None = None
        self._runner: TaskRunner | None = None
        self.thumbnails_loading = 0

    def use_loader(self, load: Callable[[int], bytes], runner: TaskRunner) -> None:
        """`load(evidence_id)` returns a PNG (EvidenceService.thumbnail); it runs on `runner`."""
        self._load, self._runner = load, runner

    def set_records(self, records: Sequence[EvidenceInfo]) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def records(self) -> list[EvidenceInfo]:
        return list(self._rows)

    def record_at(self, row: int) -> EvidenceInfo | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, evidence_id: int) -> int:
        return next((r for r, e in enumerate(self._rows) if e.id == evidence_id), -1)

    def thumbnail(self, sha256: str) -> QPixmap | None:
        """The cached thumbnail of a file, if it has arrived."""
        return self._thumbs.get(sha256)

    # ------------------------------------------------------------- Qt model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid():
            return None
        info = self.record_at(index.row())
        column = index.column()
        if info is None or not 0 <= column < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(info, column)
        if role == Qt.ItemDataRole.DecorationRole and column == PICTURE:
            return self._picture(info)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(info)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column == SIZE else _CENTRE if column == PICTURE else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole and column == TYPE and not info.has_file:
            return style.colour(style.DANGER)
        if role == Qt.ItemDataRole.AccessibleTextRole and column == PICTURE:
            return "No file on record" if not info.has_file else f"Picture of {info.filename}"
        if role == EvidenceRole:
            return info
        return None

    @staticmethod
    def _text(info: EvidenceInfo, column: int) -> str:
        if column == PICTURE:
            return ""
        if column == KIND:
            return info.kind_label
        if column == NAME:
            return info.filename
        if column == TYPE:
            return type_label(info.media_type) if info.has_file else "No file on record"
        if column == SIZE:
            return file_size(info.size_bytes)
        if column == BY:
            return info.added_by
        if column == ADDED:
            return local_time(info.added_at)
        return info.sha256[:12] + "…"

    def _picture(self, info: EvidenceInfo) -> Any:
        if not info.has_file:
            return icon("file-missing")
        if not previewable_image(info) or info.sha256 in self._failed:
            return icon("file")
        thumb = self._thumbs.get(info.sha256)
        if thumb is not None:
            return thumb
        self._request(info)
        return icon("file")  # until the picture arrives

    def _request(self, info: EvidenceInfo) -> None:
        load, runner = self._load, self._runner
        if load is None or runner is None or info.sha256 in self._asked:
            return
        self._asked.add(info.sha256)
        self.thumbnails_loading += 1
        evidence_id, sha256 = info.id, info.sha256

        def arrived(png: bytes) -> None:
            self.thumbnails_loading -= 1
            pixmap = QPixmap()
            if pixmap.loadFromData(png, "PNG"):
                self._thumbs[sha256] = pixmap
            else:
                self._failed.add(sha256)
            self._changed(sha256)

        def refused(_problem: DomainError) -> None:
            self.thumbnails_loading -= 1
            self._failed.add(sha256)  # a generic icon; selecting the row says what is wrong
            self._changed(sha256)

        runner.run(lambda: load(evidence_id), arrived, on_error=refused, owner=self)

    def _changed(self, sha256: str) -> None:
        for row, info in enumerate(self._rows):
            if info.sha256 == sha256:
                cell = self.index(row, PICTURE)
                self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DecorationRole])

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if section == SIZE else _LEFT
        if role == Qt.ItemDataRole.ToolTipRole and section == PICTURE:
            return "Picture (images) or file icon"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


def thumb_size() -> QSize:
    return QSize(THUMB_PX, THUMB_PX)
