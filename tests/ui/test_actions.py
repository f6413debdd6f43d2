"""Moves made through the UI: dialogs filled like a user would, history, rows and counts updating,
authority limits shown and enforced, and a stale copy met with a conflict and a Reload."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from atoz_desk.domain.errors import PermissionDenied
from atoz_desk.domain.transitions import TRANSITIONS_BY_ACTION, Action
from atoz_desk.services.queues import QueueId
from atoz_desk.ui.action_dialog import ActionDialog
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.queue_columns import COL_DUE, COL_STATE

from .conftest import Desk, click_row, load_all, references, showing

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]


def open_in_queue(qtbot: QtBot, window: MainWindow, queue: QueueId, reference: str) -> None:
    click_row(qtbot, window.queue_nav, window.queue_nav.row_of(queue))
    qtbot.waitUntil(lambda: window.queue_panel.query is not None and window.queue_panel.query.queue == queue)
    load_all(qtbot, window)
    click_row(qtbot, window.claims_view, references(window).index(reference))
    qtbot.waitUntil(showing(window, reference))


def start_move(qtbot: QtBot, window: MainWindow, action: str) -> ActionDialog:
    button = window.actions_bar.buttons[action]
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.dialog is not None and window.controller.dialog.isVisible())
    dialog = window.controller.dialog
    assert isinstance(dialog, ActionDialog) and dialog.option.action == action
    qtbot.waitUntil(dialog.isActiveWindow)
    return dialog


def move(
    qtbot: QtBot,
    window: MainWindow,
    action: str,
    to_state: str,
    fill: Callable[[ActionDialog], None] | None = None,
) -> None:
    """Open the move's dialog, fill it, send it, and wait for the claim to show the new state."""
    reference = window.detail_pane.detail.reference  # type: ignore[union-attr]
    history = window.detail_pane.history_tab.model.rowCount()
    dialog = start_move(qtbot, window, action)
    if fill is not None:
        fill(dialog)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.dialog is None)
    qtbot.waitUntil(showing(window, reference, to_state))
    assert window.detail_pane.history_tab.model.rowCount() == history + 1  # one entry per move
    assert f"is now {window.detail_pane.detail.state_label.lower()}" in window.statusBar().currentMessage()  # type: ignore[union-attr]


def row_state(window: MainWindow, reference: str) -> str:
    return window.claims_model.index(references(window).index(reference), COL_STATE).data()


def count(window: MainWindow, queue: QueueId) -> int | None:
    return window.queue_nav.nav_model.count(queue)


def test_a_concession_claim_walked_through_the_ui(qtbot: QtBot, alice_window: MainWindow, desk: Desk) -> None:
    w, ref = alice_window, desk.claims["concession1"]
    open_in_queue(qtbot, w, QueueId.NEW, ref)
    qtbot.waitUntil(lambda: count(w, QueueId.NEW) == 5)
    assert w.actions_bar.primary == "start_review"
    assert w.actions_bar.buttons["start_review"].property("primary") is True

    move(qtbot, w, "start_review", "in_review")
    assert row_state(w, ref) == "In review"
    qtbot.waitUntil(lambda: w.claims_model.has_left_queue(references(w).index(ref)))  # dimmed until F5
    qtbot.waitUntil(lambda: count(w, QueueId.NEW) == 4 and count(w, QueueId.MY) == 2)
    assert w.actions_bar.primary == "approve_concession"

    # a bad amount is refused in the dialog, before anything is sent
    dialog = start_move(qtbot, w, "approve_concession")
    assert (
        dialog.amount_edit is not None and dialog.amount_edit.text() == "410.00"
    )  # prefilled with the claim
    dialog.amount_edit.setText("abc")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["amount"].isVisible() and "not a number" in dialog.errors["amount"].text()
    assert not dialog.working
    # the service's own refusal lands beside the field it names
    dialog.amount_edit.setText("900.00")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.errors["amount"].isVisible() and not dialog.working)
    assert "more than the $410.00" in dialog.errors["amount"].text()
    dialog.reject()
    qtbot.waitUntil(lambda: w.controller.dialog is None)

    move(qtbot, w, "approve_concession", "approved_concession", lambda d: d.amount_edit.setText("400.00"))  # type: ignore[union-attr]
    assert w.detail_pane.summary_tab.amounts_box.values["approved"].text() == "$400.00"
    assert row_state(w, ref) == "Concession approved"
    qtbot.waitUntil(lambda: count(w, QueueId.PAYMENTS_PENDING) == 1)
    assert w.actions_bar.primary == "issue_payment"

    move(qtbot, w, "issue_payment", "paid")
    assert w.detail_pane.payments_tab.payments_model.rowCount() == 1
    assert w.detail_pane.payments_tab.payments_model.index(0, 2).data() == "$400.00"
    qtbot.waitUntil(lambda: count(w, QueueId.PAYMENTS_PENDING) == 0)
    move(qtbot, w, "confirm_payment", "paid")
    assert w.detail_pane.payments_tab.payments_model.index(0, 3).data() == "Confirmed"
    move(qtbot, w, "close", "closed")
    assert row_state(w, ref) == "Closed"
    qtbot.waitUntil(lambda: count(w, QueueId.CLOSED) == 2 and count(w, QueueId.MY) == 1)

    history = w.detail_pane.history_tab.model
    actions = [history.index(r, 2).data() for r in range(history.rowCount())]
    assert actions == [
        "Intake",
        "Start review",
        "Approve concession",
        "Issue payment",
        "Confirm payment",
        "Close",
    ]
    assert all(history.index(r, 1).data() == "Alice Adams" for r in range(1, len(actions)))
    assert desk.services.claims.detail(ref).state == "closed"
    assert w.actions_bar.none_label.isVisible()  # nothing more to do on a closed claim


def test_a_seller_lane_claim_walked_through_the_ui(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    w, ref = alice_window, desk.claims["seller"]
    open_in_queue(qtbot, w, QueueId.NEW, ref)
    move(qtbot, w, "start_review", "in_review")
    assert w.actions_bar.primary == "present_to_seller"  # $2,500 is the seller's to answer

    dialog = start_move(qtbot, w, "approve_concession")  # the service says why not
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.errors["amount"].isVisible() and not dialog.working)
    assert "not under the concession limit" in dialog.errors["amount"].text()
    dialog.reject()
    qtbot.waitUntil(lambda: w.controller.dialog is None)

    move(qtbot, w, "present_to_seller", "seller_notified")
    assert row_state(w, ref) == "Awaiting seller"
    assert w.claims_model.index(references(w).index(ref), COL_DUE).data() == "7d left"
    assert "7d left" in w.detail_pane.due_label.text()
    qtbot.waitUntil(lambda: count(w, QueueId.AWAITING_SELLER) == 1)
    notices = w.detail_pane.correspondence_tab.model
    assert any("present" in notices.index(r, 3).data().lower() for r in range(notices.rowCount()))

    def insurer_paid(d: ActionDialog) -> None:
        assert d.payer_combo is not None
        d.payer_combo.setCurrentIndex(d.payer_combo.findData("insurer"))

    move(qtbot, w, "record_seller_acceptance", "seller_accepted", insurer_paid)
    qtbot.waitUntil(lambda: count(w, QueueId.AWAITING_SELLER) == 0)
    assert w.actions_bar.primary == "confirm_seller_payment"
    move(qtbot, w, "confirm_seller_payment", "paid", insurer_paid)
    payments = w.detail_pane.payments_tab.payments_model
    assert payments.index(0, 1).data() == "Insurer" and payments.index(0, 2).data() == "$2,500.00"
    move(qtbot, w, "close", "closed")
    history = w.detail_pane.history_tab.model
    assert [history.index(r, 3).data() for r in range(history.rowCount())][-4:] == [
        "In review → Awaiting seller",
        "Awaiting seller → Seller accepted",
        "Seller accepted → Paid",
        "Paid → Closed",
    ]


def test_a_required_note_and_reason_are_asked_for(qtbot: QtBot, alice_window: MainWindow, desk: Desk) -> None:
    w, ref = alice_window, desk.claims["concession2"]
    desk.act(ref, "start_review", desk.alice)
    open_in_queue(qtbot, w, QueueId.MY, ref)
    dialog = start_move(qtbot, w, "deny")
    assert dialog.reason_combo is not None and dialog.note_edit is not None and dialog.amount_edit is None
    reasons = [dialog.reason_combo.itemData(i) for i in range(1, dialog.reason_combo.count())]
    assert reasons == ["unsubstantiated", "frivolous", "abusive", "not_eligible"]
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["reason"].isVisible() and dialog.focusWidget() is dialog.reason_combo
    dialog.reason_combo.setCurrentIndex(dialog.reason_combo.findData("frivolous"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.errors["note"].isVisible() and not dialog.working
    qtbot.keyClicks(dialog.note_edit, "Photos are of another product")
    qtbot.keyClick(
        dialog.note_edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )  # Ctrl+Enter sends
    qtbot.waitUntil(showing(w, ref, "denied"))
    assert w.detail_pane.summary_tab.amounts_box.values["denial"].text() == "Frivolous"


def test_no_enabled_action_above_the_adjusters_authority_and_the_service_refuses_it(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    ref = desk.claims["escalated"]
    desk.act(ref, "step_in", desk.sam, amount=Decimal("5000.00"), note="Wiring fault confirmed")
    w = alice_window
    open_in_queue(qtbot, w, QueueId.MY, ref)
    bar = w.actions_bar
    pay = bar.buttons["issue_payment"]
    assert not pay.isEnabled()
    assert "above your authority limit of $1,000.00" in pay.toolTip()
    for option in bar.options:
        t = TRANSITIONS_BY_ACTION[Action(option.action)]
        if option.enabled and t.checks_authority:
            assert (w.detail_pane.detail.approved_amount or 0) <= desk.alice.authority_limit  # type: ignore[union-attr]
    assert bar.primary is None
    w.primary_action()  # Ctrl+Enter: nothing to do, and it says so
    assert w.controller.dialog is None and "No primary action" in w.statusBar().currentMessage()
    with pytest.raises(PermissionDenied, match="authority limit"):
        desk.services.workflow.act(ref, "issue_payment", desk.alice)
    assert desk.services.claims.detail(ref).state == "step_in"


def test_a_stale_copy_shows_the_conflict_and_reloads(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    w, ref = alice_window, desk.claims["concession3"]
    desk.act(ref, "start_review", desk.alice)
    open_in_queue(qtbot, w, QueueId.MY, ref)
    shown_version = w.detail_pane.detail.version  # type: ignore[union-attr]
    # meanwhile, on another desk, the supervisor asks the customer for more information
    desk.act(ref, "request_info", desk.sam, note="Need photos of the plug")
    dialog = start_move(qtbot, w, "approve_concession")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.reload_button.isVisible())
    assert "changed by someone else" in dialog.banner.label.text()
    assert not dialog.ok_button.isEnabled()
    assert desk.services.claims.detail(ref).state == "awaiting_customer"  # nothing was overwritten
    qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(showing(w, ref, "awaiting_customer"))
    assert w.detail_pane.detail.version > shown_version  # type: ignore[union-attr]
    assert "approve_concession" not in w.actions_bar.buttons
    assert "info_received" in w.actions_bar.buttons
