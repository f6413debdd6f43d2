"""One background task runner: slow work off the GUI thread, results back on it.

A task is a plain callable run on a worker thread of the runner's own
QThreadPool. Its result (or exception) travels back by a queued signal, and
the callbacks run on the GUI thread. The callable must only use services and
plain values captured before it starts: a worker never touches a widget.

Expected problems (DomainError) go to the task's `on_error`, or to the
runner's `problem` signal when it has none; anything else is a bug and is
handed to `sys.excepthook` (the crash handler) on the GUI thread.

A task started with a `cancel` token (a QueryCancel the work also uses) is
stopped, not just forgotten, when it is discarded: a superseded query gives
its worker back. The Cancelled it ends with is never shown to the user.
"""

from __future__ import annotations

import contextlib
import itertools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, SignalInstance, Slot

from atoz_desk.domain.errors import Cancelled, DatabaseUnavailable, DomainError

T = TypeVar("T")

DEFAULT_THREADS = 4


class Cancellable(Protocol):
    """What stops a task's work (atoz_desk.data.cancel.QueryCancel); callable from the GUI thread."""

    def cancel(self) -> None: ...


@dataclass(frozen=True)
class _Callbacks:
    on_done: Callable[[Any], None] | None
    on_error: Callable[[DomainError], None] | None
    owner: QObject | None
    cancel: Cancellable | None = None


class _Task(QRunnable):
    """Runs one callable on a pool thread and reports through the runner's signal."""

    def __init__(self, task_id: int, work: Callable[[], Any], report: SignalInstance) -> None:
        super().__init__()
        self._task_id = task_id
        self._work = work
        self._report = report

    def run(self) -> None:
        try:
            outcome: tuple[Any, BaseException | None] = (self._work(), None)
        except BaseException as exc:  # handed to the GUI thread, which decides what it is
            outcome = (None, exc)
        finally:
            self._work = _spent  # let the closure (and what it captured) go now
        # RuntimeError "Signal source has been deleted": the runner went while this ran, and its
        # owner chose not to wait for the result; nobody is left to call back
        with contextlib.suppress(RuntimeError):
            self._report.emit(self._task_id, *outcome)


def _spent() -> None:
    raise RuntimeError("task already ran")


class TaskRunner(QObject):
    """Runs callables on worker threads; calls back on the thread that owns the runner."""

    problem = Signal(str)
    """An expected problem from a task that has no `on_error` of its own."""

    unavailable = Signal(str)
    """A task met a lost database (DatabaseUnavailable), whoever handles it: the window goes offline."""

    _finished = Signal(int, object, object)

    def __init__(self, parent: QObject | None = None, *, max_threads: int = DEFAULT_THREADS) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._pending: dict[int, _Callbacks] = {}
        self._ids = itertools.count(1)
        self._closed = False
        # queued: the slot always runs on this object's (the GUI) thread, even for a fast task
        self._finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        work: Callable[[], T],
        on_done: Callable[[T], None] | None = None,
        *,
        on_error: Callable[[DomainError], None] | None = None,
        owner: QObject | None = None,
        cancel: Cancellable | None = None,
    ) -> int:
        """Start `work` on a worker thread; returns a task id for `discard`.

        `on_done(result)` and `on_error(problem)` run on the GUI thread. When
        `owner` (usually the widget or model asking) has been deleted by then,
        the result is dropped instead of calling into a dead object. `cancel`
        is the token `work` runs its queries under: `discard` and `shutdown`
        cancel it.
        """
        if self._closed:
            raise RuntimeError("the task runner has been shut down")
        task_id = next(self._ids)
        self._pending[task_id] = _Callbacks(on_done, on_error, owner, cancel)
        self._pool.start(_Task(task_id, work, self._finished))
        return task_id

    def discard(self, task_id: int) -> None:
        """Forget a task's callbacks: its result is no longer wanted.

        A task started with a `cancel` token is stopped too; any other work still finishes.
        """
        callbacks = self._pending.pop(task_id, None)
        if callbacks is not None and callbacks.cancel is not None:
            callbacks.cancel.cancel()

    @property
    def pending(self) -> int:
        """Tasks started whose callbacks have not run yet."""
        return len(self._pending)

    def is_idle(self) -> bool:
        return not self._pending and self._pool.activeThreadCount() == 0

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Drop queued tasks, cancel the ones that have a token, wait for running ones, end the threads.

        Returns False if a task was still running after `timeout_ms`. Results
        that arrive afterwards are ignored.
        """
        self._closed = True
        self._pool.clear()
        for callbacks in self._pending.values():  # a long count must not hold the window's close
            if callbacks.cancel is not None:
                callbacks.cancel.cancel()
        finished = self._pool.waitForDone(timeout_ms)
        self._pending.clear()
        return bool(finished)

    @Slot(int, object, object)
    def _deliver(self, task_id: int, result: object, error: BaseException | None) -> None:
        callbacks = self._pending.pop(task_id, None)
        if callbacks is None:  # discarded, or the runner was shut down
            return
        if callbacks.owner is not None and not shiboken6.isValid(callbacks.owner):
            return
        if error is None:
            if callbacks.on_done is not None:
                callbacks.on_done(result)
        elif isinstance(error, DomainError):
            if isinstance(error, DatabaseUnavailable):
                self.unavailable.emit(error.message)
            if callbacks.on_error is not None:
                callbacks.on_error(error)
            elif not isinstance(error, Cancelled):  # stopped on purpose: nothing to tell the user
                self.problem.emit(error.message)
        else:
            sys.excepthook(type(error), error, error.__traceback__)
