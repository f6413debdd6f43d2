"""Two workstations over one database (SQLite file and PostgreSQL): live updates, no lost edit,
and a lost connection that heals by itself. Each window has its own Services and task runner."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import psycopg
import pytest
import shiboken6
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot
from sqlalchemy import text
from sqlalchemy.engine import make_url

from atoz_desk.data.database import Database
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services
from atoz_desk.services.intake_rules import parse_intake
from atoz_desk.services.queues import QueueId
from atoz_desk.sync.listener import PgListener
from atoz_desk.ui.action_dialog import ActionDialog
from atoz_desk.ui.conflict_view import OFFLINE_MESSAGE
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.settings import DeskSettings
from atoz_desk.ui.tasks import TaskRunner

from .conftest import PASSWORD, Desk, assert_no_timers, intake_row, loaded, showing

NOTE = "Customer phoned: she wants to withdraw — keep this text"
FEW_SECONDS = 6_000


@dataclass
class Station:
    window: MainWindow
    runner: TaskRunner
    services: Services


@dataclass
class Team:
    stations: list[Station]
    claims: list[str]
    alice: Callable[[Services], Actor]
    sam: Callable[[Services], Actor]
    open: Callable[[Callable[[Services], Actor]], Station]


def _team(
    qtbot: QtBot, url: str, claims: list[str], settings: DeskSettings, build: Callable[[str], Database]
) -> Iterator[Team]:
    threads_before = set(threading.enumerate())
    stations: list[Station] = []
    databases: list[Database] = []

    def open_station(who: Callable[[Services], Actor]) -> Station:
        db = build(url)
        databases.append(db)
        services = Services.build(db)
        runner = TaskRunner()
        window = MainWindow(services, who(services), runner, database_label="test", settings=settings)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        station = Station(window, runner, services)
        stations.append(station)
        qtbot.waitUntil(lambda: window.live.sync.online, timeout=FEW_SECONDS)
        return station

    def alice(s: Services) -> Actor:
        return s.users.actor("alice")

    def sam(s: Services) -> Actor:
        return s.users.actor("sam")

    try:
        yield Team(stations, claims, alice, sam, open_station)
    finally:
        try:
            for station in stations:
                if shiboken6.isValid(station.window):  # a window closed with delete-on-close is gone
                    station.window.close()
                    assert_no_timers(station.window)
                qtbot.waitUntil(lambda st=station: st.runner.pending == 0, timeout=FEW_SECONDS)  # type: ignore[misc]
                assert station.runner.shutdown(5_000)
        finally:
            for db in databases:
                db.dispose()
        assert QThreadPool.globalInstance().activeThreadCount() == 0
        assert not [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def team(request: pytest.FixtureRequest, qtbot: QtBot, private_settings: DeskSettings) -> Iterator[Team]:
    if request.param == "sqlite":
        desk: Desk = request.getfixturevalue("desk")
        claims = [desk.claims["concession1"], desk.claims["concession2"]]
        yield from _team(qtbot, desk.services.db.url, claims, private_settings, Database)
        return
    pg_db: Database = request.getfixturevalue("pg_db")
    yield from _pg_team(qtbot, pg_db, private_settings)


def _pg_team(qtbot: QtBot, pg_db: Database, settings: DeskSettings) -> Iterator[Team]:
    s = Services.build(pg_db)
    s.users.add_user(
        "alice", role="adjuster", authority="1000", password=PASSWORD, display_name="Alice Adams"
    )
    s.users.add_user(
        "sam", role="supervisor", authority="100000", password=PASSWORD, display_name="Sam Sousa"
    )
    alice = s.users.actor("alice")
    claims = [
        s.intake.file_claim(parse_intake(intake_row(), s.policy, s.clock()), alice).reference
        for _ in range(2)
    ]
    options = make_url(pg_db.url).query.get("options")
    yield from _team(
        qtbot,
        pg_db.url,
        claims,
        settings,
        lambda url: Database(url, connect_args={"options": options}),
    )


@pytest.fixture
def pg_team(qtbot: QtBot, pg_db: Database, private_settings: DeskSettings) -> Iterator[Team]:
    yield from _pg_team(qtbot, pg_db, private_settings)


def _watch_new_queue(qtbot: QtBot, b: Station, reference: str) -> ActionDialog:
    """B (Sam) on the New queue, the claim open, a Withdraw dialog with a typed note."""
    w = b.window
    w.queue_nav.choose(QueueId.NEW)
    qtbot.waitUntil(loaded(w), timeout=FEW_SECONDS)
    w.open_claim(reference)
    qtbot.waitUntil(showing(w, reference, "new"), timeout=FEW_SECONDS)
    option = next(o for o in w.controller.options if o.action == "withdraw")
    dialog = w.controller.invoke(option)
    assert isinstance(dialog, ActionDialog) and dialog.note_edit is not None
    dialog.note_edit.setPlainText(NOTE)
    return dialog


def _row_state(w: MainWindow, reference: str) -> str | None:
    row = w.claims_model.row_of(reference)
    claim = w.claims_model.claim_at(row) if row is not None else None
    return claim.state if claim else None


def test_a_move_in_one_window_reaches_the_other_and_saving_there_shows_the_conflict(
    qtbot: QtBot, team: Team
) -> None:
    ref = team.claims[0]
    a, b = team.open(team.alice), team.open(team.sam)
    dialog = _watch_new_queue(qtbot, b, ref)
    seen_version = dialog.claim.version
    qtbot.waitUntil(lambda: b.window.queue_nav.nav_model.count(QueueId.NEW) is not None)
    new_before = b.window.queue_nav.nav_model.count(QueueId.NEW)
    assert new_before is not None

    # Alice starts the review in her own window
    a.window.open_claim(ref)
    qtbot.waitUntil(showing(a.window, ref, "new"), timeout=FEW_SECONDS)
    start = next(o for o in a.window.controller.options if o.action == "start_review")
    a_dialog = a.window.controller.invoke(start)
    assert a_dialog is not None
    a_dialog.submit()
    qtbot.waitUntil(showing(a.window, ref, "in_review"), timeout=FEW_SECONDS)

    # Sam's window shows it without a refresh: counts, the row, the open claim and its banner
    bw = b.window
    qtbot.waitUntil(lambda: bw.queue_nav.nav_model.count(QueueId.NEW) == new_before - 1, timeout=FEW_SECONDS)
    qtbot.waitUntil(lambda: _row_state(bw, ref) == "in_review", timeout=FEW_SECONDS)
    qtbot.waitUntil(showing(bw, ref, "in_review"), timeout=FEW_SECONDS)
    assert bw.claims_model.has_left_queue(bw.claims_model.row_of(ref) or 0)
    banner = bw.detail_pane.update_banner
    assert not banner.isHidden()
    assert banner.label.text().startswith("Updated by Alice Adams at ")
    assert "start review" in banner.label.text()
    # the open dialog kept what Sam typed, and the version he saw
    assert bw.controller.dialog is dialog
    assert dialog.note_edit is not None and dialog.note_edit.toPlainText() == NOTE
    assert dialog.claim.version == seen_version

    # saving meets the conflict honestly: Alice's change next to Sam's attempt
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.conflict.isHidden(), timeout=FEW_SECONDS)
    theirs = dialog.conflict.theirs_label.text()
    assert "Alice Adams" in theirs and "start review" in theirs and "New → In review" in theirs
    assert NOTE in dialog.conflict.mine_label.text()
    assert not dialog.reload_button.isHidden()
    # Re-apply: the same note against the new version (still a valid move) goes through
    dialog.conflict.reapply_button.click()
    qtbot.waitUntil(lambda: bw.controller.dialog is None, timeout=FEW_SECONDS)
    qtbot.waitUntil(showing(bw, ref, "withdrawn"), timeout=FEW_SECONDS)
    assert bw.detail_pane.detail is not None and bw.detail_pane.detail.history[-1].note == NOTE
    # and Alice's window learns of Sam's withdrawal in turn
    qtbot.waitUntil(showing(a.window, ref, "withdrawn"), timeout=FEW_SECONDS)
    assert "Sam Sousa" in a.window.detail_pane.update_banner.label.text()


def _terminate_backends(db: Database) -> None:
    with db.engine.connect() as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND usename = current_user"
            )
        )
        admin.commit()


class _DownListener(PgListener):
    def connect(self) -> None:
        raise psycopg.OperationalError("connection refused (the server is down)")


def test_a_lost_connection_shows_offline_heals_and_catches_up(
    qtbot: QtBot, pg_team: Team, pg_db: Database
) -> None:
    ref, other = pg_team.claims
    a, b = pg_team.open(pg_team.alice), pg_team.open(pg_team.sam)
    dialog = _watch_new_queue(qtbot, b, ref)
    bw, sync = b.window, b.window.live.sync
    sync.listener_factory = _DownListener  # the server stays unreachable for B until put back

    _terminate_backends(pg_db)
    qtbot.waitUntil(lambda: not bw.connection.online, timeout=FEW_SECONDS)
    assert not bw.offline_banner.isHidden() and "offline" in bw.offline_banner.label.text()
    assert not bw.live.retry_button.isHidden()

    # A works on while B is offline
    a.services.workflow.act(other, "start_review", a.services.users.actor("alice"))
    # B's move while offline: refused clearly, nothing sent, the dialog and its note stay
    dialog.submit()
    assert OFFLINE_MESSAGE in dialog.banner.label.text() and not dialog.banner.isHidden()
    assert bw.controller.dialog is dialog and dialog.note_edit is not None
    assert dialog.note_edit.toPlainText() == NOTE and dialog.ok_button.isEnabled()
    assert a.services.claims.detail(ref).state == "new"

    # "Retry now" tries at once (still down: offline again, with the next wait scheduled)
    qtbot.waitUntil(lambda: bw.connection.waiting and not sync.busy, timeout=FEW_SECONDS)
    bw.live.retry_button.click()
    qtbot.waitUntil(lambda: bw.connection.waiting and not sync.busy, timeout=FEW_SECONDS)
    assert not bw.connection.online

    # the server is back: B reconnects on its own and catches up from its cursor
    sync.listener_factory = PgListener
    qtbot.waitUntil(lambda: bw.connection.online, timeout=40_000)
    assert bw.offline_banner.isHidden()
    qtbot.waitUntil(lambda: _row_state(bw, other) == "in_review", timeout=FEW_SECONDS)
    assert "Connected" in bw.connection.text()

    # the same dialog, the same note: retrying now saves
    dialog.submit()
    qtbot.waitUntil(lambda: bw.controller.dialog is None, timeout=FEW_SECONDS)
    qtbot.waitUntil(showing(bw, ref, "withdrawn"), timeout=FEW_SECONDS)
    assert a.services.claims.detail(ref).history[-1].note == NOTE
