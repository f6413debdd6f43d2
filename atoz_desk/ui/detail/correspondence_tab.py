"""Correspondence: the thread with seller, customer, insurer and experts; the body of the chosen one."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QPlainTextEdit, QSplitter, QVBoxLayout, QWidget

from atoz_desk.services.dto import ClaimDetail, NoticeInfo
from atoz_desk.ui.formatting import humanize, local_time
from atoz_desk.ui.record_table import Field, RecordTable, RecordTableModel

NOTICE_FIELDS: tuple[Field[NoticeInfo], ...] = (
    Field("When (local)", lambda n: local_time(n.created_at), sample="2026-12-31 23:59"),
    Field(
        "Direction",
        lambda n: "Sent" if n.direction == "outbound" else "Received",
        sample="Received",
        icon=lambda n: "outbound" if n.direction == "outbound" else "inbound",
    ),
    Field("Party", lambda n: humanize(n.party), sample="Customer"),
    Field("Subject", lambda n: n.subject),
)


class CorrespondenceTab(QWidget):
    title = "Correspondence"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("correspondenceTab")
        self.setAccessibleName("Correspondence")
        self.model: RecordTableModel[NoticeInfo] = RecordTableModel(NOTICE_FIELDS, self)
        self.thread = RecordTable(
            self.model, "correspondenceTable", "Messages", "No correspondence on this claim yet.", self
        )
        self.body = QPlainTextEdit(self)
        self.body.setObjectName("correspondenceBody")
        self.body.setAccessibleName("Message text")
        self.body.setReadOnly(True)
        self.body.setTabChangesFocus(True)
        self.body.setPlaceholderText("Select a message to read it.")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.thread)
        split.addWidget(self.body)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)
        self.thread.selectionModel().currentRowChanged.connect(self._message_chosen)

    def tab_title(self) -> str:
        n = self.model.rowCount()
        return f"{self.title} ({n})" if n else self.title

    def show_claim(self, claim: ClaimDetail, now: datetime) -> None:
        self.model.set_records(claim.correspondence)
        self.body.clear()
        if claim.correspondence:  # the latest message is the one to read first
            self.thread.setCurrentIndex(self.model.index(len(claim.correspondence) - 1, 0))

    def _message_chosen(self, current: QModelIndex, _previous: QModelIndex) -> None:
        notice = self.model.record_at(current.row()) if current.isValid() else None
        if notice is None:
            self.body.clear()
            return
        direction = "To" if notice.direction == "outbound" else "From"
        self.body.setPlainText(
            f"{direction}: {humanize(notice.party)}\nSubject: {notice.subject}\n"
            f"Date: {local_time(notice.created_at)}\n\n{notice.body}"
        )
