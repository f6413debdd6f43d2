"""`db upgrade|status`: create or migrate the database, and say how its schema stands.

Exit status: 0 ok, 1 the database cannot be reached, 3 the database was
migrated by a newer AtoZ Desk (or holds tables the migrations did not make).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from atoz_desk.data import migrate
from atoz_desk.data.database import Database, DatabaseUnavailable
from atoz_desk.data.models import Claim

EXIT_OK = 0
EXIT_UNREACHABLE = 1
EXIT_TOO_NEW = 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="create or upgrade the database; show its schema status")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    up = dsub.add_parser(
        "upgrade",
        help="create the schema in an empty database or bring an older one up to date",
        description="Create the schema in an empty database or migrate an older one to this version. "
        "Refuses (exit 3) a database already migrated by a newer AtoZ Desk.",
    )
    up.set_defaults(func=_upgrade)

    st = dsub.add_parser(
        "status",
        help="show the database, its schema revision and whether it is up to date",
        description="Show the database URL (password hidden), backend, current and head schema "
        "revisions, state (empty, behind, current, ahead) and, when current, the number of claims. "
        "Exit 3 when the database is newer than this AtoZ Desk.",
    )
    st.set_defaults(func=_status)


def _missing_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL that does not exist yet (status must not create it)."""
    u = make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return None
    path = Path(u.database).expanduser()
    return None if path.exists() else path


def _backend(db: Database) -> str:
    version = db.engine.dialect.server_version_info
    if version:
        return f"{db.dialect} {'.'.join(str(part) for part in version)}"
    return db.dialect


def _print_rows(rows: list[tuple[str, object]]) -> None:
    for label, value in rows:
        print(f"{label + ':':<10} {value}")


def _status(args: argparse.Namespace) -> int:
    url: str = args.database_url
    shown = migrate.describe_url(url)
    head = migrate.head_revision()
    missing = _missing_sqlite_file(url)
    if missing is not None:
        _print_rows(
            [
                ("database", shown),
                ("backend", "sqlite"),
                ("current", "none"),
                ("head", head),
                ("state", "empty"),
            ]
        )
        print(f"The database file {missing} does not exist yet; `db upgrade` creates it.")
        return EXIT_OK

    db = Database(url)
    try:
        try:
            st = migrate.status(db.engine)
        except DatabaseUnavailable as exc:
            _print_rows([("database", shown), ("backend", db.dialect)])
            print(f"error: {exc.message}", file=sys.stderr)
            return EXIT_UNREACHABLE
        rows: list[tuple[str, object]] = [
            ("database", shown),
            ("backend", _backend(db)),
            ("current", st.current or "none"),
            ("head", st.head),
            ("state", st.state),
        ]
        if st.state == "current":
            with db.reading() as session:
                claims = session.scalar(select(func.count()).select_from(Claim))
            rows.append(("claims", claims))
        _print_rows(rows)
        print(st.message)
        return EXIT_TOO_NEW if st.state == "ahead" else EXIT_OK
    finally:
        db.dispose()


def _upgrade(args: argparse.Namespace) -> int:
    url: str = args.database_url
    db = Database(url)
    try:
        try:
            before = migrate.status(db.engine)
            after = migrate.ensure_current(db)
        except DatabaseUnavailable as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return EXIT_UNREACHABLE
        except (migrate.SchemaTooNew, migrate.SchemaUnversioned) as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return EXIT_TOO_NEW
        print(f"database: {migrate.describe_url(url)}")
        if before.state == "current":
            print(f"The database schema is already up to date (revision {after.current}).")
        else:
            print(f"Upgraded the database schema from {before.current or 'empty'} to {after.current}.")
        return EXIT_OK
    finally:
        db.dispose()
