"""Opening the desk's database at start-up: reach it, check its schema, build the services.

Everything here runs on a worker thread while the sign-in dialog is up, so
nothing in it may touch Qt. An older schema is never upgraded behind anyone's
back: `open_desk` reports it and only an administrator may run
`upgrade_schema` (the service refuses anyone else).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from atoz_desk.data.database import Database
from atoz_desk.data.migrate import SchemaStatus, SchemaTooNew, ensure_current, status
from atoz_desk.domain.errors import DomainError, PermissionDenied
from atoz_desk.domain.states import Role
from atoz_desk.services import Services
from atoz_desk.services.settings import load_policy

if TYPE_CHECKING:
    from atoz_desk.domain.transitions import Actor

APP_NAME = "AtoZ Desk"


class DatabaseCannotOpen(DomainError):
    """The database cannot be reached or used; the message names it (never its password) and why."""


@dataclass(frozen=True)
class OpenedDatabase:
    services: Services
    label: str
    """The backend and where it is, for the status bar."""
    notice: str | None = None
    """Something the user should know before signing in (e.g. why no demo data was added)."""
    behind: SchemaStatus | None = None
    """The schema is older than this version: an administrator must confirm the upgrade first."""


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


def upgrade_question(schema: SchemaStatus) -> str:
    return f"The database is at revision {schema.current}; this version needs {schema.head}. Upgrade now?"


def ask_admin_message(schema: SchemaStatus) -> str:
    return (
        f"The database is at revision {schema.current}; this version of {APP_NAME} needs {schema.head}. "
        "Please ask an administrator to upgrade the database, then start the desk again."
    )


def behind_hint(schema: SchemaStatus) -> str:
    return (
        f"The database is at revision {schema.current} and this version needs {schema.head}: "
        "an administrator signs in to upgrade it."
    )


Progress = Callable[[str], None]
"""Told what start-up is doing when it will take a while (creating the schema, adding demo data)."""


def _quiet(_step: str) -> None:
    return None


def open_database(
    url: str, *, demo: bool, demo_claims: int = 2000, progress: Progress = _quiet
) -> OpenedDatabase:
    """The services over `url`, an empty database created and, for `demo`, filled when it has no claims.

    The services enforce the policy stored in the database (`policy set`), not
    only the defaults. An older schema is not touched here: `behind` says so.
    Raises DomainError for a database this version cannot use (SchemaTooNew
    names both revisions) and SQLAlchemyError when it cannot be reached.
    """
    db = Database(url)
    try:
        schema = status(db.engine)
        if schema.state == "ahead":
            raise SchemaTooNew(
                f"The database is at schema revision {schema.current}, which is newer than this version "
                f"of {APP_NAME} knows (it needs {schema.head}). Install the newer {APP_NAME}; this one "
                "will not run against it."
            )
        if schema.state == "behind":
            return OpenedDatabase(Services.build(db), database_label(db), behind=schema)
        if schema.state == "empty":
            progress("Creating the database…")
        ensure_current(db)
        notice = None
        if demo:
            notice = _add_demo_data(db, demo_claims, progress)
        services = Services.build(db, load_policy(db))
    except BaseException:
        db.dispose()
        raise
    return OpenedDatabase(services, database_label(db), notice)


def _add_demo_data(db: Database, claims: int, progress: Progress) -> str | None:
    from atoz_desk.services.demo import DemoRefused, seed_demo

    if sum(Services.build(db).claims.counts_by_state().values()):
        return None
    progress(f"Adding {claims:,} demo claims: a few seconds, on the first start only…")
    try:
        seed_demo(db, claims=claims)
    except DemoRefused as refused:
        return f"No demo data was added: {refused.message}"
    return None


def open_desk(
    url: str, *, demo: bool, demo_claims: int = 2000, progress: Progress = _quiet
) -> OpenedDatabase:
    """`open_database` with every reason it cannot open as one DatabaseCannotOpen message."""
    try:
        return open_database(url, demo=demo, demo_claims=demo_claims, progress=progress)
    except DomainError as refused:
        reason = refused.message
    except SQLAlchemyError as lost:
        reason = str(getattr(lost, "orig", None) or lost)
    raise DatabaseCannotOpen(f"The database at {shown_url(url)} cannot be used:\n\n{reason}")


def upgrade_schema(services: Services, actor: Actor) -> Services:
    """Bring an older schema up to date (administrators only); the services over the upgraded database."""
    if actor.role is not Role.ADMIN:
        raise PermissionDenied("only an administrator may upgrade the database")
    ensure_current(services.db)
    return Services.build(services.db, load_policy(services.db), services.clock)
