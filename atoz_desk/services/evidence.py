"""Evidence on claims: add files (stored in the database), list, read back, verify, find reuse.

Files live in `evidence_blobs`/`evidence_chunks`, content-addressed by
SHA-256 in 1 MiB chunks (README, "Evidence storage"). A stored blob never
changes; reading one back re-hashes it, and `verify` re-hashes them all.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, func, insert, select, union_all
from sqlalchemy.orm import Session

from atoz_desk.data.database import ConcurrentChange, Database
from atoz_desk.data.models import Claim, Evidence, EvidenceBlob, EvidenceChunk, PhotoHashBand, User
from atoz_desk.domain.errors import NotFound, PermissionDenied, ValidationError
from atoz_desk.domain.evidence import (
    EvidenceCorrupted,
    check_filename,
    hamming,
    parse_kind,
    safe_filename,
)
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState, EvidenceKind, Role
from atoz_desk.domain.transitions import Actor
from atoz_desk.services.claims import evidence_info, evidence_of, load_claim
from atoz_desk.services.dto import EvidenceInfo, SimilarPhoto, VerifyMismatch, VerifyReport
from atoz_desk.services.evidence_content import (
    CHUNK_SIZE,
    HASH_BANDS,
    Cancelled,
    Progress,
    ReadFile,
    hash_bands,
    read_evidence_file,
)
from atoz_desk.services.records import record_history

__all__ = ["EvidenceService", "SimilarPhoto", "similar_photos"]

STORAGE_PREFIX = "db:"


class EvidenceService:
    def __init__(self, db: Database, policy: PolicySettings, clock: Callable[[], datetime]) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock

    def add(
        self,
        reference: str,
        path: str | os.PathLike[str],
        kind: str | EvidenceKind,
        actor: Actor,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
        *,
        filename: str | None = None,
    ) -> EvidenceInfo:
        """Store a file on a claim with its history entry, then re-screen the claim: one transaction.

        `filename` is the name to record (default: the file's own name). Bad
        input (empty, too large, executable, corrupt, unsafe name) raises a
        ValidationError and stores nothing. Safe to call off the GUI thread.
        """
        kind = parse_kind(kind)
        name = filename if filename is not None else Path(path).name
        check_filename(name)
        with self._db.reading() as s:
            _check_may_add(s, load_claim(s, reference), actor)
        content = read_evidence_file(
            path, max_bytes=self._policy.evidence_max_bytes, progress=progress, cancelled=cancelled
        )
        with content:
            if kind is EvidenceKind.PHOTO and not content.sniffed.is_image:
                raise ValidationError(
                    f"A photo must be an image; this file is a {content.sniffed.label}. "
                    "Choose another kind (e.g. receipt or other) or another file.",
                    field="kind",
                )
            stored_name = safe_filename(name, content.sniffed, content.sha256)
            for attempt in range(3):
                try:
                    return self._store(reference, content, kind, stored_name, actor, progress)
                except ConcurrentChange:
                    # another workstation stored the same new file at the same moment: it is there now
                    if attempt == 2:
                        raise
        raise AssertionError("unreachable")

    def _store(
        self,
        reference: str,
        content: ReadFile,
        kind: EvidenceKind,
        stored_name: str,
        actor: Actor,
        progress: Progress | None,
    ) -> EvidenceInfo:
        from atoz_desk.services.screening import screen_claim

        now = self._clock()
        with self._db.unit_of_work() as s:
            claim = load_claim(s, reference, for_update=True)
            _check_may_add(s, claim, actor)
            _store_blob(s, content, now, progress)
            ev = Evidence(
                claim_id=claim.id,
                kind=kind.value,
                filename=stored_name,
                media_type=content.sniffed.media_type,
                size_bytes=content.size,
                sha256=content.sha256,
                perceptual_hash=content.perceptual_hash,
                storage_key=STORAGE_PREFIX + content.sha256,
                added_by_id=actor.user_id,
                added_at=now,
                details=content.details,
            )
            s.add(ev)
            s.flush()
            if content.perceptual_hash is not None:
                s.add_all(
                    PhotoHashBand(evidence_id=ev.id, band=b, value=v)
                    for b, v in enumerate(hash_bands(content.perceptual_hash))
                )
            record_history(
                s,
                claim=claim,
                actor=actor,
                action="evidence_added",
                at=now,
                changes={
                    "evidence_id": ev.id,
                    "kind": kind.value,
                    "filename": stored_name,
                    "media_type": content.sniffed.media_type,
                    "size_bytes": content.size,
                    "sha256": content.sha256,
                },
            )
            s.flush()
            screen_claim(s, claim, self._policy, now, actor=actor, cause="evidence")
            s.flush()
            return evidence_info(ev, claim.reference, actor.display_name, has_file=True)

    def list(self, reference: str) -> builtins.list[EvidenceInfo]:
        """The claim's evidence, oldest first."""
        with self._db.reading() as s:
            claim = load_claim(s, reference)
            return builtins.list(evidence_of(s, claim))

    def info(self, evidence_id: int) -> EvidenceInfo:
        with self._db.reading() as s:
            ev, claim = _evidence_and_claim(s, evidence_id)
            return next(e for e in evidence_of(s, claim) if e.id == ev.id)

    def open(self, evidence_id: int) -> Iterator[bytes]:
        """The file's content in chunks, re-hashed as it streams.

        Raises EvidenceCorrupted at the end when the content no longer matches its hash."""
        with self._db.reading() as s:
            ev, claim = _evidence_and_claim(s, evidence_id)
            blob = s.get(EvidenceBlob, ev.sha256)
            if blob is None:
                raise NotFound(
                    f"{ev.filename} on claim {claim.reference} has no file on record (metadata only)."
                )
            where = f"{ev.filename} on claim {claim.reference}"
            sha256, size = blob.sha256, blob.size_bytes
        return self._stream(sha256, size, where)

    def _stream(self, sha256: str, size: int, where: str) -> Iterator[bytes]:
        hasher = hashlib.sha256()
        seen = 0
        for piece in _chunks(self._db, sha256):
            hasher.update(piece)
            seen += len(piece)
            yield piece
        actual = hasher.hexdigest()
        if actual != sha256 or seen != size:
            raise EvidenceCorrupted(
                f"The stored copy of {where} is damaged: it should hash to {sha256} ({size:,} bytes) "
                f"but hashes to {actual} ({seen:,} bytes). Restore it from a backup."
            )

    def export(self, evidence_id: int, dest_path: str | os.PathLike[str]) -> Path:
        """Write a verified copy to `dest_path` (a file, or a folder: the stored name inside it)."""
        dest = Path(dest_path)
        if dest.is_dir():
            dest = dest / self.info(evidence_id).filename
        if not dest.parent.is_dir():
            raise ValidationError(f"The folder {dest.parent} does not exist.", field="dest_path")
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                for piece in self.open(evidence_id):
                    f.write(piece)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return dest

    def export_temp(self, evidence_id: int) -> Path:
        """A verified copy in a new temporary folder, for the system viewer."""
        folder = Path(tempfile.mkdtemp(prefix="atoz-evidence-"))
        return self.export(evidence_id, folder)

    def thumbnail(self, evidence_id: int, max_px: int = 256) -> bytes:
        """A PNG no larger than max_px on either side, for an image (ValidationError otherwise)."""
        from PIL import Image, ImageOps

        info = self.info(evidence_id)
        if not info.is_image or info.media_type == "image/heic":
            raise ValidationError(f"{info.filename} is not an image that can be previewed.", field="evidence")
        with tempfile.SpooledTemporaryFile(max_size=4 * CHUNK_SIZE) as spool:
            for piece in self.open(evidence_id):
                spool.write(piece)
            spool.seek(0)
            with Image.open(spool) as img:
                img.draft("RGB", (max_px, max_px))
                img.load()
                small = ImageOps.exif_transpose(img)
                small.thumbnail((max_px, max_px))
                if small.mode not in ("RGB", "RGBA", "L", "LA"):
                    small = small.convert("RGBA")
                out = io.BytesIO()
                small.save(out, format="PNG")
        return out.getvalue()

    def verify(self, reference: str | None = None) -> VerifyReport:
        """Re-hash every stored file (or one claim's) and report any that changed."""
        with self._db.reading() as s:
            unstored = (
                select(func.count())
                .select_from(Evidence)
                .outerjoin(EvidenceBlob, EvidenceBlob.sha256 == Evidence.sha256)
                .where(EvidenceBlob.sha256.is_(None))
            )
            blob_query = select(EvidenceBlob.sha256, EvidenceBlob.size_bytes).order_by(EvidenceBlob.sha256)
            if reference is not None:
                claim = load_claim(s, reference)
                unstored = unstored.where(Evidence.claim_id == claim.id)
                blob_query = blob_query.where(
                    EvidenceBlob.sha256.in_(select(Evidence.sha256).where(Evidence.claim_id == claim.id))
                )
            blobs = s.execute(blob_query).all()
            without = s.scalar(unstored)
        mismatches: builtins.list[VerifyMismatch] = []
        total = 0
        for sha256, size in blobs:
            hasher = hashlib.sha256()
            seen = 0
            for piece in _chunks(self._db, sha256):
                hasher.update(piece)
                seen += len(piece)
            total += seen
            actual = hasher.hexdigest()
            if actual != sha256 or seen != size:
                mismatches.extend(self._mismatches(sha256, actual, size, seen, reference))
        return VerifyReport(len(blobs), total, tuple(mismatches), int(without or 0))

    def _mismatches(
        self, sha256: str, actual: str, size: int, seen: int, reference: str | None
    ) -> builtins.list[VerifyMismatch]:
        with self._db.reading() as s:
            stmt = (
                select(Claim.reference, Evidence.id, Evidence.filename)
                .join(Claim, Claim.id == Evidence.claim_id)
                .where(Evidence.sha256 == sha256)
                .order_by(Claim.reference, Evidence.id)
            )
            if reference is not None:
                stmt = stmt.where(Claim.reference == reference.strip().upper())
            rows = s.execute(stmt).all()
        if not rows:
            return [VerifyMismatch(None, None, None, sha256, actual, size, seen)]
        return [VerifyMismatch(ref, eid, name, sha256, actual, size, seen) for ref, eid, name in rows]


def _chunks(db: Database, sha256: str) -> Iterator[bytes]:
    """A blob's chunks in order, one at a time (never the whole file in memory)."""
    with db.reading() as s:
        seqs = s.scalars(
            select(EvidenceChunk.seq).where(EvidenceChunk.sha256 == sha256).order_by(EvidenceChunk.seq)
        ).all()
        for seq in seqs:
            data = s.scalar(
                select(EvidenceChunk.data).where(EvidenceChunk.sha256 == sha256, EvidenceChunk.seq == seq)
            )
            yield bytes(data or b"")


def _store_blob(s: Session, content: ReadFile, now: datetime, progress: Progress | None) -> None:
    """Store the content once: the same file on another claim (or twice) reuses the blob."""
    if s.get(EvidenceBlob, content.sha256) is not None:
        return
    s.add(
        EvidenceBlob(
            sha256=content.sha256,
            size_bytes=content.size,
            media_type=content.sniffed.media_type,
            created_at=now,
        )
    )
    s.flush()
    done = 0
    for seq, piece in enumerate(content.chunks()):
        s.execute(insert(EvidenceChunk), [{"sha256": content.sha256, "seq": seq, "data": piece}])
        done += len(piece)
        if progress is not None:
            progress(done, content.size)


def _check_may_add(s: Session, claim: Claim, actor: Actor) -> None:
    if actor.is_system or actor.role not in (Role.ADJUSTER, Role.SUPERVISOR):
        role = actor.role.value if actor.role else "system"
        raise PermissionDenied(f"Adding evidence needs the role adjuster or supervisor; you are {role}.")
    state = ClaimState(claim.state)
    if not state.is_open:
        raise ValidationError(
            f"Claim {claim.reference} is {state.label.lower()}; evidence can only be added to open claims.",
            field="reference",
        )
    if actor.role is Role.ADJUSTER and claim.assignee_id not in (None, actor.user_id):
        owner = s.get(User, claim.assignee_id)
        name = owner.display_name if owner else f"user {claim.assignee_id}"
        raise PermissionDenied(
            f"Claim {claim.reference} is assigned to {name}; only they or a supervisor may add evidence."
        )


def _evidence_and_claim(s: Session, evidence_id: int) -> tuple[Evidence, Claim]:
    ev = s.get(Evidence, evidence_id)
    if ev is None:
        raise NotFound(f"no evidence with id {evidence_id}")
    return ev, s.get_one(Claim, ev.claim_id)


# ------------------------------------------------------------------ reuse and near-duplicates

# Beyond this band radius the neighbour lists grow too long; a full scan is used instead.
_MAX_BAND_RADIUS = 3


def _within(value: int, radius: int) -> builtins.list[int]:
    """Every 16-bit value within `radius` bits of `value`."""
    out = [value]
    if radius >= 1:
        out += [value ^ (1 << i) for i in range(16)]
    if radius >= 2:
        out += [value ^ (1 << i) ^ (1 << j) for i in range(16) for j in range(i + 1, 16)]
    if radius >= 3:
        out += [
            value ^ (1 << i) ^ (1 << j) ^ (1 << k)
            for i in range(16)
            for j in range(i + 1, 16)
            for k in range(j + 1, 16)
        ]
    return out


def similar_photos(session: Session, claim_id: int, max_distance: int) -> builtins.list[SimilarPhoto]:
    """Evidence on other claims that is the same file as one of this claim's (same_file=True),
    or a photo whose perceptual hash is within `max_distance` bits of one of this claim's.

    Candidates come from the (band, value) index (two hashes within d bits
    share a 16-bit band within d // 4 bits), then the exact distance is taken.
    """
    mine = session.execute(
        select(Evidence.id, Evidence.sha256, Evidence.perceptual_hash).where(Evidence.claim_id == claim_id)
    ).all()
    if not mine:
        return []
    found: dict[int, SimilarPhoto] = {}

    def keep(hit: SimilarPhoto) -> None:
        best = found.get(hit.evidence_id)
        if best is None or (hit.same_file, -hit.distance) > (best.same_file, -best.distance):
            found[hit.evidence_id] = hit

    by_sha = {sha: eid for eid, sha, _p in mine}
    same = session.execute(
        select(Evidence.id, Evidence.filename, Evidence.sha256, Claim.reference)
        .join(Claim, Claim.id == Evidence.claim_id)
        .where(Evidence.sha256.in_(by_sha), Evidence.claim_id != claim_id)
    ).all()
    for eid, name, sha, ref in same:
        keep(SimilarPhoto(ref, eid, name, 0, True, by_sha[sha]))

    hashes = [(eid, p) for eid, _s, p in mine if p]
    if hashes:
        radius = max_distance // HASH_BANDS
        if radius > _MAX_BAND_RADIUS:
            candidates = select(Evidence.id).where(Evidence.perceptual_hash.is_not(None)).scalar_subquery()
        else:
            parts = [
                select(PhotoHashBand.evidence_id).where(
                    and_(PhotoHashBand.band == band, PhotoHashBand.value.in_(_within(value, radius)))
                )
                for _eid, p in hashes
                for band, value in enumerate(hash_bands(p))
            ]
            candidates = union_all(*parts).scalar_subquery()
        rows = session.execute(
            select(Evidence.id, Evidence.filename, Evidence.perceptual_hash, Claim.reference)
            .join(Claim, Claim.id == Evidence.claim_id)
            .where(Evidence.id.in_(candidates), Evidence.claim_id != claim_id)
        ).all()
        for eid, name, other, ref in rows:
            if not other:
                continue
            for own_id, p in hashes:
                d = hamming(p, other)
                if d <= max_distance:
                    keep(SimilarPhoto(ref, eid, name, d, False, own_id))
    return sorted(found.values(), key=lambda h: (not h.same_file, h.distance, h.reference, h.evidence_id))
