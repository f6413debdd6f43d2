"""Fonts and logo shipped in `resources/`, loaded once per process on first use (thread-safe).

DejaVu Sans covers Latin, Greek and Cyrillic; anything it cannot draw is
refused by `check_renderable` instead of printing as empty boxes.
"""

from __future__ import annotations

import hashlib
import io
import threading
import unicodedata
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from reportlab.lib.fonts import addMapping
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont, TTFontFace

from atoz_desk.reports.errors import UnrenderableText
from atoz_desk.reports.paths import RESOURCES

FONT_DIR = RESOURCES / "fonts"
LOGO_FILE = RESOURCES / "logo.png"

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}
_ALLOWED_CONTROLS = frozenset("\n")


class StoredJpeg(ImageReader):  # type: ignore[misc]
    """The logo as JPEG bytes made once; each PDF embeds them as they are.

    A JPEG goes into a PDF without being decoded or compressed again (a PNG would be
    inflated and deflated for every letter), each caller gets its own reader (letters
    drawn at once on several threads never share a file position), and the image is
    named by a digest made once rather than by hashing its pixels in every letter.
    """

    def __init__(self, jpeg: bytes) -> None:
        super().__init__(io.BytesIO(jpeg))
        self._jpeg = jpeg
        self._identity = hashlib.sha256(jpeg).digest()
        self._dataA = None  # no transparency mask
        self.jpeg_fh = self._fresh_fh

    def _fresh_fh(self) -> io.BytesIO:
        return io.BytesIO(self._jpeg)

    def getRGBData(self) -> bytes:
        # ReportLab asks for the pixels only to name the image; the JPEG itself is embedded
        return self._identity


class _Memo:
    """A small thread-safe LRU of bytes by key."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[object, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object, make: Callable[[], bytes]) -> bytes:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        made = make()
        with self._lock:
            self._items[key] = made
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return made


class _MemoFlate:
    """FlateDecode for font files: the same subset bytes are compressed once, not per letter."""

    pdfname = "FlateDecode"

    def __init__(self) -> None:
        self._memo = _Memo(128)

    def encode(self, data: bytes) -> bytes:
        return self._memo.get(data, lambda: zlib.compress(data))

    def decode(self, data: bytes) -> bytes:
        return zlib.decompress(data)


_SUBSETS = _Memo(128)
_FONT_FLATE = _MemoFlate()


class _SubsetCachingFace(TTFontFace):  # type: ignore[misc]
    """Letters of one kind use nearly the same characters in the same order, so the
    embedded font subset (the slowest part of saving a letter) is built and compressed
    once and reused by later letters."""

    def makeSubset(self, subset: list[int]) -> bytes:
        key = (self.filename, tuple(subset))
        made: bytes = _SUBSETS.get(key, lambda: bytes(super(_SubsetCachingFace, self).makeSubset(subset)))
        return made

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:
        ref = super().addSubsetObjects(doc, fontname, subset)
        stream = doc.idToObject.get(f"fontFile:{self.filename}({fontname})")
        if stream is not None and stream.filters:
            stream.filters = [_FONT_FLATE]
        return ref


def _letter_font(name: str, path: Path) -> TTFont:
    # asciiReadable off: a subset holds only the characters a letter uses, in order of use,
    # so it is small and repeats from one letter of a kind to the next
    font = TTFont(name, str(path), asciiReadable=False)
    font.face.__class__ = _SubsetCachingFace
    return font


@dataclass(frozen=True)
class Assets:
    regular: str
    bold: str
    coverage: frozenset[int]  # code points every letter font can draw
    logo: StoredJpeg
    logo_size: tuple[int, int]


_lock = threading.Lock()
_assets: Assets | None = None


def assets() -> Assets:
    """Register the fonts and decode the logo the first time; later calls return the same objects."""
    global _assets
    if _assets is not None:
        return _assets
    with _lock:
        if _assets is None:
            _assets = _load()
        return _assets


def _load() -> Assets:
    coverage: frozenset[int] | None = None
    for name, filename in _FONT_FILES.items():
        font = _letter_font(name, FONT_DIR / filename)
        pdfmetrics.registerFont(font)
        chars = frozenset(font.face.charToGlyph)
        # a character is drawable only when every letter font has it (names print in bold too)
        coverage = chars if coverage is None else coverage & chars
    assert coverage is not None
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(REGULAR, bold, italic, BOLD if bold else REGULAR)
    logo = StoredJpeg(_logo_jpeg(LOGO_FILE))  # the PNG decoded here, once
    width, height = logo.getSize()
    return Assets(REGULAR, BOLD, coverage, logo, (int(width), int(height)))


def _logo_jpeg(path: Path) -> bytes:
    with Image.open(path) as im:
        out = io.BytesIO()
        im.convert("RGB").save(out, format="JPEG", quality=92, subsampling=0)
        return out.getvalue()


def unrenderable(text: str, coverage: frozenset[int]) -> set[str]:
    """The characters of `text` the letter fonts cannot draw correctly."""
    bad = set()
    for c in set(text):
        if c in _ALLOWED_CONTROLS:
            continue
        if ord(c) not in coverage or unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn"):
            bad.add(c)
        elif unicodedata.bidirectional(c) in ("R", "AL"):
            bad.add(c)  # the font has the glyph but letters are laid out left to right only
    return bad


def check_renderable(texts: Iterable[tuple[str, str]]) -> None:
    """Raise UnrenderableText naming every character (and where it is) that no shipped font has."""
    coverage = assets().coverage
    bad: set[str] = set()
    where: set[str] = set()
    for place, text in texts:
        found = unrenderable(text, coverage)
        if found:
            bad |= found
            where.add(place)
    if bad:
        raise UnrenderableText(bad, where)
