"""Letter templates: one text file per kind in `resources/letters/`, checked when loaded.

Format (see resources/letters/README.md)::

    # comment
    version: 3
    subject: Your claim {reference}
    ---
    Dear {customer_name},            paragraph lines join until a blank line
    ## Heading                       a heading
    - a bullet                       a bullet (continues on following lines)
    ? Your note: {decision_note}     optional: kept only when its optional fields have values
    @table accelerator_directory | text shown when the table has no rows
    **bold** text                    bold

A placeholder the kind does not know is an error at load; a required field
the data lacks is an error at render (MissingLetterFields), never a blank.
"""

from __future__ import annotations

import hashlib
import string
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from atoz_desk.reports.data import FieldValue, LetterData, display, is_blank
from atoz_desk.reports.errors import TemplateError
from atoz_desk.reports.paths import RESOURCES
from atoz_desk.reports.registry import COMMON_FIELDS, FIELDS, FieldType, LetterKind, kind_named

TEMPLATE_DIR = RESOURCES / "letters"
LETTERHEAD_FILE = "letterhead.txt"

Part = tuple[str, str | None]  # (literal text, placeholder name or None)
BlockKind = Literal["heading", "paragraph", "bullet", "table"]
_HEADER_KEYS = frozenset({"version", "subject"})


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    parts: tuple[Part, ...]
    optional: bool
    line: int
    table: str | None = None  # the ROWS field an `@table` line shows

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(name for _, name in self.parts if name is not None)


@dataclass(frozen=True)
class LetterTemplate:
    kind: LetterKind
    version: str  # the file's version line and a hash of its text, e.g. "3@1f2e3d4c"
    subject: tuple[Part, ...]
    blocks: tuple[Block, ...]
    source: str


@dataclass(frozen=True)
class FilledBlock:
    kind: BlockKind
    markup: str  # ReportLab paragraph markup (escaped, <b> for bold)
    plain: str  # the text drawn, for the font coverage check
    table: str | None = None
    headings: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class Letterhead:
    version: str
    organisation: str
    lines: tuple[str, ...]
    closing: str


# ------------------------------------------------------------------ parsing


def parse_template(kind_code: str, text: str, source: str = "<text>") -> LetterTemplate:
    """Parse and check one template against its kind; raises TemplateError naming the problem."""
    kind = kind_named(kind_code)
    lines = text.splitlines()
    header: dict[str, str] = {}
    body_start = None
    for i, raw in enumerate(lines):
        line = raw.strip()
        if line == "---":
            body_start = i + 1
            break
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in _HEADER_KEYS:
            raise TemplateError(
                source, f"line {i + 1}: expected 'version:', 'subject:' or '---', got {raw!r}"
            )
        header[key] = value.strip()
    if body_start is None:
        raise TemplateError(source, "no '---' line between the header and the letter text")
    for key in sorted(_HEADER_KEYS):
        if not header.get(key):
            raise TemplateError(source, f"the header has no {key!r} line")
    subject = _parts(header["subject"], source, 0)
    if any("**" in lit for lit, _ in subject):
        raise TemplateError(source, "the subject is bold already; remove the '**'")
    blocks = tuple(_blocks(lines, body_start, source))
    if not blocks:
        raise TemplateError(source, "the letter has no text")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    template = LetterTemplate(kind, f"{header['version']}@{digest}", subject, blocks, source)
    _check_fields(template)
    return template


def _blocks(lines: list[str], start: int, source: str) -> list[Block]:
    blocks: list[Block] = []
    current: dict[str, object] | None = None  # kind, text, optional, line

    def finish() -> None:
        nonlocal current
        if current is not None:
            text = str(current["text"])
            line = int(str(current["line"]))
            blocks.append(
                Block(
                    current["kind"],  # type: ignore[arg-type]
                    _parts(text, source, line),
                    bool(current["optional"]),
                    line,
                )
            )
            current = None

    for i in range(start, len(lines)):
        number = i + 1
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            finish()
            continue
        if stripped.startswith("#") and not stripped.startswith("##"):
            continue  # comment
        optional = stripped.startswith("? ")
        content = stripped[2:].strip() if optional else stripped
        if content.startswith("@table"):
            finish()
            blocks.append(_table_block(content, optional, number, source))
        elif content.startswith("##"):
            finish()
            blocks.append(Block("heading", _parts(content[2:].strip(), source, number), optional, number))
        elif content.startswith("- "):
            finish()
            current = {"kind": "bullet", "text": content[2:].strip(), "optional": optional, "line": number}
        elif optional or current is None:
            finish()
            current = {"kind": "paragraph", "text": content, "optional": optional, "line": number}
        else:
            current["text"] = f"{current['text']} {content}"
    finish()
    return blocks


def _table_block(content: str, optional: bool, line: int, source: str) -> Block:
    spec, _, fallback = content.partition("|")
    words = spec.split()
    if len(words) != 2:
        raise TemplateError(source, f"line {line}: write '@table FIELD | text when empty'")
    if optional:
        raise TemplateError(source, f"line {line}: a table cannot be optional; give it a '| text when empty'")
    return Block("table", _parts(fallback.strip(), source, line), False, line, table=words[1])


def _parts(text: str, source: str, line: int) -> tuple[Part, ...]:
    where = f"line {line}" if line else "subject"
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise TemplateError(source, f"{where}: {exc} (write '{{{{' for a literal brace)") from None
    parts: list[Part] = []
    for literal, name, spec, conversion in parsed:
        if name is not None and (spec or conversion or not name.isidentifier()):
            raise TemplateError(source, f"{where}: {{{name}}} is not a plain placeholder like {{reference}}")
        parts.append((literal, name))
    bold = sum(lit.count("**") for lit, _ in parts)
    if bold % 2:
        raise TemplateError(source, f"{where}: a '**' bold marker is not closed")
    return tuple(parts)


def _check_fields(t: LetterTemplate) -> None:
    kind, source = t.kind, t.source
    known = set(COMMON_FIELDS) | set(kind.fields)
    used = {name for _, name in t.subject if name} | {n for b in t.blocks for n in b.placeholders}
    tables = {b.table for b in t.blocks if b.table}
    unknown = sorted((used | tables) - known)
    if unknown:
        raise TemplateError(
            source,
            f"unknown placeholders for the {kind.code} letter: {', '.join('{' + n + '}' for n in unknown)}",
        )
    for b in t.blocks:
        if b.table is not None and FIELDS[b.table].type is not FieldType.ROWS:
            raise TemplateError(source, f"line {b.line}: {b.table} is not a table field")
        rows = [n for n in b.placeholders if n in FIELDS and FIELDS[n].type is FieldType.ROWS]
        if rows:
            raise TemplateError(source, f"line {b.line}: show the table {rows[0]} with '@table {rows[0]}'")
        optional = [n for n in b.placeholders if n in kind.optional]
        if optional and not b.optional:
            raise TemplateError(
                source,
                f"line {b.line}: {{{optional[0]}}} is optional for this letter; "
                "start the line with '? ' so it is left out when there is no value",
            )
        if b.optional and not optional:
            raise TemplateError(source, f"line {b.line}: a '? ' line must use an optional field")
    if any(name in kind.optional for _, name in t.subject):
        raise TemplateError(source, "the subject cannot use optional fields")
    unused = sorted(set(kind.required) - used - tables)
    if unused:
        raise TemplateError(source, f"the letter does not show required fields: {', '.join(unused)}")


# ------------------------------------------------------------------ filling


def fill(t: LetterTemplate, data: LetterData) -> tuple[str, list[FilledBlock]]:
    """(subject, blocks) with every placeholder replaced; optional blocks without values dropped."""
    values = _values(data)
    subject = "".join(lit + (_scalar(values, n, data) if n else "") for lit, n in t.subject)
    out: list[FilledBlock] = []
    for b in t.blocks:
        if b.optional and any(is_blank(values.get(n)) for n in b.placeholders):
            continue
        markup, plain = _render_parts(b.parts, values, data)
        if b.kind == "table":
            spec = FIELDS[b.table or ""]
            rows = values.get(spec.name)
            assert isinstance(rows, tuple)
            out.append(FilledBlock("table", markup, plain, spec.name, spec.columns, rows))
        else:
            out.append(FilledBlock(b.kind, markup, plain))
    return subject, out


def _values(data: LetterData) -> dict[str, FieldValue]:
    values: dict[str, FieldValue] = dict(data.fields)
    values.update(
        reference=data.reference,
        letter_date=data.letter_date,
        addressee_name=data.addressee.name,
        signer_name=data.signer.name,
        signer_title=data.signer.title,
    )
    return values


def _scalar(values: dict[str, FieldValue], name: str, data: LetterData) -> str:
    return display(name, values.get(name), data.currency)


def escape(text: str) -> str:
    """Text as ReportLab paragraph markup: what `xml.sax.saxutils.escape` does, without its import.

    That module imports urllib.request (and with it http and email): ~14 ms on a
    letters path that renders nothing.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _render_parts(
    parts: tuple[Part, ...], values: dict[str, FieldValue], data: LetterData
) -> tuple[str, str]:
    markup: list[str] = []
    plain: list[str] = []
    bold = False
    for literal, name in parts:
        pieces = literal.split("**")
        for j, piece in enumerate(pieces):
            if j:
                bold = not bold
                markup.append("<b>" if bold else "</b>")
            markup.append(escape(piece))
            plain.append(piece)
        if name is not None:
            value = _scalar(values, name, data)
            markup.append(escape(value).replace("\n", "<br/>"))
            plain.append(value)
    return "".join(markup), "".join(plain)


# ------------------------------------------------------------------ the shipped set


class TemplateSet:
    """The templates of one folder, each parsed and checked once, on first use (thread-safe)."""

    def __init__(self, directory: Path = TEMPLATE_DIR) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._templates: dict[str, LetterTemplate] = {}
        self._letterhead: Letterhead | None = None

    def template(self, kind_code: str) -> LetterTemplate:
        with self._lock:
            cached = self._templates.get(kind_code)
            if cached is None:
                kind = kind_named(kind_code)
                path = self.directory / f"{kind.code}.txt"
                try:
                    text = path.read_text(encoding="utf-8")
                except OSError as exc:
                    raise TemplateError(str(path), f"cannot be read ({exc.strerror or exc})") from None
                cached = parse_template(kind.code, text, str(path))
                self._templates[kind_code] = cached
            return cached

    def letterhead(self) -> Letterhead:
        with self._lock:
            if self._letterhead is None:
                path = self.directory / LETTERHEAD_FILE
                try:
                    text = path.read_text(encoding="utf-8")
                except OSError as exc:
                    raise TemplateError(str(path), f"cannot be read ({exc.strerror or exc})") from None
                self._letterhead = parse_letterhead(text, str(path))
            return self._letterhead


def parse_letterhead(text: str, source: str = "<letterhead>") -> Letterhead:
    """`version:`, `organisation:`, any number of `line:` and one `closing:` ("Yours sincerely,")."""
    values: dict[str, str] = {}
    lines: list[str] = []
    for i, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in ("version", "organisation", "line", "closing"):
            raise TemplateError(source, f"line {i + 1}: expected version, organisation, line or closing")
        if key == "line":
            lines.append(value.strip())
        else:
            values[key] = value.strip()
    for key in ("version", "organisation", "closing"):
        if not values.get(key):
            raise TemplateError(source, f"no {key!r} line")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
    return Letterhead(
        f"{values['version']}@{digest}", values["organisation"], tuple(lines), values["closing"]
    )


_DEFAULT: TemplateSet | None = None
_DEFAULT_LOCK = threading.Lock()


def shipped_templates() -> TemplateSet:
    """The templates in resources/letters, shared by the whole process."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = TemplateSet()
        return _DEFAULT
