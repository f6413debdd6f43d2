"""Bugs end here: the traceback goes to a log file and a dialog names that file.

`sys.excepthook` catches what escapes on the GUI thread (including slots),
`threading.excepthook` what escapes a Python thread. Without a QApplication
(the command line, early start-up) the log and stderr are all there is.
Expected problems are DomainErrors and never reach this module.
"""

from __future__ import annotations

import os
import sys
import threading
import traceback
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QApplication, QMessageBox

from atoz_desk import __version__
from atoz_desk.data.location import log_dir

CRASH_LOG_NAME = "atoz-desk-crash.log"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def write_crash_log(
    directory: Path,
    exc_type: type[BaseException],
    exc: BaseException,
    tb: TracebackType | None,
    thread_name: str,
) -> Path:
    """Append one report to the crash log in `directory` and return the file's path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / CRASH_LOG_NAME
    stamp = datetime.now().astimezone().isoformat(timespec="seconds")
    text = "".join(traceback.format_exception(exc_type, exc, tb))
    with path.open("a", encoding="utf-8") as log:
        log.write(f"=== {stamp} AtoZ Desk {__version__}, pid {os.getpid()}, thread {thread_name}\n{text}\n")
    return path


class CrashHandler(QObject):
    """Logs uncaught exceptions and shows one crash dialog at a time on the GUI thread."""

    _report = Signal(str, str)

    def __init__(self, directory: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.directory = directory if directory is not None else log_dir()
        self.last_log: Path | None = None
        self._showing = False
        self._previous: tuple[ExceptHook, Callable[[threading.ExceptHookArgs], object]] | None = None
        # reports from other threads travel to the GUI thread; the dialog is only ever built there
        self._report.connect(self._show_dialog, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
        thread_name: str | None = None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        thread_name = thread_name or threading.current_thread().name
        try:
            path: Path | None = write_crash_log(self.directory, exc_type, exc, tb, thread_name)
        except OSError as log_error:  # a full or read-only disk must not hide the crash itself
            path = None
            print(f"AtoZ Desk could not write its crash log: {log_error}", file=sys.stderr)
        self.last_log = path
        traceback.print_exception(exc_type, exc, tb, file=sys.stderr)
        app = QCoreApplication.instance()
        if not isinstance(app, QApplication):
            return
        summary = "".join(traceback.format_exception_only(exc_type, exc)).strip()
        where = str(path) if path is not None else "(the crash log could not be written)"
        if QThread.currentThread() == app.thread():
            self._show_dialog(summary, where)
        else:
            self._report.emit(summary, where)

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:  # SystemExit in a thread carries no value worth reporting
            return
        name = args.thread.name if args.thread is not None else "unknown thread"
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, name)

    @Slot(str, str)
    def _show_dialog(self, summary: str, log_path: str) -> None:
        if self._showing:  # one dialog at a time; every report is in the log anyway
            return
        self._showing = True
        try:
            crash_dialog(summary, log_path).exec()
        finally:
            self._showing = False


def crash_dialog(summary: str, log_path: str) -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Critical, "AtoZ Desk hit a bug", "")
    box.setObjectName("crashDialog")
    box.setAccessibleName("Crash report")
    box.setText(
        "Something went wrong inside AtoZ Desk. What you were doing may not have finished; "
        "check the claim before you carry on."
    )
    box.setInformativeText(
        f"{summary}\n\nThe details are in the log file:\n{log_path}\n\nPlease send that file to support."
    )
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return box


def install_crash_handlers(directory: Path | None = None) -> CrashHandler:
    """Route uncaught exceptions (GUI and other threads) to the log and crash dialog."""
    handler = CrashHandler(directory)
    handler.install()
    return handler
