"""Keyboard first: take next and resolve a concession with keys only, move through the queue,
switch tabs, find a claim in one step, and read the shortcuts in Help."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from atoz_desk.services.queues import QueueId
from atoz_desk.ui.action_dialog import ActionDialog
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.shortcuts_dialog import ShortcutsDialog

from .conftest import Desk, click_row, focus_key, load_all, loaded, references, showing

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
ALT = Qt.KeyboardModifier.AltModifier


def active(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.waitUntil(widget.isActiveWindow)


def primary_by_keys(qtbot: QtBot, w: MainWindow, reference: str, to_state: str) -> None:
    """Ctrl+Enter opens the state's primary move; Enter in its dialog sends it."""
    active(qtbot, w)
    focus_key(qtbot, Qt.Key.Key_Return, CTRL)
    qtbot.waitUntil(lambda: isinstance(w.controller.dialog, ActionDialog) and w.controller.dialog.isVisible())
    dialog = w.controller.dialog
    assert dialog is not None
    active(qtbot, dialog)
    focus_key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: w.controller.dialog is None)
    qtbot.waitUntil(showing(w, reference, to_state))


def test_take_next_and_resolve_a_concession_with_keys_only(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    w = alice_window
    qtbot.waitUntil(loaded(w))
    w.claims_view.setFocus()
    active(qtbot, w)
    focus_key(qtbot, Qt.Key.Key_N, CTRL)  # take next: the most urgent new claim, assigned and opened
    ref = desk.claims["concession1"]
    qtbot.waitUntil(showing(w, ref, "in_review"))
    assert w.detail_pane.detail is not None and w.detail_pane.detail.assignee == "Alice Adams"
    assert "You took" in w.statusBar().currentMessage()

    primary_by_keys(qtbot, w, ref, "approved_concession")  # amount prefilled: Enter accepts it
    assert w.detail_pane.detail is not None and str(w.detail_pane.detail.approved_amount) == "410.00"
    primary_by_keys(qtbot, w, ref, "paid")  # issue payment
    primary_by_keys(qtbot, w, ref, "paid")  # confirm payment received
    primary_by_keys(qtbot, w, ref, "closed")
    history = w.detail_pane.history_tab.model
    assert [history.index(r, 2).data() for r in range(history.rowCount())] == [
        "Intake",
        "Start review",
        "Approve concession",
        "Issue payment",
        "Confirm payment",
        "Close",
    ]
    qtbot.waitUntil(lambda: w.queue_nav.nav_model.count(QueueId.NEW) == 4)


def test_numbered_actions_and_tabs_from_the_keyboard(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    w = alice_window
    ref = desk.claims["concession2"]
    desk.act(ref, "start_review", desk.alice)
    w.open_claim(ref)
    qtbot.waitUntil(showing(w, ref, "in_review"))
    bar = w.actions_bar
    numbered = {a.shortcut().toString(): name for name, a in bar.actions_by_name.items()}
    assert numbered["Alt+1"] == bar.options[0].action
    active(qtbot, w)
    w.claims_view.setFocus()
    position = [o.action for o in bar.options].index("send_to_fraud_review") + 1
    focus_key(qtbot, getattr(Qt.Key, f"Key_{position}"), ALT)
    qtbot.waitUntil(lambda: w.controller.dialog is not None and w.controller.dialog.isVisible())
    dialog = w.controller.dialog
    assert isinstance(dialog, ActionDialog) and dialog.option.action == "send_to_fraud_review"
    active(qtbot, dialog)
    assert dialog.focusWidget() is dialog.note_edit
    focus_key(qtbot, Qt.Key.Key_Escape)  # Esc cancels: nothing sent
    qtbot.waitUntil(lambda: w.controller.dialog is None)
    assert desk.services.claims.detail(ref).state == "in_review"

    active(qtbot, w)
    for number in range(1, 8):
        focus_key(qtbot, getattr(Qt.Key, f"Key_{number}"), CTRL)
        assert w.detail_pane.tabs.currentIndex() == number - 1
    history = w.detail_pane.history_tab
    assert w.detail_pane.current_tab() is history and history.isVisible()


def test_j_and_k_move_through_the_queue_paging_as_needed(qtbot: QtBot, alice_window: MainWindow) -> None:
    w = alice_window
    click_row(qtbot, w.queue_nav, w.queue_nav.row_of(QueueId.ALL))
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.queue == QueueId.ALL)
    load_all(qtbot, w)
    refs = references(w)
    active(qtbot, w)
    w.queue_nav.setFocus()
    focus_key(qtbot, Qt.Key.Key_J)  # nothing current yet: the first claim
    qtbot.waitUntil(showing(w, refs[0]))
    w.claims_view.setFocus()
    focus_key(qtbot, Qt.Key.Key_J)
    qtbot.waitUntil(showing(w, refs[1]))
    focus_key(qtbot, Qt.Key.Key_Down, CTRL)
    qtbot.waitUntil(showing(w, refs[2]))
    focus_key(qtbot, Qt.Key.Key_K)
    qtbot.waitUntil(showing(w, refs[1]))
    focus_key(qtbot, Qt.Key.Key_Up, CTRL)
    qtbot.waitUntil(showing(w, refs[0]))
    # typing J in the filter box types a J; it does not move
    w.filter_bar.text_edit.setFocus()
    focus_key(qtbot, Qt.Key.Key_J)
    assert w.filter_bar.text_edit.text() == "j"
    assert w.claims_view.currentIndex().row() == 0


def test_ctrl_k_finds_a_claim_by_reference_email_or_order_in_one_step(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    w = alice_window
    qtbot.waitUntil(loaded(w))
    active(qtbot, w)
    w.claims_view.setFocus()
    focus_key(qtbot, Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(lambda: w.search.isVisible() and QApplication.focusWidget() is w.search.edit)
    wanted = desk.claims["seller"]
    qtbot.keyClicks(w.search.edit, wanted.lower())
    focus_key(qtbot, Qt.Key.Key_Return)  # before the results arrive: opens the top hit when they do
    qtbot.waitUntil(showing(w, wanted))
    assert not w.search.isVisible()

    email = str(desk.services.claims.detail(desk.claims["escalated"]).customer["email"])
    focus_key(qtbot, Qt.Key.Key_F, CTRL)  # Ctrl+F does the same
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.search.edit)
    qtbot.keyClicks(w.search.edit, email)
    qtbot.waitUntil(lambda: w.search.hits.rowCount() == 1)
    assert w.search.list.currentIndex().row() == 0
    focus_key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(showing(w, desk.claims["escalated"]))

    focus_key(qtbot, Qt.Key.Key_K, CTRL)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.search.edit)
    w.search.edit.clear()
    qtbot.keyClicks(w.search.edit, "no such claim anywhere")
    qtbot.waitUntil(lambda: "No claim matches" in w.search.status.text())
    focus_key(qtbot, Qt.Key.Key_Escape)
    assert not w.search.isVisible()


def test_help_lists_every_shortcut(qtbot: QtBot, alice_window: MainWindow) -> None:
    w = alice_window
    active(qtbot, w)
    w.claims_view.setFocus()
    focus_key(qtbot, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: any(isinstance(c, ShortcutsDialog) and c.isVisible() for c in w.children()))
    dialog = next(c for c in w.children() if isinstance(c, ShortcutsDialog))
    rows = {(s.description, s.keys) for s in dialog.model.records()}
    keys = " | ".join(k for _, k in rows)
    for shortcut in ("Ctrl+N", "Ctrl+K", "Ctrl+F", "J", "Ctrl+Down", "K", "Ctrl+Up", "Ctrl+Return", "F5"):
        assert shortcut in keys, shortcut
    for shortcut in ("Ctrl+Shift+N", "Ctrl+1", "Ctrl+7", "Alt+1 … Alt+9", "F6", "Ctrl+L"):
        assert shortcut in keys, shortcut
    assert "Ctrl+Shift+W" not in keys  # the team workload is a supervisor's
    dialog.close()


def test_f5_refreshes_queue_counts_and_the_open_claim(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    w = alice_window
    ref = desk.claims["concession4"]
    click_row(qtbot, w.queue_nav, w.queue_nav.row_of(QueueId.NEW))
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.queue == QueueId.NEW)
    load_all(qtbot, w)
    w.open_claim(ref)
    qtbot.waitUntil(showing(w, ref, "new"))
    desk.act(ref, "start_review", desk.bob)  # another adjuster, elsewhere
    active(qtbot, w)
    w.claims_view.setFocus()
    focus_key(qtbot, Qt.Key.Key_F5)
    qtbot.waitUntil(showing(w, ref, "in_review"))
    qtbot.waitUntil(loaded(w, 4))
    assert ref not in references(w)
    qtbot.waitUntil(lambda: w.queue_nav.nav_model.count(QueueId.NEW) == 4)
    assert w.actions_bar.none_label.isVisible() and "Bob Brown" in w.actions_bar.none_label.text()
