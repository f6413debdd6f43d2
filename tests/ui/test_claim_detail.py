"""The claim detail: header and seven tabs, times in local time, every item model checked."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from atoz_desk.services.queues import QueueId
from atoz_desk.ui.detail.history_tab import changes_text, move_text
from atoz_desk.ui.formatting import local_time
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.tasks import TaskRunner

from .conftest import Desk, click_row, load_all, references, showing

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]


@pytest.fixture
def new_york() -> Iterator[None]:
    """Show times as a desk in New York would (stored UTC, shown local)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def open_claim(qtbot: QtBot, window: MainWindow, queue: QueueId, reference: str) -> None:
    click_row(qtbot, window.queue_nav, window.queue_nav.row_of(queue))
    qtbot.waitUntil(lambda: window.queue_panel.query is not None and window.queue_panel.query.queue == queue)
    load_all(qtbot, window)
    click_row(qtbot, window.claims_view, references(window).index(reference))
    qtbot.waitUntil(showing(window, reference))


def test_the_detail_shows_every_tab_for_an_escalated_claim(
    qtbot: QtBot, sam_window: MainWindow, desk: Desk, new_york: None
) -> None:
    w = sam_window
    ref = desk.claims["escalated"]
    open_claim(qtbot, w, QueueId.ESCALATIONS, ref)
    pane = w.detail_pane
    assert pane.reference_label.text() == ref
    assert pane.state_label.text() == "Escalated"
    assert (
        "Erin Escalated" in pane.headline_label.text() and "$5,000.00 approved" in pane.headline_label.text()
    )
    titles = [pane.tabs.tabText(i) for i in range(pane.tabs.count())]
    assert titles[0] == "Summary" and titles[1] == "Evidence" and titles[2].startswith("Fraud")
    assert titles[3].startswith("Correspondence (") and titles[4].startswith("Payments")
    assert titles[5].startswith("Letters") and titles[6] == "History (5)"

    summary = pane.summary_tab
    assert summary.amounts_box.values["claimed"].text() == "$5,000.00"
    assert summary.amounts_box.values["approved"].text() == "$5,000.00"
    assert summary.claim_box.values["lane"].text() == "Seller lane"
    assert summary.customer_box.values["name"].text() == "Erin Escalated"
    assert summary.seller_box.values["name"].text() == "Acme Heaters"
    assert summary.insurance_box.values["status"].text().endswith("Valid for this claim")
    assert summary.insurance_box.values["policy"].text() == "PL-1001"
    detail = pane.detail
    assert detail is not None
    # times are stored in UTC and shown in local (New York) time
    assert summary.claim_box.values["filed"].text() == "2026-11-01 05:00"
    assert summary.deadlines_box.values["due_at"].text().startswith(local_time(detail.due_at))

    assert "No evidence yet" in pane.evidence_tab.empty.title_label.text()
    letters = pane.letters_tab  # presenting the claim to the seller made the seller's letter
    qtbot.waitUntil(lambda: not letters.loading and letters.model.rowCount() == 1)
    assert letters.letters[0].kind == "seller_claim_presented" and pane.tabs.tabText(5) == "Letters (1)"

    history = pane.history_tab.model
    assert history.rowCount() == 5
    actions = [history.index(r, 2).data() for r in range(5)]
    assert actions == ["Intake", "Start review", "Present to seller", "Record seller rejection", "Escalate"]
    assert history.index(0, 0).data() == "2026-11-02 04:00"  # 09:00 UTC
    assert history.index(0, 1).data() == "Alice Adams"
    assert history.index(2, 3).data() == "In review → Awaiting seller"
    assert "wiring fault" in history.index(4, 5).data()  # the note, in its own column

    thread = pane.correspondence_tab
    assert thread.model.rowCount() >= 3  # presented (seller, insurer), rejection (inbound), escalation
    directions = {thread.model.index(r, 1).data() for r in range(thread.model.rowCount())}
    assert directions == {"Sent", "Received"}
    last = thread.model.rowCount() - 1
    assert thread.thread.currentIndex().row() == last  # the latest message is open
    assert "Subject:" in thread.body.toPlainText()

    fraud = pane.fraud_tab
    assert fraud.score_label.text() == f"{detail.fraud_score} / 100"
    assert str(desk.services.policy.fraud_review_score) in fraud.verdict_label.text()
    if detail.flags:
        fraud.flags.setCurrentIndex(fraud.flags_model.index(0, 1))
        assert detail.flags[0].explanation in fraud.flag_detail.text()

    payments = pane.payments_tab
    assert payments.payments_model.rowCount() == 0 and payments.recoveries_model.rowCount() == 0


def test_record_models_pass_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, sam_window: MainWindow, desk: Desk
) -> None:
    pane = sam_window.detail_pane
    models = [
        pane.history_tab.model,
        pane.correspondence_tab.model,
        pane.fraud_tab.flags_model,
        pane.fraud_tab.referrals_model,
        pane.payments_tab.payments_model,
        pane.payments_tab.recoveries_model,
    ]
    for model in models:
        qtmodeltester.check(model)
    open_claim(qtbot, sam_window, QueueId.ESCALATIONS, desk.claims["escalated"])
    for number in range(pane.tabs.count()):  # each tab is filled as it is shown
        pane.show_tab(number)
    assert pane.history_tab.model.rowCount() == 5 and pane.correspondence_tab.model.rowCount() >= 3
    for model in models:
        qtmodeltester.check(model, force_py=True)
    assert pane.history_tab.model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole)


def test_history_move_text() -> None:
    from datetime import UTC, datetime

    from atoz_desk.services.dto import HistoryInfo

    at = datetime(2026, 11, 2, tzinfo=UTC)
    assert move_text(HistoryInfo(1, at, "x", "intake", None, "new", None, {})) == "Filed → New"
    assert move_text(HistoryInfo(2, at, "x", "assign", "paid", "paid", None, {})) == "stays paid"


def test_the_placeholder_explains_what_to_do(alice_window: MainWindow) -> None:
    pane = alice_window.detail_pane
    assert pane.currentWidget() is pane.placeholder
    assert "Ctrl+N" in pane.placeholder.text_label.text()


def test_history_says_what_changed_in_words_beside_the_note(
    qtbot: QtBot, sam_window: MainWindow, desk: Desk
) -> None:
    ref = desk.claims["escalated"]
    desk.act(ref, "step_in", desk.sam, amount=Decimal("4200.00"), note="Invoice shows $4,200 of repairs")
    desk.act(ref, "issue_payment", desk.sam)
    desk.act(ref, "confirm_payment", desk.sam, payer="seller")
    desk.services.assignment.assign(ref, "bob", desk.sam)
    open_claim(qtbot, sam_window, QueueId.ALL, ref)
    history = sam_window.detail_pane.history_tab.model
    titles = [history.headerData(c, Qt.Orientation.Horizontal) for c in range(history.columnCount())]
    assert titles[-2:] == ["Changes", "Note"]
    rows = {history.index(r, 2).data(): r for r in range(history.rowCount())}

    def seen(action: str, title: str) -> str:
        return history.index(rows[action], titles.index(title)).data()

    assert seen("Present to seller", "Changes") == (
        "amount $5,000.00 · seller to answer by "
        f"{local_time(datetime(2026, 11, 9, 9, 0, tzinfo=UTC))} · lane seller"
    )
    assert seen("Step in", "Changes") == "amount $4,200.00 · recovery opened $4,200.00"
    assert seen("Step in", "Note") == "Invoice shows $4,200 of repairs"  # the note stays apart
    assert seen("Issue payment", "Changes") == "payment issued $4,200.00"
    assert seen("Confirm payment", "Changes") == "—"  # only the payment's id changed: nothing to read
    assert seen("Assign", "Changes") == "assigned to bob"  # not the user's id
    assert seen("Start review", "Changes") == "assignee alice"
    assert seen("Intake", "Changes").startswith("amount claimed $5,000.00 · incident type property damage")
    tip = history.index(rows["Step in"], 1).data(Qt.ItemDataRole.ToolTipRole)
    assert "Changed: amount $4,200.00" in tip and "Note: Invoice shows" in tip


def test_changes_text_in_the_claims_currency() -> None:
    changes = {
        "amount": "450.00",
        "lane": "concession",
        "assignee": "alice",
        "payments_confirmed": [3, 4],
        "from_user_id": 7,
        "recovery_status": "written_off",
        "seller_insured": False,
        "reason": "not_eligible",
        "payer": "insurer",
        "expert_due": "2026-11-20",
    }
    assert changes_text(changes, "USD") == (
        "amount $450.00 · lane concession · assignee alice · recovery status written off · "
        "seller insured no · reason not eligible · paid by seller's insurer · expert report due 2026-11-20"
    )
    assert changes_text({"recovered": "200.00", "amount": "200.00"}, "EUR") == "recovered €200.00"
    assert changes_text({}, "USD") == ""


@pytest.fixture
def detail_reads(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every claim-detail read from now on: (reference, the reading thread)."""
    claims = desk.services.claims
    read = claims.detail
    reads: list[tuple[str, int]] = []

    def recording(reference: str):  # type: ignore[no-untyped-def]
        reads.append((reference, threading.get_ident()))
        return read(reference)

    monkeypatch.setattr(claims, "detail", recording)
    return reads


def first_page_shown(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: window.claims_model.rowCount() > 0 and not window.claims_model.loading)


def test_the_warm_up_reads_the_top_claim_off_the_gui_thread_and_opens_nothing(
    qtbot: QtBot, alice_window: MainWindow, runner: TaskRunner, detail_reads: list[tuple[str, int]]
) -> None:
    w, reads = alice_window, detail_reads
    first_page_shown(qtbot, w)
    top = w.claims_model.claim_at(0)
    assert top is not None
    qtbot.waitUntil(lambda: not w.warm_up_timer.isActive(), timeout=5_000)  # it fired
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert [reference for reference, _thread in reads] == [top.reference]
    assert reads[0][1] != threading.get_ident()
    assert w.controller.current is None and w.detail_pane.detail is None  # nothing was opened
    assert w.detail_pane.currentWidget() is w.detail_pane.placeholder


def test_the_warm_up_waits_while_the_adjuster_keeps_working(
    qtbot: QtBot, alice_window: MainWindow, runner: TaskRunner, detail_reads: list[tuple[str, int]]
) -> None:
    w, reads = alice_window, detail_reads
    first_page_shown(qtbot, w)
    # a queue every 0.4 s for 2 s: twice the warm-up's delay, never a second's pause
    for queue in (QueueId.ALL, QueueId.OPEN, QueueId.ALL, QueueId.OPEN, QueueId.ALL):
        w.queue_nav.choose(queue)
        qtbot.wait(400)
        assert reads == [] and w.warm_up_timer.isActive()
    qtbot.waitUntil(lambda: not w.warm_up_timer.isActive(), timeout=5_000)  # the adjuster paused
    qtbot.waitUntil(lambda: runner.pending == 0)
    top = w.claims_model.claim_at(0)
    assert top is not None and [reference for reference, _thread in reads] == [top.reference]
