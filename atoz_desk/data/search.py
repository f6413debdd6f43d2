"""Substring search over claims that uses an index on both backends.

Each claim carries `search_text`: its reference, customer, e-mail, order,
seller and product in lower case. SQLite indexes it with an FTS5 trigram
table kept in step by triggers; PostgreSQL with a pg_trgm GIN index. Both
answer `contains` for 3 or more characters without scanning every row.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    ColumnElement,
    Connection,
    Integer,
    column,
    event,
    literal_column,
    select,
    table,
    text,
)

from atoz_desk.data.models import Claim

MIN_SEARCH_CHARS = 3
FTS_TABLE = "claims_fts"
TRGM_INDEX = "ix_claims_search_text_trgm"

SQLITE_DDL: tuple[str, ...] = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, content='claims', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER IF NOT EXISTS claims_fts_ai AFTER INSERT ON claims BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS claims_fts_ad AFTER DELETE ON claims BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS claims_fts_au AFTER UPDATE OF search_text ON claims BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
)
POSTGRESQL_DDL: tuple[str, ...] = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
    f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON claims USING gin (search_text public.gin_trgm_ops)",
)


def is_search_object(name: str | None) -> bool:
    """Objects made by raw DDL here, which the models do not describe (for migration diffs)."""
    return bool(name) and (str(name).startswith(FTS_TABLE) or name == TRGM_INDEX)


def install_search(connection: Connection) -> None:
    statements = SQLITE_DDL if connection.dialect.name == "sqlite" else POSTGRESQL_DDL
    for statement in statements:
        connection.execute(text(statement))


def rebuild_sqlite_index(connection: Connection) -> None:
    """Re-index every claim at once (after bulk loads that bypassed the triggers)."""
    connection.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))


# DDL's constructor has no annotations; the call is typed by its documented signature
for _statement in SQLITE_DDL:
    event.listen(Claim.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))  # type: ignore[no-untyped-call]
for _statement in POSTGRESQL_DDL:
    event.listen(Claim.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))  # type: ignore[no-untyped-call]


def search_text_for(*parts: str | None) -> str:
    """The lower-case text a claim is found by."""
    return " ".join(" ".join((p or "").split()) for p in parts if p).lower()


def _phrase(needle: str) -> str:
    needle = " ".join(needle.split()).lower()
    return '"' + needle.replace('"', '""') + '"'


MATCHES_TABLE = "queue_text_matches"


def sqlite_matches_table(conn: Connection, needle: str) -> int:
    """SQLite: this connection's temporary table of the claims containing `needle`; how many.

    A queue page then tests each index entry against it by rowid: one copy of the matches,
    where an IN (subquery) made an index of its own for each state's range (~4 ms each).
    """
    conn.exec_driver_sql(f"CREATE TEMP TABLE IF NOT EXISTS {MATCHES_TABLE} (id INTEGER PRIMARY KEY)")
    conn.exec_driver_sql(f"DELETE FROM temp.{MATCHES_TABLE}")
    conn.execute(
        text(
            f"INSERT INTO temp.{MATCHES_TABLE} SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :phrase"
        ),
        {"phrase": _phrase(needle)},
    )
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM temp.{MATCHES_TABLE}").scalar_one())


def in_matches_table(*, steer: bool) -> ColumnElement[bool]:
    """claims.id among the matches `sqlite_matches_table` stored; `steer` keeps claims.id's own
    index out of it (walking a sort index), otherwise the planner starts from the matches."""
    listed = select(literal_column("id", Integer)).select_from(table(MATCHES_TABLE, schema="temp"))
    claim_id = literal_column("+claims.id", Integer) if steer else Claim.id
    return claim_id.in_(listed)


def contains(dialect: str, needle: str, *, steer: bool = False) -> ColumnElement[bool]:
    """claims whose search text contains `needle` (at least MIN_SEARCH_CHARS characters).

    `steer` (SQLite) keeps the planner from driving the query from the matches, for
    callers that walk another index and stop early (queue pages).
    """
    needle = " ".join(needle.split()).lower()
    if dialect == "sqlite":
        phrase = _phrase(needle)
        # one MATERIALIZED CTE: queues use the filter once per state, the FTS query runs once
        matches = (
            select(column("rowid", Integer).label("id"))
            .select_from(table(FTS_TABLE))
            .where(text(f"{FTS_TABLE} MATCH :phrase").bindparams(phrase=phrase))
            .cte(f"fts_{abs(hash(phrase)) % 10**8}")
            .prefix_with("MATERIALIZED")
        )
        claim_id = literal_column("+claims.id", Integer) if steer else Claim.id
        return claim_id.in_(select(matches.c.id))
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Claim.search_text.ilike(f"%{escaped}%", escape="\\")
