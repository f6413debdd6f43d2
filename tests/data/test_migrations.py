"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from atoz_desk.data import migrate
from atoz_desk.data.base import Base
from atoz_desk.data.database import Database
from atoz_desk.data.search import is_search_object
from atoz_desk.domain.errors import DomainError

UNKNOWN_REVISION = "ffff_from_the_future"


def _differences(db: Database) -> list[object]:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": lambda o, n, t, r, c: not is_search_object(n)},
        )
        return list(compare_metadata(context, Base.metadata))


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _stamp(db: Database, revision: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": revision})


HEAD = migrate.head_revision()


def test_head_is_the_newest_revision_and_the_folder_is_found() -> None:
    assert migrate.migrations_dir().joinpath("env.py").is_file()
    names = sorted(p.name for p in migrate.migrations_dir().joinpath("versions").glob("[0-9]*.py"))
    assert names[-1].startswith(HEAD + "_")
    # start-up trusts this constant to recognise a current database without loading Alembic
    assert migrate.SCHEMA_HEAD == HEAD, "a new migration: set SCHEMA_HEAD in atoz_desk/data/migrate.py"


def test_upgrade_builds_exactly_the_models_schema(blank_db: Database) -> None:
    before = migrate.status(blank_db.engine)
    assert (before.state, before.current, before.head) == ("empty", None, HEAD)
    assert migrate.current_revision(blank_db.engine) is None

    migrate.upgrade(blank_db)

    assert _differences(blank_db) == []
    made = {t for t in _tables(blank_db) if not is_search_object(t)}
    assert made == set(Base.metadata.tables) | {"alembic_version"}
    after = migrate.status(blank_db.engine)
    assert (after.state, after.current, after.head) == ("current", HEAD, HEAD)
    assert after.ok
    assert migrate.current_revision(blank_db.engine) == HEAD


def test_upgrade_keeps_index_and_constraint_names(blank_db: Database) -> None:
    migrate.upgrade(blank_db)
    insp = inspect(blank_db.engine)
    claim_indexes = {ix["name"] for ix in insp.get_indexes("claims")}
    assert {
        "ix_claims_state_due_at",
        "ix_claims_assignee_id_state",
        "ix_claims_order_id_incident_date",
        "ix_claims_customer_id",
        "ix_claims_seller_id",
    } <= claim_indexes
    fks = {fk["name"] for fk in insp.get_foreign_keys("claims")}
    assert "fk_claims_order_id_orders" in fks
    uniques = {uq["name"] for uq in insp.get_unique_constraints("claims")}
    assert "uq_claims_reference" in uniques
    if blank_db.is_postgresql:  # SQLite does not keep primary-key constraint names
        assert insp.get_pk_constraint("claims")["name"] == "pk_claims"


def test_upgrade_is_idempotent_and_accepts_a_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'by-url.sqlite3'}"
    migrate.upgrade(url)
    migrate.upgrade(url)
    db = Database(url)
    try:
        assert migrate.status(db.engine).state == "current"
        with db.engine.connect() as connection:  # the run switched foreign keys back on
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        db.dispose()


def test_downgrade_to_base_and_back(blank_db: Database) -> None:
    migrate.upgrade(blank_db)
    cfg = migrate.alembic_config(blank_db.url)
    with blank_db.engine.connect() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "base")
    assert _tables(blank_db) <= {"alembic_version"}
    assert migrate.status(blank_db.engine).state == "empty"
    migrate.upgrade(blank_db)
    assert _differences(blank_db) == []


def test_ensure_current_creates_an_empty_database(blank_db: Database) -> None:
    result = migrate.ensure_current(blank_db)
    assert result.state == "current"
    assert _differences(blank_db) == []


def test_unknown_revision_means_the_database_is_newer(blank_db: Database) -> None:
    migrate.upgrade(blank_db)
    _stamp(blank_db, UNKNOWN_REVISION)

    st = migrate.status(blank_db.engine)
    assert (st.state, st.current, st.head) == ("ahead", UNKNOWN_REVISION, HEAD)
    assert "newer" in st.message
    with pytest.raises(migrate.SchemaTooNew) as info:
        migrate.ensure_current(blank_db)
    assert isinstance(info.value, DomainError)
    assert UNKNOWN_REVISION in str(info.value)
    assert "newer" in str(info.value)
    assert migrate.current_revision(blank_db.engine) == UNKNOWN_REVISION  # untouched


def test_older_database_is_behind_and_brought_up_to_date(blank_db: Database) -> None:
    migrate.upgrade(blank_db, "0001")
    st = migrate.status(blank_db.engine)
    assert (st.state, st.current, st.head) == ("behind", "0001", HEAD)
    assert migrate.ensure_current(blank_db).state == "current"
    assert _differences(blank_db) == []


def test_tables_without_version_record_are_refused(blank_db: Database) -> None:
    Base.metadata.create_all(blank_db.engine)
    st = migrate.status(blank_db.engine)
    assert st.state == "empty"
    assert "no schema version" in st.message
    with pytest.raises(migrate.SchemaUnversioned):
        migrate.ensure_current(blank_db)


def test_alembic_config_escapes_percent_in_urls() -> None:
    url = "postgresql+psycopg://u:p%40ss@db.example/atoz?options=-csearch_path%3Dx"
    assert migrate.alembic_config(url).get_main_option("sqlalchemy.url") == url


def test_describe_url_hides_the_password() -> None:
    shown = migrate.describe_url("postgresql+psycopg://adjuster:s3cret@db.example:5432/atoz")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://adjuster:***@db.example:5432/atoz"


FAILING_REVISION = """
    import sqlalchemy as sa
    from alembic import op

    revision = "9999"
    down_revision = "{head}"
    branch_labels = None
    depends_on = None


    def upgrade():
        op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
        with op.batch_alter_table("claims") as batch:  # on SQLite: a full table rebuild
            batch.add_column(sa.Column("extra", sa.Integer, nullable=True))
            batch.alter_column("lane", type_=sa.String(30))
        raise RuntimeError("migration failed half-way")


    def downgrade():
        pass
"""


def test_failed_migration_leaves_the_database_as_it_was(blank_db: Database, tmp_path: Path) -> None:
    migrate.upgrade(blank_db)
    scripts = tmp_path / "db"
    shutil.copytree(migrate.migrations_dir(), scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_failing.py").write_text(
        textwrap.dedent(FAILING_REVISION).replace("{head}", HEAD)
    )
    cfg = migrate.alembic_config(blank_db.url)
    cfg.set_main_option("script_location", str(scripts))

    with pytest.raises(RuntimeError, match="half-way"), blank_db.engine.connect() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")

    assert migrate.current_revision(blank_db.engine) == HEAD
    assert "half_done" not in _tables(blank_db)
    assert _differences(blank_db) == []


def test_fixture_database_counts_as_current(db: Database) -> None:
    """The shared `db` fixture (create_all + stamp) is exactly what the migrations make."""
    st = migrate.ensure_current(db)
    assert (st.state, st.current) == ("current", migrate.head_revision())
    assert _differences(db) == []


def test_a_rebuilt_queue_index_gets_planner_statistics_where_the_others_have_them(tmp_path: Path) -> None:
    """SQLite: an index without statistics among analysed ones is taken for every claims query."""
    from atoz_desk.services.demo import seed_demo

    db = Database(f"sqlite:///{tmp_path / 'analysed.sqlite3'}")
    try:
        migrate.upgrade(db)
        seed_demo(db, claims=300)
        cfg = migrate.alembic_config(db.url)
        with db.engine.connect() as connection:
            connection.exec_driver_sql("ANALYZE")  # statistics for every index, as a big seed leaves
            connection.commit()
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, "0007")  # the index as it was, then rebuilt by 0008
        migrate.upgrade(db)
        with db.engine.connect() as c:
            indexes = {
                row[0] for row in c.exec_driver_sql("SELECT idx FROM sqlite_stat1 WHERE tbl = 'claims'")
            }
            plan = " ".join(
                str(row[-1])
                for row in c.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT id FROM claims WHERE state = 'new' ORDER BY filed_at, id LIMIT 200"
                )
            )
        assert "ix_claims_state_due_at" in indexes
        assert "ix_claims_state_filed_at" in plan and "TEMP B-TREE" not in plan
    finally:
        db.dispose()
