"""The queue table: keyset pages, sorting and filtering in the database, layouts remembered per queue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QTableView
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from atoz_desk.services.queues import QueueId, SortKey
from atoz_desk.ui import queue_panel
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.queue_columns import (
    COL_AGE,
    COL_AMOUNT,
    COL_APPROVED,
    COL_CUSTOMER,
    COL_DUE,
    COL_FRAUD,
    COL_REFERENCE,
    COL_STATE,
    COLUMNS,
)
from atoz_desk.ui.queue_model import ClaimRowRole
from atoz_desk.ui.settings import DeskSettings

from .conftest import Desk, WindowFactory, click_row, load_all, loaded, references

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]


def open_queue(qtbot: QtBot, window: MainWindow, queue: QueueId) -> None:
    click_row(qtbot, window.queue_nav, window.queue_nav.row_of(queue))
    qtbot.waitUntil(lambda: window.queue_panel.query is not None and window.queue_panel.query.queue == queue)
    load_all(qtbot, window)


def amounts(window: MainWindow) -> list[Decimal]:
    model = window.claims_model
    return [model.claim_at(r).amount_claimed for r in range(model.rowCount())]  # type: ignore[union-attr]


def test_rows_show_money_right_aligned_and_mark_overdue_and_high_risk(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk, clock: object
) -> None:
    w = alice_window
    open_queue(qtbot, w, QueueId.OPEN)
    model = w.claims_model
    row = references(w).index(desk.claims["seller"])
    assert model.index(row, COL_AMOUNT).data() == "$2,500.00"
    assert model.index(row, COL_AMOUNT).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert model.index(row, COL_STATE).data() == "New"
    assert (
        model.index(row, COL_DUE).data(Qt.ItemDataRole.DecorationRole) is None
    )  # due in 5 days: not overdue
    assert model.index(row, COL_AGE).data() == "23h"

    clock.advance(days=6)  # type: ignore[attr-defined]
    model.refresh_times()
    overdue = model.index(row, COL_DUE)
    assert overdue.data(Qt.ItemDataRole.DecorationRole) is not None
    assert overdue.data(Qt.ItemDataRole.ForegroundRole).name() == "#b42318"
    assert "overdue" in overdue.data(Qt.ItemDataRole.ToolTipRole)

    escalated = references(w).index(desk.claims["escalated"])
    score = model.claim_at(escalated).fraud_score  # type: ignore[union-attr]
    high = score >= desk.services.policy.fraud_review_score
    assert (model.index(escalated, COL_FRAUD).data(Qt.ItemDataRole.DecorationRole) is not None) == high


def test_awaiting_seller_rows_count_down_to_the_seller_deadline(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk, clock: object
) -> None:
    s = desk.services
    ref = desk.claims["seller"]
    desk.act(ref, "start_review", desk.alice)
    desk.act(ref, "present_to_seller", desk.alice, amount=Decimal("2500.00"))
    clock.advance(days=4, hours=20)  # type: ignore[attr-defined]
    w = alice_window
    open_queue(qtbot, w, QueueId.AWAITING_SELLER)
    assert references(w) == [ref]
    due = w.claims_model.index(0, COL_DUE)
    assert due.data() == "2d 4h left"
    assert due.data(Qt.ItemDataRole.DecorationRole) is None
    clock.advance(days=5)  # type: ignore[attr-defined]
    w.claims_model.refresh_times()
    assert due.data() == "overdue 2d 20h"
    assert due.data(Qt.ItemDataRole.ForegroundRole).name() == "#b42318"
    assert s.clock() > w.claims_model.claim_at(0).due_at  # type: ignore[union-attr]


def test_sort_runs_in_the_database_on_sortable_columns_only(
    qtbot: QtBot, alice_window: MainWindow, private_settings: DeskSettings
) -> None:
    w = alice_window
    open_queue(qtbot, w, QueueId.OPEN)
    header = w.claims_view.horizontalHeader()
    assert header.sortIndicatorSection() == COL_DUE

    w.claims_view.sort_by_column(COL_AMOUNT, Qt.SortOrder.AscendingOrder)  # a header click
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.sort == SortKey.AMOUNT)
    load_all(qtbot, w)
    assert amounts(w) == sorted(amounts(w)) and len(amounts(w)) == 6

    w.claims_view.sort_by_column(COL_AMOUNT, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.descending is True)
    load_all(qtbot, w)
    assert amounts(w) == sorted(amounts(w), reverse=True)
    assert private_settings.queue_sort(QueueId.OPEN) == (SortKey.AMOUNT, True)

    query = w.queue_panel.query
    w.claims_view.sort_by_column(COL_CUSTOMER, Qt.SortOrder.AscendingOrder)  # not sortable: nothing happens
    assert w.queue_panel.query is query
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        COL_AMOUNT,
        Qt.SortOrder.DescendingOrder,
    )
    assert "not sortable" in w.claims_model.headerData(
        COL_CUSTOMER, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    assert {c.sort for c in COLUMNS if c.sort} == set(SortKey)

    w.claims_view.sort_by_column(COL_REFERENCE, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.sort == SortKey.REFERENCE)
    load_all(qtbot, w)
    assert references(w) == sorted(references(w), reverse=True)


def test_a_real_header_click_sorts(qtbot: QtBot, alice_window: MainWindow) -> None:
    w = alice_window
    open_queue(qtbot, w, QueueId.OPEN)
    header = w.claims_view.horizontalHeader()
    rect = header.rect()
    x = header.sectionViewportPosition(COL_AMOUNT) + header.sectionSize(COL_AMOUNT) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, rect.height() // 2))
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.sort == SortKey.AMOUNT)
    x = header.sectionViewportPosition(COL_CUSTOMER) + header.sectionSize(COL_CUSTOMER) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, rect.height() // 2))
    assert header.sortIndicatorSection() == COL_AMOUNT
    assert w.queue_panel.query is not None and w.queue_panel.query.sort == SortKey.AMOUNT


def test_the_count_follows_filters_not_sorting(qtbot: QtBot, alice_window: MainWindow) -> None:
    """The count is asked for after the first page (rows first); a new sort keeps it, a filter redoes it."""
    w = alice_window
    open_queue(qtbot, w, QueueId.ALL)
    qtbot.waitUntil(lambda: w.filter_bar.count_label.text() == "7 claims")
    w.queue_panel.view.sort_by_column(COL_AMOUNT, Qt.SortOrder.DescendingOrder)
    assert w.queue_panel._count_task is None  # nothing to recount: the same claims
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.sort == SortKey.AMOUNT)
    assert w.filter_bar.count_label.text() == "7 claims"
    w.filter_bar.text_edit.setText("Erin Esc")
    w.filter_bar.commit_now()
    qtbot.waitUntil(lambda: w.filter_bar.count_label.text() == "1 claim matching")


def test_a_broad_filter_is_counted_up_to_a_cap(
    qtbot: QtBot, alice_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At a million claims a broad filter is not counted to the end: "N+ claims matching"."""
    monkeypatch.setattr(queue_panel, "COUNT_CAP", 3)
    w = alice_window
    open_queue(qtbot, w, QueueId.ALL)
    qtbot.waitUntil(lambda: w.filter_bar.count_label.text() == "7 claims")  # no filter: the whole count
    w.filter_bar.incident_combo.setCurrentIndex(1)
    w.filter_bar.commit_now()
    qtbot.waitUntil(lambda: w.filter_bar.count_label.text() == "3+ claims matching")
    w.filter_bar.text_edit.setText("Erin Esc")
    w.filter_bar.commit_now()
    qtbot.waitUntil(lambda: w.filter_bar.count_label.text() == "1 claim matching")


def test_text_filter_is_debounced_and_sent_to_the_database(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    w = alice_window
    open_queue(qtbot, w, QueueId.ALL)
    assert len(references(w)) == 7
    qtbot.keyClicks(w.filter_bar.text_edit, "Erin Esc")
    assert (
        w.queue_panel.query is not None and w.queue_panel.query.text is None
    )  # not yet: waiting for typing to stop
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.text == "Erin Esc")
    load_all(qtbot, w)
    assert references(w) == [desk.claims["escalated"]]
    qtbot.waitUntil(lambda: w.filter_bar.count_label.text() == "1 claim matching")

    w.filter_bar.text_edit.clear()
    qtbot.keyClicks(w.filter_bar.text_edit, "Er")  # too short to search: said inline, not sent
    qtbot.waitUntil(w.filter_bar.error_label.isVisible)
    assert "at least 3 characters" in w.filter_bar.error_label.text()
    assert w.queue_panel.query.text == "Erin Esc"
    w.filter_bar.text_edit.clear()
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.text is None)
    assert not w.filter_bar.error_label.isVisible()


def test_incident_amount_and_state_filters(qtbot: QtBot, alice_window: MainWindow, desk: Desk) -> None:
    w = alice_window
    bar = w.filter_bar
    open_queue(qtbot, w, QueueId.ALL)

    bar.incident_combo.setCurrentIndex(bar.incident_combo.findData("personal_injury"))
    qtbot.waitUntil(
        lambda: w.queue_panel.query is not None and w.queue_panel.query.incident_type == "personal_injury"
    )
    load_all(qtbot, w)
    assert references(w) == [desk.claims["seller"]]
    bar.incident_combo.setCurrentIndex(0)

    qtbot.keyClicks(bar.amount_min, "abc")
    qtbot.waitUntil(bar.error_label.isVisible)
    assert "not a number" in bar.error_label.text() and "border" in bar.amount_min.styleSheet()
    assert w.queue_panel.query is not None and w.queue_panel.query.amount_min is None  # bad input is not sent
    bar.amount_min.clear()
    qtbot.keyClicks(bar.amount_min, "1,000")
    qtbot.keyClicks(bar.amount_max, "2500")
    qtbot.keyClick(bar.amount_max, Qt.Key.Key_Return)  # Enter applies at once
    qtbot.waitUntil(
        lambda: w.queue_panel.query is not None and w.queue_panel.query.amount_max == Decimal("2500.00")
    )
    assert w.queue_panel.query.amount_min == Decimal("1000.00") and not bar.error_label.isVisible()
    load_all(qtbot, w)
    assert references(w) == [desk.claims["seller"]]

    bar.amount_max.setText("900")
    bar.commit_now()
    assert "above the highest" in bar.error_label.text()
    bar.clear()
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.amount_min is None)

    open_queue(qtbot, w, QueueId.CLOSED)
    states = [bar.state_combo.itemData(i) for i in range(bar.state_combo.count())]
    assert states == [None, "closed", "denied", "withdrawn"]  # only the queue's own states
    bar.state_combo.setCurrentIndex(bar.state_combo.findData("withdrawn"))
    qtbot.waitUntil(lambda: w.queue_panel.query is not None and w.queue_panel.query.states == ("withdrawn",))
    load_all(qtbot, w)
    assert references(w) == [desk.claims["withdrawn"]]
    open_queue(qtbot, w, QueueId.NEW)
    assert not bar.state_combo.isVisibleTo(w)  # one state: nothing to choose
    assert bar.text_edit.text() == "" and w.queue_panel.query is not None and w.queue_panel.query.states == ()


def test_column_widths_order_and_sort_are_remembered_per_queue(
    qtbot: QtBot, make_window: WindowFactory, desk: Desk, private_settings: DeskSettings
) -> None:
    w = make_window(desk.alice)
    open_queue(qtbot, w, QueueId.OPEN)
    header = w.claims_view.horizontalHeader()
    header.resizeSection(COL_CUSTOMER, 311)
    header.moveSection(header.visualIndex(COL_FRAUD), 0)
    w.claims_view.sort_by_column(COL_FRAUD, Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(
        lambda: w.queue_panel.query is not None and w.queue_panel.query.sort == SortKey.FRAUD_SCORE
    )

    open_queue(qtbot, w, QueueId.NEW)  # another queue: its own (default) layout and sort
    assert header.sectionSize(COL_CUSTOMER) != 311 and header.visualIndex(COL_FRAUD) == COL_FRAUD
    assert header.sortIndicatorSection() == COL_DUE

    open_queue(qtbot, w, QueueId.OPEN)
    assert header.sectionSize(COL_CUSTOMER) == 311 and header.visualIndex(COL_FRAUD) == 0
    assert (header.sortIndicatorSection(), header.sortIndicatorOrder()) == (
        COL_FRAUD,
        Qt.SortOrder.DescendingOrder,
    )
    w.close()

    again = make_window(desk.alice)  # a new session reads the same settings
    open_queue(qtbot, again, QueueId.OPEN)
    h2 = again.claims_view.horizontalHeader()
    assert h2.sectionSize(COL_CUSTOMER) == 311 and h2.visualIndex(COL_FRAUD) == 0
    assert again.queue_panel.query is not None and again.queue_panel.query.sort == SortKey.FRAUD_SCORE
    assert private_settings.queue_header(QueueId.OPEN) is not None
    assert "settings" in private_settings.store.fileName()  # the test's own folder, not the user's


def test_a_layout_saved_before_the_approved_column_is_ignored(
    qtbot: QtBot, make_window: WindowFactory, desk: Desk, private_settings: DeskSettings
) -> None:
    old = QTableView()
    old.setModel(QStandardItemModel(0, 11))  # the table had 11 columns then
    old.horizontalHeader().resizeSection(COL_CUSTOMER, 311)
    private_settings.store.setValue("queues/v1/open/header", old.horizontalHeader().saveState())
    w = make_window(desk.alice)
    open_queue(qtbot, w, QueueId.OPEN)
    header = w.claims_view.horizontalHeader()
    assert header.sectionSize(COL_CUSTOMER) != 311  # the defaults, not widths shifted by a column
    assert header.isSectionHidden(COL_APPROVED) and header.visualIndex(COL_APPROVED) == COL_APPROVED


def test_default_widths_fit_the_view_without_measuring_rows(qtbot: QtBot, alice_window: MainWindow) -> None:
    view = alice_window.claims_view
    open_queue(qtbot, alice_window, QueueId.OPEN)
    header = view.horizontalHeader()
    total = sum(header.sectionSize(c) for c in range(len(COLUMNS)))
    assert total <= view.viewport().width() + 1
    assert all(header.sectionResizeMode(c) == header.ResizeMode.Interactive for c in range(len(COLUMNS)))


def test_queue_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, alice_window: MainWindow
) -> None:
    w = alice_window
    model = w.claims_model
    qtmodeltester.check(model)  # stays attached: the pages, resets and updates below are checked too
    open_queue(qtbot, w, QueueId.ALL)
    qtmodeltester.check(model, force_py=True)
    w.claims_view.sort_by_column(COL_AMOUNT, Qt.SortOrder.AscendingOrder)
    load_all(qtbot, w)
    model.refresh_times()
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.index(0, 0).data(ClaimRowRole).reference == references(w)[0]


def test_a_stale_page_is_dropped_when_the_queue_changes(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    w = alice_window
    qtbot.waitUntil(loaded(w))
    nav = w.queue_nav
    click_row(qtbot, nav, nav.row_of(QueueId.ALL))
    click_row(qtbot, nav, nav.row_of(QueueId.ESCALATIONS))  # before the "all" page can arrive
    qtbot.waitUntil(loaded(w, 1))
    qtbot.wait(50)
    assert references(w) == [desk.claims["escalated"]]
    assert not w.claims_model.canFetchMore(QModelIndex())


def test_a_claim_that_left_the_queue_stays_dimmed_until_refresh(
    qtbot: QtBot, alice_window: MainWindow, desk: Desk
) -> None:
    w = alice_window
    open_queue(qtbot, w, QueueId.NEW)
    row = references(w).index(desk.claims["concession1"])
    desk.act(desk.claims["concession1"], "start_review", desk.alice)
    detail = desk.services.claims.detail(desk.claims["concession1"])
    w.queue_panel.claim_changed(detail)
    assert w.claims_model.index(row, COL_STATE).data() == "In review"  # the new values at once
    qtbot.waitUntil(lambda: w.claims_model.has_left_queue(row))  # the queue says it has gone
    assert w.claims_model.index(row, COL_STATE).data(Qt.ItemDataRole.FontRole).italic()
    w.refresh()
    qtbot.waitUntil(loaded(w, 4))
    assert desk.claims["concession1"] not in references(w)
