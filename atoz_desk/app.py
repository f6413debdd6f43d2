"""The composition root: arguments, database, services, crash handling and the first windows.

Nothing here runs at import time; `main()` builds everything in order and
tears it down when the event loop ends.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from atoz_desk import __version__
from atoz_desk.data.database import Database
from atoz_desk.data.location import resolve_database_url
from atoz_desk.domain.errors import DomainError
from atoz_desk.services import Services

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


def database_label(db: Database) -> str:
    """The backend and where it is, for the status bar (never a password)."""
    url = make_url(db.url)
    if db.dialect == "sqlite":
        return f"SQLite · {url.database or 'in memory'}"
    where = f"{url.host or 'localhost'}{f':{url.port}' if url.port else ''}/{url.database or ''}"
    return f"PostgreSQL · {url.username + '@' if url.username else ''}{where}"


def shown_url(url: str) -> str:
    """`url` without its password; a malformed URL is not repeated (it may hold one)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "(a malformed database URL)"


@dataclass(frozen=True)
class OpenedDatabase:
    services: Services
    notice: str | None = None
    """Something the user should know before signing in (e.g. why no demo data was added)."""


def open_database(url: str, *, demo: bool) -> OpenedDatabase:
    """The services over `url`, its schema brought up to date and, for --demo, filled when it has no claims.

    Raises DomainError for a database this version cannot use and
    SQLAlchemyError when it cannot be reached.
    """
    from atoz_desk.data.migrate import ensure_current

    db = Database(url)
    try:
        ensure_current(db)
        services = Services.build(db)
        notice = None
        if demo and not sum(services.claims.counts_by_state().values()):
            from atoz_desk.services.demo import DemoRefused, seed_demo

            try:
                seed_demo(db, claims=DEMO_CLAIMS)
            except DemoRefused as refused:
                notice = f"No demo data was added: {refused.message}"
    except BaseException:
        db.dispose()
        raise
    return OpenedDatabase(services, notice)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    url = resolve_database_url(args.database_url)

    # Qt is imported here, not at module level, so `--help` and `--version` stay fast
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMessageBox

    from atoz_desk.ui.crash import install_crash_handlers
    from atoz_desk.ui.session import DeskSession
    from atoz_desk.ui.settings import APPLICATION, ORGANISATION, DeskSettings, desk_qsettings
    from atoz_desk.ui.style import apply_theme
    from atoz_desk.ui.tasks import TaskRunner

    install_crash_handlers()
    app = QApplication([sys.argv[0]])
    app.setOrganizationName(ORGANISATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setQuitOnLastWindowClosed(False)  # the session decides: sign-out shows sign-in, not an exit
    apply_theme(app)

    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        opened = open_database(url, demo=args.demo)
    except (DomainError, SQLAlchemyError) as exc:
        QApplication.restoreOverrideCursor()
        reason = exc.message if isinstance(exc, DomainError) else str(getattr(exc, "orig", exc))
        QMessageBox.critical(
            None,
            f"{APP_NAME} cannot open the database",
            f"The database at {shown_url(url)} cannot be used:\n\n{reason}",
        )
        return 1
    QApplication.restoreOverrideCursor()
    services = opened.services
    if opened.notice:
        QMessageBox.information(None, APP_NAME, opened.notice)

    runner = TaskRunner()
    session = DeskSession(
        services,
        runner,
        DeskSettings(desk_qsettings()),
        database_label=database_label(services.db),
        hint=DEMO_HINT if args.demo else None,
    )
    try:
        session.finished.connect(app.quit)
        session.start()
        return int(app.exec())
    finally:
        session.shutdown()
        runner.shutdown()
        services.db.dispose()
