"""The claim's tabs are built and filled when they are shown: each shows the open claim, never an
earlier one, Ctrl+1 … Ctrl+7 open each with its content, and the window starts without them."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from atoz_desk.services.dto import ClaimDetail
from atoz_desk.ui.detail.pane import (
    CORRESPONDENCE,
    EVIDENCE,
    FRAUD,
    HISTORY,
    LETTERS,
    PAYMENTS,
    SUMMARY,
    ClaimDetailPane,
)
from atoz_desk.ui.main_window import MainWindow

from .conftest import Desk, focus_key, showing

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

CTRL = Qt.KeyboardModifier.ControlModifier


def busy_claim(desk: Desk, tmp_path: Path) -> str:
    """The escalated claim with something in every tab: a file, a payment and a recovery, letters."""
    ref = desk.claims["escalated"]
    notes = tmp_path / "notes.txt"
    notes.write_text("Customer phoned: the heater was on for two hours.\n")
    desk.services.evidence.add(ref, notes, "other", desk.sam)
    desk.act(ref, "step_in", desk.sam, amount=Decimal("4200.00"), note="Invoice shows $4,200 of repairs")
    desk.act(ref, "issue_payment", desk.sam)
    return ref


def titles(pane: ClaimDetailPane) -> list[str]:
    return [pane.tabs.tabText(i) for i in range(pane.tabs.count())]


def open_and_wait(qtbot: QtBot, w: MainWindow, reference: str) -> ClaimDetail:
    w.open_claim(reference)
    qtbot.waitUntil(showing(w, reference))
    detail = w.detail_pane.detail
    assert detail is not None
    return detail


def shows(pane: ClaimDetailPane, number: int, claim: ClaimDetail, desk: Desk) -> bool:
    """Tab `number` is in view and shows this claim's own records (letters: once they are read)."""
    tab = pane.current_tab()
    if pane.tabs.currentIndex() != number or tab is None or not tab.isVisible():
        return False
    if number == SUMMARY:
        s = pane.summary_tab
        return s.customer_box.values["name"].text() == str(claim.customer["name"])
    if number == EVIDENCE:
        e = pane.evidence_tab
        return e.reference == claim.reference and [x.filename for x in e.model.records()] == [
            x.filename for x in claim.evidence
        ]
    if number == FRAUD:
        f = pane.fraud_tab
        return (
            f.claim is claim
            and f.score_label.text() == f"{claim.fraud_score} / 100"
            and [x.code for x in f.flags_model.records()] == [x.code for x in claim.flags]
            and not f.loading
        )
    if number == CORRESPONDENCE:
        c = pane.correspondence_tab
        return [x.subject for x in c.model.records()] == [x.subject for x in claim.correspondence]
    if number == PAYMENTS:
        p = pane.payments_tab
        return p.payments_model.rowCount() == len(claim.payments) and p.recoveries_model.rowCount() == len(
            claim.recoveries
        )
    if number == LETTERS:
        lt = pane.letters_tab
        wanted = sorted(x.id for x in desk.services.letters.list(claim.reference))
        return (
            lt.reference == claim.reference and not lt.loading and sorted(x.id for x in lt.letters) == wanted
        )
    h = pane.history_tab
    return [x.entry.id for x in h.model.records()] == [x.id for x in claim.history]


def test_the_window_starts_with_only_the_summary_built(alice_window: MainWindow) -> None:
    pane = alice_window.detail_pane
    assert [pane.is_built(n) for n in range(7)] == [True] + [False] * 6
    assert titles(pane) == [
        "Summary",
        "Evidence",
        "Fraud",
        "Correspondence",
        "Payments && Recovery",
        "Letters",
        "History",
    ]
    assert alice_window.commands.tabs[4].text() == "Payments && Recovery tab"  # one "&" in the menu


def test_each_tab_shows_the_open_claim_when_switched_to_and_its_title_counts_it_before(
    qtbot: QtBot, sam_window: MainWindow, desk: Desk, tmp_path: Path
) -> None:
    ref = busy_claim(desk, tmp_path)
    w = sam_window
    pane = w.detail_pane
    claim = open_and_wait(qtbot, w, ref)
    assert [pane.is_built(n) for n in range(7)] == [True] + [False] * 6  # opening filled the Summary only
    assert shows(pane, SUMMARY, claim, desk)
    letters = len(desk.services.letters.list(ref))
    assert letters >= 1  # presenting the claim to the seller made the seller's letter
    before = titles(pane)  # counted from the claim, the tabs not built yet
    assert before[EVIDENCE] == "Evidence (1)" and before[PAYMENTS] == "Payments && Recovery (2)"
    assert before[CORRESPONDENCE] == f"Correspondence ({len(claim.correspondence)})"
    assert before[HISTORY] == f"History ({len(claim.history)})" and before[LETTERS] == f"Letters ({letters})"
    assert before[FRAUD] == (f"Fraud ({len(claim.flags)})" if claim.flags else "Fraud")

    for number in range(7):
        pane.show_tab(number)
        qtbot.waitUntil(lambda n=number: shows(pane, n, claim, desk))  # type: ignore[misc]
    assert titles(pane) == before  # each tab, built and filled, counts what the claim said


def test_a_tab_shown_again_shows_the_claim_open_now_not_the_one_it_showed(
    qtbot: QtBot, sam_window: MainWindow, desk: Desk
) -> None:
    w = sam_window
    pane = w.detail_pane
    a, b = desk.claims["escalated"], desk.claims["concession1"]
    claim_a = open_and_wait(qtbot, w, a)
    pane.show_tab(HISTORY)
    assert shows(pane, HISTORY, claim_a, desk) and pane.history_tab.model.rowCount() == 5
    pane.show_tab(SUMMARY)
    claim_b = open_and_wait(qtbot, w, b)
    assert shows(pane, SUMMARY, claim_b, desk)
    assert pane.tabs.tabText(HISTORY) == f"History ({len(claim_b.history)})"  # B's count while hidden
    pane.show_tab(HISTORY)
    assert shows(pane, HISTORY, claim_b, desk)
    assert [pane.history_tab.model.index(r, 2).data() for r in range(pane.history_tab.model.rowCount())] == [
        "Intake"
    ]

    # the same claim changed by someone else while the History tab was hidden: the new entry shows
    pane.show_tab(SUMMARY)
    desk.act(b, "start_review", desk.bob)
    w.controller.reload()
    qtbot.waitUntil(showing(w, b, "in_review"))
    pane.show_tab(HISTORY)
    history = pane.history_tab.model
    assert [history.index(r, 2).data() for r in range(history.rowCount())] == ["Intake", "Start review"]


def test_the_letters_tab_reads_letters_only_for_the_claim_shown_when_it_is_looked_at(
    qtbot: QtBot, sam_window: MainWindow, desk: Desk
) -> None:
    w = sam_window
    pane = w.detail_pane
    a, b, c = desk.claims["escalated"], desk.claims["concession1"], desk.claims["seller"]
    claim_a = open_and_wait(qtbot, w, a)
    pane.show_tab(LETTERS)
    qtbot.waitUntil(lambda: shows(pane, LETTERS, claim_a, desk))
    assert pane.tabs.tabText(LETTERS) == "Letters (1)"
    pane.show_tab(SUMMARY)
    tab = pane.letters_tab
    reads: list[str | None] = []
    tab.letters_loaded.connect(lambda: reads.append(tab.reference))
    claim_b = open_and_wait(qtbot, w, b)
    assert claim_b.letter_count == 0
    assert pane.tabs.tabText(LETTERS) == "Letters"  # B's count (none), not claim A's
    claim_c = open_and_wait(qtbot, w, c)
    qtbot.waitUntil(lambda: w._runner.pending == 0)
    assert reads == []  # nothing read for B or C while the tab was hidden
    pane.show_tab(LETTERS)
    qtbot.waitUntil(lambda: shows(pane, LETTERS, claim_c, desk))
    assert reads == [c]
    assert pane.tabs.tabText(LETTERS) == "Letters"  # C has none yet
    assert "No letters yet" in tab.empty.title_label.text()


def test_ctrl_1_to_7_open_each_tab_with_the_claims_content(
    qtbot: QtBot, sam_window: MainWindow, desk: Desk, tmp_path: Path
) -> None:
    ref = busy_claim(desk, tmp_path)
    w = sam_window
    claim = open_and_wait(qtbot, w, ref)
    qtbot.waitUntil(w.isActiveWindow)
    w.claims_view.setFocus()
    for number in range(1, 8):
        focus_key(qtbot, getattr(Qt.Key, f"Key_{number}"), CTRL)
        qtbot.waitUntil(lambda n=number: shows(w.detail_pane, n - 1, claim, desk))  # type: ignore[misc]
        tab = w.detail_pane.current_tab()
        focus = QApplication.focusWidget()
        assert isinstance(tab, QWidget) and focus is not None and (focus is tab or tab.isAncestorOf(focus))
    assert [w.detail_pane.is_built(n) for n in range(7)] == [True] * 7


def test_importing_the_main_window_leaves_out_pdf_reportlab_and_the_dialogs() -> None:
    code = (
        "import sys, atoz_desk.ui.main_window\n"
        "print('\\n'.join(sorted(m for m in sys.modules if m.startswith(('PySide6', 'reportlab', 'atoz_desk.ui')))))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        ).stdout.split()
    )
    assert "atoz_desk.ui.main_window" in loaded and "atoz_desk.ui.detail.summary_tab" in loaded
    never = {
        "PySide6.QtPdf",
        "PySide6.QtPdfWidgets",
        "PySide6.QtPrintSupport",
        "reportlab",
        "atoz_desk.ui.pdf_preview",
        "atoz_desk.ui.new_claim_dialog",
        "atoz_desk.ui.workload",
        "atoz_desk.ui.shortcuts_dialog",
        "atoz_desk.ui.reassign_dialog",
        "atoz_desk.ui.action_dialog",
        "atoz_desk.ui.flag_decision_dialog",
        "atoz_desk.ui.letter_batch",
        "atoz_desk.ui.evidence_add",
        "atoz_desk.ui.detail.evidence_tab",
        "atoz_desk.ui.detail.fraud_tab",
        "atoz_desk.ui.detail.correspondence_tab",
        "atoz_desk.ui.detail.payments_tab",
        "atoz_desk.ui.detail.letters_tab",
        "atoz_desk.ui.detail.history_tab",
    }
    assert sorted(loaded & never) == []


WARM_UP_SCRIPT = """
import os, sys, tempfile, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
on_gui = {}

class Spy:  # notes the thread that imports each module the window leaves for later
    def find_spec(self, name, path=None, target=None):
        on_gui.setdefault(name, threading.current_thread() is threading.main_thread())
        return None

sys.meta_path.insert(0, Spy())
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from atoz_desk.data.database import Database
from atoz_desk.services import Services
from atoz_desk.ui.main_window import LATER_MODULES, MainWindow
from atoz_desk.ui.settings import DeskSettings
from atoz_desk.ui.tasks import TaskRunner

app = QApplication([])
db = Database("sqlite:///" + sys.argv[1])
services = Services.build(db)
settings = DeskSettings(QSettings(tempfile.mkdtemp() + "/desk.ini", QSettings.Format.IniFormat))
runner = TaskRunner()
window = MainWindow(services, services.users.actor("alice"), runner, database_label="x", settings=settings)
window.show()
window.open_claim(sys.argv[2])  # at once: the first claim's moves need the workflow service
early = sorted(m for m in LATER_MODULES if m in sys.modules)
wanted = (*LATER_MODULES, "atoz_desk.services.workflow")
end = time.monotonic() + 30
while not (all(m in sys.modules for m in wanted) and runner.is_idle()) and time.monotonic() < end:
    app.processEvents()
    time.sleep(0.01)
print("early", *early)
print("missing", *[m for m in wanted if m not in sys.modules])
print("on_gui", *[m for m in wanted if on_gui.get(m, True)])
print("shown", window.detail_pane.detail.reference)
window.close()
runner.shutdown(5000)
db.dispose()
"""


def test_a_moment_after_the_first_page_the_rest_is_imported_off_the_gui_thread(
    desk_template: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    template, claims = desk_template
    copy = tmp_path / "desk.sqlite3"
    copy.write_bytes(template.read_bytes())
    out = subprocess.run(
        [sys.executable, "-c", WARM_UP_SCRIPT, str(copy), claims["escalated"]],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.splitlines()
    # none before, none missing, none on the GUI thread
    assert out == ["early", "missing", "on_gui", f"shown {claims['escalated']}"]
