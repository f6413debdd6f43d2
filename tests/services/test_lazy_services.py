"""Start-up loads only what the first screen uses; each service is built once, whichever thread asks.

The import checks run in a fresh interpreter: in this one, other tests have
long since imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from atoz_desk.data import migrate
from atoz_desk.data.database import Database
from atoz_desk.services import Services
from atoz_desk.services.intake_rules import parse_intake

from .conftest import intake_row

PASSWORD = "correct horse"
ROOT = Path(__file__).resolve().parents[2]

# What the desk does from start to its first screen on an existing SQLite database: check the
# schema (without Alembic), build the services, sign in, show the New queue and the counts.
FIRST_SCREEN = """
    import json, sys
    from atoz_desk.data.database import Database
    from atoz_desk.data.migrate import status
    from atoz_desk.services import Services
    from atoz_desk.services.queues import QueueId, QueueQuery

    db = Database(sys.argv[1])
    assert status(db.engine).ok
    services = Services.build(db)
    alice = services.users.authenticate("alice", sys.argv[2])
    page = services.queues.page(QueueQuery(queue=QueueId.NEW), alice)
    counts = services.claims.counts_by_state()
    print(json.dumps({
        "new_queue": [row.reference for row in page.rows],
        "counts": counts,
        "modules": sorted(sys.modules),
    }))
"""

# A worker thread and the GUI thread both reach for services at start-up.
RACE = """
    import gc, json, sys, threading
    from atoz_desk.data.database import Database
    from atoz_desk.services import Services

    services = Services.build(Database(sys.argv[1]))
    names = ["users", "queues", "claims", "letters", "evidence", "workflow"]
    start = threading.Barrier(8)
    got = []

    def reach():
        start.wait()
        got.append([getattr(services, name) for name in names])

    threads = [threading.Thread(target=reach) for _ in range(7)]
    for t in threads:
        t.start()
    reach()
    for t in threads:
        t.join()
    built = {type(getattr(services, n)).__name__ for n in names}
    print(json.dumps({
        "same": [len({id(each[i]) for each in got}) == 1 for i in range(len(names))],
        "instances": {
            kind: sum(type(o).__name__ == kind for o in gc.get_objects()) for kind in sorted(built)
        },
    }))
"""


def _run(script: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.fixture
def sqlite_desk(tmp_path: Path) -> tuple[str, str]:
    """A migrated SQLite file with one adjuster and one claim filed by intake: (url, reference)."""
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    migrate.upgrade(url)
    db = Database(url)
    try:
        services = Services.build(db)
        services.users.add_user("alice", role="adjuster", authority="1000", password=PASSWORD)
        alice = services.users.actor("alice")
        row = intake_row(1)
        filed = services.intake.file_claim(parse_intake(row, services.policy, services.clock()), alice)
        return url, filed.reference
    finally:
        db.dispose()


def test_the_first_screen_on_sqlite_loads_no_postgresql_dialect_and_no_unused_service(
    sqlite_desk: tuple[str, str],
) -> None:
    url, reference = sqlite_desk
    seen = _run(FIRST_SCREEN, url, PASSWORD)

    assert seen["new_queue"] == [reference]
    assert seen["counts"] == {"new": 1}
    modules = set(seen["modules"])
    assert "sqlalchemy.dialects.sqlite" in modules  # the check below would pass on a desk that never ran
    assert not {m for m in modules if m.startswith("sqlalchemy.dialects.postgresql")}
    assert not {m for m in modules if m.split(".")[0] in ("alembic", "reportlab", "PIL", "psycopg")}
    assert {m for m in modules if m.startswith(("atoz_desk.services.", "atoz_desk.reports"))} == {
        "atoz_desk.services.auth",
        "atoz_desk.services.claims",
        "atoz_desk.services.dto",
        "atoz_desk.services.queues",
    }


def test_threads_reaching_for_a_service_at_once_all_get_the_one_built(tmp_path: Path) -> None:
    seen = _run(RACE, f"sqlite:///{tmp_path / 'race.sqlite3'}")

    assert all(seen["same"])
    assert seen["instances"] == {
        "ClaimQueries": 1,
        "ClaimWorkflow": 1,
        "EvidenceService": 1,
        "LetterService": 1,
        "QueueService": 1,
        "UserService": 1,
    }


def test_a_service_is_built_on_first_use_and_kept(db: Database) -> None:
    services = Services.build(db)
    letters = services.letters
    assert services.letters is letters
    assert Services.build(db).letters is not letters  # each Services has its own


def test_services_cannot_be_swapped_once_built(db: Database) -> None:
    services = Services.build(db)
    users = services.users
    with pytest.raises(AttributeError, match="read-only"):
        services.users = users
    with pytest.raises(AttributeError, match="read-only"):
        services.db = db
