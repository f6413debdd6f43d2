"""Evidence on claims, on SQLite and PostgreSQL: storing real files, reuse, bad input, integrity."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from sqlalchemy import func, select, update

from atoz_desk.data.models import Evidence, EvidenceBlob, EvidenceChunk, HistoryEntry, PhotoHashBand
from atoz_desk.domain.errors import NotFound, PermissionDenied, ValidationError
from atoz_desk.domain.evidence import EvidenceCorrupted
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.services import Services
from atoz_desk.services.evidence import similar_photos
from tests.services.conftest import Desk
from tests.services.files import photo, resaved

NEAR = 8  # bits of 64: the near-duplicate threshold used by the fraud rules


def pdf(path: Path, producer: str = "Acme Repairs Billing 4.2") -> Path:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Producer": producer, "/Title": "Repair estimate"})
    with path.open("wb") as f:
        writer.write(f)
    return path


def stored(services: Services) -> dict[str, int]:
    with services.db.reading() as s:
        return {
            "evidence": s.scalar(select(func.count()).select_from(Evidence)) or 0,
            "blobs": s.scalar(select(func.count()).select_from(EvidenceBlob)) or 0,
            "chunks": s.scalar(select(func.count()).select_from(EvidenceChunk)) or 0,
            "bands": s.scalar(select(func.count()).select_from(PhotoHashBand)) or 0,
            "history": s.scalar(
                select(func.count()).select_from(HistoryEntry).where(HistoryEntry.action == "evidence_added")
            )
            or 0,
        }


def similar(services: Services, reference: str, max_distance: int = NEAR) -> list[Any]:
    with services.db.reading() as s:
        claim_id = services.claims.detail(reference).id
        return similar_photos(s, claim_id, max_distance)


def test_a_photo_is_stored_hashed_and_read_back(desk: Desk, tmp_path: Path) -> None:
    ev = desk.services.evidence
    ref = desk.file()
    src = photo(tmp_path / "kitchen.jpg", seed=1)
    seen: list[tuple[int, int]] = []

    info = ev.add(ref, src, "photo", desk.alice, progress=lambda done, total: seen.append((done, total)))

    assert (info.kind, info.kind_label, info.filename) == ("photo", "Photo", "kitchen.jpg")
    assert info.media_type == "image/jpeg" and info.size_bytes == src.stat().st_size
    assert info.details["width"] == 800 and info.details["height"] == 600
    assert info.perceptual_hash is not None and len(info.perceptual_hash) == 16
    assert info.added_by == "Alice Adjuster" and info.has_file
    assert seen and seen[-1][0] == src.stat().st_size
    assert b"".join(ev.open(info.id)) == src.read_bytes()
    copy = ev.export(info.id, tmp_path / "copy.jpg")
    assert copy.read_bytes() == src.read_bytes()

    detail = desk.services.claims.detail(ref)
    assert [e.id for e in detail.evidence] == [info.id] and detail.evidence_count == 1
    assert detail.evidence_missing == ("repair_estimate",)
    added = [h for h in detail.history if h.action == "evidence_added"]
    assert len(added) == 1 and added[0].changes["sha256"] == info.sha256
    assert added[0].actor == "Alice Adjuster"
    assert ev.list(ref) == [info]

    thumb = ev.thumbnail(info.id, max_px=128)
    assert thumb.startswith(b"\x89PNG")
    with Image.open(__import__("io").BytesIO(thumb)) as t:
        assert max(t.size) == 128


def test_checklist_fills_as_kinds_arrive(desk: Desk, tmp_path: Path) -> None:
    ref = desk.file(incident_type="both")
    assert desk.services.claims.detail(ref).evidence_missing == ("photo", "repair_estimate", "medical_record")
    desk.services.evidence.add(ref, pdf(tmp_path / "estimate.pdf"), "repair_estimate", desk.alice)
    desk.services.evidence.add(ref, photo(tmp_path / "p.jpg", 3), "photo", desk.alice)
    assert desk.services.claims.detail(ref).evidence_missing == ("medical_record",)


def test_a_pdf_named_jpg_is_stored_as_a_pdf(desk: Desk, tmp_path: Path) -> None:
    ref = desk.file()
    disguised = pdf(tmp_path / "receipt.jpg", producer="Adobe Photoshop 25.0")
    info = desk.services.evidence.add(ref, disguised, "receipt", desk.alice)
    assert (info.media_type, info.filename) == ("application/pdf", "receipt.pdf")
    assert info.details["pages"] == 2
    assert "Photoshop" in info.details["software"]
    assert info.perceptual_hash is None
    with pytest.raises(ValidationError, match="not an image"):
        desk.services.evidence.thumbnail(info.id)
    with pytest.raises(ValidationError, match="A photo must be an image"):
        desk.services.evidence.add(ref, disguised, "photo", desk.alice)
    exported = desk.services.evidence.export(info.id, tmp_path)
    assert exported.name == "receipt.pdf" and len(PdfReader(exported).pages) == 2


def test_reused_photo_after_resize_and_recompression_is_found(desk: Desk, tmp_path: Path) -> None:
    ev = desk.services.evidence
    first, second, third = desk.file(), desk.file(), desk.file()
    original = photo(tmp_path / "crack.jpg", seed=7)
    a = ev.add(first, original, "photo", desk.alice)
    b = ev.add(second, resaved(original, tmp_path / "crack-small.jpg"), "photo", desk.alice)
    c = ev.add(third, photo(tmp_path / "other.jpg", seed=8), "photo", desk.alice)

    hits = similar(desk.services, second)
    assert [(h.reference, h.evidence_id, h.same_file, h.own_evidence_id) for h in hits] == [
        (first, a.id, False, b.id)
    ]
    assert hits[0].distance <= NEAR and hits[0].filename == "crack.jpg"
    assert [h.reference for h in similar(desk.services, first)] == [second]
    # an unrelated photo is far from both and finds nothing
    assert similar(desk.services, third) == []
    assert c.perceptual_hash is not None


def test_unrelated_photos_are_far_apart(desk: Desk, tmp_path: Path) -> None:
    ev = desk.services.evidence
    refs = [desk.file() for _ in range(6)]
    for i, ref in enumerate(refs):
        ev.add(ref, photo(tmp_path / f"p{i}.jpg", seed=100 + i), "photo", desk.alice)
    for ref in refs:
        assert similar(desk.services, ref) == []


def test_same_file_on_another_claim_is_one_blob_and_flags_the_claim(desk: Desk, tmp_path: Path) -> None:
    ev = desk.services.evidence
    first, second = desk.file(), desk.file()
    src = photo(tmp_path / "same.jpg", seed=11)
    a = ev.add(first, src, "photo", desk.alice)
    b = ev.add(second, src, "photo", desk.alice)
    assert a.sha256 == b.sha256
    counts = stored(desk.services)
    assert (counts["evidence"], counts["blobs"]) == (2, 1)

    hits = similar(desk.services, second)
    assert [(h.reference, h.evidence_id, h.same_file, h.distance) for h in hits] == [(first, a.id, True, 0)]
    # the second claim was re-screened in the same transaction as the file arrived
    flags = {f.code: f for f in desk.services.claims.detail(second).flags}
    assert "reused_evidence" in flags and first in flags["reused_evidence"].explanation
    rescreened = [h for h in desk.services.claims.detail(second).history if h.action == "rescreened"]
    assert len(rescreened) == 1 and rescreened[0].changes["cause"] == "evidence"
    assert (
        "reused_evidence" in rescreened[0].changes["added"] and rescreened[0].actor == desk.alice.display_name
    )


def _truncated_jpeg(tmp_path: Path) -> Path:
    whole = photo(tmp_path / "whole.jpg", seed=5).read_bytes()
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(whole[: len(whole) // 2])
    return bad


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def make(tmp_path: Path) -> Path:
        p = tmp_path / name
        p.write_bytes(data)
        return p

    return make


def _sparse_2gb(tmp_path: Path) -> Path:
    p = tmp_path / "huge.jpg"
    with p.open("wb") as f:
        f.write(b"\xff\xd8\xff\xe0")
        f.truncate(2 * 1024**3)
    return p


BAD_FILES: list[Any] = [
    pytest.param(_truncated_jpeg, "damaged or incomplete", id="truncated-jpeg"),
    pytest.param(_write("empty.jpg", b""), "empty", id="zero-bytes"),
    pytest.param(_sparse_2gb, r"is 2048\.0 MB, over the limit of 25\.0 MB", id="sparse-2gb"),
    pytest.param(
        _write("cat.jpg", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 4000), "Linux executable", id="elf"
    ),
    pytest.param(_write("dog.jpg", b"MZ\x90\x00" + b"\x00" * 4000), "Windows executable", id="exe"),
]


@pytest.mark.parametrize(("make", "message"), BAD_FILES)
def test_bad_files_are_refused_and_nothing_is_stored(
    desk: Desk, tmp_path: Path, make: Callable[[Path], Path], message: str
) -> None:
    ref = desk.file()
    before = stored(desk.services)
    path = make(tmp_path)
    with pytest.raises(ValidationError, match=message):
        desk.services.evidence.add(ref, path, "photo", desk.alice)
    assert stored(desk.services) == before
    assert desk.services.claims.detail(ref).evidence == ()


@pytest.mark.parametrize("name", ["../../etc/passwd.jpg", "nice\n.jpg", "tab\there.jpg", "sub/dir.jpg"])
def test_unsafe_names_are_refused_and_nothing_is_stored(desk: Desk, tmp_path: Path, name: str) -> None:
    ref = desk.file()
    good = photo(tmp_path / "fine.jpg", seed=2)
    with pytest.raises(ValidationError, match="Nothing was stored"):
        desk.services.evidence.add(ref, good, "photo", desk.alice, filename=name)
    assert stored(desk.services)["evidence"] == 0


def test_a_lower_limit_in_policy_is_enforced_before_and_while_reading(desk: Desk, tmp_path: Path) -> None:
    services = Services.build(
        desk.services.db, PolicySettings().with_overrides({"evidence_max_bytes": 50_000}), desk.services.clock
    )
    ref = desk.file()
    big = photo(tmp_path / "big.jpg", seed=4, size=(1600, 1200))
    assert big.stat().st_size > 50_000
    with pytest.raises(ValidationError, match="over the limit of 50,000 bytes"):
        services.evidence.add(ref, big, "photo", desk.alice)

    # a pipe has no size up front: the limit stops the read at limit + 1 bytes
    fifo = tmp_path / "stream.jpg"
    os.mkfifo(fifo)
    written: list[int] = []

    def feed() -> None:
        try:
            with fifo.open("wb") as f:
                f.write(b"\xff\xd8\xff\xe0")
                for _ in range(64):
                    f.write(b"\x00" * 16384)
                    written.append(16384)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed)
    writer.start()
    with pytest.raises(ValidationError, match="more than 50,000 bytes"):
        services.evidence.add(ref, fifo, "photo", desk.alice)
    writer.join(timeout=10)
    assert not writer.is_alive() and sum(written) < 64 * 16384
    assert stored(desk.services)["evidence"] == 0


def test_verify_finds_a_chunk_altered_in_the_database(desk: Desk, tmp_path: Path) -> None:
    ev = desk.services.evidence
    ref, clean_ref = desk.file(), desk.file()
    info = ev.add(ref, photo(tmp_path / "roof.jpg", seed=21), "photo", desk.alice)
    ev.add(clean_ref, pdf(tmp_path / "estimate.pdf"), "repair_estimate", desk.alice)
    assert ev.verify().ok and ev.verify().files_checked == 2

    with desk.services.db.unit_of_work() as s:
        s.execute(
            update(EvidenceChunk)
            .where(EvidenceChunk.sha256 == info.sha256, EvidenceChunk.seq == 0)
            .values(data=b"\xff\xd8\xff\xe0tampered")
        )

    report = ev.verify()
    assert not report.ok and report.files_checked == 2
    [bad] = report.mismatches
    assert (bad.reference, bad.evidence_id, bad.filename, bad.expected_sha256) == (
        ref,
        info.id,
        "roof.jpg",
        info.sha256,
    )
    assert bad.actual_sha256 != info.sha256
    assert ev.verify(clean_ref).ok and not ev.verify(ref).ok
    with pytest.raises(EvidenceCorrupted, match="damaged"):
        b"".join(ev.open(info.id))
    with pytest.raises(EvidenceCorrupted):
        ev.export(info.id, tmp_path / "out.jpg")
    assert not (tmp_path / "out.jpg").exists()


def test_only_someone_who_may_act_on_the_claim_can_add(desk: Desk, tmp_path: Path) -> None:
    ref = desk.file()
    desk.services.assignment.assign(ref, "alice", desk.sam)
    src = photo(tmp_path / "x.jpg", seed=9)
    with pytest.raises(PermissionDenied, match="assigned to Alice Adjuster"):
        desk.services.evidence.add(ref, src, "photo", desk.bob)
    with pytest.raises(PermissionDenied, match="adjuster or supervisor"):
        desk.services.evidence.add(ref, src, "photo", desk.admin)
    assert stored(desk.services)["evidence"] == 0
    # the assignee and a supervisor may
    desk.services.evidence.add(ref, src, "photo", desk.alice)
    desk.services.evidence.add(ref, src, "other", desk.sam)
    assert stored(desk.services)["evidence"] == 2


def test_unknown_claim_kind_and_missing_file_are_clear_errors(desk: Desk, tmp_path: Path) -> None:
    ref = desk.file()
    src = photo(tmp_path / "x.jpg", seed=9)
    with pytest.raises(NotFound):
        desk.services.evidence.add("AZ-NOPE", src, "photo", desk.alice)
    with pytest.raises(ValidationError, match="unknown evidence kind"):
        desk.services.evidence.add(ref, src, "selfie", desk.alice)
    with pytest.raises(ValidationError, match="There is no file"):
        desk.services.evidence.add(ref, tmp_path / "gone.jpg", "photo", desk.alice)
    with pytest.raises(NotFound):
        desk.services.evidence.open(999_999)


def test_metadata_only_rows_say_they_have_no_file(desk: Desk, tmp_path: Path) -> None:
    ref = desk.file()
    claim_id = desk.services.claims.detail(ref).id
    with desk.services.db.unit_of_work() as s:
        s.add(
            Evidence(
                claim_id=claim_id,
                kind="receipt",
                filename="receipt.pdf",
                media_type="application/pdf",
                size_bytes=1234,
                sha256="ab" * 32,
                storage_key="db:" + "ab" * 32,
                added_at=desk.services.clock(),
            )
        )
    [info] = desk.services.evidence.list(ref)
    assert not info.has_file and info.added_by == "Customer"
    with pytest.raises(NotFound, match="no file on record"):
        desk.services.evidence.open(info.id)
    report = desk.services.evidence.verify(ref)
    assert report.ok and report.without_file == 1
