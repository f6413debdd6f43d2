"""Start-up against schemas of other versions: newer is refused, older waits for an administrator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from atoz_desk.data.database import Database
from atoz_desk.data.migrate import SchemaTooNew, head_revision, status, upgrade
from atoz_desk.domain.errors import PermissionDenied
from atoz_desk.services import Services
from atoz_desk.services.startup import open_database, open_desk, upgrade_schema
from atoz_desk.ui.session import DeskSession
from atoz_desk.ui.settings import DeskSettings
from atoz_desk.ui.tasks import TaskRunner

from .conftest import PASSWORD

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]


def _older_desk(tmp_path: Path) -> str:
    """A desk file at revision 0003 with an administrator and an adjuster."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    db = Database(url)
    try:
        upgrade(db, "0003")
        users = Services.build(db).users
        users.add_user("root", role="admin", authority="100000", password=PASSWORD, display_name="Ada Admin")
        users.add_user("alice", role="adjuster", authority="1000", password=PASSWORD)
    finally:
        db.dispose()
    return url


def _schema(url: str) -> str:
    db = Database(url)
    try:
        return status(db.engine).state
    finally:
        db.dispose()


def test_a_database_at_an_unknown_revision_is_refused_naming_both(tmp_path: Path) -> None:
    url = _older_desk(tmp_path)
    db = Database(url)
    try:
        upgrade(db)
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed9999'"))
    finally:
        db.dispose()
    with pytest.raises(SchemaTooNew) as refused:
        open_database(url, demo=False)
    assert "f00dfeed9999" in refused.value.message and head_revision() in refused.value.message


def test_only_an_administrator_may_upgrade_an_older_schema(tmp_path: Path) -> None:
    url = _older_desk(tmp_path)
    opened = open_database(url, demo=False)
    services = opened.services
    try:
        assert opened.behind is not None and opened.behind.current == "0003"
        assert status(services.db.engine).state == "behind"  # nothing upgraded behind anyone's back
        alice = services.users.authenticate("alice", PASSWORD)
        with pytest.raises(PermissionDenied, match="only an administrator"):
            upgrade_schema(services, alice)
        assert status(services.db.engine).state == "behind"
        root = services.users.authenticate("root", PASSWORD)
        upgraded = upgrade_schema(services, root)
        assert status(upgraded.db.engine).state == "current"
        assert upgraded.users.authenticate("alice", PASSWORD).username == "alice"
    finally:
        services.db.dispose()


# ------------------------------------------------------------ through the sign-in dialog


@pytest.fixture
def older(tmp_path: Path) -> str:
    return _older_desk(tmp_path)


@pytest.fixture
def session_for(
    qtbot: QtBot, runner: TaskRunner, private_settings: DeskSettings, older: str
) -> Iterator[DeskSession]:
    session = DeskSession(None, runner, private_settings)
    session.start(lambda: open_desk(older, demo=False))
    yield session
    session.shutdown()
    qtbot.waitUntil(lambda: runner.pending == 0)
    if session.services is not None:
        session.services.db.dispose()


def _sign_in_and_wait_for_the_answer(qtbot: QtBot, session: DeskSession, username: str) -> QMessageBox:
    """Sign in once the dialog says the schema is behind; the message the session answers with."""
    qtbot.waitUntil(lambda: session.sign_in is not None and not session.sign_in.waiting_for_database)
    dialog = session.sign_in
    assert dialog is not None
    assert "an administrator signs in to upgrade it" in dialog.hint_label.text()
    assert dialog.hint_label.isVisible() and "revision 0003" in dialog.hint_label.text()
    dialog.username_edit.setText(username)
    dialog.password_edit.setText(PASSWORD)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.message is not None and session.message.isVisible())
    assert session.message is not None
    return session.message


def test_an_adjuster_is_told_to_ask_an_administrator_and_nothing_changes(
    qtbot: QtBot, session_for: DeskSession, older: str
) -> None:
    session = session_for
    box = _sign_in_and_wait_for_the_answer(qtbot, session, "alice")
    assert "ask an administrator to upgrade the database" in box.text()
    with qtbot.waitSignal(session.finished):
        box.button(QMessageBox.StandardButton.Ok).click()
    assert session.window is None and session.exit_code == 0
    assert _schema(older) == "behind"


def test_the_administrator_says_no_and_nothing_changes(
    qtbot: QtBot, session_for: DeskSession, older: str
) -> None:
    session = session_for
    box = _sign_in_and_wait_for_the_answer(qtbot, session, "root")
    assert box.objectName() == "upgradeQuestion"
    assert (
        box.text() == f"The database is at revision 0003; this version needs {head_revision()}. Upgrade now?"
    )
    with qtbot.waitSignal(session.finished):
        box.button(QMessageBox.StandardButton.No).click()
    assert session.window is None and _schema(older) == "behind"


def test_the_administrator_confirms_the_upgrade_and_the_desk_opens(
    qtbot: QtBot, session_for: DeskSession, older: str
) -> None:
    session = session_for
    box = _sign_in_and_wait_for_the_answer(qtbot, session, "root")
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: session.window is not None, timeout=30_000)
    assert session.window is not None and session.window.actor.username == "root"
    assert _schema(older) == "current"
    session.window.close()


def test_cancelling_the_sign_in_does_not_upgrade(qtbot: QtBot, session_for: DeskSession, older: str) -> None:
    session = session_for
    qtbot.waitUntil(lambda: session.sign_in is not None and not session.sign_in.waiting_for_database)
    assert session.sign_in is not None
    with qtbot.waitSignal(session.finished):
        session.sign_in.reject()
    assert session.window is None and _schema(older) == "behind"
