"""Start-up against schemas of other versions: newer is refused, older waits for an administrator."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from atoz_desk.app import gate_upgrade, open_database
from atoz_desk.data.database import Database
from atoz_desk.data.migrate import SchemaTooNew, head_revision, status, upgrade
from atoz_desk.services import Services

from .conftest import PASSWORD


def _older_desk(tmp_path: Path) -> str:
    """A desk file at revision 0003 with an administrator and an adjuster."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    db = Database(url)
    try:
        upgrade(db, "0003")
        users = Services.build(db).users
        users.add_user("root", role="admin", authority="100000", password=PASSWORD, display_name="Ada Admin")
        users.add_user("alice", role="adjuster", authority="1000", password=PASSWORD)
    finally:
        db.dispose()
    return url


def test_a_database_at_an_unknown_revision_is_refused_naming_both(tmp_path: Path) -> None:
    url = _older_desk(tmp_path)
    db = Database(url)
    try:
        upgrade(db)
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed9999'"))
    finally:
        db.dispose()
    with pytest.raises(SchemaTooNew) as refused:
        open_database(url, demo=False)
    assert "f00dfeed9999" in refused.value.message and head_revision() in refused.value.message


def test_an_older_schema_is_upgraded_only_after_an_admin_confirms(tmp_path: Path) -> None:
    url = _older_desk(tmp_path)
    opened = open_database(url, demo=False)
    services = opened.services
    try:
        assert opened.behind is not None and opened.behind.current == "0003"
        assert status(services.db.engine).state == "behind"  # nothing upgraded behind anyone's back
        asked: list[str] = []
        told: list[str] = []

        def confirm(question: str) -> bool:
            asked.append(question)
            return True

        # an adjuster is told to ask an administrator; nothing is asked, nothing changes
        alice = services.users.authenticate("alice", PASSWORD)
        go_on = gate_upgrade(
            services, opened.behind, sign_in=lambda: alice, confirm=confirm, inform=told.append
        )
        assert not go_on and not asked
        assert told and "ask an administrator to upgrade the database" in told[0]
        assert status(services.db.engine).state == "behind"

        # the administrator is asked, with both revisions, and says no: still nothing changes
        root = services.users.authenticate("root", PASSWORD)
        assert not gate_upgrade(
            services, opened.behind, sign_in=lambda: root, confirm=lambda q: False, inform=told.append
        )
        assert status(services.db.engine).state == "behind"
        # ... then yes: upgraded
        assert gate_upgrade(
            services, opened.behind, sign_in=lambda: root, confirm=confirm, inform=told.append
        )
        assert asked == [
            f"The database is at revision 0003; this version needs {head_revision()}. Upgrade now?"
        ]
        assert status(services.db.engine).state == "current"
    finally:
        services.db.dispose()


def test_cancelling_the_sign_in_does_not_upgrade(tmp_path: Path) -> None:
    opened = open_database(_older_desk(tmp_path), demo=False)
    try:
        assert opened.behind is not None
        assert not gate_upgrade(
            opened.services, opened.behind, sign_in=lambda: None, confirm=lambda q: True, inform=print
        )
        assert status(opened.services.db.engine).state == "behind"
    finally:
        opened.services.db.dispose()
