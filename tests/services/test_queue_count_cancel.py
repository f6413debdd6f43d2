"""QueueService.count under a QueryCancel: counts as before, stops when cancelled, quietly."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import event, text

from atoz_desk.data.cancel import QueryCancel
from atoz_desk.domain.errors import Cancelled, DatabaseUnavailable
from atoz_desk.services.queues import QueueId, QueueQuery

from .conftest import Desk

ALL = QueueQuery(queue=QueueId.ALL)


def test_a_count_with_a_token_counts_as_before(desk: Desk) -> None:
    for _ in range(3):
        desk.file()
    queues = desk.services.queues
    token = QueryCancel()
    assert queues.count(ALL, desk.alice, cancel=token) == queues.count(ALL, desk.alice) == 3
    assert queues.count(ALL, desk.alice, cap=1, cancel=QueryCancel()) == 2
    token.cancel()  # after the count: nothing left to stop, the next count is untouched
    assert queues.count(ALL, desk.alice) == 3


def test_a_count_cancelled_before_it_starts_sends_no_count(desk: Desk) -> None:
    desk.file()
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = desk.services.db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        token = QueryCancel()
        token.cancel()
        with pytest.raises(Cancelled):
            desk.services.queues.count(ALL, desk.alice, cancel=token)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert not [s for s in statements if "count(" in s.lower()]


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_a_waiting_count_is_stopped_from_another_thread(desk: Desk) -> None:
    """PostgreSQL: a count stuck behind another session's table lock ends as soon as it is cancelled."""
    for _ in range(2):
        desk.file()
    db, queues = desk.services.db, desk.services.queues
    locked, release = threading.Event(), threading.Event()

    def hold_the_table() -> None:
        with db.engine.connect() as locker:
            locker.execute(text("LOCK TABLE claims IN ACCESS EXCLUSIVE MODE"))
            locked.set()
            release.wait(10)  # an uncancelled count waits this long, then counts
            locker.rollback()

    holder = threading.Thread(target=hold_the_table)
    holder.start()
    assert locked.wait(10)
    token = QueryCancel()
    canceller = threading.Thread(target=lambda: (time.sleep(0.5), token.cancel()))
    canceller.start()
    started = time.perf_counter()
    try:
        with pytest.raises(Cancelled) as caught:
            queues.count(ALL, desk.alice, cancel=token)
        elapsed = time.perf_counter() - started
    finally:
        release.set()
        holder.join()
    canceller.join()
    assert elapsed < 3.0
    assert not isinstance(caught.value, DatabaseUnavailable)
    assert queues.count(ALL, desk.alice) == 2  # the pool's connections still work
