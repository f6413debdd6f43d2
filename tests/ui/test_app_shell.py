"""The shell with real widgets over a real SQLite desk: sign-in, the session, the status bar, every queue."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from atoz_desk.services.queues import QueueId, visible_queues
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.session import DeskSession
from atoz_desk.ui.settings import DeskSettings
from atoz_desk.ui.signin import SignInDialog
from atoz_desk.ui.tasks import TaskRunner

from .conftest import PASSWORD, Desk, WindowFactory, assert_no_timers, click_row, load_all, loaded, references

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]


# ------------------------------------------------------------------ sign-in


def test_sign_in_shows_a_wrong_password_inline_then_accepts(
    qtbot: QtBot, desk: Desk, runner: TaskRunner
) -> None:
    dialog = SignInDialog(desk.services.users, runner, hint="Demo users: alice, bob, carol, sam")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username_edit, "alice")
    qtbot.keyClicks(dialog.password_edit, "not-her-password")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: dialog.error_label.isVisible() and not dialog.checking)
    assert "not right" in dialog.error_label.text()
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.actor is None and dialog.password_edit.text() == ""

    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    with qtbot.waitSignal(dialog.accepted, timeout=5_000):
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.username == "alice"


def test_sign_in_asks_for_both_fields_without_calling_the_service(
    qtbot: QtBot, desk: Desk, runner: TaskRunner
) -> None:
    dialog = SignInDialog(desk.services.users, runner)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    assert dialog.error_label.isVisible() and runner.pending == 0
    assert dialog.isVisible()


def _sign_in(qtbot: QtBot, session: DeskSession, username: str) -> MainWindow:
    qtbot.waitUntil(lambda: session.sign_in is not None and session.sign_in.isVisible())
    dialog = session.sign_in
    assert dialog is not None
    dialog.username_edit.setText(username)
    dialog.password_edit.setText(PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.window is not None and session.window.actor.username == username)
    assert session.window is not None
    return session.window


def test_sign_out_and_switch_user_rebuild_the_window_for_the_new_actor(
    qtbot: QtBot, desk: Desk, runner: TaskRunner, private_settings: DeskSettings
) -> None:
    session = DeskSession(
        desk.services, runner, private_settings, database_label="SQLite · test", page_size=3
    )
    finished: list[bool] = []
    session.finished.connect(lambda: finished.append(True))
    session.start()

    first = _sign_in(qtbot, session, "alice")
    qtbot.waitUntil(loaded(first))
    # start-up's objects are kept out of the collector's full passes while the window stands
    assert gc.get_freeze_count() > 0
    assert "Alice Adams (adjuster)" in first.user_label.text()
    assert not first.queue_nav.has_queue(QueueId.APPROVALS)

    first.commands.switch_user.trigger()  # File → Switch user
    qtbot.waitUntil(lambda: session.sign_in is not None and session.sign_in.isVisible())
    assert not first.isVisible() and session.window is None and not finished
    qtbot.waitUntil(lambda: gc.get_freeze_count() == 0)  # the closed window can be collected

    second = _sign_in(qtbot, session, "sam")
    assert second is not first
    assert "Sam Sousa (supervisor)" in second.user_label.text()
    assert second.queue_nav.has_queue(QueueId.APPROVALS)
    qtbot.waitUntil(loaded(second))

    second.commands.sign_out.trigger()  # File → Sign out: the next sign-in remembers the last user
    qtbot.waitUntil(lambda: session.sign_in is not None and session.sign_in.isVisible())
    assert session.sign_in is not None and session.sign_in.username_edit.text() == "sam"
    assert_no_timers(second)
    session.sign_in.reject()  # cancelling sign-in ends the session
    qtbot.waitUntil(lambda: finished == [True])
    assert session.signed_in == ["alice", "sam"]
    qtbot.waitUntil(lambda: runner.pending == 0)


def test_closing_the_window_ends_the_session(
    qtbot: QtBot, desk: Desk, runner: TaskRunner, private_settings: DeskSettings
) -> None:
    session = DeskSession(desk.services, runner, private_settings, database_label="SQLite · test")
    finished: list[bool] = []
    session.finished.connect(lambda: finished.append(True))
    session.start()
    window = _sign_in(qtbot, session, "bob")
    qtbot.waitUntil(loaded(window))
    window.activateWindow()
    window.claims_view.setFocus()
    qtbot.keyClick(window.claims_view, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: finished == [True])
    assert session.window is None
    qtbot.waitUntil(lambda: runner.pending == 0)


# ---------------------------------------------------------------- the window


def test_status_bar_names_user_role_database_and_connection(qtbot: QtBot, alice_window: MainWindow) -> None:
    w = alice_window
    assert w.user_label.text() == "Signed in as Alice Adams (adjuster)"
    assert w.database_label.text() == "Database: SQLite · desk.sqlite3"
    qtbot.waitUntil(lambda: w.queue_nav.nav_model.count(QueueId.NEW) is not None)
    assert "Connected" in w.connection.text() and w.connection.online


def test_every_queue_opens_and_matches_its_live_count(
    qtbot: QtBot, make_window: WindowFactory, desk: Desk
) -> None:
    for actor in (desk.alice, desk.sam):
        window = make_window(actor)
        counts = desk.services.queues.counts(actor)
        qtbot.waitUntil(lambda w=window: w.queue_nav.nav_model.count(QueueId.ALL) is not None)
        for spec in visible_queues(actor):
            click_row(qtbot, window.queue_nav, window.queue_nav.row_of(spec.id))
            qtbot.waitUntil(
                lambda w=window, q=spec.id: w.queue_panel.query is not None and w.queue_panel.query.queue == q
            )
            load_all(qtbot, window)
            assert window.claims_model.rowCount() == counts[spec.id], spec.id
            assert window.queue_nav.nav_model.count(spec.id) == counts[spec.id]
            assert len(set(references(window))) == counts[spec.id]  # no row twice across keyset pages
            qtbot.waitUntil(lambda w=window: "claim" in w.filter_bar.count_label.text())
            assert f"{counts[spec.id]:,} claim" in window.filter_bar.count_label.text()
    assert counts[QueueId.ALL] == 7 and counts[QueueId.ESCALATIONS] == 1


def test_counts_refresh_on_the_timer(qtbot: QtBot, alice_window: MainWindow, desk: Desk) -> None:
    w = alice_window
    qtbot.waitUntil(lambda: w.queue_nav.nav_model.count(QueueId.NEW) == 5)
    desk.services.assignment.take_next(desk.bob)  # someone else's work, behind the window's back
    assert w.counts_timer.isActive() and w.counts_timer.interval() == 30_000
    w.counts_timer.timeout.emit()  # what the 30 s timer does
    qtbot.waitUntil(lambda: w.queue_nav.nav_model.count(QueueId.NEW) == 4)


def test_the_window_remembers_the_last_queue(
    qtbot: QtBot, make_window: WindowFactory, desk: Desk, private_settings: DeskSettings
) -> None:
    first = make_window(desk.alice)
    assert first.queue_nav.current_queue() == QueueId.MY  # an adjuster starts on their own claims
    click_row(qtbot, first.queue_nav, first.queue_nav.row_of(QueueId.NEW))
    qtbot.waitUntil(loaded(first, 5))
    first.close()
    second = make_window(desk.alice)
    assert second.queue_nav.current_queue() == QueueId.NEW


def test_widgets_have_accessible_names(alice_window: MainWindow) -> None:
    w = alice_window
    for widget in (
        w.queue_nav,
        w.claims_view,
        w.detail_pane,
        w.filter_bar.text_edit,
        w.filter_bar.incident_combo,
        w.filter_bar.amount_min,
        w.filter_bar.amount_max,
        w.filter_bar.state_combo,
        w.user_label,
        w.database_label,
        w.connection,
        w.search.edit,
        w.detail_pane.tabs,
        w.detail_pane.history_tab.table,
        w.actions_bar,
    ):
        assert widget.accessibleName(), widget.objectName()


def test_queue_nav_model_passes_the_model_tester(
    qtbot: QtBot, qtmodeltester: ModelTester, alice_window: MainWindow
) -> None:
    model = alice_window.queue_nav.nav_model
    qtmodeltester.check(model)
    qtbot.waitUntil(lambda: model.count(QueueId.ALL) is not None)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount(model.index(0, 0)) == 0
    assert model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole).startswith("My claims, ")
