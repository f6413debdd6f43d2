"""`python -m atoz_desk import FILE`: exit codes, references on stdout, the report on stderr."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import random
import re
import sys
import types
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from atoz_desk.cli import main
from atoz_desk.data.database import Database
from atoz_desk.data.models import HistoryEntry
from atoz_desk.services import Services
from atoz_desk.services.intake_rules import INTAKE_FIELDS

REFERENCE = re.compile(r"^AZ-\d{8}$")


@pytest.fixture(autouse=True)
def _every_command_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """`main` imports every command module; stand in for any not written yet (none, in the end)."""
    for name in ("claims_cmd", "db_cmd", "demo_cmd", "sweep_cmd", "users_cmd"):
        full = f"atoz_desk.cli.{name}"
        if importlib.util.find_spec(full) is None:
            stub = types.ModuleType(full)
            stub.register = lambda sub: None  # type: ignore[attr-defined]
            monkeypatch.setitem(sys.modules, full, stub)


def claim_row(n: int, **overrides: str) -> dict[str, str]:
    """A valid feed row dated relative to the real clock (the command uses the real time)."""
    now = datetime.now(UTC)

    def day(days_ago: int) -> str:
        return (now - timedelta(days=days_ago)).date().isoformat()

    row = {
        "order_id": f"113-{n:07d}",
        "order_date": day(60),
        "delivered_date": day(57),
        "product_id": f"B1{n:08d}",
        "product_title": "Cordless drill",
        "product_price": "79.00",
        "seller_id": "A2SELLER",
        "seller_name": "Tools & Co",
        "customer_name": f"Customer {n}",
        "customer_email": f"buyer{n}@example.com",
        "customer_address": f"{n} High Street",
        "incident_type": "personal_injury",
        "incident_date": day(20),
        "filed_at": (now - timedelta(days=15)).isoformat(),
        "amount_claimed": "400.00",
        "currency": "USD",
        "description": "The battery burst and burned my hand.",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: Sequence[dict[str, str]], fields: Sequence[str] = INTAKE_FIELDS) -> Path:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8", newline="")
    return path


def write_json(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(list(rows), ensure_ascii=False), encoding="utf-8")
    return path


def five_rows(bad: int | None = None) -> list[dict[str, str]]:
    rows = [claim_row(n) for n in range(1, 6)]
    if bad is not None:
        rows[bad]["amount_claimed"] = "-5"
    return rows


def cli(db: Database, *args: str) -> int:
    return main(["--database-url", db.url, "import", *args])


def claims_total(db: Database) -> int:
    return sum(Services.build(db).claims.counts_by_state().values())


def out_lines(capsys: pytest.CaptureFixture[str]) -> tuple[list[str], str]:
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return captured.out.splitlines(), captured.err


# A blank database: the command migrates it, as it would a real one.


def test_good_csv_prints_each_reference(
    blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(blank_db, str(write_csv(tmp_path / "feed.csv", five_rows()))) == 0
    refs, err = out_lines(capsys)
    assert len(refs) == 5 and all(REFERENCE.match(r) for r in refs)
    assert "imported 5 claim(s)" in err
    assert claims_total(blank_db) == 5


def test_one_bad_row_imports_nothing_and_exits_3(
    blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(blank_db, str(write_csv(tmp_path / "feed.csv", five_rows(bad=2)))) == 3
    refs, err = out_lines(capsys)
    assert refs == []
    assert "nothing imported" in err and "header is row 1" in err
    assert "row 4, amount_claimed: must be greater than $0.00" in err
    assert "--skip-invalid" in err
    assert claims_total(blank_db) == 0


def test_skip_invalid_imports_four_and_reports_one(
    blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "feed.csv", five_rows(bad=2))
    assert cli(blank_db, str(path), "--skip-invalid") == 0
    refs, err = out_lines(capsys)
    assert len(refs) == 4
    assert "imported 4 of 5 row(s)" in err and "1 row(s) rejected" in err
    assert "row 4, amount_claimed:" in err
    assert claims_total(blank_db) == 4


def test_json_works_the_same(blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(blank_db, str(write_json(tmp_path / "bad.json", five_rows(bad=2)))) == 3
    refs, err = out_lines(capsys)
    assert refs == [] and "row 3, amount_claimed:" in err
    assert claims_total(blank_db) == 0

    assert cli(blank_db, str(write_json(tmp_path / "bad.json", five_rows(bad=2))), "--skip-invalid") == 0
    refs, err = out_lines(capsys)
    assert len(refs) == 4 and "row 3, amount_claimed:" in err

    path = write_json(tmp_path / "export.txt", [claim_row(9)])
    assert cli(blank_db, str(path), "--format", "json") == 0
    refs, _ = out_lines(capsys)
    assert len(refs) == 1
    assert claims_total(blank_db) == 5


def test_missing_columns_exit_3(
    blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fields = [f for f in INTAKE_FIELDS if f != "customer_email"]
    assert cli(blank_db, str(write_csv(tmp_path / "feed.csv", five_rows(), fields)), "--skip-invalid") == 3
    refs, err = out_lines(capsys)
    assert refs == [] and err.startswith("error: ") and "missing required column(s): customer_email" in err
    assert claims_total(blank_db) == 0


def test_random_bytes_are_a_clear_error(
    blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "feed.csv"
    path.write_bytes(random.Random(1).randbytes(10 * 1024 * 1024))
    assert cli(blank_db, str(path), "--skip-invalid") == 3
    refs, err = out_lines(capsys)
    assert refs == []
    assert err.startswith("error: not UTF-8 text: byte 0x") and "save the file as UTF-8" in err
    assert len(err.splitlines()) == 1
    assert claims_total(blank_db) == 0


def test_latin1_file_is_refused(
    blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "feed.csv"
    write_csv(path, [claim_row(1, customer_name="Zoë")])
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    assert cli(blank_db, str(path)) == 3
    _, err = out_lines(capsys)
    assert "not UTF-8 text: byte 0xEB at offset" in err


def test_duplicate_of_an_existing_claim_is_refused_naming_it(
    blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "feed.csv", [claim_row(1)])
    assert cli(blank_db, str(path)) == 0
    (existing,), _ = out_lines(capsys)

    assert cli(blank_db, str(path), "--skip-invalid") == 3
    refs, err = out_lines(capsys)
    assert refs == [] and f"row 2, order_id: order 113-0000001 already has claim {existing}" in err
    assert claims_total(blank_db) == 1


def test_acting_user(blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_csv(tmp_path / "feed.csv", [claim_row(1)])
    assert cli(blank_db, str(path), "--as", "nobody") == 3
    _, err = out_lines(capsys)
    assert "no user named 'nobody'" in err
    assert claims_total(blank_db) == 0

    services = Services.build(blank_db)
    services.users.add_user("dana", role="adjuster", authority="1000", password="correct horse")
    assert cli(blank_db, str(path), "--as", "dana") == 0
    with blank_db.reading() as s:
        actors = s.scalars(select(HistoryEntry.actor_id).where(HistoryEntry.action == "intake")).all()
    assert actors == [services.users.actor("dana").user_id]


def test_header_only_file_imports_nothing_quietly(
    blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(blank_db, str(write_csv(tmp_path / "feed.csv", []))) == 0
    refs, err = out_lines(capsys)
    assert refs == [] and "no claim rows" in err


def test_usage_errors_exit_2(blank_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(blank_db, str(tmp_path / "f.csv"), "--format", "xml") == 2
    assert main(["--database-url", blank_db.url, "import"]) == 2
    capsys.readouterr()
