"""Supervisors: escalations (step in, uphold), the approvals queue, reassigning, the team's workload."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from atoz_desk.domain.errors import PermissionDenied
from atoz_desk.services.dto import WorkloadRow
from atoz_desk.services.queues import QueueId
from atoz_desk.ui import style
from atoz_desk.ui.action_dialog import ActionDialog
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.queue_columns import COL_AMOUNT, COL_APPROVED, COL_STATE
from atoz_desk.ui.reassign_dialog import ReassignDialog
from atoz_desk.ui.workload import WorkloadModel, summary_text, workload_table

from .conftest import Desk, focus_key, references, showing
from .test_actions import count, move, open_in_queue

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def test_escalation_step_in_then_payment_from_the_approvals_queue(
    qtbot: QtBot, sam_window: MainWindow, desk: Desk
) -> None:
    w, ref = sam_window, desk.claims["escalated"]
    open_in_queue(qtbot, w, QueueId.ESCALATIONS, ref)
    names = [o.action for o in w.actions_bar.options]
    assert {"step_in", "uphold_rejection"} <= set(names)
    assert w.actions_bar.primary == "step_in"
    assert "button_reassign" in {b.objectName() for b in w.actions_bar.buttons.values()}

    def decide(d: object) -> None:
        assert d.amount_edit.text() == "5000.00"  # type: ignore[attr-defined]
        d.note_edit.setPlainText("Wiring fault confirmed by photos")  # type: ignore[attr-defined]

    move(qtbot, w, "step_in", "step_in", decide)
    qtbot.waitUntil(lambda: count(w, QueueId.ESCALATIONS) == 0 and count(w, QueueId.APPROVALS) == 1)
    assert w.detail_pane.payments_tab.recoveries_model.rowCount() == 1  # pursued against the seller

    open_in_queue(qtbot, w, QueueId.APPROVALS, ref)
    assert references(w) == [ref]
    assert w.actions_bar.primary == "issue_payment"
    move(qtbot, w, "issue_payment", "paid")
    qtbot.waitUntil(lambda: count(w, QueueId.APPROVALS) == 0)


def test_payment_queues_show_the_approved_amount_beside_the_claimed(
    qtbot: QtBot, sam_window: MainWindow, desk: Desk
) -> None:
    ref = desk.claims["escalated"]
    desk.act(ref, "step_in", desk.sam, amount=Decimal("4200.00"), note="Invoice shows $4,200 of repairs")
    w = sam_window
    model, header = w.claims_model, w.claims_view.horizontalHeader()
    for queue in (QueueId.APPROVALS, QueueId.PAYMENTS_PENDING):
        open_in_queue(qtbot, w, queue, ref)
        row = references(w).index(ref)
        assert not header.isSectionHidden(COL_APPROVED)
        assert model.headerData(COL_APPROVED, Qt.Orientation.Horizontal) == "Approved"
        assert model.headerData(COL_AMOUNT, Qt.Orientation.Horizontal) == "Claimed"
        assert model.index(row, COL_APPROVED).data() == "$4,200.00"
        assert model.index(row, COL_AMOUNT).data() == "$5,000.00"
        tip = "Approved $4,200.00 of $5,000.00 claimed ($800.00 less)"
        assert model.index(row, COL_APPROVED).data(Qt.ItemDataRole.ToolTipRole) == tip
        assert model.index(row, COL_AMOUNT).data(Qt.ItemDataRole.ToolTipRole) == tip

    open_in_queue(qtbot, w, QueueId.NEW, desk.claims["concession1"])
    assert header.isSectionHidden(COL_APPROVED)  # nothing is approved in New: the column stays out
    w.claims_view.fill_column_menu(w.commands.columns_menu)  # View → Queue columns
    approved = next(a for a in w.commands.columns_menu.actions() if a.text() == "Approved")
    assert not approved.isChecked()
    approved.trigger()
    assert not header.isSectionHidden(COL_APPROVED) and header.sectionSize(COL_APPROVED) > 40
    row = references(w).index(desk.claims["concession1"])
    assert model.index(row, COL_APPROVED).data() == "—"
    assert "not approved yet" in model.index(row, COL_APPROVED).data(Qt.ItemDataRole.ToolTipRole)


def test_a_row_stays_or_leaves_as_the_queue_decides_after_a_move(
    qtbot: QtBot, sam_window: MainWindow, desk: Desk
) -> None:
    """Recoveries holds claims with a recovery still open: a paid claim leaves it when the seller has
    paid everything back, though its state does not change."""
    ref = desk.claims["escalated"]
    desk.act(ref, "step_in", desk.sam, amount=Decimal("5000.00"), note="Wiring fault confirmed")
    desk.act(ref, "issue_payment", desk.sam)
    w = sam_window
    open_in_queue(qtbot, w, QueueId.RECOVERIES, ref)
    row = references(w).index(ref)

    def recovered(amount: str) -> Callable[[ActionDialog], None]:
        def fill(d: ActionDialog) -> None:
            assert d.amount_edit is not None and d.note_edit is not None
            d.amount_edit.setText(amount)
            d.note_edit.setPlainText(f"Seller transferred {amount}")

        return fill

    move(qtbot, w, "record_recovery", "paid", recovered("1000.00"))
    qtbot.waitUntil(lambda: not w.queue_panel.checking_membership)
    assert not w.claims_model.has_left_queue(row)  # $4,000 still owed: it stays, looking normal
    assert w.claims_model.index(row, COL_STATE).data(Qt.ItemDataRole.FontRole) is None

    move(qtbot, w, "record_recovery", "paid", recovered("4000.00"))
    qtbot.waitUntil(lambda: w.claims_model.has_left_queue(row))  # paid back: dimmed until F5
    assert w.claims_model.index(row, COL_STATE).data() == "Paid"  # same state, yet it left
    assert "has left this queue" in w.claims_model.index(row, COL_STATE).data(Qt.ItemDataRole.ToolTipRole)
    qtbot.waitUntil(lambda: count(w, QueueId.RECOVERIES) == 0)


def test_supervisor_upholds_a_sellers_rejection(qtbot: QtBot, sam_window: MainWindow, desk: Desk) -> None:
    ref = desk.claims["seller"]
    desk.act(ref, "start_review", desk.carol)
    desk.act(ref, "present_to_seller", desk.carol, amount=Decimal("2500.00"))
    desk.act(ref, "record_seller_rejection", desk.carol, note="Product recalled before the incident")
    desk.act(ref, "escalate", desk.carol, note="Recall notice never reached the customer")
    w = sam_window
    open_in_queue(qtbot, w, QueueId.ESCALATIONS, ref)
    move(
        qtbot,
        w,
        "uphold_rejection",
        "denied",
        lambda d: d.note_edit.setPlainText("Customer was told of the recall"),  # type: ignore[attr-defined]
    )
    assert w.detail_pane.summary_tab.amounts_box.values["denial"].text() == "Seller defense upheld"


def test_reassign_from_the_detail(qtbot: QtBot, sam_window: MainWindow, desk: Desk) -> None:
    w, ref = sam_window, desk.claims["concession2"]
    open_in_queue(qtbot, w, QueueId.NEW, ref)
    qtbot.waitUntil(w.isActiveWindow)
    w.claims_view.setFocus()
    focus_key(qtbot, Qt.Key.Key_A, CTRL_SHIFT)
    qtbot.waitUntil(
        lambda: isinstance(w.controller.dialog, ReassignDialog) and not w.controller.dialog.working
    )
    dialog = w.controller.dialog
    assert isinstance(dialog, ReassignDialog)
    users = [dialog.user_combo.itemData(i) for i in range(dialog.user_combo.count())]
    assert users == ["", "alice", "bob", "carol", "sam"]
    dialog.user_combo.setCurrentIndex(users.index("bob"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.controller.dialog is None)
    qtbot.waitUntil(lambda: showing(w, ref)() and w.detail_pane.detail.assignee == "Bob Brown")  # type: ignore[union-attr]
    history = w.detail_pane.history_tab.model
    assert history.index(history.rowCount() - 1, 2).data() == "Assign"
    assert "assigned to Bob Brown" in w.statusBar().currentMessage()


def test_reassigning_a_claim_changed_meanwhile_offers_reload(
    qtbot: QtBot, sam_window: MainWindow, desk: Desk
) -> None:
    w, ref = sam_window, desk.claims["concession2"]
    open_in_queue(qtbot, w, QueueId.NEW, ref)
    dialog = w.controller.reassign()
    assert isinstance(dialog, ReassignDialog)
    qtbot.waitUntil(lambda: not dialog.working)
    desk.act(ref, "start_review", desk.alice)  # Alice takes it while Sam has the dialog open
    dialog.user_combo.setCurrentIndex(dialog.user_combo.findData("bob"))
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.banner.isVisible() and not dialog.working)
    assert "changed by someone else" in dialog.banner.label.text()
    assert "nothing was reassigned" in dialog.banner.label.text()
    assert dialog.reload_button.isVisible() and not dialog.ok_button.isEnabled()
    assert desk.services.claims.detail(ref).assignee == "Alice Adams"  # not overwritten

    qtbot.mouseClick(dialog.reload_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.controller.dialog is None)
    qtbot.waitUntil(showing(w, ref, "in_review"))
    assert w.detail_pane.detail is not None and w.detail_pane.detail.assignee == "Alice Adams"
    assert "Reloaded the claim" in w.statusBar().currentMessage()

    again = w.controller.reassign()  # with the fresh copy the reassignment goes through
    assert isinstance(again, ReassignDialog)
    qtbot.waitUntil(lambda: not again.working)
    again.user_combo.setCurrentIndex(again.user_combo.findData("bob"))
    qtbot.mouseClick(again.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: showing(w, ref)() and w.detail_pane.detail.assignee == "Bob Brown")  # type: ignore[union-attr]


def test_adjusters_cannot_reassign_or_see_team_tools(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    w = alice_window
    assert not w.commands.reassign.isVisible() and not w.commands.workload.isVisible()
    assert not w.queue_nav.has_queue(QueueId.APPROVALS)
    w.open_claim(desk.claims["concession1"])
    qtbot.waitUntil(showing(w, desk.claims["concession1"]))
    assert "button_reassign" not in {b.objectName() for b in w.actions_bar.buttons.values()}
    assert not w.commands.reassign.isEnabled()
    with pytest.raises(PermissionDenied):
        desk.services.assignment.assign(desk.claims["concession1"], "bob", desk.alice)


def test_team_workload_with_totals(
    qtbot: QtBot, qtmodeltester: ModelTester, sam_window: MainWindow, desk: Desk, clock: object
) -> None:
    desk.services.assignment.take_next(desk.bob)
    desk.services.assignment.take_next(desk.bob)
    clock.advance(days=10)  # type: ignore[attr-defined]  # past the review SLA: Bob's two are overdue
    w = sam_window
    qtbot.waitUntil(w.isActiveWindow)
    w.claims_view.setFocus()
    focus_key(qtbot, Qt.Key.Key_W, CTRL_SHIFT)
    qtbot.waitUntil(lambda: w.workload_dialog is not None and not w.workload_dialog.loading)
    dialog = w.workload_dialog
    assert dialog is not None
    model = dialog.model
    qtmodeltester.check(model, force_py=True)

    def cell(row: int, title: str, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
        return model.index(row, titles.index(title)).data(role)

    red = style.colour(style.DANGER)
    names = [cell(r, "Team member") for r in range(model.rowCount())]
    assert names == ["Alice Adams", "Bob Brown", "Carol Chen", "Sam Sousa", "Team total"]  # one row each
    bob, carol, total = names.index("Bob Brown"), names.index("Carol Chen"), len(names) - 1
    assert (cell(bob, "Open"), cell(bob, "Overdue"), cell(bob, "In review")) == ("2", "2", "2 (2)")
    assert cell(bob, "Overdue", Qt.ItemDataRole.ForegroundRole) == red
    in_review = model.column_of("in_review")
    assert in_review is not None
    assert red_on_screen(dialog.table, model.index(bob, in_review))  # "(2)", the overdue part, is drawn red
    assert not red_on_screen(dialog.table, model.index(bob, 2))  # the Open count keeps the row's colour
    assert cell(names.index("Alice Adams"), "Escalated") == "1 (1)"
    # idle people are listed with nothing open, in grey
    assert (cell(carol, "Open"), cell(carol, "Overdue"), cell(carol, "In review")) == ("0", "0", "")
    assert cell(carol, "Team member", Qt.ItemDataRole.ForegroundRole) == style.colour(style.MUTED)
    assert "no open claims" in str(cell(carol, "Team member", Qt.ItemDataRole.ToolTipRole))
    # the total line adds everyone up, per state too, in bold
    assert (cell(total, "Open"), cell(total, "Overdue")) == ("3", "3")
    assert (cell(total, "In review"), cell(total, "Escalated")) == ("2 (2)", "1 (1)")
    assert cell(total, "Team member", Qt.ItemDataRole.FontRole).bold()  # type: ignore[attr-defined]
    assert model.column_of("new") is None  # no column for a state nobody holds
    assert dialog.summary.text() == (
        "3 open claims, 3 overdue, held by 2 of 4 people. No open claims: Carol Chen, Sam Sousa."
    )

    desk.services.assignment.take_next(desk.carol)  # F5 brings the change in
    qtbot.keyClick(dialog.table, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not dialog.loading and cell(carol, "Open") == "1")
    assert cell(total, "Open") == "4" and "held by 3 of 4 people" in dialog.summary.text()
    dialog.close()


def red_on_screen(view: QAbstractItemView, index: QModelIndex) -> bool:
    """Whether the cell, as painted, shows red text (the overdue colour)."""
    view.scrollTo(index)
    image = view.viewport().grab(view.visualRect(index)).toImage()
    danger = style.colour(style.DANGER)
    for x in range(image.width()):
        for y in range(image.height()):
            c = image.pixelColor(x, y)
            if abs(c.red() - danger.red()) < 40 and c.green() < 90 and c.blue() < 90:
                return True
    return False


def test_workload_table_pivots_people_by_state() -> None:
    rows = [
        WorkloadRow("b", "Bea", "adjuster", "paid", 3, 0),
        WorkloadRow("a", "Al", "adjuster", "new", 2, 1),
        WorkloadRow("a", "Al", "adjuster", "in_review", 1, 1),
        WorkloadRow("c", "Cy", "supervisor", None, 0, 0),
    ]
    states, lines = workload_table(rows)
    assert states == ("new", "in_review", "paid")  # the workflow's order
    summary = [(x.name, x.open, x.overdue, dict(x.by_state), x.idle) for x in lines]
    assert summary == [
        ("Al", 3, 2, {"new": (2, 1), "in_review": (1, 1)}, False),
        ("Bea", 3, 0, {"paid": (3, 0)}, False),
        ("Cy", 0, 0, {}, True),
        ("Team total", 6, 2, {"new": (2, 1), "in_review": (1, 1), "paid": (3, 0)}, False),
    ]
    assert summary_text(lines) == "6 open claims, 2 overdue, held by 2 of 3 people. No open claims: Cy."
    model = WorkloadModel()
    model.set_workload([])
    assert model.rowCount() == 1 and model.index(0, 2).data() == "0"
    assert model.columnCount() == 4  # no states: only the fixed columns
