"""Evidence rules: the checklist per incident type, content sniffing, safe file names.

Pure functions over values and bytes already read; the evidence service does
the file and database work.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from atoz_desk.domain.errors import DomainError, ValidationError
from atoz_desk.domain.states import EvidenceKind, IncidentType

KIND_LABELS: dict[EvidenceKind, str] = {
    EvidenceKind.PHOTO: "Photo",
    EvidenceKind.RECEIPT: "Receipt",
    EvidenceKind.MEDICAL_RECORD: "Medical record",
    EvidenceKind.POLICE_OR_FIRE_REPORT: "Police or fire report",
    EvidenceKind.REPAIR_ESTIMATE: "Repair estimate",
    EvidenceKind.OTHER: "Other",
}


def kind_label(kind: EvidenceKind | str) -> str:
    return KIND_LABELS[EvidenceKind(kind)]


def parse_kind(value: str | EvidenceKind) -> EvidenceKind:
    """The evidence kind named by `value`, or a ValidationError listing the kinds."""
    try:
        return EvidenceKind(str(value).strip().lower())
    except ValueError:
        known = ", ".join(k.value for k in EvidenceKind)
        raise ValidationError(f"unknown evidence kind {value!r}; kinds: {known}", field="kind") from None


# What the program needs on file before a claim of each incident type can be
# decided (PROGRAM_RULES: injury needs a medical record; damage needs photos
# and a repair estimate).
REQUIRED_EVIDENCE: dict[IncidentType, tuple[EvidenceKind, ...]] = {
    IncidentType.PERSONAL_INJURY: (EvidenceKind.MEDICAL_RECORD,),
    IncidentType.PROPERTY_DAMAGE: (EvidenceKind.PHOTO, EvidenceKind.REPAIR_ESTIMATE),
    IncidentType.BOTH: (
        EvidenceKind.PHOTO,
        EvidenceKind.REPAIR_ESTIMATE,
        EvidenceKind.MEDICAL_RECORD,
    ),
}


def missing_evidence(
    incident_type: IncidentType, kinds_present: Iterable[EvidenceKind | str]
) -> tuple[EvidenceKind, ...]:
    """The required kinds not yet on file, in checklist order (empty when complete)."""
    present = {EvidenceKind(k) for k in kinds_present}
    return tuple(k for k in REQUIRED_EVIDENCE[IncidentType(incident_type)] if k not in present)


# ---------------------------------------------------------------- sniffing

# Bytes the sniffer needs from the start of a file.
SNIFF_BYTES = 4096


@dataclass(frozen=True)
class SniffedType:
    media_type: str
    extension: str  # without the dot
    label: str

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


JPEG = SniffedType("image/jpeg", "jpg", "JPEG image")
PNG = SniffedType("image/png", "png", "PNG image")
GIF = SniffedType("image/gif", "gif", "GIF image")
WEBP = SniffedType("image/webp", "webp", "WebP image")
TIFF = SniffedType("image/tiff", "tif", "TIFF image")
HEIC = SniffedType("image/heic", "heic", "HEIC image")
PDF = SniffedType("application/pdf", "pdf", "PDF document")
DOCX = SniffedType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "docx",
    "Word document",
)
XLSX = SniffedType(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsx",
    "Excel workbook",
)
ZIP = SniffedType("application/zip", "zip", "ZIP archive")
TEXT = SniffedType("text/plain", "txt", "plain text")

# Executables are refused whatever their name says: (magic, what it really is).
_EXECUTABLE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "a Windows executable (EXE/DLL)"),
    (b"\x7fELF", "a Linux executable (ELF)"),
    (b"\xfe\xed\xfa\xce", "a macOS executable (Mach-O)"),
    (b"\xfe\xed\xfa\xcf", "a macOS executable (Mach-O)"),
    (b"\xce\xfa\xed\xfe", "a macOS executable (Mach-O)"),
    (b"\xcf\xfa\xed\xfe", "a macOS executable (Mach-O)"),
    (b"\xca\xfe\xba\xbe", "a macOS universal executable or Java class"),
    (b"#!", "a script (starts with #!)"),
)

_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"}


def executable_kind(head: bytes) -> str | None:
    """What executable the bytes start as, or None."""
    for magic, what in _EXECUTABLE_MAGIC:
        if head.startswith(magic):
            return what
    return None


def sniff(head: bytes) -> SniffedType | None:
    """The type the first bytes of a file show, or None when unrecognised.

    Executables are not a type here: call `executable_kind` first.
    """
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head[4:8] == b"ftyp" and head[8:12] in _HEIC_BRANDS:
        return HEIC
    # PDF readers accept the header anywhere in the first 1 KB.
    if b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in head:
            return DOCX
        if b"xl/" in head:
            return XLSX
        return ZIP
    if _looks_like_text(head):
        return TEXT
    return None


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        if exc.start < len(head) - 3:
            return False
        try:
            head[: exc.start].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return True


def classify(head: bytes) -> SniffedType:
    """The stored type of a file starting with `head`, or a ValidationError saying why not."""
    if not head:
        raise ValidationError("The file is empty (0 bytes); nothing was stored.", field="file")
    what = executable_kind(head)
    if what is not None:
        raise ValidationError(
            f"The file is {what}, not evidence; executables are never stored, whatever the file name says.",
            field="file",
        )
    found = sniff(head)
    if found is None:
        raise ValidationError(
            "The file's content is not a recognised type (images, PDF, plain text, "
            "Word/Excel documents or ZIP archives are accepted); nothing was stored.",
            field="file",
        )
    return found


# ---------------------------------------------------------------- file names

MAX_FILENAME_CHARS = 120
_RESERVED = re.compile(r'[<>:"/\\|?*]')
_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}


def check_filename(name: str) -> None:
    """Refuse a name that tries to reach outside its folder or hides control characters."""
    if not name or not name.strip():
        raise ValidationError("The file has no name.", field="filename")
    if "/" in name or "\\" in name or name in (".", ".."):
        raise ValidationError(
            f"The file name {name!r} contains a path (/, \\ or ..); give the file's own "
            "name only. Nothing was stored.",
            field="filename",
        )
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise ValidationError(
            f"The file name {name!r} contains control characters; rename the file. Nothing was stored.",
            field="filename",
        )


def safe_filename(name: str, sniffed: SniffedType, sha256: str) -> str:
    """The name to store: reserved characters removed, length capped, the extension
    the content implies (a PDF named receipt.jpg is stored as receipt.pdf)."""
    name = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _RESERVED.sub("_", name)
    stem, dot, _ext = name.rpartition(".")
    if not dot:
        stem = name
    stem = re.sub(r"\s+", " ", stem).strip(" ._-")
    if stem.upper() in _WINDOWS_RESERVED:
        stem = f"{stem}_"
    if not re.search(r"\w", stem):
        stem = f"evidence-{sha256[:8]}"
    keep = MAX_FILENAME_CHARS - len(sniffed.extension) - 1
    stem = stem[:keep].rstrip(" .")
    return f"{stem}.{sniffed.extension}"


# ---------------------------------------------------------------- perceptual hash


def hamming(a: str, b: str) -> int:
    """Bits that differ between two 64-bit hashes written as 16 hex digits."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


# Two photos this close (out of 64 bits) count as the same picture: resizing
# and JPEG re-compression move a dHash by a few bits; unrelated photos differ
# by ~32.
DEFAULT_SIMILAR_DISTANCE = 10


class EvidenceCorrupted(DomainError):
    """A stored file no longer hashes to what it was stored under."""


class AddCancelled(DomainError):
    """The user cancelled adding a file; nothing was stored."""
