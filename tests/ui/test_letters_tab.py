"""The Letters tab and batch letters: real services, real PDFs read back with pypdf, real widgets."""

from __future__ import annotations

import io
import multiprocessing
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QPushButton
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from atoz_desk.data.models import Letter
from atoz_desk.services import Services
from atoz_desk.services.letters import LetterService
from atoz_desk.services.queues import QueueId
from atoz_desk.ui.detail.letters_tab import TAMPERED_TITLE, LettersTab, suggested_name
from atoz_desk.ui.detail.pane import LETTERS
from atoz_desk.ui.main_window import MainWindow

from .conftest import Desk, click_row, load_all, references, showing

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]


def text_of(pdf: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def denied(desk: Desk, **overrides: str) -> str:
    """A claim alice reviewed and denied: the denial made its customer letter."""
    ref = desk.file(**overrides)
    desk.act(ref, "start_review", desk.alice)
    desk.act(ref, "deny", desk.alice, reason="unsubstantiated", note="No photo shows the heater itself.")
    return ref


def open_letters(qtbot: QtBot, window: MainWindow, reference: str) -> LettersTab:
    window.open_claim(reference)
    qtbot.waitUntil(showing(window, reference))
    window.detail_pane.show_tab(LETTERS)
    tab = window.detail_pane.letters_tab
    qtbot.waitUntil(lambda: not tab.loading and tab.reference == reference)
    return tab


def previewed(tab: LettersTab) -> bool:
    return tab.preview.showing_document() and tab._pdf_task is None


def test_the_tab_lists_the_claims_letters_and_previews_the_newest(
    qtbot: QtBot, qtmodeltester: ModelTester, make_window: object, desk: Desk
) -> None:
    ref = denied(desk, customer_name="Zoë Łukasiewicz")
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_letters(qtbot, w, ref)
    qtmodeltester.check(tab.model)
    assert tab.model.rowCount() == 1
    assert w.detail_pane.tabs.tabText(5) == "Letters (1)"
    row = [tab.model.index(0, c).data() for c in range(tab.model.columnCount())]
    (info,) = desk.services.letters.list(ref)
    assert row[1:3] == ["Customer", "v1"]
    assert row[0] == info.title and row[4] == "Alice Adams" and row[6] == info.sha256[:10]
    assert row[3] == info.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
    assert row[5].endswith("KB")
    qtbot.waitUntil(lambda: previewed(tab))
    assert tab.preview.page_count == len(PdfReader(io.BytesIO(tab.preview.pdf_bytes or b"")).pages) == 1
    assert tab.save_button.isEnabled() and tab.print_button.isEnabled()
    assert "Zoë Łukasiewicz" in text_of(tab.preview.pdf_bytes or b"")


def test_save_as_writes_the_letter_and_print_makes_every_page(
    qtbot: QtBot, make_window: object, desk: Desk, tmp_path: Path
) -> None:
    ref = denied(desk)
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_letters(qtbot, w, ref)
    qtbot.waitUntil(lambda: previewed(tab))
    letter = tab.selected()
    assert letter is not None
    assert suggested_name(letter) == f"{ref}-customer_denied-v1.pdf"

    dialog = tab.save_as()
    assert dialog is not None and dialog.isVisible()
    assert dialog.selectedFiles()[0].endswith(f"{ref}-customer_denied-v1.pdf")
    target = tmp_path / "out" / "letter.pdf"
    target.parent.mkdir()
    with qtbot.waitSignal(tab.saved, timeout=10_000) as saved:
        dialog.selectFile(str(target))
        dialog.accept()
    assert saved.args == [str(target)]
    assert ref in text_of(target.read_bytes())
    assert "Saved" in tab.status_label.text()

    # a folder that does not exist: a message, nothing written, no crash
    tab.save_to(str(tmp_path / "missing" / "x.pdf"))
    qtbot.waitUntil(lambda: "could not save" in tab.status_label.text().lower())
    assert not (tmp_path / "missing").exists()

    print_dialog = tab.print_letter()  # what Print… (Ctrl+P) opens; the test prints without it
    assert print_dialog is not None and print_dialog.isVisible()
    print_dialog.reject()
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    assert tab.print_to(printer) == tab.preview.page_count
    assert len(PdfReader(printed).pages) == tab.preview.page_count


def test_print_of_a_multi_page_letter_prints_every_page(
    qtbot: QtBot, make_window: object, desk: Desk, tmp_path: Path
) -> None:
    ref = desk.claims["concession1"]
    desk.act(ref, "start_review", desk.alice)
    long_note = " ".join(["Please send the receipt, photos of every side of the heater and the floor."] * 90)
    desk.act(ref, "request_info", desk.alice, note=long_note)
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_letters(qtbot, w, ref)
    qtbot.waitUntil(lambda: previewed(tab))
    assert tab.preview.page_count >= 2
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert tab.print_to(printer) == tab.preview.page_count
    assert len(PdfReader(tmp_path / "printed.pdf").pages) == tab.preview.page_count


def test_generating_again_makes_version_2_and_leaves_version_1_alone(
    qtbot: QtBot, make_window: object, desk: Desk
) -> None:
    ref = denied(desk)
    (first,) = desk.services.letters.list(ref)
    before = desk.services.letters.pdf(first.id)
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_letters(qtbot, w, ref)
    qtbot.waitUntil(lambda: previewed(tab))

    qtbot.keyClick(tab.table, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tab.generate_dialog is not None and tab.generate_dialog.isVisible())
    dialog = tab.generate_dialog
    assert dialog is not None
    offered = [dialog.kind_combo.itemData(i) for i in range(dialog.kind_combo.count())]
    assert "customer_denied" in offered and "customer_concession_paid" not in offered
    assert dialog.kind == "customer_denied"  # the letter chosen in the list
    dialog.generate_button.click()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2 and previewed(tab), timeout=10_000)
    newest = tab.model.record_at(0)
    assert newest is not None and newest.version == 2 and tab.selected() == newest
    assert tab.model.record_at(1) == first
    assert desk.services.letters.pdf(first.id) == before  # version 1 unchanged, byte for byte
    assert w.detail_pane.tabs.tabText(5) == "Letters (2)"


def test_a_tampered_letter_shows_a_warning_instead_of_the_letter(
    qtbot: QtBot, make_window: object, desk: Desk
) -> None:
    ref = denied(desk)
    (info,) = desk.services.letters.list(ref)
    pdf = desk.services.letters.pdf(info.id)
    with desk.services.db.unit_of_work() as s:
        s.execute(update(Letter).where(Letter.id == info.id).values(pdf=pdf + b"% amended\n"))
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_letters(qtbot, w, ref)
    qtbot.waitUntil(lambda: tab._pdf_task is None and tab.preview.error is not None)
    assert not tab.preview.showing_document() and tab.preview.page_count == 0
    assert tab.preview.message.title_label.text() == TAMPERED_TITLE
    assert "SHA-256" in (tab.preview.error or "") and "Do not send it" in (tab.preview.error or "")
    assert not tab.save_button.isEnabled() and not tab.print_button.isEnabled()


def test_a_claim_without_letters_says_so(qtbot: QtBot, make_window: object, desk: Desk) -> None:
    ref = desk.claims["concession2"]
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_letters(qtbot, w, ref)
    assert tab.model.rowCount() == 0
    assert tab.empty.isVisible() and tab.empty.title_label.text() == "No letters yet"
    assert w.detail_pane.tabs.tabText(5) == "Letters"


# ------------------------------------------------------------------ batch


def select_rows(window: MainWindow, refs: list[str]) -> None:
    view, model = window.claims_view, window.claims_model
    rows = [references(window).index(r) for r in refs]
    view.selectionModel().clearSelection()
    for row in rows:
        view.selectionModel().select(
            model.index(row, 0),
            QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
        )


def all_claims(qtbot: QtBot, window: MainWindow) -> None:
    click_row(qtbot, window.queue_nav, window.queue_nav.row_of(QueueId.ALL))
    qtbot.waitUntil(
        lambda: window.queue_panel.query is not None and window.queue_panel.query.queue == QueueId.ALL
    )
    load_all(qtbot, window)


def test_batch_letters_for_selected_claims_report_made_and_failed(
    qtbot: QtBot, make_window: object, desk: Desk
) -> None:
    refs = [denied(desk), denied(desk), desk.claims["concession3"], desk.claims["escalated"]]
    before = {r: len(desk.services.letters.list(r)) for r in refs}
    w = make_window(desk.sam)  # type: ignore[operator]
    all_claims(qtbot, w)
    select_rows(w, refs)
    assert sorted(w.queue_panel.selected_references()) == sorted(refs)

    w.commands.letter_batch.trigger()
    batch = w.letter_batch
    qtbot.waitUntil(lambda: batch.kind_dialog is not None and batch.kind_dialog.isVisible())
    assert batch.kind_dialog is not None
    batch.kind_dialog.choose("customer_denied")
    progress: list[tuple[int, int]] = []
    batch.progressed.connect(lambda done, total: progress.append((done, total)))
    with qtbot.waitSignal(batch.finished, timeout=20_000) as finished:
        batch.kind_dialog.accept()
        qtbot.waitUntil(lambda: batch.progress_dialog is not None)
    result = finished.args[0]
    assert progress[-1] == (4, 4) and (result.processed, result.cancelled) == (4, False)
    assert len(result.letters) == 2 and {f.reference for f in result.failures} == set(refs[2:])
    summary = batch.summary_text
    assert "Made 2 letters" in summary and "2 claims failed" in summary
    assert refs[2] in summary and "no denial yet" in summary
    assert batch.summary_box is not None and batch.summary_box.isVisible()
    after = {r: len(desk.services.letters.list(r)) for r in refs}
    assert after == {refs[0]: before[refs[0]] + 1, refs[1]: before[refs[1]] + 1, refs[2]: 0, refs[3]: 1}
    batch.summary_box.close()


def test_cancel_stops_a_batch_after_the_claim_under_way(
    qtbot: QtBot, make_window: object, desk: Desk
) -> None:
    refs = [denied(desk) for _ in range(4)]
    w = make_window(desk.sam)  # type: ignore[operator]
    all_claims(qtbot, w)
    select_rows(w, refs)
    # the user presses Cancel as the first claim is reported (on the worker, before the next claim starts)
    w.letter_batch.progressed.connect(
        lambda done, _total: w.letter_batch.cancel() if done == 1 else None,
        Qt.ConnectionType.DirectConnection,
    )
    with qtbot.waitSignal(w.letter_batch.finished, timeout=20_000) as finished:
        w.letter_batch.run(refs, "auto")
        dialog = w.letter_batch.progress_dialog
        assert dialog is not None and dialog.maximum() == 4
    result = finished.args[0]
    assert result.cancelled and result.processed == 1 and len(result.letters) == 1
    made = [r for r in refs if len(desk.services.letters.list(r)) == 2]
    assert made == [result.letters[0].reference]
    assert "Cancelled after 1 of 4 claims" in w.letter_batch.summary_text
    assert w.letter_batch.progress_dialog is None
    assert w.letter_batch.summary_box is not None
    w.letter_batch.summary_box.close()


def test_the_progress_dialogs_cancel_button_asks_the_batch_to_stop(
    qtbot: QtBot, make_window: object, desk: Desk
) -> None:
    refs = [denied(desk) for _ in range(3)]
    w = make_window(desk.sam)  # type: ignore[operator]
    batch = w.letter_batch
    with qtbot.waitSignal(batch.finished, timeout=20_000):
        batch.run(refs, "customer_denied")
        assert batch.progress_dialog is not None
        batch.progress_dialog.findChild(QPushButton).click()  # Cancel
        assert batch.cancel_requested
    assert batch.summary_box is not None
    batch.summary_box.close()


def test_batch_needs_a_selection(qtbot: QtBot, make_window: object, desk: Desk) -> None:
    w = make_window(desk.sam)  # type: ignore[operator]
    w.queue_panel.view.clearSelection()
    w.commands.letter_batch.trigger()
    assert w.letter_batch.kind_dialog is None
    assert "Select" in w.statusBar().currentMessage()


def test_a_large_batch_runs_in_worker_processes_started_while_the_user_chooses(
    qtbot: QtBot, make_window: object, desk: Desk
) -> None:
    s = desk.services
    pooled = LetterService(s.db, s.policy, s.clock, render_workers=2, pool_threshold=3)

    class PooledLetters(Services):
        """The desk's services, but batches of 3+ letters render in worker processes."""

        @property
        def letters(self) -> LetterService:
            return pooled

    desk.services = PooledLetters(s.db, s.policy, s.clock)  # the window's services
    try:
        refs = [denied(desk) for _ in range(4)]
        w = make_window(desk.sam)  # type: ignore[operator]
        all_claims(qtbot, w)
        select_rows(w, refs)
        w.commands.letter_batch.trigger()
        batch = w.letter_batch
        qtbot.waitUntil(lambda: batch.kind_dialog is not None)
        qtbot.waitUntil(lambda: len(multiprocessing.active_children()) == 2, timeout=30_000)  # warming up
        assert batch.kind_dialog is not None
        with qtbot.waitSignal(batch.finished, timeout=60_000) as finished:
            batch.kind_dialog.accept()  # "the latest decision's letters"
        result = finished.args[0]
        assert (result.processed, len(result.letters), result.cancelled) == (4, 4, False)
        assert {x.reference for x in result.letters} == set(refs) and {x.version for x in result.letters} == {
            2
        }
        assert "Made 4 letters for 4 claims." in batch.summary_text
        assert batch.summary_box is not None
        batch.summary_box.close()
        qtbot.waitUntil(lambda: w._runner.pending == 0)
    finally:
        pooled.close()
    assert multiprocessing.active_children() == []
