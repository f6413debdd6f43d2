"""Demo evidence: the files each demo claim has on record, and for small seeds the files themselves.

Every claim gets what its story implies: photos and a repair estimate for property damage, a
medical record for an injury, all three for both, sometimes a receipt or a police/fire report.
The files came in with the filing: they are on record from intake (added by no desk user, so
shown as "Customer", at the claim's creation), so intake screening saw them,
as it sees files attached before it runs.
A minority miss something the checklist asks for, and only where the story explains it: the
customer was asked for it and has not answered (awaiting customer; the request names it), the
claim is under fraud review or was denied for want of proof, was withdrawn, or is only days old.
A few claims in fraud review carry a photo that is the same file as, or a near-identical copy of,
a photo on an earlier claim; their intake screening raised reused_evidence / near_duplicate_photo.
No `evidence_added` history rows: in the app that row belongs to an adjuster adding a file to a
screened claim, which also re-screens it (a `rescreened` row, flags cleared); files that came with
the filing are part of the intake instead. It also keeps ~2.2 rows a claim out of the largest table.

Small seeds (up to EVIDENCE_FILES_MAX_CLAIMS claims) store a real, small, distinct file for
every row: photos drawn with Pillow (their perceptual hashes spread like real photos'), one-page
PDFs made with ReportLab (a template per document made once; each file fills the template's
fixed-width fields, so a PDF costs microseconds and its offsets stay valid). Each file is
inspected by evidence_content exactly as an upload is (details, perceptual hash, hash bands).
Larger seeds write the same rows as metadata only: no blob, no perceptual hash ("no file on
record" in the Evidence tab), through the same batch paths as every other demo row.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from collections.abc import Callable, Iterator
from functools import cache
from typing import NamedTuple

from atoz_desk.domain import fraud
from atoz_desk.domain.evidence import REQUIRED_EVIDENCE, SNIFF_BYTES, classify, hamming
from atoz_desk.domain.states import EvidenceKind, IncidentType
from atoz_desk.services.evidence import STORAGE_PREFIX
from atoz_desk.services.evidence_content import ReadFile, _inspect, hash_bands

# Up to this many claims the demo stores a real file for each evidence row; above it, metadata only.
EVIDENCE_FILES_MAX_CLAIMS = 5_000

PHOTO = EvidenceKind.PHOTO.value
ESTIMATE = EvidenceKind.REPAIR_ESTIMATE.value
MEDICAL = EvidenceKind.MEDICAL_RECORD.value
RECEIPT = EvidenceKind.RECEIPT.value
REPORT = EvidenceKind.POLICE_OR_FIRE_REPORT.value

# What a request for information asks for (the note the adjuster sent), by the kinds missing.
REQUEST_DAMAGE = "Please send photos of the damage and the repair estimate."
REQUEST_MEDICAL = "Please send the medical report from your visit and the receipt for the treatment."

_REQUIRED = {t.value: tuple(k.value for k in kinds) for t, kinds in REQUIRED_EVIDENCE.items()}
_INJURY = {t.value: t.involves_injury for t in IncidentType}
# where the damage is, for the estimate's file name (by the demo's product nouns)
_ROOMS = {
    "space heater": "living-room", "pressure cooker": "kitchen", "e-bike battery": "garage",
    "hair dryer": "bathroom", "power bank": "bedroom", "electric kettle": "kitchen",
    "phone charger": "bedroom", "hoverboard": "living-room-floor", "dehumidifier": "floor",
    "step ladder": "glass-table", "air fryer": "kitchen", "garden trimmer": "window",
    "baby monitor": "nursery", "scented candle set": "shelf",
}  # fmt: skip
_FIRES = frozenset({"space heater", "e-bike battery", "power bank", "scented candle set", "hoverboard"})
# file names as cameras, phones and estimators write them (made once: names cost per row)
_IMG_NAMES = tuple(f"IMG_{n}.jpg" for n in range(1000, 10000))
_DSC_NAMES = tuple(f"DSC{n:05d}.jpg" for n in range(100, 9100))
_TWO = tuple(f"{n:02d}" for n in range(60))
_ESTIMATE_NAMES = {
    noun: (
        f"estimate-{room}.pdf", f"estimate-{room}.pdf", f"repair-quote-{room}.pdf",
        *(f"Estimate {n}.pdf" for n in (1042, 2311, 4820, 7719)),
    )
    for noun, room in (*_ROOMS.items(), ("", "damage"))
}  # fmt: skip
_PHOTOS = ([PHOTO], [PHOTO, PHOTO], [PHOTO, PHOTO, PHOTO])
_MEDICALS = ([MEDICAL], [MEDICAL, MEDICAL])


class EvidenceFacts(NamedTuple):
    """What intake screening sees of a claim's evidence, and the request its path may send."""

    kinds: tuple[str, ...]  # distinct kinds on record, sorted (as screening gathers them)
    has_medical: bool
    reused_refs: tuple[str, ...]
    similar: tuple[fraud.PhotoMatch, ...]
    request_note: str | None


class _Photo(NamedTuple):
    """A photo already on record in this batch, for later claims to reuse."""

    at: int
    reference: str
    filename: str
    sha256: str
    media_type: str
    size: int
    details: str | None
    phash: str | None
    seed: int


class _Stored(NamedTuple):
    sha256: str
    media_type: str
    size: int
    details: str | None
    phash: str | None


class DemoEvidence:
    """Evidence rows for the claims of one batch at a time, from the batch's own random stream."""

    def __init__(self, seed: int, with_files: bool, max_distance: int, ts: Callable[[int], str]) -> None:
        self.seed = seed
        self.with_files = with_files
        self.max_distance = max_distance
        self.ts = ts
        self.rng = random.Random(0)
        self.rows: dict[str, list[tuple[object, ...]]] = {}
        self.ids: Iterator[int] = iter(())
        self.pool: list[_Photo] = []
        self.blobs: set[str] = set()
        self.facts: dict[tuple[str | None, ...], EvidenceFacts] = {}

    def start_batch(self, k: int, rows: dict[str, list[tuple[object, ...]]], ids: Iterator[int]) -> None:
        self.rng = random.Random(f"atoz-demo:{self.seed}:evidence:{k}")
        self.rows, self.ids = rows, ids
        self.pool = []
        self.blobs = set()

    # ------------------------------------------------------------------ one claim

    def claim(
        self,
        cid: int,
        ref: str,
        itype: str,
        state: str,
        path: list[str],
        features: set[str],
        at: int,
        incident: str,
        noun: str,
        amount: tuple[int, str],
        order_ext: str,
    ) -> EvidenceFacts:
        """Write the claim's evidence rows (added at intake, `at`) and return what screening sees."""
        r = self.rng.random
        required = _REQUIRED[itype]
        injury = _INJURY[itype]
        damage = PHOTO in required
        missing: tuple[str, ...] = ()
        note: str | None = None
        flagged = path[0] == "intake*"  # screened into fraud review
        if state == "awaiting_customer":  # asked for what is missing; no answer yet
            if injury and (not damage or r() < 0.5):
                missing, note = (MEDICAL,), REQUEST_MEDICAL
            else:
                missing, note = ((ESTIMATE, PHOTO) if r() < 0.5 else (ESTIMATE,)), REQUEST_DAMAGE
        elif flagged:
            if "injury" in features:
                missing = (MEDICAL,)
            if damage and r() < 0.25:
                missing += (ESTIMATE,)
        elif (
            ("deny" in path and r() < 0.25)
            or (state == "withdrawn" and r() < 0.2)
            or (state == "new" and r() < 0.15)
        ):
            missing = (required[int(r() * len(required))],)

        kinds: list[str] = []  # one entry per file
        if damage and PHOTO not in missing:
            kinds += _PHOTOS[(r() < 0.25) + (r() < 0.05)]
        elif injury and r() < 0.35:
            kinds.append(PHOTO)  # the injury itself
        if damage and ESTIMATE not in missing:
            kinds.append(ESTIMATE)
        if injury and MEDICAL not in missing:
            kinds += _MEDICALS[r() < 0.08]
        if r() < 0.12:
            kinds.append(RECEIPT)
        if (noun in _FIRES and r() < 0.25) or r() < 0.02:
            kinds.append(REPORT)
        if not kinds:
            kinds.append(RECEIPT)

        copy_of: _Photo | None = None
        if flagged and r() < 0.1:  # a photo of an earlier claim again (fraud review caught it)
            earlier = [p for p in self.pool if p.at < at]
            if earlier:
                copy_of = earlier[int(r() * len(earlier))]
                if PHOTO not in kinds:
                    kinds.insert(0, PHOTO)
        if not self.with_files and copy_of is None:
            return self._metadata_rows(cid, ref, kinds, at, incident, noun, order_ext, note)
        return self._file_rows(cid, ref, kinds, at, incident, noun, amount, order_ext, note, copy_of)

    def _metadata_rows(
        self,
        cid: int,
        ref: str,
        kinds: list[str],
        at: int,
        incident: str,
        noun: str,
        order_ext: str,
        note: str | None,
    ) -> EvidenceFacts:
        """The fast path of large seeds: rows only, no content, no perceptual hash."""
        rng = self.rng
        at_s = self.ts(at)
        rows = self.rows["evidence_meta"]  # the narrow row: the storage key follows from the hash
        for i, kind in enumerate(kinds):
            eid = next(self.ids)
            sha = rng.getrandbits(256).to_bytes(32, "big").hex()
            if kind == PHOTO:
                name = self._photo_name(incident)
                media_type = "image/png" if name.endswith(".png") else "image/jpeg"
                size = 1_400_000 + int(rng.random() * 4_200_000)  # what a phone camera writes
                if len(self.pool) < 64:
                    self.pool.append(_Photo(at, ref, name, sha, media_type, size, None, None, 0))
            else:
                name = self._document_name(kind, i, incident, noun, order_ext)
                media_type = "application/pdf"
                size = 38_000 + int(rng.random() * 380_000)
            rows.append((eid, cid, kind, name, media_type, size, sha, at_s))
        key = (*kinds, note)
        facts = self.facts.get(key)
        if facts is None:
            facts = self.facts[key] = EvidenceFacts(tuple(sorted(set(kinds))), MEDICAL in kinds, (), (), note)
        return facts

    def _file_rows(
        self,
        cid: int,
        ref: str,
        kinds: list[str],
        at: int,
        incident: str,
        noun: str,
        amount: tuple[int, str],
        order_ext: str,
        note: str | None,
        copy_of: _Photo | None,
    ) -> EvidenceFacts:
        reused: tuple[str, ...] = ()
        similar: tuple[fraud.PhotoMatch, ...] = ()
        near = copy_of is not None and self.with_files and self.rng.random() < 0.5
        at_s = self.ts(at)
        photos = 0
        for i, kind in enumerate(kinds):
            eid = next(self.ids)
            if kind == PHOTO:
                photos += 1
                if copy_of is not None and photos == 1:
                    stored, name = self._copy(copy_of, near, at)
                    if stored.sha256 == copy_of.sha256:
                        reused = (copy_of.reference,)
                    else:
                        assert stored.phash is not None and copy_of.phash is not None
                        distance = hamming(stored.phash, copy_of.phash)
                        similar = (fraud.PhotoMatch(copy_of.reference, copy_of.filename, distance, name),)
                else:
                    name = self._photo_name(incident)
                    stored, seed = self._photo(at, name)
                    if copy_of is None and len(self.pool) < 64:
                        self.pool.append(
                            _Photo(at, ref, name, stored.sha256, stored.media_type, stored.size,
                                   stored.details, stored.phash, seed)
                        )  # fmt: skip
            else:
                name = self._document_name(kind, i, incident, noun, order_ext)
                stored = self._document(kind, ref, incident, noun, amount, at)
            self._row(eid, cid, kind, name, stored, at_s)
        return EvidenceFacts(tuple(sorted(set(kinds))), MEDICAL in kinds, reused, similar, note)

    def _row(self, eid: int, cid: int, kind: str, name: str, stored: _Stored, at_s: str) -> None:
        self.rows["evidence"].append(
            (eid, cid, kind, name, stored.media_type, stored.size, stored.sha256, stored.phash,
             STORAGE_PREFIX + stored.sha256, None, at_s, stored.details)
        )  # fmt: skip
        if stored.phash is not None:
            self.rows["photo_hash_bands"].extend(
                (eid, band, value) for band, value in enumerate(hash_bands(stored.phash))
            )

    # ------------------------------------------------------------------ names

    def _photo_name(self, incident: str) -> str:
        r = self.rng.random
        x = r()
        if x < 0.45:
            return _IMG_NAMES[int(r() * 9000)]
        if x < 0.75:
            hms = f"{_TWO[int(r() * 24)]}{_TWO[int(r() * 60)]}{_TWO[int(r() * 60)]}"
            return f"PXL_{incident[:4]}{incident[5:7]}{incident[8:]}_{hms}{int(r() * 1000):03d}.jpg"
        if x < 0.9:
            return _DSC_NAMES[int(r() * 9000)]
        return (
            f"Screenshot {incident} at {_TWO[int(r() * 24)]}.{_TWO[int(r() * 60)]}.{_TWO[int(r() * 60)]}.png"
        )

    def _document_name(self, kind: str, i: int, incident: str, noun: str, order_ext: str) -> str:
        x = self.rng.random()
        if kind == ESTIMATE:
            names = _ESTIMATE_NAMES.get(noun, _ESTIMATE_NAMES[""])
            return names[int(x * len(names))]
        if kind == MEDICAL:
            if x < 0.3:
                return "er-discharge-summary.pdf"
            if x < 0.6:
                return f"medical-report-{incident}.pdf"
            return "gp-letter.pdf" if x < 0.8 else f"clinic-notes-{i + 1}.pdf"
        if kind == RECEIPT:
            return (
                f"receipt-{order_ext}.pdf"
                if x < 0.6
                else ("order-confirmation.pdf" if x < 0.8 else "invoice.pdf")
            )
        return f"{'fire' if noun in _FIRES else 'police'}-report-{10000 + int(x * 90000)}.pdf"

    # ------------------------------------------------------------------ content

    def _photo(self, at: int, name: str) -> tuple[_Stored, int]:
        seed = self.rng.getrandbits(48)
        if not self.with_files:  # metadata only (a large seed's claim that reuses a photo)
            sha = self.rng.getrandbits(256).to_bytes(32, "big").hex()
            size = 1_400_000 + int(self.rng.random() * 4_200_000)
            return _Stored(
                sha, "image/png" if name.endswith(".png") else "image/jpeg", size, None, None
            ), seed
        data = _photo_bytes(seed, name.endswith(".png"), None)
        stored = _inspected(data)
        self._blob(stored.sha256, stored.media_type, data, at)
        return stored, seed

    def _copy(self, source: _Photo, near: bool, at: int) -> tuple[_Stored, str]:
        """A photo of an earlier claim again: resized and re-compressed (another file, the same
        picture) when `near` and the copy stays within the near-duplicate distance, else the same file."""
        name = f"IMG_{1000 + int(self.rng.random() * 9000)}"
        if near:
            data = _photo_bytes(source.seed, False, (112, 84))
            stored = _inspected(data)
            if stored.phash and source.phash and hamming(stored.phash, source.phash) <= self.max_distance:
                self._blob(stored.sha256, stored.media_type, data, at)
                return stored, f"{name}.jpg"
        same = _Stored(source.sha256, source.media_type, source.size, source.details, source.phash)
        return same, f"{name}.{'png' if source.media_type == 'image/png' else 'jpg'}"

    def _document(
        self, kind: str, ref: str, incident: str, noun: str, amount: tuple[int, str], at: int
    ) -> _Stored:
        if not self.with_files:
            size = 38_000 + int(self.rng.random() * 380_000)
            return _Stored(
                self.rng.getrandbits(256).to_bytes(32, "big").hex(), "application/pdf", size, None, None
            )
        r = self.rng.random
        template, details = _template(kind, int(r() * 2))
        cents, currency = amount
        number = f"{int(r() * 100_000_000):08d}"
        data = (
            template.replace(b"RRRRRRRRRRR", ref.encode("ascii"))
            .replace(b"DDDDDDDDDD", incident.encode("ascii"))
            .replace(b"NNNNNNNN", number.encode("ascii"))
            .replace(
                b"AAAAAAAAAAAAAAAA",
                f"{currency} {cents // 100:,}.{cents % 100:02d}".ljust(16).encode("ascii"),
            )
            .replace(b"IIIIIIIIIIIIIIIIIIII", noun[:20].ljust(20).encode("ascii"))
        )
        sha = hashlib.sha256(data).hexdigest()
        self._blob(sha, "application/pdf", data, at)
        return _Stored(sha, "application/pdf", len(data), details, None)

    def _blob(self, sha: str, media_type: str, data: bytes, at: int) -> None:
        if sha in self.blobs:  # the same file twice in a batch is stored once, as the app does
            return
        self.blobs.add(sha)
        self.rows["evidence_blobs"].append((sha, len(data), media_type, self.ts(at)))
        self.rows["evidence_chunks"].append((sha, 0, data))  # small files: one chunk


def _inspected(data: bytes) -> _Stored:
    """An image as an upload stores it: sniffed and inspected (details, dHash) by evidence_content."""
    sha = hashlib.sha256(data).hexdigest()
    found = ReadFile(io.BytesIO(data), len(data), sha, classify(data[:SNIFF_BYTES]))
    _inspect(found)
    details = json.dumps(found.details) if found.details else None
    return _Stored(sha, found.sniffed.media_type, len(data), details, found.perceptual_hash)


def _photo_bytes(seed: int, png: bool, size: tuple[int, int] | None) -> bytes:
    """A small picture: a random 9x8 field of colour (it decides the dHash, so unrelated photos
    differ in about half of its bits, as real ones do), tinted, with a scorch mark and a few objects."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    r = rng.random
    field = Image.frombytes("RGB", (9, 8), rng.randbytes(216))
    tint = (int(40 + 180 * r()), int(40 + 160 * r()), int(30 + 150 * r()))  # the room's light
    img = Image.blend(
        field.resize((128, 96), Image.Resampling.BILINEAR), Image.new("RGB", (128, 96), tint), 0.45
    )
    draw = ImageDraw.Draw(img)
    x, y = 20 + int(r() * 80), 15 + int(r() * 60)
    draw.ellipse((x - 7, y - 5, x + 7, y + 5), fill=(25, 18, 12))  # the scorch mark
    for _ in range(3):
        x, y = int(r() * 120), int(r() * 88)
        color = (int(r() * 256), int(r() * 256), int(r() * 256))
        draw.rectangle((x, y, x + 3 + int(r() * 6), y + 3 + int(r() * 6)), fill=color)
    quality = 82
    if size is not None:
        img = img.resize(size, Image.Resampling.LANCZOS)
        quality = 68
    out = io.BytesIO()
    if png:
        img.save(out, format="PNG", compress_level=1)  # a screenshot; fast to write
    else:
        img.save(out, format="JPEG", quality=quality)
    return out.getvalue()


# (title, issuer, the program that wrote it, body lines); the fields are fixed-width placeholders
_TEMPLATES: dict[str, tuple[tuple[str, str, str, tuple[str, ...]], ...]] = {
    ESTIMATE: (
        (
            "Repair estimate",
            "Oakridge Home Repairs Ltd",
            "QuickQuote 4.2",
            (
                "Estimate no. NNNNNNNN    Inspection date DDDDDDDDDD",
                "Damage caused by: IIIIIIIIIIIIIIIIIIII",
                "Labour, materials and disposal as itemised on site.",
                "Total estimate: AAAAAAAAAAAAAAAA",
                "Customer's claim: RRRRRRRRRRR",
            ),
        ),
        (
            "Quotation for repairs",
            "Harbour Restoration & Building",
            "Invoice Ninja",
            (
                "Quote NNNNNNNN dated DDDDDDDDDD",
                "Scope: make good damage from IIIIIIIIIIIIIIIIIIII",
                "Valid 30 days. Excludes contents.",
                "Amount: AAAAAAAAAAAAAAAA",
                "For claim RRRRRRRRRRR",
            ),
        ),
    ),
    MEDICAL: (
        (
            "Emergency department discharge summary",
            "St Brigid's General Hospital",
            "MedChart EHR 11",
            (
                "Record NNNNNNNN    Attendance DDDDDDDDDD",
                "Presenting complaint: injury from IIIIIIIIIIIIIIIIIIII",
                "Treated and discharged; follow-up with GP in 7 days.",
                "Patient claim reference RRRRRRRRRRR",
            ),
        ),
        (
            "Clinical letter",
            "Riverside Family Practice",
            "EMIS Web",
            (
                "Letter NNNNNNNN    Seen on DDDDDDDDDD",
                "Injury consistent with the account given (IIIIIIIIIIIIIIIIIIII).",
                "Dressings and analgesia prescribed.",
                "Re: RRRRRRRRRRR",
            ),
        ),
    ),
    RECEIPT: (
        (
            "Order receipt",
            "AtoZ Marketplace",
            "AtoZ order system",
            (
                "Receipt NNNNNNNN    Order date DDDDDDDDDD",
                "Item: IIIIIIIIIIIIIIIIIIII",
                "Paid by card. Thank you for your order.",
                "Claim RRRRRRRRRRR (attached by the customer)",
            ),
        ),
        (
            "Invoice",
            "AtoZ Marketplace",
            "AtoZ order system",
            (
                "Invoice NNNNNNNN of DDDDDDDDDD",
                "1 x IIIIIIIIIIIIIIIIIIII",
                "VAT included where applicable.",
                "Claim RRRRRRRRRRR",
            ),
        ),
    ),
    REPORT: (
        (
            "Fire incident report",
            "City Fire and Rescue Service",
            "FireRMS 7",
            (
                "Incident NNNNNNNN    Date DDDDDDDDDD",
                "Origin: IIIIIIIIIIIIIIIIIIII",
                "Attending crew: 2 appliances. Cause: accidental, electrical.",
                "Requested for claim RRRRRRRRRRR",
            ),
        ),
        (
            "Police incident report",
            "Metropolitan Police Service",
            "Niche RMS",
            (
                "Report NNNNNNNN    Date DDDDDDDDDD",
                "Article involved: IIIIIIIIIIIIIIIIIIII",
                "No offence disclosed; report supplied for insurance purposes.",
                "Requested for claim RRRRRRRRRRR",
            ),
        ),
    ),
}
_FIELDS = (b"RRRRRRRRRRR", b"DDDDDDDDDD", b"NNNNNNNN", b"AAAAAAAAAAAAAAAA", b"IIIIIIIIIIIIIIIIIIII")


@cache
def _template(kind: str, variant: int) -> tuple[bytes, str]:
    """A one-page PDF with placeholder fields (uncompressed, so filling them keeps every offset),
    and its details as evidence_content reads them."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    title, issuer, program, lines = _TEMPLATES[kind][variant % len(_TEMPLATES[kind])]
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True, pageCompression=0)
    pdf.setTitle(title)
    pdf.setAuthor(issuer)
    pdf.setCreator(program)
    pdf.setFont("Helvetica-Bold", 15)
    pdf.drawString(72, 770, issuer)
    pdf.setFont("Helvetica", 12)
    pdf.drawString(72, 748, title)
    pdf.setFont("Helvetica", 10)
    for i, line in enumerate(lines):
        pdf.drawString(72, 716 - 16 * i, line)
    pdf.showPage()
    pdf.save()
    data = out.getvalue()
    for placeholder in _FIELDS:  # each field at most once, nowhere else
        if data.count(placeholder) > 1:
            raise AssertionError(f"demo {kind} template repeats {placeholder!r}")
    found = ReadFile(
        io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest(), classify(data[:SNIFF_BYTES])
    )
    _inspect(found)
    return data, json.dumps(found.details)
