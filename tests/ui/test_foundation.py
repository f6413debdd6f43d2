"""What the shell stands on: the task runner, the crash handler and the composition root's database opening."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from atoz_desk.domain.errors import DomainError
from atoz_desk.services.startup import database_label, open_database
from atoz_desk.ui.crash import CRASH_LOG_NAME, CrashHandler
from atoz_desk.ui.tasks import TaskRunner

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]


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


def test_a_runner_deleted_while_its_task_runs_reports_no_crash(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    # its owner went (the app quitting) without waiting: the task's result has nobody to go to
    crashes: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, exc, tb: crashes.append(f"{kind.__name__}: {exc}"))
    gone = TaskRunner()
    may_finish, ran = threading.Event(), threading.Event()

    def work() -> int:
        assert may_finish.wait(5)
        ran.set()
        return 42

    gone.run(work)
    threading.Timer(0.2, may_finish.set).start()
    shiboken6.delete(gone)  # its thread pool waits for the task while the runner is destroyed
    assert ran.is_set()
    assert crashes == []


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
