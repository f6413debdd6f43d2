"""Supervisors: escalations (step in, uphold), the approvals queue, reassigning, the team's workload."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from atoz_desk.domain.errors import PermissionDenied
from atoz_desk.services.queues import QueueId
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.reassign_dialog import ReassignDialog
from atoz_desk.ui.workload import WorkloadModel, workload_lines

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
    qtbot: QtBot, qtmodeltester: ModelTester, sam_window: MainWindow, desk: Desk
) -> None:
    desk.services.assignment.take_next(desk.bob)
    w = sam_window
    qtbot.waitUntil(w.isActiveWindow)
    w.claims_view.setFocus()
    focus_key(qtbot, Qt.Key.Key_W, CTRL_SHIFT)
    qtbot.waitUntil(lambda: w.workload_dialog is not None and not w.workload_dialog.loading)
    dialog = w.workload_dialog
    assert dialog is not None
    model = dialog.model
    qtmodeltester.check(model, force_py=True)
    rows = desk.services.assignment.workload()
    assert ("Alice Adams", "escalated", 1, 0) in rows and ("Bob Brown", "in_review", 1, 0) in rows
    lines = model.records()
    assert lines[-1].kind == "total" and lines[-1].open == sum(r[2] for r in rows)
    subtotals = {line.adjuster: line.open for line in lines if line.kind == "subtotal"}
    assert subtotals == {"Alice Adams": 1, "Bob Brown": 1}
    total_row = model.rowCount() - 1
    assert model.index(total_row, 0).data() == "Team total"
    assert model.index(total_row, 0).data(Qt.ItemDataRole.FontRole).bold()
    assert "2 open claims across 2 people" in dialog.summary.text()
    dialog.close()


def test_workload_lines_group_and_total() -> None:
    lines = workload_lines([("A", "new", 2, 1), ("A", "paid", 3, 0), ("B", "new", 1, 1)])
    kinds = [(x.adjuster, x.state, x.open, x.overdue, x.kind) for x in lines]
    assert kinds == [
        ("A", "new", 2, 1, "row"),
        ("A", "paid", 3, 0, "row"),
        ("A", "", 5, 1, "subtotal"),
        ("B", "new", 1, 1, "row"),
        ("B", "", 1, 1, "subtotal"),
        ("Team total", "", 6, 2, "total"),
    ]
    model = WorkloadModel()
    model.set_workload([])
    assert model.rowCount() == 1 and model.index(0, 2).data() == "0"
