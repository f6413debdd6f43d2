"""Migrations glue: build the Alembic config in code, upgrade, and tell how the schema stands.

No Qt here: the command line, the app's start-up and the tests all use it.
The Alembic environment itself lives in the top-level ``db/`` folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

import atoz_desk
from atoz_desk.data.base import Base
from atoz_desk.data.database import Database, DatabaseUnavailable
from atoz_desk.domain.errors import DomainError

if TYPE_CHECKING:  # Alembic is imported only when a migration or a full status check runs
    from alembic.config import Config
    from alembic.script import ScriptDirectory

# The newest revision in db/versions: a database stamped with it is current, which start-up
# checks with one query and without loading Alembic (tests/data/test_migrations.py keeps
# this equal to what Alembic finds).
SCHEMA_HEAD = "0008"

SchemaState = Literal["empty", "behind", "current", "ahead"]


class SchemaTooNew(DomainError):
    """The database was migrated by a newer AtoZ Desk than this one."""


class SchemaUnversioned(DomainError):
    """The database holds AtoZ Desk tables but no record of which schema version made them."""


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str
    state: SchemaState
    message: str

    @property
    def ok(self) -> bool:
        return self.state == "current"


def migrations_dir() -> Path:
    return Path(atoz_desk.__file__).resolve().parent.parent / "db"


def alembic_config(url: str) -> Config:
    """An Alembic Config for `url`, without any alembic.ini."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("path_separator", "os")
    # ConfigParser interpolates "%": a URL-encoded password must be escaped.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # `alembic revision --autogenerate` output is made ruff-clean as it is written.
    cfg.set_section_option("post_write_hooks", "hooks", "ruff_format, ruff_fix")
    cfg.set_section_option("post_write_hooks", "ruff_format.type", "module")
    cfg.set_section_option("post_write_hooks", "ruff_format.module", "ruff")
    cfg.set_section_option("post_write_hooks", "ruff_format.options", "format REVISION_SCRIPT_FILENAME")
    cfg.set_section_option("post_write_hooks", "ruff_fix.type", "module")
    cfg.set_section_option("post_write_hooks", "ruff_fix.module", "ruff")
    cfg.set_section_option("post_write_hooks", "ruff_fix.options", "check --fix REVISION_SCRIPT_FILENAME")
    return cfg


def _script() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revision() -> str:
    head = _script().get_current_head()
    if head is None:  # pragma: no cover - the initial migration always exists
        raise RuntimeError(f"no migrations found in {migrations_dir()}")
    return head


@contextmanager
def _connect(engine: Engine) -> Iterator[Connection]:
    """A connection; failing to open one is DatabaseUnavailable (an expected problem), not a crash."""
    try:
        connection = engine.connect()
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc).__name__
        raise DatabaseUnavailable(
            f"The database at {engine.url.render_as_string(hide_password=True)} cannot be reached "
            f"({reason}). Check the address and that the server is running."
        ) from exc
    with connection:
        yield connection


def _current_heads(engine: Engine) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    with _connect(engine) as connection:
        return MigrationContext.configure(connection).get_current_heads()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is stamped with; None when it has never been migrated."""
    heads = _current_heads(engine)
    return ",".join(heads) if heads else None


def _known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util.exc import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:  # includes ResolutionError
        return False


def _app_tables(engine: Engine) -> list[str]:
    with _connect(engine) as connection:
        existing = set(inspect(connection).get_table_names())
    return sorted(existing & set(Base.metadata.tables))


def _stamped(engine: Engine) -> tuple[str, ...] | None:
    """The revisions the database is stamped with, by plain SQL; None without a version table."""
    with _connect(engine) as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return tuple(row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version")))


def status(engine: Engine) -> SchemaStatus:
    """How the database's schema stands against this code's migrations."""
    if _stamped(engine) == (SCHEMA_HEAD,):  # the everyday case, answered without Alembic
        return SchemaStatus(
            SCHEMA_HEAD,
            SCHEMA_HEAD,
            "current",
            f"The database schema is up to date (revision {SCHEMA_HEAD}).",
        )
    script = _script()
    head = head_revision()
    heads = _current_heads(engine)
    current = ",".join(heads) if heads else None
    if not heads:
        tables = _app_tables(engine)
        if tables:
            message = (
                f"The database has {len(tables)} AtoZ Desk tables but no schema version record; "
                "it was not created by the migrations. Back it up and create a fresh database, "
                f"or stamp it with the matching revision (head is {head})."
            )
        else:
            message = f"The database is empty; upgrading will create the schema (revision {head})."
        return SchemaStatus(None, head, "empty", message)
    unknown = [rev for rev in heads if not _known(script, rev)]
    if unknown:
        return SchemaStatus(
            current,
            head,
            "ahead",
            f"The database schema is at revision {current}, which this version of AtoZ Desk "
            f"(schema {head}) does not know: it was upgraded by a newer AtoZ Desk. "
            "Install the newer version; do not use this one with this database.",
        )
    if heads == (head,):
        return SchemaStatus(current, head, "current", f"The database schema is up to date (revision {head}).")
    return SchemaStatus(
        current,
        head,
        "behind",
        f"The database schema is at revision {current}; this version of AtoZ Desk needs {head}. "
        "Upgrading will bring it up to date.",
    )


def upgrade(db_or_url: Database | str, revision: str = "head") -> None:
    """Migrate the database to `revision` (default: the newest this code knows)."""
    if isinstance(db_or_url, Database):
        _upgrade_engine(db_or_url.engine, revision)
        return
    db = Database(db_or_url)
    try:
        _upgrade_engine(db.engine, revision)
    finally:
        db.dispose()


def _upgrade_engine(engine: Engine, revision: str) -> None:
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with _connect(engine) as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)
        _refresh_sqlite_statistics(connection)


def _refresh_sqlite_statistics(connection: Connection) -> None:
    """After a migration: where SQLite keeps planner statistics, give new indexes theirs.

    An index without statistics among analysed ones looks best to the planner for every query
    on its table (after 0008 rebuilt the due-date index, sorting by date filed went from 20 ms
    to 1.4 s at 1,000,000 claims). A database never analysed is left so; sampled, as the demo
    seed does, this takes seconds.
    """
    if connection.dialect.name != "sqlite":
        return
    if connection.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first() is None:
        return
    connection.exec_driver_sql("PRAGMA analysis_limit=1000")
    connection.exec_driver_sql("ANALYZE")
    connection.exec_driver_sql("PRAGMA analysis_limit=0")
    connection.commit()


def ensure_current(db: Database) -> SchemaStatus:
    """Bring an empty or older database up to date; refuse one made by a newer AtoZ Desk.

    Returns the status after any upgrade. Raises SchemaTooNew (the database is
    newer than this code) or SchemaUnversioned (tables without a version record).
    """
    before = status(db.engine)
    if before.state == "ahead":
        raise SchemaTooNew(before.message)
    if before.state == "empty" and _app_tables(db.engine):
        raise SchemaUnversioned(before.message)
    if before.state in ("empty", "behind"):
        upgrade(db)
    return status(db.engine)


def describe_url(url: str) -> str:
    """The URL with any password hidden, for printing and logs."""
    return make_url(url).render_as_string(hide_password=True)
