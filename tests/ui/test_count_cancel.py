"""A superseded count is stopped, not just forgotten: its worker is free for the next page at once.

The stand-in for a count over a million claims is a real statement on the
desk's SQLite file that would run for minutes (a recursive count), run under
the count's own token; only an interrupt ends it early.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import text

from atoz_desk.data.cancel import QueryCancel
from atoz_desk.data.database import Database
from atoz_desk.domain.errors import DomainError
from atoz_desk.services.queues import QueueId, QueueQuery
from atoz_desk.ui.main_window import MainWindow
from atoz_desk.ui.tasks import TaskRunner

from .conftest import Desk, click_row

pytestmark = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore("This plugin does not support"),
]

ENDLESS = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) "
    "SELECT count(*) FROM c"
)
QUICKLY_MS = 3_000


def endless_read(db: Database, token: QueryCancel, started: threading.Event) -> Callable[[], int]:
    def work() -> int:
        with db.reading() as s, token.running(s):
            started.set()
            return int(s.scalar(text(ENDLESS)) or 0)

    return work


class Heard:
    """What the runner told the user or the task's callbacks."""

    def __init__(self, runner: TaskRunner) -> None:
        self.problems: list[str] = []
        self.results: list[object] = []
        self.errors: list[DomainError] = []
        runner.problem.connect(self.problems.append)
        runner.unavailable.connect(self.problems.append)


def test_discarding_a_task_stops_its_query(qtbot: QtBot, runner: TaskRunner, desk: Desk) -> None:
    heard = Heard(runner)
    token, started = QueryCancel(), threading.Event()
    task = runner.run(
        endless_read(desk.services.db, token, started),
        heard.results.append,
        on_error=heard.errors.append,
        cancel=token,
    )
    qtbot.waitUntil(started.is_set)
    runner.discard(task)
    assert token.cancelled
    qtbot.waitUntil(runner.is_idle, timeout=QUICKLY_MS)  # the worker is free, not busy for minutes
    qtbot.wait(50)  # the Cancelled it ended with has been delivered, and dropped
    assert (heard.problems, heard.results, heard.errors) == ([], [], [])


def test_a_task_cancelled_without_an_error_handler_says_nothing(
    qtbot: QtBot, runner: TaskRunner, desk: Desk
) -> None:
    heard = Heard(runner)
    token, started = QueryCancel(), threading.Event()
    runner.run(endless_read(desk.services.db, token, started), heard.results.append, cancel=token)
    qtbot.waitUntil(started.is_set)
    token.cancel()  # stopped by its token, not discarded: the Cancelled reaches the runner
    qtbot.waitUntil(lambda: runner.pending == 0, timeout=QUICKLY_MS)
    assert (heard.problems, heard.results) == ([], [])


def test_shutdown_stops_running_queries(qtbot: QtBot, runner: TaskRunner, desk: Desk) -> None:
    token, started = QueryCancel(), threading.Event()
    runner.run(endless_read(desk.services.db, token, started), cancel=token)
    qtbot.waitUntil(started.is_set)
    began = time.perf_counter()
    assert runner.shutdown(QUICKLY_MS)
    assert token.cancelled
    assert time.perf_counter() - began < QUICKLY_MS / 1000


def test_a_count_overtaken_by_the_next_filter_is_stopped(
    qtbot: QtBot,
    alice_window: MainWindow,
    runner: TaskRunner,
    desk: Desk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    w = alice_window
    click_row(qtbot, w.queue_nav, w.queue_nav.row_of(QueueId.ALL))
    qtbot.waitUntil(lambda: w.filter_bar.count_label.text() == "7 claims")

    queues = desk.services.queues
    real_count = queues.count
    tokens: list[QueryCancel | None] = []
    started, ended = threading.Event(), threading.Event()

    def count(
        query: QueueQuery, actor: Any, *, cap: int | None = None, cancel: QueryCancel | None = None
    ) -> int:
        tokens.append(cancel)
        if len(tokens) == 1:  # the first filter's count: one that takes minutes unless stopped
            assert cancel is not None
            try:
                endless_read(desk.services.db, cancel, started)()
            finally:
                ended.set()
        return real_count(query, actor, cap=cap, cancel=cancel)

    monkeypatch.setattr(queues, "count", count)
    heard = Heard(runner)
    w.queue_panel.problem.connect(heard.problems.append)

    w.filter_bar.text_edit.setText("Customer")
    w.filter_bar.commit_now()
    qtbot.waitUntil(started.is_set)  # its page is in, its count is running
    assert w.filter_bar.count_label.text() == "Counting…"

    w.filter_bar.text_edit.setText("Erin Esc")  # the adjuster narrows the filter before it is counted
    w.filter_bar.commit_now()
    first = tokens[0]
    assert first is not None and first.cancelled
    qtbot.waitUntil(ended.is_set, timeout=QUICKLY_MS)  # the first count gave its worker back

    qtbot.waitUntil(lambda: w.filter_bar.count_label.text() == "1 claim matching")
    assert len(tokens) == 2
    assert tokens[1] is not None and not tokens[1].cancelled
    qtbot.waitUntil(lambda: runner.pending == 0)
    assert heard.problems == []
    assert w.filter_bar.count_label.text() == "1 claim matching"
