"""`evidence add|list|verify` and `claim show --json`, through the app's command line, on both backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import update

from atoz_desk.cli import main
from atoz_desk.data.models import EvidenceChunk
from tests.services.conftest import Desk
from tests.services.conftest import desk as desk  # the services' team and claims, reused here
from tests.services.test_evidence import pdf, photo


def run(desk: Desk, *argv: str) -> int:
    return main(["--database-url", desk.services.db.url, *argv])


def test_add_list_and_show_json(desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = desk.file()
    src = photo(tmp_path / "hall.jpg", seed=31)
    assert run(desk, "evidence", "add", ref, str(src), "--kind", "photo", "--as", "alice") == 0
    out = capsys.readouterr().out
    assert f"{ref}: added" in out and "hall.jpg" in out and "still missing: repair_estimate" in out

    assert run(desk, "evidence", "list", ref, "--json") == 0
    [item] = json.loads(capsys.readouterr().out)
    assert (item["filename"], item["kind"], item["media_type"]) == ("hall.jpg", "photo", "image/jpeg")
    assert item["size_bytes"] == src.stat().st_size and len(item["sha256"]) == 64
    assert item["added_by"] == "Alice Adjuster" and item["has_file"] is True

    assert run(desk, "evidence", "list", ref) == 0
    assert "1 file(s); missing: repair_estimate" in capsys.readouterr().out

    # the same file on a second claim: that claim is flagged, and `claim show --json` explains why
    other = desk.file()
    assert run(desk, "evidence", "add", other, str(src), "--kind", "photo", "--as", "alice") == 0
    capsys.readouterr()
    assert run(desk, "claim", "show", other, "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert [e["filename"] for e in shown["evidence"]] == ["hall.jpg"]
    assert shown["evidence_missing"] == ["repair_estimate"]
    flags = {f["code"]: f for f in shown["flags"]}
    assert ref in flags["reused_evidence"]["explanation"]
    assert all(f["code"] and f["explanation"] for f in shown["flags"])

    assert run(desk, "claim", "show", other) == 0
    assert "evidence" in capsys.readouterr().out


def test_bad_input_exits_3_with_a_clear_message(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = desk.file()
    exe = tmp_path / "holiday.jpg"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 2000)
    assert run(desk, "evidence", "add", ref, str(exe), "--kind", "photo", "--as", "alice") == 3
    assert "Windows executable" in capsys.readouterr().err
    good = pdf(tmp_path / "estimate.pdf")
    assert run(desk, "evidence", "add", ref, str(good), "--kind", "repair_estimate", "--as", "admin") == 3
    assert "adjuster or supervisor" in capsys.readouterr().err
    name = "../../etc/estimate.pdf"
    assert (
        run(desk, "evidence", "add", ref, str(good), "--kind", "other", "--as", "alice", "--name", name) == 3
    )
    assert "contains a path" in capsys.readouterr().err
    assert run(desk, "evidence", "list", ref) == 0
    assert "0 file(s)" in capsys.readouterr().out


def test_verify_exits_non_zero_naming_the_changed_file(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = desk.file()
    info = desk.services.evidence.add(ref, pdf(tmp_path / "estimate.pdf"), "repair_estimate", desk.alice)
    assert run(desk, "evidence", "verify") == 0
    assert "1 file(s)" in capsys.readouterr().out

    with desk.services.db.unit_of_work() as s:
        s.execute(update(EvidenceChunk).where(EvidenceChunk.sha256 == info.sha256).values(data=b"%PDF-1.4 x"))

    assert run(desk, "evidence", "verify", ref) == 1
    captured = capsys.readouterr()
    assert f"MISMATCH {ref} estimate.pdf (evidence {info.id})" in captured.err
    assert info.sha256 in captured.err and "1 mismatch(es)" in captured.out
    assert run(desk, "evidence", "verify") == 1
