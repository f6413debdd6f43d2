"""The Fraud tab: deciding flags (with reasons, against the version shown), re-screening, linked claims
and the referral packet — real services on the test desk, real widgets offscreen."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from atoz_desk.data.models import Customer
from atoz_desk.ui.action_dialog import RELOAD
from atoz_desk.ui.detail.fraud_tab import FraudTab
from atoz_desk.ui.detail.pane import FRAUD
from atoz_desk.ui.main_window import MainWindow

from .conftest import Desk, showing

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

SHARED = "shared.inbox@example.com"


def suspicious(desk: Desk) -> tuple[str, str]:
    """Two customer accounts with one e-mail (the second changed its address to the first's after
    filing, then was screened again); the second was also filed long after the incident."""
    first = desk.file(customer_name="Mallory First", customer_email=SHARED)
    second = desk.file(
        customer_name="M. Second",
        customer_email="m.second@example.com",
        order_date="2026-06-20",
        delivered_date="2026-06-25",
        incident_date="2026-07-01",
    )
    with desk.services.db.unit_of_work() as s:
        s.execute(update(Customer).where(Customer.email == "m.second@example.com").values(email=SHARED))
    assert "shared_contact" in desk.services.fraud.rescreen(second, desk.alice).added
    return first, second


def open_fraud(qtbot: QtBot, window: MainWindow, reference: str) -> FraudTab:
    window.open_claim(reference)
    qtbot.waitUntil(showing(window, reference))
    pane = window.detail_pane
    pane.show_tab(FRAUD)
    tab = pane.fraud_tab
    qtbot.waitUntil(lambda: not tab.loading)
    return tab


def select_flag(tab: FraudTab, code: str) -> None:
    codes = [f.code for f in tab.flags_model.records()]
    assert code in codes, codes
    tab.flags.selectRow(codes.index(code))


def flag(tab: FraudTab, code: str) -> Any:
    return next(f for f in tab.flags_model.records() if f.code == code)


def reloaded(window: MainWindow, tab: FraudTab, version: int) -> Any:
    return lambda: (
        window.detail_pane.detail is not None
        and window.detail_pane.detail.version > version
        and not window.controller.busy_loading
        and not tab.loading
    )


def test_dismiss_needs_a_reason_then_lowers_the_score_and_confirm_keeps_it(
    qtbot: QtBot, qtmodeltester: ModelTester, make_window: object, desk: Desk
) -> None:
    _first, ref = suspicious(desk)
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_fraud(qtbot, w, ref)
    for model in (tab.flags_model, tab.linked_model, tab.referrals_model):
        qtmodeltester.check(model)
    score = w.detail_pane.detail.fraud_score  # type: ignore[union-attr]
    shared = flag(tab, "shared_contact")
    assert shared.status == "open" and tab.score_label.text() == f"{score} / 100"
    assert not tab.dismiss_button.isEnabled() and "Select a flag" in tab.dismiss_button.toolTip()

    select_flag(tab, "shared_contact")
    assert SHARED in tab.flag_detail.text() and "Mallory First" in tab.flag_detail.text()
    assert tab.dismiss_button.isEnabled() and tab.confirm_button.isEnabled()
    dialog = tab.dismiss()
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # no reason given
    assert dialog.isVisible() and "needs a reason" in dialog.reason_error.text()
    assert flag(tab, "shared_contact").status == "open"

    version = w.detail_pane.detail.version  # type: ignore[union-attr]
    dialog.reason_edit.setPlainText("Same household: a couple sharing one mailbox, checked by phone.")
    with qtbot.waitSignal(tab.decision_finished, timeout=10_000) as finished:
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert finished.args[0] == QDialog.DialogCode.Accepted
    qtbot.waitUntil(reloaded(w, tab, version), timeout=10_000)
    dismissed = flag(tab, "shared_contact")
    assert dismissed.status == "dismissed" and "couple sharing" in (dismissed.decision_note or "")
    assert tab.score_label.text() == f"{score - shared.score} / 100"
    select_flag(tab, "shared_contact")
    assert tab.flag_detail.text().startswith("Dismissed by Alice Adams on ")
    assert "Dismissed" in [tab.flags_model.index(r, 3).data() for r in range(tab.flags_model.rowCount())]
    assert not tab.dismiss_button.isEnabled() and "already dismissed" in tab.dismiss_button.toolTip()
    assert "flag_dismissed" in [h.action for h in w.detail_pane.detail.history]  # type: ignore[union-attr]

    select_flag(tab, "late_filing")
    dialog = tab.confirm()
    assert dialog is not None
    with qtbot.waitSignal(tab.decision_finished, timeout=10_000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # a note is optional
    qtbot.waitUntil(lambda: flag(tab, "late_filing").status == "confirmed", timeout=10_000)
    assert "Confirmed the late filing flag" in tab.status_label.text()
    assert tab.score_label.text() == f"{score - shared.score} / 100"


def test_a_decision_on_a_claim_changed_since_shows_the_conflict_and_reloads(
    qtbot: QtBot, make_window: object, desk: Desk
) -> None:
    _first, ref = suspicious(desk)
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_fraud(qtbot, w, ref)
    select_flag(tab, "shared_contact")
    desk.act(ref, "start_review", desk.sam)  # someone else moves the claim meanwhile
    dialog = tab.dismiss()
    assert dialog is not None
    dialog.reason_edit.setPlainText("Checked with the customer.")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.conflict.isVisible(), timeout=10_000)
    assert "changed by someone else" in dialog.banner.label.text()
    assert dialog.reload_button.isVisible() and not dialog.ok_button.isEnabled()
    assert "Sam Sousa" in dialog.conflict.theirs_label.text()
    assert "Dismiss the shared contact flag" in dialog.conflict.mine_label.text()
    assert desk.services.fraud.overview(ref).flags[0].status == "open"  # nothing was overwritten
    with qtbot.waitSignal(tab.decision_finished, timeout=10_000) as finished:
        qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)
    assert finished.args[0] == RELOAD
    qtbot.waitUntil(showing(w, ref, "in_review"), timeout=10_000)
    assert "Reloaded the claim" in tab.status_label.text()


def test_rescreen_reports_what_changed(qtbot: QtBot, make_window: object, desk: Desk, clock: Any) -> None:
    ref = desk.file(customer_name="Nora Nophotos")
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_fraud(qtbot, w, ref)
    with qtbot.waitSignal(tab.rescreened, timeout=10_000) as same:
        qtbot.mouseClick(tab.rescreen_button, Qt.MouseButton.LeftButton)
    assert not same.args[0].changed and "nothing changed" in tab.status_label.text()

    clock.advance(days=20)  # past the grace period for the checklist: still no photo, no estimate
    before = len(tab.flags_model.records())
    with qtbot.waitSignal(tab.rescreened, timeout=10_000) as changed:
        tab.rescreen_button.click()
    assert "missing_required_evidence" in changed.args[0].added
    assert "added missing required evidence" in tab.status_label.text()
    qtbot.waitUntil(lambda: len(tab.flags_model.records()) == before + 1, timeout=10_000)
    assert flag(tab, "missing_required_evidence").status == "open"


def test_linked_claims_list_the_claim_sharing_the_email_and_open_it(
    qtbot: QtBot, make_window: object, desk: Desk
) -> None:
    first, ref = suspicious(desk)
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_fraud(qtbot, w, ref)
    rows = tab.linked_model.records()
    assert [r.reference for r in rows] == [first]
    assert tab.linked_model.index(0, 1).data() == "Mallory First"
    assert SHARED in tab.linked_model.index(0, 5).data() and "e-mail" in tab.linked_model.index(0, 5).data()
    assert tab.linked_caption.text() == "&Linked claims (1)"
    tab.linked.setFocus()
    tab.linked.setCurrentIndex(tab.linked_model.index(0, 0))
    qtbot.keyClick(tab.linked, Qt.Key.Key_Return)
    qtbot.waitUntil(showing(w, first), timeout=10_000)


def test_referral_packet_is_written_off_the_gui_thread_with_its_manifest(
    qtbot: QtBot, make_window: object, desk: Desk, tmp_path: Path
) -> None:
    _first, ref = suspicious(desk)
    photo = tmp_path / "floor.jpg"
    Image.new("RGB", (320, 240), (120, 90, 60)).save(photo, "JPEG")
    desk.services.evidence.add(ref, photo, "photo", desk.alice)
    w = make_window(desk.alice)  # type: ignore[operator]
    tab = open_fraud(qtbot, w, ref)
    assert (
        not tab.packet_button.isEnabled() and "not in fraud or expert review" in tab.packet_button.toolTip()
    )
    desk.act(ref, "start_review", desk.alice)
    desk.act(ref, "send_to_fraud_review", desk.alice, note="Two accounts, one mailbox")
    w.refresh()
    qtbot.waitUntil(showing(w, ref, "fraud_review"), timeout=10_000)
    assert tab.packet_button.isEnabled()

    dialog = tab.choose_packet_path()
    assert dialog is not None and dialog.isVisible()
    dialog.reject()
    qtbot.waitUntil(lambda: tab.file_dialog is None)
    target = tmp_path / f"{ref}-packet.zip"
    with qtbot.waitSignal(tab.packet_written, timeout=20_000) as written:
        tab.write_packet(str(target))
    assert written.args[0].path == target and str(target) in tab.status_label.text()
    with zipfile.ZipFile(target) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read("manifest.json"))
    assert {"summary.pdf", "manifest.json", "manifest.csv"} <= set(names)
    assert manifest["claim"] == ref and [e["name"] for e in manifest["evidence"]] == ["floor.jpg"]


def test_who_may_not_decide_sees_why(qtbot: QtBot, make_window: object, desk: Desk) -> None:
    _first, ref = suspicious(desk)
    desk.act(ref, "start_review", desk.alice)  # alice's claim now
    w = make_window(desk.bob)  # type: ignore[operator]
    tab = open_fraud(qtbot, w, ref)
    select_flag(tab, "shared_contact")
    assert not tab.dismiss_button.isEnabled() and not tab.confirm_button.isEnabled()
    assert "assigned to Alice Adams" in tab.dismiss_button.toolTip()
    assert tab.dismiss() is None


def test_the_tab_works_from_the_keyboard(qtbot: QtBot, make_window: object, desk: Desk) -> None:
    _first, ref = suspicious(desk)
    w = make_window(desk.alice)  # type: ignore[operator]
    w.open_claim(ref)
    qtbot.waitUntil(showing(w, ref))
    qtbot.keyClick(w, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # Ctrl+3: the Fraud tab
    tab = w.detail_pane.fraud_tab
    assert w.detail_pane.current_tab() is tab and tab.isVisible()
    qtbot.waitUntil(lambda: not tab.loading)
    for button in (tab.confirm_button, tab.dismiss_button, tab.rescreen_button, tab.packet_button):
        assert button.accessibleName()
    select_flag(tab, "shared_contact")
    tab.flags.setFocus()
    ctrl_shift = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(tab.flags, Qt.Key.Key_D, ctrl_shift)
    qtbot.waitUntil(lambda: tab.dialog is not None and tab.dialog.isVisible())
    dialog = tab.dialog
    assert dialog is not None and dialog.decision == "dismiss"
    qtbot.waitUntil(dialog.reason_edit.hasFocus)
    qtbot.keyClicks(dialog.reason_edit, "Checked: one household")
    with qtbot.waitSignal(tab.decision_finished, timeout=10_000):
        qtbot.keyClick(dialog.reason_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: flag(tab, "shared_contact").status == "dismissed", timeout=10_000)
    tab.flags.setFocus()
    qtbot.waitUntil(tab.flags.hasFocus)
    with qtbot.waitSignal(tab.rescreened, timeout=10_000):
        qtbot.keyClick(tab.flags, Qt.Key.Key_R, ctrl_shift)
