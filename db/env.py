"""Alembic environment for AtoZ Desk.

There is no alembic.ini: `atoz_desk.data.migrate.alembic_config()` builds the
Config in code. The database comes from, in order:

1. ``config.attributes["connection"]``: an open SQLAlchemy Connection (not
   inside a transaction) handed over by `atoz_desk.data.migrate`, so engine
   options such as a PostgreSQL ``search_path`` are kept;
2. the ``sqlalchemy.url`` main option;
3. the usual resolution (``ATOZ_DATABASE_URL``, then the embedded SQLite file).
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import make_url

from atoz_desk.data.base import Base
from atoz_desk.data.database import build_engine, normalise_url
from atoz_desk.data.location import resolve_database_url
from atoz_desk.data.models import give_partial_indexes_their_where  # and every table on Base.metadata
from atoz_desk.data.search import is_search_object

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate rendering that works whichever backend the revision is generated against."""
    if type_ != "type":
        return False
    if type(obj).__module__ == "atoz_desk.data.base":
        # UTCDateTime and Money take no arguments: the backend-specific storage is their own business.
        autogen_context.imports.add("import atoz_desk.data.base")
        return f"atoz_desk.data.base.{type(obj).__name__}()"
    if isinstance(obj, postgresql.JSONB):
        # Generated against SQLite, Alembic would print JSONB(astext_type=Text()) with no import.
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "postgresql.JSONB(astext_type=sa.Text())"
    return False  # Alembic's own rendering


def _include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    # the search index (FTS5 table and triggers, trigram index) is raw DDL the models do not describe
    return not is_search_object(name)


def _configure_options() -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "compare_type": True,
        "include_object": _include_object,
        # Batch mode is what SQLite needs for ALTER; on PostgreSQL batch operations
        # run as plain ALTER statements, so one migration serves both backends.
        "render_as_batch": True,
        "render_item": _render_item,
    }


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return normalise_url(url or resolve_database_url())


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (`alembic upgrade --sql`)."""
    url = _url()
    give_partial_indexes_their_where(target_metadata.tables.values(), make_url(url).get_backend_name())
    context.configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **_configure_options(),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_sqlite(connection: Connection) -> None:
    """SQLite: foreign keys off during the run (batch mode rebuilds tables), one real transaction.

    `PRAGMA foreign_keys` is ignored inside a transaction, so it is switched
    before BEGIN. pysqlite does not open a transaction for DDL by itself, so
    BEGIN is explicit: a failed migration leaves the file as it was.
    """
    if connection.in_transaction():
        connection.commit()
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        context.configure(connection=connection, **_configure_options())
        try:
            with context.begin_transaction():  # already inside ours: Alembic leaves it alone
                context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]!r}")
        except BaseException:
            connection.rollback()
            raise
        connection.commit()
    finally:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


def _run(connection: Connection) -> None:
    # autogenerate compares the models' partial indexes as this backend makes them
    give_partial_indexes_their_where(target_metadata.tables.values(), connection.dialect.name)
    if connection.dialect.name == "sqlite":
        _run_sqlite(connection)
        return
    # Alembic commits the transaction it opens; a transaction the caller opened is the caller's to commit.
    context.configure(connection=connection, **_configure_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = build_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
