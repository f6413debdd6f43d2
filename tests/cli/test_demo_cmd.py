"""`python -m atoz_desk demo`: seeds an empty database, prints what it made, refuses a second time."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from atoz_desk.cli import main
from atoz_desk.data.database import Database
from atoz_desk.data.migrate import status
from atoz_desk.data.models import Claim
from atoz_desk.domain.states import ClaimState
from atoz_desk.services import Services
from atoz_desk.services.demo import DEMO_PASSWORD


def test_demo_seeds_a_new_database_and_prints_states_and_users(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"

    assert main(["--database-url", url, "demo", "--claims", "200"]) == 0

    out, err = capsys.readouterr()
    assert "Seeded 200 demo claims (seed 7)" in out
    for state in ClaimState:
        assert state.label in out
    assert f"Demo users (password: {DEMO_PASSWORD}):" in out
    for name in ("admin", "sam", "alice", "bob", "carol"):
        assert f"  {name} " in out
    assert "$1,000,000.00" in out and "$10,000.00" in out
    assert "200 of 200 claims written (100%" in err
    assert "error" not in err

    db = Database(url)
    try:
        assert status(db.engine).state == "current"  # the schema was created by the migrations
        with db.reading() as s:
            assert s.scalar(select(func.count()).select_from(Claim)) == 200
        assert Services.build(db).users.authenticate("alice", DEMO_PASSWORD).username == "alice"
    finally:
        db.dispose()


def test_demo_refuses_a_database_with_data_and_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert main(["--database-url", url, "demo", "--claims", "20", "--seed", "11"]) == 0
    capsys.readouterr()

    assert main(["--database-url", url, "demo", "--claims", "20"]) == 3

    out, err = capsys.readouterr()
    assert "Seeded" not in out
    assert "error: the database already holds data (20 claims" in err
    assert "nothing was changed" in err


@pytest.mark.parametrize("claims", ["0", "-5", "many", "20000000"])
def test_demo_rejects_a_bad_claim_count(
    tmp_path: Path, claims: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    assert main(["--database-url", url, "demo", "--claims", claims]) == 2
    assert "--claims" in capsys.readouterr().err
    assert not (tmp_path / "demo.sqlite3").exists()
