"""The Evidence tab: real files (Pillow JPEGs, ReportLab PDFs) added through the tab, real services,
real widgets offscreen."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import threading
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import QApplication, QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy import func, select

from atoz_desk.data.models import Evidence, EvidenceBlob
from atoz_desk.ui.detail.evidence_tab import EvidenceTab
from atoz_desk.ui.detail.pane import EVIDENCE
from atoz_desk.ui.evidence_add import AddResult
from atoz_desk.ui.evidence_model import NAME, PICTURE, TYPE
from atoz_desk.ui.main_window import MainWindow

from .conftest import Desk, showing

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]


def jpeg(
    path: Path, colour: tuple[int, int, int] = (200, 80, 40), size: tuple[int, int] = (640, 480)
) -> Path:
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(30, 30, 30))
    draw.ellipse((size[0] // 2, size[1] // 3, size[0] - 40, size[1] - 40), fill=(250, 250, 250))
    image.save(path, "JPEG", quality=88)
    return path


def pdf(path: Path, pages: int = 2, title: str = "Repair estimate") -> Path:
    c = canvas.Canvas(str(path), pagesize=A4)
    for n in range(pages):
        c.setFont("Helvetica-Bold", 18)
        c.drawString(72, 760, f"{title} — page {n + 1}")
        c.setFont("Helvetica", 11)
        c.drawString(72, 730, "Floor boards: replace 3 m2, labour 4 h")
        c.showPage()
    c.save()
    return path


def stored_count(desk: Desk) -> tuple[int, int]:
    with desk.services.db.reading() as s:
        return (
            s.scalar(select(func.count()).select_from(Evidence)) or 0,
            s.scalar(select(func.count()).select_from(EvidenceBlob)) or 0,
        )


def open_evidence(qtbot: QtBot, window: MainWindow, reference: str) -> EvidenceTab:
    window.open_claim(reference)
    qtbot.waitUntil(showing(window, reference))
    pane = window.detail_pane
    pane.show_tab(EVIDENCE)
    return pane.evidence_tab


def add(qtbot: QtBot, tab: EvidenceTab, files: list[tuple[Path, str | None]]) -> list[AddResult]:
    """What the file dialog and a drop do: the kind dialog, each kind chosen, then Add."""
    dialog = tab.add_files([str(p) for p, _ in files])
    assert dialog is not None and dialog.isVisible()
    for row, (_path, kind) in enumerate(files):
        if kind is not None:
            dialog.set_kind(row, kind)
    with qtbot.waitSignal(tab.added, timeout=20_000) as done:
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    results: list[AddResult] = done.args[0]
    return results


def settled(window: MainWindow, tab: EvidenceTab, rows: int) -> bool:
    return (
        tab.model.rowCount() == rows
        and not window.controller.busy_loading
        and not tab.preview_loading
        and tab.adder is None
    )


def test_adding_a_photo_and_a_pdf_lists_them_previews_them_and_fills_the_checklist(
    qtbot: QtBot, qtmodeltester: ModelTester, make_window: object, desk: Desk, tmp_path: Path
) -> None:
    ref = desk.claims["concession1"]  # property damage: needs photos and a repair estimate
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_evidence(qtbot, w, ref)
    qtmodeltester.check(tab.model)
    assert "No evidence yet" in tab.empty.title_label.text()
    assert "✗ Photo" in tab.checklist.text() and "Needs: photo, repair estimate" in tab.checklist.text()
    assert tab.add_button.isEnabled() and not tab.verify_button.isEnabled()

    photo = jpeg(tmp_path / "kitchen floor.jpg")
    estimate = pdf(tmp_path / "estimate.pdf", pages=3)
    results = add(qtbot, tab, [(photo, None), (estimate, "repair_estimate")])  # a picture is guessed a photo
    assert [r.problem for r in results] == [None, None]
    qtbot.waitUntil(lambda: settled(w, tab, 2), timeout=10_000)
    qtmodeltester.check(tab.model)

    rows = [[tab.model.index(r, c).data() for c in range(tab.model.columnCount())] for r in range(2)]
    assert [r[1] for r in rows] == ["Photo", "Repair estimate"]
    assert [r[NAME] for r in rows] == ["kitchen floor.jpg", "estimate.pdf"]
    assert [r[TYPE] for r in rows] == ["JPEG image", "PDF document"]
    assert rows[0][5] == "Alice Adams"
    sha = hashlib.sha256(photo.read_bytes()).hexdigest()
    assert rows[0][7] == sha[:12] + "…" and sha in tab.model.index(0, 7).data(Qt.ItemDataRole.ToolTipRole)
    assert w.detail_pane.tabs.tabText(1) == "Evidence (2)"
    assert "complete" in tab.checklist.text() and "✓ Repair estimate" in tab.checklist.text()
    assert "Added 2 files" in tab.status_label.text()
    history = [h.action for h in w.detail_pane.detail.history]
    assert history.count("evidence_added") == 2

    # the thumbnail is made off the GUI thread, then cached and shown as a picture
    tab.model.index(0, PICTURE).data(Qt.ItemDataRole.DecorationRole)
    qtbot.waitUntil(lambda: tab.model.thumbnail(sha) is not None)
    thumb = tab.model.thumbnail(sha)
    assert thumb is not None and max(thumb.width(), thumb.height()) == 48 and thumb.width() == 48

    # the newest file is selected: the PDF, every page of it
    qtbot.waitUntil(tab.showing_pdf)
    assert tab.pdf_preview.page_count == len(PdfReader(io.BytesIO(estimate.read_bytes())).pages) == 3
    tab.table.selectRow(0)
    qtbot.waitUntil(tab.showing_image)
    original = tab.image_view.original
    assert original is not None and (original.width(), original.height()) == (640, 480)

    tab.copy_hash_button.click()
    assert QGuiApplication.clipboard().text() == sha

    with qtbot.waitSignal(tab.verified, timeout=10_000) as verified:
        tab.verify_button.click()
    assert verified.args[0].ok and "all 2 files match" in tab.status_label.text()


def test_an_executable_renamed_jpg_is_refused_and_the_others_are_still_added(
    qtbot: QtBot, make_window: object, desk: Desk, tmp_path: Path
) -> None:
    ref = desk.claims["concession2"]
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_evidence(qtbot, w, ref)
    evil = tmp_path / "holiday.jpg"
    evil.write_bytes(b"MZ\x90\x00" + b"\x00" * 4000)
    good = jpeg(tmp_path / "damage.jpg")
    before = stored_count(desk)
    results = add(qtbot, tab, [(evil, None), (good, None)])
    assert results[0].info is None and "executable" in (results[0].problem or "")
    assert results[1].info is not None
    assert tab.banner.isVisible() and "holiday.jpg was not added" in tab.banner.label.text()
    assert "executable" in tab.banner.label.text()
    qtbot.waitUntil(lambda: settled(w, tab, 1), timeout=10_000)
    assert tab.model.index(0, NAME).data() == "damage.jpg"
    assert stored_count(desk) == (before[0] + 1, before[1] + 1)


def test_dropping_a_file_on_the_tab_adds_it(
    qtbot: QtBot, make_window: object, desk: Desk, tmp_path: Path
) -> None:
    ref = desk.claims["concession3"]
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_evidence(qtbot, w, ref)
    receipt = pdf(tmp_path / "receipt.pdf", pages=1, title="Receipt")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(receipt))])
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(tab, enter)
    assert enter.isAccepted()  # the tab takes the files
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(tab, drop)
    assert drop.isAccepted()
    dialog = tab.kind_dialog
    assert dialog is not None and dialog.paths == [str(receipt)]
    assert dialog.choices() == [(str(receipt), "repair_estimate")]  # the checklist's missing document kind
    dialog.set_kind(0, "receipt")
    with qtbot.waitSignal(tab.added, timeout=20_000):
        dialog.accept()
    qtbot.waitUntil(lambda: settled(w, tab, 1), timeout=10_000)
    assert tab.model.index(0, 1).data() == "Receipt"


def test_cancel_while_adding_stores_nothing(
    qtbot: QtBot, make_window: object, desk: Desk, tmp_path: Path
) -> None:
    """A file arriving slowly (a pipe, as from a slow share): Cancel while it is read keeps nothing."""
    ref = desk.claims["concession4"]
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_evidence(qtbot, w, ref)
    buffer = io.BytesIO()
    Image.effect_noise((1600, 1600), 80).convert("RGB").save(buffer, "JPEG", quality=95)
    data = buffer.getvalue()
    slow = tmp_path / "big.jpg"
    os.mkfifo(slow)
    pressed = threading.Event()

    def sender() -> None:  # the first half, then the rest once Cancel was pressed
        with contextlib.suppress(BrokenPipeError), slow.open("wb") as f:  # the reader stops: cancelled
            f.write(data[: len(data) // 2])
            f.flush()
            pressed.wait(20)
            f.write(data[len(data) // 2 :])

    writer = threading.Thread(target=sender)
    writer.start()
    before = stored_count(desk)
    try:
        adder = tab.add_with_kinds([(str(slow), "photo")])
        assert adder is not None
        qtbot.waitUntil(lambda: "Reading and hashing big.jpg" in adder.dialog.labelText())
        cancel = adder.dialog.findChild(QPushButton)
        assert cancel is not None and cancel.text() == "Cancel"
        with qtbot.waitSignal(tab.added, timeout=20_000) as done:
            cancel.click()
            pressed.set()
    finally:
        pressed.set()
        writer.join(20)
    (result,) = done.args[0]
    assert result.cancelled and result.info is None
    assert stored_count(desk) == before
    assert "Cancelled: big.jpg not added; nothing of it was stored." in tab.status_label.text()
    assert tab.model.rowCount() == 0 and not tab.banner.isVisible()


def test_someone_who_may_not_add_sees_why(
    qtbot: QtBot, make_window: object, desk: Desk, tmp_path: Path
) -> None:
    ref = desk.claims["escalated"]  # assigned to alice; bob is another adjuster
    w = make_window(desk.bob)  # type: ignore[operator]
    tab = open_evidence(qtbot, w, ref)
    assert not tab.add_button.isEnabled()
    assert "only they or a supervisor" in tab.add_button.toolTip()
    assert tab.add_files([str(jpeg(tmp_path / "x.jpg"))]) is None
    assert "Nothing added" in tab.banner.label.text()


def test_other_files_open_with_the_system_viewer_from_a_verified_temporary_copy(
    qtbot: QtBot, make_window: object, desk: Desk, tmp_path: Path
) -> None:
    ref = desk.claims["concession1"]
    notes = tmp_path / "notes.txt"
    notes.write_text("Customer phoned on 2026-11-01: the heater was on for two hours.\n")
    desk.services.evidence.add(ref, notes, "other", desk.alice)
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_evidence(qtbot, w, ref)
    opened: list[QUrl] = []
    tab.system_opener = opened.append
    qtbot.waitUntil(lambda: tab.preview_stack.currentWidget() is tab.other_page)
    assert "No preview for plain text files" in tab.other_message.title_label.text()
    assert tab.other_open_button.isEnabled()
    tab.other_open_button.click()
    qtbot.waitUntil(lambda: bool(opened))
    copy = Path(opened[0].toLocalFile())
    assert copy.name == "notes.txt" and copy.read_bytes() == notes.read_bytes()


def test_the_tab_works_from_the_keyboard(
    qtbot: QtBot, make_window: object, desk: Desk, tmp_path: Path
) -> None:
    ref = desk.claims["concession1"]
    desk.services.evidence.add(ref, jpeg(tmp_path / "porch.jpg"), "photo", desk.alice)
    w = make_window(desk.alice)  # type: ignore[operator]
    w.open_claim(ref)
    qtbot.waitUntil(showing(w, ref))
    qtbot.keyClick(w, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)  # Ctrl+2: the Evidence tab
    tab = w.detail_pane.evidence_tab
    assert w.detail_pane.current_tab() is tab and tab.isVisible()
    for button in (tab.add_button, tab.verify_button, tab.open_button, tab.copy_hash_button):
        assert button.accessibleName() and "Ctrl+Shift+" in button.toolTip()
    with qtbot.waitSignal(tab.verified, timeout=10_000):
        qtbot.keyClick(
            tab, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
        )
    qtbot.keyClick(tab, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: tab.file_dialog is not None and tab.file_dialog.isVisible())
    tab.file_dialog.reject()  # type: ignore[union-attr]
    qtbot.waitUntil(lambda: tab.file_dialog is None)
