"""Reading an evidence file safely: size limit, content sniffing, decoding, hashes.

The file is read once, in 1 MiB pieces, into a temporary spool (never into
memory whole): the SHA-256 is only known at the end, and a pipe or a file
that grows cannot be read twice.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.evidence import (
    HEIC,
    PDF,
    SNIFF_BYTES,
    AddCancelled,
    SniffedType,
    classify,
)

CHUNK_SIZE = 1024 * 1024
HASH_BANDS = 4  # 16-bit bands of the 64-bit perceptual hash
# a spool stays in memory up to this size, then moves to a temporary file
_SPOOL_IN_MEMORY = 2 * 1024 * 1024

Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


def _mb(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n:,} bytes"
    return f"{n / (1024 * 1024):.1f} MB"


@dataclass
class ReadFile:
    """A file read, checked and spooled; close it (or use `with`) to drop the spool."""

    spool: IO[bytes]
    size: int
    sha256: str
    sniffed: SniffedType
    perceptual_hash: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def chunks(self) -> Any:
        self.spool.seek(0)
        while piece := self.spool.read(CHUNK_SIZE):
            yield piece

    def close(self) -> None:
        self.spool.close()

    def __enter__(self) -> ReadFile:
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()


def too_large(size_text: str, max_bytes: int) -> ValidationError:
    return ValidationError(
        f"The file is {size_text}, over the limit of {_mb(max_bytes)} for evidence; nothing was stored. "
        "Ask for a smaller copy (or an administrator can raise the evidence_max_bytes setting).",
        field="file",
    )


def read_evidence_file(
    path: str | os.PathLike[str],
    *,
    max_bytes: int,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> ReadFile:
    """Read, sniff, size-check, hash and inspect a file; a ValidationError says what is wrong."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ValidationError(f"There is no file {p}.", field="file") from None
    except OSError as exc:
        raise ValidationError(f"The file {p} cannot be read ({exc.strerror}).", field="file") from None
    if stat.S_ISDIR(st.st_mode):
        raise ValidationError(f"{p} is a folder; choose a file.", field="file")
    if stat.S_ISREG(st.st_mode):
        if st.st_size == 0:
            raise ValidationError("The file is empty (0 bytes); nothing was stored.", field="file")
        if st.st_size > max_bytes:
            raise too_large(_mb(st.st_size), max_bytes)  # refused without reading a byte
    expected = st.st_size if stat.S_ISREG(st.st_mode) else 0

    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)  # noqa: SIM115
    try:
        sha, size, sniffed = _spool(p, spool, max_bytes, expected, progress, cancelled)
        found = ReadFile(spool, size, sha, sniffed)
        _inspect(found)
        return found
    except BaseException:
        spool.close()
        raise


def _spool(
    p: Path,
    spool: IO[bytes],
    max_bytes: int,
    expected: int,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> tuple[str, int, SniffedType]:
    hasher = hashlib.sha256()
    size = 0
    sniffed: SniffedType | None = None
    try:
        f = p.open("rb")
    except OSError as exc:
        raise ValidationError(f"The file {p} cannot be read ({exc.strerror}).", field="file") from None
    with f:
        while True:
            if cancelled is not None and cancelled():
                raise AddCancelled("Adding the file was cancelled; nothing was stored.")
            # never read past limit + 1: that one byte proves the file is too large
            piece = f.read(min(CHUNK_SIZE, max_bytes + 1 - size))
            if not piece:
                break
            if sniffed is None:
                sniffed = classify(piece[:SNIFF_BYTES])
            size += len(piece)
            if size > max_bytes:
                raise too_large(f"more than {_mb(max_bytes)}", max_bytes)
            hasher.update(piece)
            spool.write(piece)
            if progress is not None:
                progress(size, max(expected, size))
    if sniffed is None:
        raise ValidationError("The file is empty (0 bytes); nothing was stored.", field="file")
    return hasher.hexdigest(), size, sniffed


def _inspect(found: ReadFile) -> None:
    found.spool.seek(0)
    if found.sniffed == PDF:
        found.details.update(_pdf_details(found.spool))
    elif found.sniffed.is_image and found.sniffed != HEIC:
        # HEIC needs a plugin Pillow lacks here: stored, but no preview or perceptual hash
        details, phash = _image_details(found.spool, found.sniffed)
        found.details.update(details)
        found.perceptual_hash = phash
    found.spool.seek(0)


def _corrupt(what: str, exc: BaseException) -> ValidationError:
    return ValidationError(
        f"The file starts like a {what} but cannot be read: it is damaged or incomplete ({exc}). "
        "Nothing was stored.",
        field="file",
    )


def _image_details(spool: IO[bytes], sniffed: SniffedType) -> tuple[dict[str, Any], str]:
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(spool) as probe:
                probe.verify()  # structure and checksums, without decoding pixels
            spool.seek(0)
            with Image.open(spool) as img:
                width, height = img.size
                software = _image_software(img)
                # JPEG can decode at reduced scale: all the data is still read (truncation shows)
                img.draft("L", (256, 256))
                img.load()
                phash = dhash(ImageOps.exif_transpose(img))
    except (
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise _corrupt(sniffed.label, exc) from None
    details: dict[str, Any] = {"width": width, "height": height}
    if software:
        details["software"] = software
    return details, phash


def _image_software(img: Any) -> str | None:
    value = img.getexif().get(0x0131)  # EXIF Software
    if not value:
        value = img.info.get("Software") or img.info.get("software")
    text = str(value or "").strip("\x00 ").strip()
    return text or None


def dhash(img: Any) -> str:
    """64-bit difference hash: grayscale 9x8, one bit per left/right neighbour pair.

    Survives resizing and JPEG re-compression (a few bits move); unrelated
    pictures differ in about half of the bits.
    """
    from PIL import Image

    small = img.convert("L").resize((9, 8), Image.Resampling.LANCZOS)
    px = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            left, right = px[row * 9 + col], px[row * 9 + col + 1]
            bits = (bits << 1) | (1 if left < right else 0)
    return f"{bits:016x}"


def hash_bands(phash: str) -> list[int]:
    """The four 16-bit bands of a 64-bit hash, most significant first."""
    value = int(phash, 16)
    return [(value >> (48 - 16 * i)) & 0xFFFF for i in range(HASH_BANDS)]


def _pdf_details(spool: IO[bytes]) -> dict[str, Any]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(spool)
            pages = len(reader.pages)
            meta = reader.metadata
    except (PdfReadError, OSError, ValueError, KeyError, TypeError) as exc:
        raise _corrupt("PDF document", exc) from None
    details: dict[str, Any] = {"pages": pages}
    if meta is not None:
        producer = str(meta.get("/Producer") or "").strip()
        creator = str(meta.get("/Creator") or "").strip()
        if producer or creator:
            details["software"] = " / ".join(x for x in (creator, producer) if x)
        if producer:
            details["producer"] = producer
        if creator:
            details["creator"] = creator
    return details
