"""The composition root: arguments, database, services, crash handling and the first windows.

Nothing here runs at import time; `main()` builds everything in order and
tears it down when the event loop ends.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from atoz_desk import __version__
from atoz_desk.data.database import Database
from atoz_desk.data.location import resolve_database_url
from atoz_desk.domain.errors import DomainError
from atoz_desk.domain.states import Role
from atoz_desk.domain.transitions import Actor
from atoz_desk.services import Services

if TYPE_CHECKING:
    from atoz_desk.data.migrate import SchemaStatus
    from atoz_desk.ui.tasks import TaskRunner

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
    behind: SchemaStatus | None = None
    """The schema is older than this version: an administrator must confirm the upgrade first."""


def upgrade_question(schema: SchemaStatus) -> str:
    return f"The database is at revision {schema.current}; this version needs {schema.head}. Upgrade now?"


def ask_admin_message(schema: SchemaStatus) -> str:
    return (
        f"The database is at revision {schema.current}; this version of {APP_NAME} needs {schema.head}. "
        "Please ask an administrator to upgrade the database, then start the desk again."
    )


def gate_upgrade(
    services: Services,
    schema: SchemaStatus,
    *,
    sign_in: Callable[[], Actor | None],
    confirm: Callable[[str], bool],
    inform: Callable[[str], None],
) -> bool:
    """An older schema is upgraded only when an administrator signs in and confirms; True to go on.

    Anyone else is told to ask an administrator (the app then exits cleanly).
    """
    from atoz_desk.data.migrate import upgrade

    actor = sign_in()
    if actor is None:
        return False
    if actor.role is not Role.ADMIN:
        inform(ask_admin_message(schema))
        return False
    if not confirm(upgrade_question(schema)):
        return False
    upgrade(services.db)
    return True


def open_database(url: str, *, demo: bool) -> OpenedDatabase:
    """The services over `url`, an empty database created and, for --demo, filled when it has no claims.

    An older schema is not touched here: `behind` says so, and only an
    administrator may upgrade it (gate_upgrade). Raises DomainError for a
    database this version cannot use (SchemaTooNew names both revisions) and
    SQLAlchemyError when it cannot be reached.
    """
    from atoz_desk.data.migrate import SchemaTooNew, ensure_current, status

    db = Database(url)
    try:
        schema = status(db.engine)
        if schema.state == "ahead":
            raise SchemaTooNew(
                f"The database is at schema revision {schema.current}, which is newer than this version "
                f"of {APP_NAME} knows (it needs {schema.head}). Install the newer {APP_NAME}; this one "
                "will not run against it."
            )
        services = Services.build(db)
        if schema.state == "behind":
            return OpenedDatabase(services, behind=schema)
        ensure_current(db)
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
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
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
    if opened.behind is not None and not _admin_upgrades(services, runner, opened.behind):
        runner.shutdown()
        services.db.dispose()
        return 0
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


def _admin_upgrades(services: Services, runner: TaskRunner, schema: SchemaStatus) -> bool:
    """The Qt side of gate_upgrade: a sign-in dialog, then a question or a notice."""
    from PySide6.QtWidgets import QDialog, QMessageBox

    from atoz_desk.ui.signin import SignInDialog

    def sign_in() -> Actor | None:
        dialog = SignInDialog(
            services.users, runner, hint="The database needs an upgrade: an administrator signs in first."
        )
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.actor if accepted else None

    def confirm(question: str) -> bool:
        yes, no = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No
        return QMessageBox.question(None, f"Upgrade the {APP_NAME} database", question, yes | no, no) == yes

    def inform(message: str) -> None:
        QMessageBox.information(None, APP_NAME, message)

    try:
        return gate_upgrade(services, schema, sign_in=sign_in, confirm=confirm, inform=inform)
    except (DomainError, SQLAlchemyError) as exc:
        reason = exc.message if isinstance(exc, DomainError) else str(getattr(exc, "orig", exc))
        QMessageBox.critical(None, APP_NAME, f"The upgrade failed; nothing was changed:\n\n{reason}")
        return False
