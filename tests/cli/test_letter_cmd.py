"""`letter REF KIND --out FILE.pdf [--as USER]` and `letter --kinds`, on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import hashlib
import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from atoz_desk.cli import letter_cmd
from atoz_desk.domain.errors import DomainError, NotFound
from atoz_desk.domain.transitions import ActionParams
from atoz_desk.reports import KINDS
from atoz_desk.services.letters import LetterService
from tests.services.conftest import Desk
from tests.services.conftest import desk as desk  # the services' team and claims, reused here


def letter(desk: Desk, *argv: str) -> int:
    """Run the command through a parser of its own (the app's parser gains it when wired in)."""
    parser = argparse.ArgumentParser(prog="atoz")
    parser.add_argument("--database-url")
    letter_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["--database-url", desk.services.db.url, "letter", *argv])
    return int(args.func(args))


def denied(desk: Desk) -> str:
    ref = desk.file(customer_name="Zoë Łukasiewicz-Ωμέγα Фёдорова")
    flow = desk.services.workflow
    flow.act(ref, "start_review", desk.alice)
    flow.act(ref, "deny", desk.alice, ActionParams(reason="unsubstantiated", note="No photos."))
    return ref


def test_letter_saves_a_new_archived_version_as_a_pdf(
    desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = denied(desk)
    s = desk.services
    before = len(LetterService(s.db, s.policy, s.clock).list(ref))  # 1 once the deny move makes its letter
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "denial.pdf"
    assert letter(desk, ref, "customer_denied", "--out", str(out), "--as", "sam") == 0
    printed = capsys.readouterr().out
    pdf = out.read_bytes()
    assert f"{ref}  customer_denied version {before + 1}" in printed
    assert f"sha256 {hashlib.sha256(pdf).hexdigest()}" in printed
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    # Sam made this copy; Alice denied the claim, and the decision's maker signs its letter
    assert (
        "Zoë Łukasiewicz-Ωμέγα Фёдорова" in text and "Alice Adjuster" in text and "Sam Supervisor" not in text
    )
    assert LetterService(s.db, s.policy, s.clock).list(ref)[-1].created_by == "Sam Supervisor"
    assert list(out.parent.iterdir()) == [out]  # no temporary file left behind

    # without --as the copy is the claim's adjuster's; every run archives a new version
    assert letter(desk, ref, "customer_denied", "--out", str(out)) == 0
    assert f"customer_denied version {before + 2}" in capsys.readouterr().out
    assert "Alice Adjuster" in " ".join(p.extract_text() for p in PdfReader(out).pages)


def test_letter_kinds_lists_every_kind_with_its_addressee(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert letter(desk, "--kinds") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(KINDS)
    proof = next(line for line in lines if line.startswith("seller_proof_of_insurance "))
    assert "to the seller" in proof and "Insurance Accelerator" in proof


def test_letter_usage_and_refusals(desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = denied(desk)
    assert letter(desk, ref, "customer_denied") == 2  # no --out
    assert "usage: letter REF KIND --out FILE.pdf" in capsys.readouterr().err
    with pytest.raises(DomainError, match="unknown letter kind 'denial'"):
        letter(desk, ref, "denial", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(DomainError, match="has no information request yet"):
        letter(desk, ref, "customer_information_requested", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(NotFound, match="no user named 'nobody'"):
        letter(desk, ref, "customer_denied", "--out", str(tmp_path / "x.pdf"), "--as", "nobody")
    with pytest.raises(DomainError, match="does not exist"):
        letter(desk, ref, "customer_denied", "--out", str(tmp_path / "missing" / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
