"""A PDF shown from bytes in memory (QtPdf): every page, fit to width, or a message instead.

Used by the Letters tab for archived letters and by the Evidence tab for PDF
evidence. The bytes come from a service (read on the task runner); this
widget only parses and draws them, which QtPdf does quickly. `print_pdf`
paints the same document onto a QPrinter at the printer's resolution.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

from atoz_desk.ui.widgets import EmptyState

POINTS_PER_INCH = 72.0


class PdfPreview(QWidget):
    """Shows one PDF (bytes in) page after page at the width of the view, or an empty / error state."""

    def __init__(self, parent: QWidget | None = None, *, accessible_name: str = "PDF preview") -> None:
        super().__init__(parent)
        self.setObjectName("pdfPreview")
        self.setAccessibleName(accessible_name)
        self.document = QPdfDocument(self)
        self._buffer: QBuffer | None = None
        self._data: bytes | None = None
        self.error: str | None = None
        """The message shown instead of a document (a tampered letter, a broken file), if any."""

        self.view = QPdfView(self)
        self.view.setObjectName("pdfView")
        self.view.setAccessibleName(accessible_name)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setPageSpacing(12)
        self.view.setDocument(self.document)
        self.message = EmptyState("Nothing to preview", "", self)
        self.message.setObjectName("pdfMessage")
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.message)
        self._stack.addWidget(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._stack)

    # ------------------------------------------------------------------ state

    @property
    def page_count(self) -> int:
        """Pages of the document shown (0 while a message is shown)."""
        return self.document.pageCount() if self._data is not None else 0

    @property
    def pdf_bytes(self) -> bytes | None:
        """The bytes of the document shown, or None."""
        return self._data

    def showing_document(self) -> bool:
        return self._stack.currentWidget() is self.view

    def show_pdf(self, data: bytes) -> bool:
        """Show these PDF bytes; False (and an error message shown) when QtPdf cannot read them."""
        self._unload()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self._buffer = buffer
        self.document.load(buffer)  # a QBuffer holds every byte: QtPdf reads it at once
        error = self.document.error()
        if self.document.status() != QPdfDocument.Status.Ready or self.document.pageCount() < 1:
            self._unload()
            self.show_message(
                "The PDF cannot be shown", f"QtPdf could not read it ({error.name}).", error=True
            )
            return False
        self._data = data
        self.error = None
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.pageNavigator().jump(0, self.view.pageNavigator().currentLocation(), 0)
        self._stack.setCurrentWidget(self.view)
        return True

    def show_message(self, title: str, text: str = "", *, error: bool = False) -> None:
        """A message instead of a document: nothing chosen yet, loading, or (error=True) a problem."""
        self._unload()
        self.error = text or title if error else None
        self.message.set_text(title, text)
        self.message.title_label.setStyleSheet("color: #b42318;" if error else "")
        self._stack.setCurrentWidget(self.message)

    def clear(self, title: str = "Nothing to preview", text: str = "") -> None:
        self.show_message(title, text)

    def _unload(self) -> None:
        self.document.close()
        self._data = None
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
            self._buffer = None


def print_pdf(document: QPdfDocument, printer: QPrinter) -> int:
    """Paint every page of the document onto the printer, each at the printer's resolution.

    Runs on the GUI thread (a QPrinter cannot be painted elsewhere); returns the pages
    printed (0 when the printer could not start, e.g. a file it may not write).
    """
    pages = document.pageCount()
    if pages < 1:
        return 0
    dpi = printer.resolution()
    painter = QPainter()
    if not painter.begin(printer):
        return 0
    try:
        for page in range(pages):
            if page:
                printer.newPage()
            size = document.pagePointSize(page)
            pixels = QSize(
                round(size.width() * dpi / POINTS_PER_INCH), round(size.height() * dpi / POINTS_PER_INCH)
            )
            image = document.render(page, pixels)
            # the printable area may differ slightly from the page: scale into it, keeping the aspect ratio
            fitted = pixels.scaled(painter.viewport().size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(0, 0, fitted.width(), fitted.height()), image)
    finally:
        painter.end()
    return pages
