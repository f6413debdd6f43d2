"""The composition root: arguments, crash handling, the sign-in dialog, then the database and the window.

Nothing here runs at import time; `main()` builds everything in order and
tears it down when the event loop ends. The sign-in dialog is the first thing
shown: the database opens (atoz_desk.services.startup) on a worker while the
user types, so an adjuster is never kept waiting on imports they could have
typed through.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from atoz_desk import __version__
from atoz_desk.data.location import resolve_database_url

if TYPE_CHECKING:
    from atoz_desk.services.startup import OpenedDatabase

APP_NAME = "AtoZ Desk"
DEMO_CLAIMS = 2000
DEMO_HINT = (
    "Demo database: sign in as alice, bob or carol (adjusters), sam (supervisor) or admin; "
    "the password is demo-password."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python main.py", description=f"{APP_NAME}: the claims desk.")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument(
        "--database-url",
        help="SQLAlchemy URL (default: $ATOZ_DATABASE_URL, else the embedded SQLite file)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help=f"fill an empty database with demo users and {DEMO_CLAIMS:,} demo claims first",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = resolve_database_url(args.database_url)

    # Qt is imported here, not at module level, so `--help` and `--version` stay fast; the
    # database layer is imported by the worker that opens it, while the sign-in dialog shows
    from PySide6.QtWidgets import QApplication

    from atoz_desk.ui.crash import install_crash_handlers
    from atoz_desk.ui.session import DeskSession
    from atoz_desk.ui.settings import APPLICATION, ORGANISATION, DeskSettings, desk_qsettings
    from atoz_desk.ui.style import apply_theme
    from atoz_desk.ui.tasks import TaskRunner

    install_crash_handlers()
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)  # the session decides: sign-out shows sign-in, not an exit
    apply_theme(app)

    runner = TaskRunner()
    session = DeskSession(None, runner, DeskSettings(desk_qsettings()), hint=DEMO_HINT if args.demo else None)
    demo = args.demo

    def open_the_database() -> OpenedDatabase:
        from atoz_desk.services.startup import open_desk

        return open_desk(url, demo=demo, demo_claims=DEMO_CLAIMS, progress=session.opening_step)

    try:
        session.finished.connect(app.quit)
        session.start(open_the_database)
        code = int(app.exec())
        return session.exit_code or code
    finally:
        session.shutdown()
        runner.shutdown()
        if session.services is not None:
            session.services.db.dispose()
