"""The command line drives claims through every lane, on SQLite and PostgreSQL, with exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from atoz_desk.cli import main
from atoz_desk.data.database import Database
from atoz_desk.services.intake_rules import INTAKE_FIELDS

COLUMNS = list(INTAKE_FIELDS)


class Cli:
    def __init__(self, url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
        self.url = url
        self.capsys = capsys
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, stdin: str = "", expect: int = 0) -> str:
        self.monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        code = main(["--database-url", self.url, *args])
        out, err = self.capsys.readouterr()
        assert code == expect, f"exit {code} for {args}: {err or out}"
        return out if expect == 0 else err


@pytest.fixture
def cli(blank_db: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    run = Cli(blank_db.url, capsys, monkeypatch)
    run("db", "upgrade")
    for name, role, authority in (
        ("alice", "adjuster", "1000"),
        ("sam", "supervisor", "100000"),
    ):
        run(
            "users",
            "add",
            name,
            "--role",
            role,
            "--authority",
            authority,
            "--password-stdin",
            stdin="pw-123456\n",
        )
    return run


def import_claims(cli: Cli, tmp_path: Path, *amounts: str) -> list[str]:
    path = tmp_path / "feed.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS)
        writer.writeheader()
        for i, amount in enumerate(amounts, start=1):
            writer.writerow(
                {
                    "order_id": f"112-{i:07d}",
                    "order_date": "2026-09-20",
                    "delivered_date": "2026-09-23",
                    "product_id": f"B0{i:08d}",
                    "product_title": "Space heater 2 kW",
                    "product_price": "300.00",
                    "seller_id": "A1SELLER",
                    "seller_name": "Warmth Ltd",
                    "customer_name": f"Фёдор Customer {i}",
                    "customer_email": f"c{i}@example.com",
                    "customer_address": f"{i} Elm Road",
                    "incident_type": "property_damage",
                    "incident_date": "2026-10-10",
                    "filed_at": "2026-10-20T10:00:00Z",
                    "amount_claimed": amount,
                    "currency": "USD",
                    "description": "Heater caught fire",
                }
            )
    out = cli("import", str(path))
    refs = [line.strip() for line in out.splitlines() if line.strip().startswith("AZ-")]
    assert len(refs) == len(amounts)
    return refs


def state_of(cli: Cli, ref: str) -> dict[str, object]:
    data: dict[str, object] = json.loads(cli("claim", "show", ref, "--json"))
    return data


def test_command_line_drives_concession_and_seller_lanes(cli: Cli, tmp_path: Path) -> None:
    concession, silent, rejected = import_claims(cli, tmp_path, "400.00", "2500.00", "1800.00")

    # concession lane
    assert "assigned to alice" in cli("claim", "take-next", "--as", "alice")
    out = cli("claim", "actions", concession, "--as", "alice")
    assert "approve_concession" in out and "needs amount" in out
    cli("claim", "act", concession, "approve_concession", "--as", "alice", "--amount", "400")
    cli("claim", "act", concession, "issue_payment", "--as", "alice")
    cli("claim", "act", concession, "confirm_payment", "--as", "alice")
    cli("claim", "act", concession, "close", "--as", "alice")
    shown = state_of(cli, concession)
    assert shown["state"] == "closed" and shown["approved_amount"] == "400.00"
    for key in (
        "reference",
        "amount_claimed",
        "customer",
        "seller",
        "assignee",
        "deadlines",
        "flags",
        "history",
    ):
        assert key in shown
    assert [h["action"] for h in shown["history"]][-1] == "close"  # type: ignore[index]

    # seller silent: the sweep steps in at the deadline
    cli("claim", "act", silent, "start_review", "--as", "alice")
    cli("claim", "act", silent, "present_to_seller", "--as", "alice", "--amount", "2500.00")
    due = state_of(cli, silent)["deadlines"]["seller_response_due"]  # type: ignore[index]
    out = cli("sweep", "--now", "2099-01-01T00:00:00Z")
    assert f"{silent}  seller_notified -> step_in" in out
    assert "0 move(s)" in cli("sweep", "--now", "2099-01-01T00:00:00Z")
    err = cli("claim", "act", silent, "issue_payment", "--as", "alice", expect=3)
    assert "above your authority limit" in err
    cli("claim", "assign", silent, "sam", "--as", "sam")
    cli("claim", "act", silent, "issue_payment", "--as", "sam")
    assert state_of(cli, silent)["state"] == "paid" and due

    # seller rejects; escalation; supervisor steps in
    cli("claim", "act", rejected, "start_review", "--as", "alice")
    cli("claim", "act", rejected, "present_to_seller", "--as", "alice", "--amount", "1800")
    cli("claim", "act", rejected, "record_seller_rejection", "--as", "alice", "--note", "Misuse")
    cli("claim", "act", rejected, "escalate", "--as", "alice", "--note", "Believe it is valid")
    err = cli(
        "claim", "act", rejected, "step_in", "--as", "alice", "--amount", "1800", "--note", "x", expect=3
    )
    assert "needs the role admin or supervisor" in err
    cli("claim", "act", rejected, "step_in", "--as", "sam", "--amount", "1800", "--note", "Valid")
    shown = state_of(cli, rejected)
    assert shown["state"] == "step_in" and shown["recoveries"][0]["status"] == "open"  # type: ignore[index]


def test_command_line_refuses_bad_input_with_exit_codes(cli: Cli, tmp_path: Path) -> None:
    (ref,) = import_claims(cli, tmp_path, "300.00")
    assert "unknown action" in cli("claim", "act", ref, "fly", "--as", "alice", expect=3)
    assert "no user named 'eve'" in cli("claim", "act", ref, "start_review", "--as", "eve", expect=3)
    assert "greater than" in cli(
        "claim", "act", ref, "approve_concession", "--as", "alice", "--amount", "-5", expect=3
    )
    assert "not a number" in cli(
        "claim", "act", ref, "approve_concession", "--as", "alice", "--amount", "lots", expect=3
    )
    assert "no claim with reference" in cli("claim", "show", "AZ-00000999", expect=3)
    cli("claim", "act", ref, "nonsense", expect=2)  # missing --as: usage error
    assert state_of(cli, ref)["state"] == "new"
    listing = cli("claims", "list", "--state", "new")
    assert ref in listing and "1 claim(s)" in listing
