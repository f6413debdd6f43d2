"""Start-up as the adjuster meets it: the sign-in dialog first, the database opening behind it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from atoz_desk.data.database import Database
from atoz_desk.services import Services
from atoz_desk.services.settings import set_policy
from atoz_desk.services.startup import OpenedDatabase, open_desk
from atoz_desk.ui import session as session_module
from atoz_desk.ui.session import DeskSession
from atoz_desk.ui.settings import DeskSettings
from atoz_desk.ui.signin import WAITING
from atoz_desk.ui.tasks import TaskRunner

from .conftest import PASSWORD, Desk, loaded

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sessions(qtbot: QtBot, runner: TaskRunner) -> Iterator[list[DeskSession]]:
    made: list[DeskSession] = []
    yield made
    for session in made:
        session.shutdown()
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=30_000)
    for session in made:
        if session.services is not None:
            session.services.db.dispose()


def held_open(url: str, database_may_open: threading.Event) -> Callable[[], OpenedDatabase]:
    """The real opener, held back until the test lets it go: a database slower to open than typing."""

    def open_when_let() -> OpenedDatabase:
        assert database_may_open.wait(20), "the test never let the database open"
        return open_desk(url, demo=False)

    return open_when_let


def test_sign_in_pressed_before_the_database_is_open_waits_then_signs_in(
    qtbot: QtBot, desk: Desk, runner: TaskRunner, private_settings: DeskSettings, sessions: list[DeskSession]
) -> None:
    session = DeskSession(None, runner, private_settings, page_size=3)
    sessions.append(session)
    database_may_open = threading.Event()
    session.start(held_open(str(desk.services.db.url), database_may_open))
    qtbot.waitUntil(lambda: session.sign_in is not None and session.sign_in.isVisible())
    dialog = session.sign_in
    assert dialog is not None and dialog.waiting_for_database
    assert dialog.status_label.isVisible() and "Opening the database" in dialog.status_label.text()

    qtbot.keyClicks(dialog.username_edit, "alice")
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    assert dialog.status_label.text() == f"Opening the database… {WAITING}"
    assert not dialog.sign_in_button.isEnabled() and not dialog.password_edit.isEnabled()
    assert session.window is None and dialog.isVisible()

    database_may_open.set()
    qtbot.waitUntil(lambda: session.window is not None, timeout=20_000)
    window = session.window
    assert window is not None and window.actor.username == "alice"
    assert "SQLite" in window.database_label.text() and "desk.sqlite3" in window.database_label.text()
    qtbot.waitUntil(loaded(window))
    assert window.claims_model.rowCount() > 0
    window.close()


WINDOW_CODE_MAY_LOAD = threading.Event()


def test_the_password_is_checked_while_the_window_code_loads_and_the_window_follows(
    qtbot: QtBot,
    desk: Desk,
    runner: TaskRunner,
    private_settings: DeskSettings,
    sessions: list[DeskSession],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a window module that loads only when the test lets it: the slow part of a cold start
    (tmp_path / "atoz_window_gate.py").write_text(
        f"from {__name__} import WINDOW_CODE_MAY_LOAD\nassert WINDOW_CODE_MAY_LOAD.wait(20)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "atoz_window_gate", raising=False)
    monkeypatch.setattr(
        session_module, "WINDOW_MODULES", (*session_module.WINDOW_MODULES, "atoz_window_gate")
    )
    WINDOW_CODE_MAY_LOAD.clear()
    session = DeskSession(None, runner, private_settings, page_size=3)
    sessions.append(session)
    session.start(lambda: open_desk(str(desk.services.db.url), demo=False))
    qtbot.waitUntil(lambda: session.sign_in is not None and not session.sign_in.waiting_for_database)
    dialog = session.sign_in
    assert dialog is not None
    qtbot.keyClicks(dialog.username_edit, "alice")
    qtbot.keyClicks(dialog.password_edit, PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    # the password is checked and accepted while the window's code is still loading
    qtbot.waitUntil(lambda: session.sign_in is None, timeout=20_000)
    assert dialog.actor is not None and dialog.actor.username == "alice"
    assert session.window is None

    WINDOW_CODE_MAY_LOAD.set()
    qtbot.waitUntil(lambda: session.window is not None, timeout=20_000)
    window = session.window
    assert window is not None and window.actor.username == "alice"
    qtbot.waitUntil(loaded(window))
    assert window.claims_model.rowCount() > 0
    window.close()


def test_a_wrong_password_typed_while_the_database_opens_is_refused_once_it_is_open(
    qtbot: QtBot, desk: Desk, runner: TaskRunner, private_settings: DeskSettings, sessions: list[DeskSession]
) -> None:
    session = DeskSession(None, runner, private_settings)
    sessions.append(session)
    database_may_open = threading.Event()
    session.start(held_open(str(desk.services.db.url), database_may_open))
    qtbot.waitUntil(lambda: session.sign_in is not None and session.sign_in.isVisible())
    dialog = session.sign_in
    assert dialog is not None
    dialog.username_edit.setText("alice")
    dialog.password_edit.setText("not-her-password")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    database_may_open.set()
    qtbot.waitUntil(lambda: dialog.error_label.isVisible() and not dialog.checking, timeout=20_000)
    assert "not right" in dialog.error_label.text()
    assert not dialog.status_label.isVisible() and dialog.password_edit.text() == ""
    assert session.window is None and dialog.isVisible()


def test_a_database_that_cannot_be_reached_is_named_without_its_password_and_ends_the_session(
    qtbot: QtBot, runner: TaskRunner, private_settings: DeskSettings, sessions: list[DeskSession]
) -> None:
    url = "postgresql+psycopg://clerk:s3cret-pw@127.0.0.1:1/claims?connect_timeout=3"
    session = DeskSession(None, runner, private_settings)
    sessions.append(session)
    session.start(lambda: open_desk(url, demo=False))
    qtbot.waitUntil(lambda: session.message is not None and session.message.isVisible(), timeout=20_000)
    box = session.message
    assert box is not None and box.icon() == QMessageBox.Icon.Critical
    assert "cannot open the database" in box.windowTitle()
    assert "clerk:***@127.0.0.1:1/claims" in box.text() and "s3cret-pw" not in box.text()
    assert session.sign_in is None  # the dialog went: nothing to sign in to
    with qtbot.waitSignal(session.finished):
        box.button(QMessageBox.StandardButton.Ok).click()
    assert session.exit_code == 1 and session.window is None


def test_a_demo_start_on_a_new_file_fills_it_and_says_who_to_sign_in_as(
    qtbot: QtBot,
    tmp_path: Path,
    runner: TaskRunner,
    private_settings: DeskSettings,
    sessions: list[DeskSession],
) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'desk.sqlite3'}"
    session = DeskSession(None, runner, private_settings, hint="Demo database: sign in as alice")
    sessions.append(session)
    steps: list[str] = []

    def open_with_demo() -> OpenedDatabase:
        def step(text: str) -> None:
            steps.append(text)
            session.opening_step(text)

        return open_desk(url, demo=True, demo_claims=40, progress=step)

    session.start(open_with_demo)
    qtbot.waitUntil(
        lambda: session.sign_in is not None and "demo claims" in session.sign_in.status_label.text()
    )
    assert steps == [
        "Creating the database…",
        "Adding 40 demo claims: a few seconds, on the first start only…",
    ]
    qtbot.waitUntil(
        lambda: session.sign_in is not None and not session.sign_in.waiting_for_database, timeout=60_000
    )
    dialog = session.sign_in
    assert dialog is not None and dialog.hint_label.text() == "Demo database: sign in as alice"
    dialog.username_edit.setText("alice")
    dialog.password_edit.setText("demo-password")
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.window is not None, timeout=20_000)
    window = session.window
    assert window is not None
    assert window.queue_nav.nav_model is not None
    services = session.services
    assert services is not None and sum(services.claims.counts_by_state().values()) == 40
    window.close()


def test_the_desk_enforces_the_policy_stored_in_its_database(tmp_path: Path, desk: Desk) -> None:
    """An administrator's `policy set` holds on every desk that opens the database afterwards."""
    s = desk.services
    s.users.add_user("ada", role="admin", authority="100000", password=PASSWORD)
    set_policy(
        s.db, {"concession_limit": "1500.00", "seller_response_days": 10}, s.users.actor("ada"), s.clock
    )
    opened = open_desk(str(s.db.url), demo=False)
    try:
        assert str(opened.services.policy.concession_limit) == "1500.00"
        assert opened.services.policy.seller_response_days == 10
    finally:
        opened.services.db.dispose()
    fresh = Services.build(Database(str(s.db.url)))
    try:
        assert fresh.policy.seller_response_days == 7  # the defaults, without what is stored
    finally:
        fresh.db.dispose()


def test_main_shows_sign_in_then_the_desk_and_exits_cleanly(tmp_path: Path, desk: Desk) -> None:
    """`python main.py` end to end, in its own process: sign in by keyboard, see rows, quit with Ctrl+Q."""
    script = textwrap.dedent(
        f"""
        import sys
        from PySide6.QtCore import QTimer, Qt
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication
        from atoz_desk.app import main

        seen = []

        def drive():
            app = QApplication.instance()
            tops = [w for w in app.topLevelWidgets() if w.isVisible()]
            dialog = next((w for w in tops if w.objectName() == "signInDialog"), None)
            window = next((w for w in tops if w.objectName() == "mainWindow"), None)
            if dialog is not None and "dialog" not in seen and dialog.sign_in_button.isEnabled():
                seen.append("dialog")
                QTest.keyClicks(dialog.username_edit, "alice")
                QTest.keyClicks(dialog.password_edit, {PASSWORD!r})
                QTest.keyClick(dialog.password_edit, Qt.Key.Key_Return)
            elif window is not None and window.claims_model.rowCount() > 0 and "window" not in seen:
                seen.append("window")
                print("rows", window.claims_model.rowCount(), window.user_label.text(), flush=True)
                window.commands.quit.trigger()
            QTimer.singleShot(20, drive)

        QTimer.singleShot(0, drive)
        code = main(["--database-url", {str(desk.services.db.url)!r}])
        print("seen", seen, "exit", code, flush=True)
        sys.exit(code)
        """
    )
    env = dict(
        os.environ, QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "cfg")
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "seen ['dialog', 'window'] exit 0" in done.stdout
    assert "Signed in as Alice Adams (adjuster)" in done.stdout
    assert "Traceback" not in done.stderr


TYPING_SCRIPT = """
import os, sys, tempfile, threading, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
on_gui = {}

class Spy:  # notes the thread that imports each module
    def find_spec(self, name, path=None, target=None):
        on_gui.setdefault(name, threading.current_thread() is threading.main_thread())
        return None

sys.meta_path.insert(0, Spy())
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from atoz_desk.services.startup import open_desk
from atoz_desk.ui import session as session_module
from atoz_desk.ui.session import DeskSession
from atoz_desk.ui.settings import DeskSettings
from atoz_desk.ui.tasks import TaskRunner

app = QApplication([])
runner = TaskRunner()
settings = DeskSettings(QSettings(tempfile.mkdtemp() + "/desk.ini", QSettings.Format.IniFormat))
session = DeskSession(None, runner, settings)
session.start(lambda: open_desk(sys.argv[1], demo=False))
end = time.monotonic() + 30
while (session.services is None or not runner.is_idle()) and time.monotonic() < end:
    app.processEvents()  # nobody has pressed Sign in: the adjuster is still typing
    time.sleep(0.01)
from atoz_desk.ui.main_window import LATER_MODULES
print("window", session.window is not None)
print("missing", *[m for m in LATER_MODULES if m not in sys.modules])
print("on_gui", *[m for m in LATER_MODULES if on_gui.get(m, True)])
session.shutdown()
runner.shutdown(5000)
session.services.db.dispose()
"""


def test_while_the_adjuster_types_the_rest_of_the_window_loads_off_the_gui_thread(
    desk_template: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    template, _claims = desk_template
    copy = tmp_path / "desk.sqlite3"
    copy.write_bytes(template.read_bytes())
    out = subprocess.run(
        [sys.executable, "-c", TYPING_SCRIPT, f"sqlite:///{copy}"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.splitlines()
    # before anyone signs in: every tab and dialog module is loaded, none of them on the GUI thread
    assert out == ["window False", "missing", "on_gui"]
