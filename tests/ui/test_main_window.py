"""The app shell with real widgets over a real SQLite database: sign-in, queues, claim detail.

Also the pieces the shell stands on: the crash handler and the composition root's
database opening. Background results are awaited with qtbot.waitUntil; every test
ends with the task runner's threads finished.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QModelIndex, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QAbstractItemView, QApplication, QDialog, QMessageBox
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from atoz_desk.app import database_label, open_database
from atoz_desk.data.database import Database
from atoz_desk.data.migrate import ensure_current
from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.transitions import ActionParams, Actor
from atoz_desk.services import Services
from atoz_desk.services.intake_rules import parse_intake
from atoz_desk.ui.claims_model import COL_AMOUNT, COL_FRAUD, COL_REFERENCE, COL_STATE, ClaimReferenceRole
from atoz_desk.ui.crash import CRASH_LOG_NAME, CrashHandler
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.queue_nav import ALL_CLAIMS, OPEN_CLAIMS
from atoz_desk.ui.signin import SignInDialog
from atoz_desk.ui.tasks import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    # the offscreen platform's own chatter, not ours
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

PASSWORD = "right-password-1"
CLAIMS = 6
OPEN = CLAIMS - 1  # one claim is withdrawn
PAGE = 2  # small pages, so listing every claim takes several keyset fetches


# ------------------------------------------------------------------ fixtures


def intake_row(n: int) -> dict[str, str]:
    return {
        "order_id": f"ORD-{n:04d}",
        "order_date": "2026-10-01",
        "delivered_date": "2026-10-04",
        "product_id": f"P-{n}",
        "product_title": f"Space heater model {n}",
        "product_price": "89.99",
        "seller_id": "S-1",
        "seller_name": "Acme Heaters",
        "customer_name": f"Customer {n}",
        "customer_email": f"customer{n}@example.com",
        "customer_address": f"{n} Main Street",
        "incident_type": "property_damage",
        "incident_date": (date(2026, 10, 20) + timedelta(days=n % 3)).isoformat(),
        "filed_at": f"2026-11-01T1{n % 10}:00:00Z",
        "amount_claimed": f"{100 + n}.50",
        "currency": "USD",
        "description": "The heater scorched the floor.",
    }


@pytest.fixture
def services(tmp_path: Path, clock: Callable[[], datetime]) -> Iterator[Services]:
    """A migrated SQLite database with two users and six claims: four new, one in review, one withdrawn."""
    db = Database(f"sqlite:///{tmp_path / 'desk.sqlite3'}")
    try:
        ensure_current(db)
        svc = Services.build(db, clock=clock)
        svc.users.add_user(
            "alice", role="adjuster", authority=None, password=PASSWORD, display_name="Alice Adams"
        )
        svc.users.add_user(
            "sam", role="supervisor", authority=None, password=PASSWORD, display_name="Sam Sousa"
        )
        alice = svc.users.actor("alice")
        now = svc.clock()
        for n in range(1, CLAIMS + 1):
            svc.intake.file_claim(parse_intake(intake_row(n), svc.policy, now), alice)
        assert svc.assignment.take_next(alice) is not None
        last = svc.claims.list_claims("new", limit=100)[-1].reference
        svc.workflow.act(
            last, "withdraw", svc.users.actor("sam"), ActionParams(note="Customer withdrew by phone")
        )
        yield svc
    finally:
        db.dispose()


@pytest.fixture
def runner(qapp: QApplication) -> Iterator[TaskRunner]:
    threads_before = set(threading.enumerate())
    task_runner = TaskRunner()
    yield task_runner
    assert task_runner.shutdown(5_000), "a background task was still running at the end of the test"
    assert task_runner.is_idle()
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    assert not [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]


@pytest.fixture
def alice(services: Services) -> Actor:
    return services.users.actor("alice")


@pytest.fixture
def window(qtbot: QtBot, services: Services, runner: TaskRunner, alice: Actor) -> Iterator[MainWindow]:
    main = MainWindow(services, alice, runner, database_label="SQLite · desk.sqlite3", page_size=PAGE)
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()
    # no widget timer may outlive the window (the status bar's message timer included)
    active = [t for t in main.findChildren(QTimer) if t.isActive()]
    for timer in active:
        timer.stop()
    assert not [t.objectName() or type(t.parent()).__name__ for t in active if not _is_status_timer(t)]


def _is_status_timer(timer: QTimer) -> bool:
    # QStatusBar.showMessage(msg, timeout) runs a timer it owns; stopping it is enough
    return type(timer.parent()).__name__ == "QStatusBar"


def loaded(window: MainWindow, rows: int) -> Callable[[], bool]:
    model = window.claims_model
    return lambda: model.rowCount() == rows and not model.loading and not model.canFetchMore(QModelIndex())


def click_row(qtbot: QtBot, view: QAbstractItemView, row: int, column: int = 0) -> None:
    rect = view.visualRect(view.model().index(row, column))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# ------------------------------------------------------------------ sign-in


def test_sign_in_shows_a_wrong_password_inline_then_accepts(
    qtbot: QtBot, services: Services, runner: TaskRunner
) -> None:
    dialog = SignInDialog(services.users, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username_edit, "alice")
    qtbot.keyClicks(dialog.password_edit, "not-her-password")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: dialog.error_label.isVisible() and not dialog.checking)
    assert "not right" in dialog.error_label.text()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.actor is None
    assert dialog.password_edit.text() == ""

    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=5_000):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None and dialog.actor.username == "alice"


def test_sign_in_asks_for_both_fields_without_calling_the_service(
    qtbot: QtBot, services: Services, runner: TaskRunner
) -> None:
    dialog = SignInDialog(services.users, runner, hint="Demo users: alice")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.isVisible() and runner.pending == 0
    assert dialog.isVisible()


# ------------------------------------------------------------------ main window


def test_window_opens_on_the_open_claims_page_by_page(
    qtbot: QtBot, window: MainWindow, services: Services
) -> None:
    qtbot.waitUntil(loaded(window, OPEN))
    model = window.claims_model
    assert window.queue_nav.current_key() == OPEN_CLAIMS
    references = [model.index(r, COL_REFERENCE).data() for r in range(model.rowCount())]
    expected = [row for row in services.claims.list_claims(limit=100) if row.state != "withdrawn"]
    assert references == [row.reference for row in expected]
    assert len(set(references)) == OPEN  # no row twice across the keyset pages
    assert model.index(0, COL_AMOUNT).data().startswith("$")
    assert model.index(0, COL_AMOUNT).data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
    assert model.index(0, COL_REFERENCE).data(ClaimReferenceRole) == references[0]

    nav = window.queue_nav
    qtbot.waitUntil(lambda: nav.model().index(nav.row_of(ALL_CLAIMS), 0).data() == f"All claims ({CLAIMS})")
    assert nav.model().index(nav.row_of(OPEN_CLAIMS), 0).data() == f"Open claims ({OPEN})"
    assert nav.model().index(nav.row_of("in_review"), 0).data() == "In review (1)"
    assert nav.model().index(nav.row_of("withdrawn"), 0).data() == "Withdrawn (1)"
    assert window.user_label.text() == "Signed in as Alice Adams (adjuster)"
    assert "SQLite" in window.database_label.text()


def test_choosing_a_queue_filters_the_table(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(loaded(window, OPEN))
    nav, model = window.queue_nav, window.claims_model

    click_row(qtbot, nav, nav.row_of("in_review"))
    qtbot.waitUntil(loaded(window, 1))
    assert model.queue_filter.states == ("in_review",)
    assert model.index(0, COL_STATE).data() == "In review"

    click_row(qtbot, nav, nav.row_of("new"))
    qtbot.waitUntil(loaded(window, OPEN - 1))
    assert {model.claim_at(r).state for r in range(model.rowCount())} == {"new"}  # type: ignore[union-attr]

    click_row(qtbot, nav, nav.row_of("withdrawn"))
    qtbot.waitUntil(loaded(window, 1))
    assert model.index(0, COL_STATE).data() == "Withdrawn"

    click_row(qtbot, nav, nav.row_of(ALL_CLAIMS))
    qtbot.waitUntil(loaded(window, CLAIMS))
    assert model.queue_filter.states == ()

    click_row(qtbot, nav, nav.row_of("denied"))
    qtbot.waitUntil(loaded(window, 0))
    assert window.detail_pane.detail is None


def test_selecting_a_row_shows_the_claim_and_arrows_move(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(loaded(window, OPEN))
    model, view, pane = window.claims_model, window.claims_view, window.detail_pane

    click_row(qtbot, view, 1, COL_FRAUD)
    second = model.index(1, COL_REFERENCE).data()
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.reference == second)
    assert pane.reference_label.text() == second
    assert pane.state_label.text() in ("New", "In review")
    assert "Customer" in pane.fields["customer"].text()
    assert pane.fields["amounts"].text().startswith("claimed $")
    assert pane.fields["insurance"].text()
    assert "intake" in pane.history_text.toPlainText()
    assert "Alice Adams" in pane.history_text.toPlainText()

    qtbot.keyClick(view, Qt.Key.Key_Down)
    third = model.index(2, COL_REFERENCE).data()
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.reference == third)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.reference == second)


def test_ctrl_f_finds_a_claim_by_exact_reference(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(loaded(window, OPEN))
    model, pane = window.claims_model, window.detail_pane
    wanted = model.index(3, COL_REFERENCE).data()
    window.activateWindow()
    window.claims_view.setFocus()

    qtbot.keyClick(window.claims_view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.search_edit)
    qtbot.keyClicks(window.search_edit, wanted.lower())
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: pane.detail is not None and pane.detail.reference == wanted)
    assert model.rowCount() == 1 and window.queue_nav.current_key() is None

    window.search_edit.setFocus()
    qtbot.keyClicks(window.search_edit, "9")  # now no claim has it
    qtbot.keyClick(window.search_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(loaded(window, 0))
    qtbot.waitUntil(lambda: "No claim has the reference" in window.statusBar().currentMessage())

    qtbot.keyClick(window.search_edit, Qt.Key.Key_Escape)
    qtbot.waitUntil(loaded(window, OPEN))
    assert window.queue_nav.current_key() == OPEN_CLAIMS
    assert window.search_edit.text() == ""


def test_ctrl_q_closes_the_window(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(loaded(window, OPEN))
    window.activateWindow()
    window.claims_view.setFocus()
    qtbot.keyClick(window.claims_view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not window.isVisible())


def test_widgets_have_accessible_names(window: MainWindow) -> None:
    for widget in (
        window.queue_nav,
        window.claims_view,
        window.detail_pane,
        window.search_edit,
        window.user_label,
        window.database_label,
        window.detail_pane.history_text,
    ):
        assert widget.accessibleName(), widget.objectName()


# ------------------------------------------------------------------ claims model


def test_claims_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, window: MainWindow
) -> None:
    model = window.claims_model
    qtmodeltester.check(model)  # Qt's tester stays attached: the pages and resets below are checked too
    qtbot.waitUntil(loaded(window, OPEN))
    qtmodeltester.check(model, force_py=True)
    model.set_filter(window.claims_model.queue_filter)
    qtbot.waitUntil(loaded(window, OPEN))
    assert model.rowCount(model.index(0, 0)) == 0  # a flat table: rows have no children


def test_a_stale_page_is_dropped_when_the_queue_changes(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.waitUntil(loaded(window, OPEN))
    nav = window.queue_nav
    click_row(qtbot, nav, nav.row_of("new"))
    click_row(qtbot, nav, nav.row_of("in_review"))  # before the "new" page can arrive
    qtbot.waitUntil(loaded(window, 1))
    qtbot.wait(50)
    assert window.claims_model.rowCount() == 1
    assert window.claims_model.claim_at(0).state == "in_review"  # type: ignore[union-attr]


# ------------------------------------------------------------------ task runner


def test_task_runner_reports_expected_problems_and_drops_dead_owners(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    def refuse() -> None:
        raise DomainError("the claim is locked")

    problems: list[str] = []
    runner.problem.connect(problems.append)
    runner.run(refuse)
    qtbot.waitUntil(lambda: problems == ["the claim is locked"])

    done: list[int] = []
    dialog = QDialog()
    runner.run(lambda: threading.get_ident(), done.append, owner=dialog)
    shiboken6.delete(dialog)  # gone before the result can arrive (that needs the event loop)
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert done == []

    runner.run(lambda: threading.get_ident(), done.append)
    qtbot.waitUntil(lambda: len(done) == 1)
    assert done[0] != threading.get_ident()  # the work ran off the GUI thread


# ------------------------------------------------------------------ crash handler


def close_crash_dialog_soon(seen: list[str], tries: int = 200) -> None:
    """Close the crash dialog once it is up, recording what it says."""

    def attempt(left: int) -> None:
        boxes = [
            w
            for w in QApplication.topLevelWidgets()
            if isinstance(w, QMessageBox) and w.objectName() == "crashDialog" and w.isVisible()
        ]
        if boxes:
            seen.append(boxes[0].informativeText())
            boxes[0].accept()
        elif left:
            QTimer.singleShot(10, lambda: attempt(left - 1))

    QTimer.singleShot(0, lambda: attempt(tries))


def test_a_bug_on_the_gui_thread_is_logged_and_shown(qtbot: QtBot, tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path / "logs")
    seen: list[str] = []
    close_crash_dialog_soon(seen)
    try:
        raise ValueError("boom on the GUI thread")
    except ValueError as exc:
        handler.handle(type(exc), exc, exc.__traceback__)
    log = tmp_path / "logs" / CRASH_LOG_NAME
    assert handler.last_log == log
    assert "ValueError: boom on the GUI thread" in log.read_text(encoding="utf-8")
    assert len(seen) == 1 and str(log) in seen[0] and "boom on the GUI thread" in seen[0]


def test_a_bug_in_a_thread_is_logged_and_shown_on_the_gui_thread(qtbot: QtBot, tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path)
    handler.install()
    seen: list[str] = []
    try:
        worker = threading.Thread(target=lambda: 1 / 0, name="import-worker")
        worker.start()
        worker.join()
        close_crash_dialog_soon(seen)
        qtbot.waitUntil(lambda: len(seen) == 1)
    finally:
        handler.uninstall()
    text = (tmp_path / CRASH_LOG_NAME).read_text(encoding="utf-8")
    assert "thread import-worker" in text and "ZeroDivisionError" in text
    assert str(tmp_path / CRASH_LOG_NAME) in seen[0]


def test_without_a_qapplication_a_crash_is_only_logged(tmp_path: Path) -> None:
    child = textwrap.dedent(
        f"""
        import sys, threading
        from pathlib import Path
        from atoz_desk.ui.crash import install_crash_handlers
        install_crash_handlers(Path({str(tmp_path)!r}))
        t = threading.Thread(target=lambda: 1 / 0, name="sweep")
        t.start(); t.join()
        raise RuntimeError("top-level bug")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1  # the interpreter's exit status for an uncaught exception, no dialog hang
    text = (tmp_path / CRASH_LOG_NAME).read_text(encoding="utf-8")
    assert "ZeroDivisionError" in text and "RuntimeError: top-level bug" in text
    assert "RuntimeError: top-level bug" in done.stderr


# ------------------------------------------------------------------ composition root


def test_open_database_migrates_an_empty_file_and_labels_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh' / 'desk.sqlite3'}"
    services = open_database(url, demo=False).services
    try:
        assert services.claims.counts_by_state() == {}
        assert database_label(services.db) == f"SQLite · {tmp_path / 'fresh' / 'desk.sqlite3'}"
    finally:
        services.db.dispose()
