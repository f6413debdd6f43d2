"""Fraud screening against the real database (SQLite and PostgreSQL): re-screening records what
changed, decisions on flags, linked claims and the expert referral packet read back."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select, update

from atoz_desk.data.models import Claim, Customer, FraudFlag, HistoryEntry, Seller
from atoz_desk.domain.errors import PermissionDenied, StaleEdit, ValidationError
from atoz_desk.domain.transitions import ActionParams
from atoz_desk.services import Services
from atoz_desk.services.fraud import FraudService

from .conftest import Desk
from .files import photo, resaved

# ------------------------------------------------------------------ real files


def receipt(path: Path, software: str | None) -> Path:
    img = Image.new("RGB", (400, 600), "white")
    ImageDraw.Draw(img).text((20, 20), "ACME STORE  receipt 000123  total 450.00", fill="black")
    exif = Image.Exif()
    if software:
        exif[305] = software  # EXIF Software
    img.save(path, format="JPEG", quality=90, exif=exif)
    return path


def estimate(path: Path) -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Producer": "Acme Repairs Billing 4.2", "/Title": "Repair estimate"})
    with path.open("wb") as f:
        writer.write(f)
    return path


# ------------------------------------------------------------------ helpers


def history(services: Services, ref: str, action: str = "rescreened") -> list[SimpleNamespace]:
    with services.db.reading() as s:
        claim_id = s.scalar(select(Claim.id).where(Claim.reference == ref))
        return [
            SimpleNamespace(
                changes=e.changes,
                note=e.note,
                actor_id=e.actor_id,
                from_state=e.from_state,
                to_state=e.to_state,
                at=e.at,
            )
            for e in s.scalars(
                select(HistoryEntry)
                .where(HistoryEntry.claim_id == claim_id, HistoryEntry.action == action)
                .order_by(HistoryEntry.id)
            )
        ]


def flags(services: Services, ref: str) -> dict[str, list[str]]:
    """code -> statuses, oldest first."""
    out: dict[str, list[str]] = {}
    for f in services.fraud.overview(ref).flags:
        out.setdefault(f.code, []).append(f.status)
    return out


def flag_id(services: Services, ref: str, code: str) -> int:
    return next(f.id for f in services.fraud.overview(ref).flags if f.code == code and f.status == "open")


# ------------------------------------------------------------------ re-screening


def test_rescreen_records_added_and_cleared_flags_in_one_entry_and_nothing_when_unchanged(
    desk: Desk, clock: Any, tmp_path: Path
) -> None:
    s = desk.services
    ref = desk.file()
    assert s.fraud.rescreen(ref, desk.alice).changed is False
    assert history(s, ref) == []  # nothing changed, nothing recorded

    clock.advance(days=20)  # the damage claim still has no photo or repair estimate
    outcome = s.fraud.rescreen(ref, desk.alice)
    assert outcome.added == ("missing_required_evidence",) and outcome.score == (0, 10)
    [entry] = history(s, ref)
    assert entry.changes["added"] == ["missing_required_evidence"]
    assert entry.changes["cleared"] == [] and entry.changes["score"] == [0, 10]
    assert entry.actor_id is not None and "photo and repair estimate" in flag_text(s, ref, "missing_required")

    assert s.fraud.rescreen(ref, desk.alice).changed is False  # the same facts: no second entry
    assert len(history(s, ref)) == 1

    clock.advance(hours=1)
    s.evidence.add(ref, photo(tmp_path / "scorch.jpg", 1), "photo", desk.alice)
    clock.advance(hours=1)
    s.evidence.add(ref, estimate(tmp_path / "estimate.pdf"), "repair_estimate", desk.alice)
    entries = history(s, ref)
    # the photo narrows what is missing (the flag's text moves); the estimate completes the checklist
    assert [e.changes["updated"] for e in entries[1:]] == [["missing_required_evidence"], []]
    assert entries[-1].changes["cleared"] == ["missing_required_evidence"]
    assert entries[-1].changes["score"] == [10, 0]
    assert flags(s, ref) == {"missing_required_evidence": ["cleared"]}
    assert s.claims.detail(ref).fraud_score == 0


def flag_text(services: Services, ref: str, prefix: str) -> str:
    return next(f.explanation for f in services.fraud.overview(ref).flags if f.code.startswith(prefix))


def test_reused_and_near_identical_photos_and_edited_receipts_are_flagged_when_evidence_arrives(
    desk: Desk, clock: Any, tmp_path: Path
) -> None:
    s = desk.services
    first, second, third, clean = desk.file(), desk.file(), desk.file(), desk.file()
    clock.advance(minutes=5)
    original = photo(tmp_path / "IMG_1.jpg", 7)
    s.evidence.add(first, original, "photo", desk.alice)
    s.evidence.add(second, original, "photo", desk.alice)  # the very same file
    s.evidence.add(third, resaved(original, tmp_path / "small.jpg"), "photo", desk.alice)
    s.evidence.add(clean, photo(tmp_path / "other.jpg", 99), "photo", desk.alice)
    s.evidence.add(clean, receipt(tmp_path / "till.jpg", "iPhone 15 Pro 17.1"), "receipt", desk.alice)
    s.evidence.add(
        third, receipt(tmp_path / "receipt.jpg", "Adobe Photoshop 25.0 (Windows)"), "receipt", desk.alice
    )

    assert "reused_evidence" in flags(s, second) and first in flag_text(s, second, "reused")
    assert "near_duplicate_photo" not in flags(s, second)  # the same file is reuse, not a look-alike
    assert "near_duplicate_photo" in flags(s, third)
    assert "small.jpg matches IMG_1.jpg on" in flag_text(s, third, "near_duplicate")
    assert "receipt.jpg names 'Adobe Photoshop 25.0 (Windows)'" in flag_text(s, third, "altered_receipt")
    assert flags(s, clean) == {}  # a different photo and an unedited receipt raise nothing
    # the first claim learns of the reuse when it is screened again
    assert "reused_evidence" in s.fraud.rescreen(first, desk.alice).added


def test_shared_contact_and_receipts_in_sequence(desk: Desk, clock: Any) -> None:
    s = desk.services
    zoe = desk.file(customer_email="zoe@example.com", order_id="ORD-1000", order_date="2026-08-02")
    other = desk.file(customer_email="zoe.b@example.com", customer_name="Zoe Bee")
    with s.db.unit_of_work() as session:
        session.execute(update(Customer).where(Customer.email.like("zoe%")).values(phone="+1 555 0100"))
    again = desk.file(customer_email="zoe@example.com", order_id="ORD-1002", order_date="2026-09-20")
    found = flags(s, again)
    assert (
        "sequential_receipts" in found
        and "ORD-1002 of 2026-09-20 is numbered in sequence with ORD-1000"
        in (flag_text(s, again, "sequential"))
    )
    assert "shared_contact" in found
    assert f"Zoe Bee has the same phone number +1 555 0100 and filed {other}" in flag_text(s, again, "shared")
    assert zoe not in flag_text(s, again, "shared")  # the customer's own claims are not "another account"


def test_rescreen_that_adds_flags_sends_a_claim_to_fraud_review(desk: Desk, clock: Any) -> None:
    s = desk.services
    ref = desk.file(amount_claimed="450.00")
    s.workflow.act(ref, "start_review", desk.alice)
    stricter = FraudService(
        s.db, s.policy.with_overrides({"fraud_rule_scores": {"missing_required_evidence": 70}}), s.clock
    )
    clock.advance(days=30)
    outcome = stricter.rescreen(ref, desk.alice)
    assert outcome.state == ("in_review", "fraud_review") and outcome.score == (0, 70)
    [entry] = history(s, ref)
    assert (entry.from_state, entry.to_state) == ("in_review", "fraud_review")
    assert "fraud score 70 (review at 60 or more)" in entry.changes["review_reasons"]
    # weights changed back: the open flag's score follows, the claim stays where it is (a person decides)
    outcome = s.fraud.rescreen(ref, desk.alice)
    assert outcome.updated == ("missing_required_evidence",) and outcome.score == (70, 10)
    assert s.claims.detail(ref).state == "fraud_review"


def test_decided_flags_are_never_touched_by_screening(desk: Desk, clock: Any) -> None:
    s = desk.services
    ref = desk.file(incident_type="personal_injury", amount_claimed="950.00", product_price="900.00")
    assert set(flags(s, ref)) == {"injury_without_medical_record", "just_under_limit"}
    version = s.claims.detail(ref).version
    s.fraud.decide_flag(
        flag_id(s, ref, "just_under_limit"), "dismiss", "Price matches invoice", desk.alice, version
    )
    s.fraud.decide_flag(flag_id(s, ref, "injury_without_medical_record"), "confirm", None, desk.alice)
    lenient = FraudService(
        s.db,
        s.policy.with_overrides(
            {"fraud_rule_scores": {"just_under_limit": 0, "injury_without_medical_record": 0}}
        ),
        s.clock,
    )
    assert lenient.rescreen(ref, desk.alice).changed is False  # both rules now quiet, both flags decided
    view = s.fraud.overview(ref)
    assert {f.code: (f.status, f.decision_note) for f in view.flags} == {
        "just_under_limit": ("dismissed", "Price matches invoice"),
        "injury_without_medical_record": ("confirmed", None),
    }
    assert view.fraud_score == 10 and view.flag_count == 1  # the confirmed flag counts, the dismissed not
    assert s.fraud.rescreen(ref, desk.alice).changed is False  # a dismissed flag is not raised again


# ------------------------------------------------------------------ decisions


def test_decide_flag_needs_a_reason_to_dismiss_permission_and_a_fresh_version(desk: Desk) -> None:
    s = desk.services
    ref = desk.file(amount_claimed="950.00", product_price="900.00")
    fid = flag_id(s, ref, "just_under_limit")
    before = s.claims.detail(ref)
    assert before.fraud_score == 20

    for reason in (None, "  "):
        with pytest.raises(ValidationError, match="needs a reason"):
            s.fraud.decide_flag(fid, "dismiss", reason, desk.alice, before.version)
    with pytest.raises(ValidationError, match="confirm or dismiss"):
        s.fraud.decide_flag(fid, "ignore", "x", desk.alice, before.version)

    s.workflow.act(ref, "start_review", desk.alice)  # alice takes the claim; the version moves on
    with pytest.raises(StaleEdit, match="changed by someone else"):
        s.fraud.decide_flag(fid, "dismiss", "Seen the invoice", desk.alice, before.version)
    current = s.claims.detail(ref)
    with pytest.raises(PermissionDenied, match="assigned to Alice Adjuster"):
        s.fraud.decide_flag(fid, "dismiss", "Seen the invoice", desk.bob, current.version)
    assert flags(s, ref) == {"just_under_limit": ["open"]}  # nothing changed by the refusals

    view = s.fraud.decide_flag(fid, "dismiss", "Seen the invoice", desk.sam, current.version)
    assert view.fraud_score == 0 and view.flag_count == 0
    assert s.claims.detail(ref).version > current.version
    [entry] = history(s, ref, "flag_dismissed")
    assert entry.note == "Seen the invoice" and entry.changes["score"] == [20, 0]
    # the flag itself says who decided it and when, in the overview and in the claim's detail
    for flag in (*view.flags, *s.claims.detail(ref).flags):
        assert (flag.decided_by, flag.decided_at) == ("Sam Supervisor", entry.at)
    with pytest.raises(ValidationError, match="already dismissed by Sam Supervisor"):
        s.fraud.decide_flag(fid, "confirm", None, desk.sam)


# ------------------------------------------------------------------ linked claims


def test_linked_claims_are_listed_with_the_links_that_join_them(
    desk: Desk, clock: Any, tmp_path: Path
) -> None:
    s = desk.services
    ref = desk.file(customer_email="zoe@example.com", customer_address="1 Elm Row, Springfield")
    same_customer = desk.file(customer_email="zoe@example.com")
    same_address = desk.file(customer_address="1 Elm Row, Springfield")
    same_phone = desk.file()
    seller_contact = desk.file(seller_id="S-ZOE", seller_name="Zoe's Bargains")
    same_photo = desk.file()
    unrelated = desk.file()
    with s.db.unit_of_work() as session:
        session.execute(
            update(Customer).where(Customer.email == "zoe@example.com").values(phone="+1 555 0100")
        )
        phone_owner = session.scalar(select(Claim.customer_id).where(Claim.reference == same_phone))
        session.execute(update(Customer).where(Customer.id == phone_owner).values(phone="+1 555 0100"))
        session.execute(update(Seller).where(Seller.external_id == "S-ZOE").values(email="zoe@example.com"))
    clock.advance(minutes=5)
    original = photo(tmp_path / "IMG_1.jpg", 3)
    s.evidence.add(ref, original, "photo", desk.alice)
    s.evidence.add(same_photo, resaved(original, tmp_path / "copy.jpg"), "photo", desk.alice)

    linked = {c.reference: c for c in s.fraud.linked_claims(ref)}
    assert unrelated not in linked and ref not in linked
    assert linked[same_customer].links == (
        "same customer Customer " + linked[same_customer].customer_name[9:],
    )
    assert linked[same_address].links == ("same address 1 Elm Row, Springfield",)
    assert linked[same_phone].links == ("same phone +1 555 0100",)
    assert linked[seller_contact].links == ("this customer's e-mail zoe@example.com is a seller's",)
    assert linked[same_photo].links[0].startswith("same photo copy.jpg (distance ")
    order = [c.reference for c in s.fraud.linked_claims(ref)]
    assert order[0] == same_photo and order[-1] == same_address  # strongest link first
    assert [c.reference for c in s.fraud.linked_claims(ref, limit=2)] == order[:2]


# ------------------------------------------------------------------ referral packet and outcome


def test_referral_packet_holds_summary_manifest_and_verified_files(
    desk: Desk, clock: Any, tmp_path: Path
) -> None:
    s = desk.services
    ref = desk.file(amount_claimed="950.00", product_price="40.00", incident_type="personal_injury")
    clock.advance(minutes=5)
    s.evidence.add(ref, photo(tmp_path / "burn.jpg", 11), "photo", desk.alice)
    s.evidence.add(ref, estimate(tmp_path / "estimate.pdf"), "repair_estimate", desk.alice)
    assert s.claims.detail(ref).state == "fraud_review"
    s.workflow.act(
        ref,
        "refer_to_experts",
        desk.alice,
        ActionParams(firm="Keen & Co Forensics", due_date=date(2026, 11, 20), note="Burn photos look staged"),
    )
    packet = s.fraud.referral_packet(ref, tmp_path / "packet.zip", desk.alice)
    assert packet.files == 2 and packet.missing_files == ()
    assert packet.sha256 == hashlib.sha256((tmp_path / "packet.zip").read_bytes()).hexdigest()

    with zipfile.ZipFile(tmp_path / "packet.zip") as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
        rows = list(csv.DictReader(io.StringIO(zf.read("manifest.csv").decode())))
        assert manifest["claim"] == ref and len(manifest["evidence"]) == 2
        for item, row in zip(manifest["evidence"], rows, strict=True):
            assert item["path"] in names and item["path"].startswith(f"evidence/{item['sha256'][:8]}-")
            assert hashlib.sha256(zf.read(item["path"])).hexdigest() == item["sha256"] == row["sha256"]
            assert item["added_by"] == "Alice Adjuster" and int(row["size_bytes"]) == item["size_bytes"]
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(zf.read("summary.pdf"))).pages)
    flat = " ".join(text.split())
    assert ref in flat and "Keen & Co Forensics" in flat and "2026-11-20" in flat
    packed = "".join(text.split())  # table cells wrap long words and lines anywhere
    for f in s.fraud.overview(ref).flags:
        assert f.code in packed and "".join(f.explanation.split()) in packed
    with s.db.reading() as session:
        assert session.scalar(select(FraudFlag).limit(1)) is not None
    assert s.fraud.overview(ref).referral.packet_sha256 == packet.sha256  # type: ignore[union-attr]
    assert history(s, ref, "referral_packet")[0].changes["sha256"] == packet.sha256


@pytest.mark.parametrize(
    ("action", "reason", "state", "denial"),
    [
        ("expert_substantiated", None, "in_review", None),
        ("expert_not_substantiated", "unsubstantiated", "denied", "unsubstantiated"),
        ("expert_not_substantiated", "frivolous", "denied", "frivolous"),
        ("expert_not_substantiated", "abusive", "denied", "abusive"),
    ],
)
def test_each_expert_outcome_drives_the_next_move(
    desk: Desk, action: str, reason: str | None, state: str, denial: str | None
) -> None:
    s = desk.services
    ref = desk.file(amount_claimed="950.00", product_price="40.00", incident_type="personal_injury")
    s.workflow.act(ref, "refer_to_experts", desk.alice, ActionParams(firm="Keen & Co", note="please review"))
    d = s.workflow.act(ref, action, desk.alice, ActionParams(reason=reason, note="Report received"))
    assert d.state == state
    assert s.fraud.overview(ref).referral.outcome == (reason or "substantiated")  # type: ignore[union-attr]
    with s.db.reading() as session:
        assert session.scalar(select(Claim.denial_reason).where(Claim.reference == ref)) == denial


# ------------------------------------------------------------------ bulk


def test_rescreen_all_is_for_admins_and_reports_progress(desk: Desk, clock: Any) -> None:
    s = desk.services
    refs = [desk.file() for _ in range(5)]
    with pytest.raises(PermissionDenied):
        s.fraud.rescreen_all(desk.alice)
    clock.advance(days=20)
    seen: list[tuple[int, int]] = []
    summary = s.fraud.rescreen_all(desk.admin, batch=2, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert summary.screened == 5 and summary.changed == 5
    assert {o.reference for o in summary.outcomes} == set(refs)
    again = s.fraud.rescreen_all(desk.alice, references=refs[:2])
    assert again.screened == 2 and again.changed == 0


# ------------------------------------------------------------------ command line


def test_fraud_command_line(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    from atoz_desk.cli import main

    url = desk.services.db.url
    ref = desk.file(filed_at="2026-10-01T10:00:00Z", incident_date="2026-09-28")

    def run(*args: str, expect: int = 0) -> str:
        code = main(["--database-url", url, *args])
        out, err = capsys.readouterr()
        assert code == expect, f"exit {code} for {args}: {err or out}"
        return out if expect == 0 else err

    # the command line runs on the real clock: weeks after filing, the checklist is still empty
    out = run("fraud", "rescreen", ref, "--as", "alice", "--quiet")
    assert f"{ref}  score 0 -> 10  +missing_required_evidence" in out
    assert "1 claim(s) screened, 1 changed, 0 sent to fraud review" in out
    assert "0 changed" in run("fraud", "rescreen", ref, "--as", "alice", "--quiet")
    assert "only an admin" in run("fraud", "rescreen", "--as", "alice", expect=3)

    shown = json.loads(run("claim", "show", ref, "--json"))
    [flag] = shown["flags"]
    assert flag["code"] == "missing_required_evidence" and "photo and repair estimate" in flag["explanation"]
    assert f"#{flag['id']} [open] missing_required_evidence (low, 10)" in run("fraud", "flags", ref)

    assert "needs a reason" in run("fraud", "decide", str(flag["id"]), "dismiss", "--as", "alice", expect=3)
    out = run(
        "fraud", "decide", str(flag["id"]), "dismiss", "--reason", "Photos came by post", "--as", "alice"
    )
    assert f"{ref}  fraud score 0  (0 live flags)" in out
