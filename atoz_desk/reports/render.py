"""Draw one letter with ReportLab platypus: data in, PDF bytes out. No Qt, no SQL.

Every page carries the claim reference and "Page X of Y" (the canvas keeps
its pages until the end, when the total is known). Output is deterministic:
the same data and template give the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time
from functools import partial
from types import MappingProxyType
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from atoz_desk.reports.assets import Assets, assets, check_renderable
from atoz_desk.reports.data import Addressee, FieldValue, LetterData, Signer, check_fields, format_date
from atoz_desk.reports.registry import KINDS
from atoz_desk.reports.templates import FilledBlock, Letterhead, LetterTemplate, TemplateSet, fill
from atoz_desk.reports.templates import shipped_templates as _shipped

INK = colors.HexColor("#1A1A1A")
MUTED = colors.HexColor("#5A6270")
BRAND = colors.HexColor("#1F3A5F")
RULE = colors.HexColor("#C8CED6")
MARGIN = 20 * mm
LETTERHEAD_HEIGHT = 27 * mm
RUNNING_HEADER_HEIGHT = 12 * mm
FOOTER_HEIGHT = 10 * mm
# the characters nearly every letter uses, in the first places of each font's subsets: bold
# sets names, headings and amounts; the regular face the rest (addresses, emails, the text)
_ALNUM = " 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SUBSET_SEEDS = {"regular": _ALNUM + ".,:;-()'/$%&@_#+·•’–", "bold": _ALNUM + ".,:-()'/$&"}


@dataclass(frozen=True)
class RenderedLetter:
    pdf: bytes
    sha256: str
    pages: int
    template_version: str
    subject: str


def render_letter(
    data: LetterData,
    *,
    templates: TemplateSet | None = None,
    template: LetterTemplate | None = None,
) -> RenderedLetter:
    """The PDF of one letter. Raises MissingLetterFields, UnrenderableText or TemplateError."""
    kind = check_fields(data)
    data = normalised(data)
    source = templates or _shipped()
    tpl = template or source.template(kind.code)
    head = source.letterhead()
    subject, blocks = fill(tpl, data)
    footer = f"Claim {data.reference} · {kind.title}"
    check_renderable(_texts(data, subject, blocks, head, footer))

    a = assets()
    styles = _styles(a)
    pagesize = LETTER if data.currency == "USD" else A4
    body_w = pagesize[0] - 2 * MARGIN
    created = data.created_at or datetime.combine(data.letter_date, time(0, 0), UTC)
    identity = hashlib.sha256(json.dumps(data.to_json(), sort_keys=True).encode("utf-8")).digest()
    pdf, pages = build_on_letterhead(
        list(_story(data, subject, blocks, head, styles, body_w)),
        head=head,
        reference=data.reference,
        title=subject,
        footer=footer,
        pagesize=pagesize,
        created=created,
        identity=identity,
    )
    version = f"{tpl.version}+{head.version}"
    return RenderedLetter(pdf, hashlib.sha256(pdf).hexdigest(), pages, version, subject)


def build_on_letterhead(
    story: list[Flowable],
    *,
    head: Letterhead,
    reference: str,
    title: str,
    footer: str,
    pagesize: tuple[float, float] = LETTER,
    created: datetime,
    identity: bytes,
) -> tuple[bytes, int]:
    """Any document of ours: letterhead on page one, running header after, "Page X of Y" footer.

    Letters and the expert referral summary share it; returns the PDF and its page count.
    """
    a = assets()
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=head.organisation,
        subject=f"Claim {reference}",
        creator="AtoZ Desk",
        invariant=1,
        pageCompression=1,
        initialFontName=a.regular,
        lang="en",
    )
    width, height = pagesize
    body_w = width - 2 * MARGIN
    bottom = MARGIN + FOOTER_HEIGHT
    flush = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
    first = Frame(MARGIN, bottom, body_w, height - MARGIN - LETTERHEAD_HEIGHT - bottom, id="first", **flush)
    later = Frame(
        MARGIN, bottom, body_w, height - MARGIN - RUNNING_HEADER_HEIGHT - bottom, id="later", **flush
    )
    doc.addPageTemplates(
        [
            PageTemplate(
                "first", [first], onPage=partial(_letterhead, head=head, a=a), autoNextPageTemplate="later"
            ),
            PageTemplate("later", [later], onPage=partial(_running_header, head=head, ref=reference, a=a)),
        ]
    )
    canvasmaker = partial(
        _NumberedCanvas,
        footer=footer,
        font=a.regular,
        seeded_fonts=((a.regular, SUBSET_SEEDS["regular"]), (a.bold, SUBSET_SEEDS["bold"])),
        created=created,
        identity=identity,
    )
    doc.build(story, canvasmaker=canvasmaker)
    return buf.getvalue(), doc.page


def render_json(data: Mapping[str, Any]) -> RenderedLetter:
    """Render from the archived JSON form (what worker processes receive: plain, picklable data)."""
    return render_letter(LetterData.from_json(data))


def warm_up() -> None:
    """Register the fonts, decode the logo and check every shipped template (a worker's first job)."""
    assets()
    source = _shipped()
    source.letterhead()
    for code in KINDS:
        source.template(code)


def normalised(data: LetterData) -> LetterData:
    """NFC text (so "Zoë" is one character, as typed or not), plain newlines, no tabs."""

    def text(s: str) -> str:
        s = unicodedata.normalize("NFC", s).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
        return s.strip()

    def value(v: FieldValue) -> FieldValue:
        if isinstance(v, str):
            return text(v)
        if isinstance(v, tuple):
            return tuple(tuple(text(c) for c in row) for row in v)
        return v

    return replace(
        data,
        reference=text(data.reference),
        addressee=Addressee(
            text(data.addressee.name), tuple(text(x) for x in data.addressee.lines if x.strip())
        ),
        signer=Signer(text(data.signer.name), text(data.signer.title)),
        fields=MappingProxyType({k: value(v) for k, v in data.fields.items()}),
    )


def _texts(
    data: LetterData, subject: str, blocks: list[FilledBlock], head: Letterhead, footer: str
) -> Iterator[tuple[str, str]]:
    yield "subject", subject
    yield "addressee", "\n".join((data.addressee.name, *data.addressee.lines))
    yield "signature", f"{data.signer.name}\n{data.signer.title}\n{head.closing}"
    yield "letterhead", "\n".join((head.organisation, *head.lines))
    yield "footer", footer + " Page 0123456789 of"
    for b in blocks:
        yield "letter text", b.plain
        if b.table is not None:
            yield b.table, "\n".join(" ".join(row) for row in (b.headings, *b.rows))


# ------------------------------------------------------------------ page furniture


class _NumberedCanvas(Canvas):  # type: ignore[misc]
    """Keeps every page until save(), then stamps "Claim … · Page X of Y" on each."""

    def __init__(
        self,
        *args: Any,
        footer: str,
        font: str,
        seeded_fonts: tuple[tuple[str, str], ...],
        created: datetime,
        identity: bytes,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # deterministic output still needs a file ID of its own: viewers key their caches on it
        self._doc.signature.update(identity)
        # the same characters first in every letter: each font subset then starts alike and
        # differs only by the few other characters a letter uses (a name's "ë", Greek, ...), so
        # the subset cache finds it again instead of building and compressing one per letter
        for name, seed in seeded_fonts:
            pdfmetrics.getFont(name).splitString(seed, self._doc)
        self._footer_text = footer
        self._footer_font = font
        self._pages: list[dict[str, Any]] = []
        stamp = created.astimezone(UTC).strftime("D:%Y%m%d%H%M%S+00'00'")
        self.setDateFormatter(lambda *_: stamp)

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._stamp_footer(total)
            Canvas.showPage(self)
        Canvas.save(self)

    def _stamp_footer(self, total: int) -> None:
        width, _ = self._pagesize
        y = MARGIN
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, y + 4 * mm, width - MARGIN, y + 4 * mm)
        self.setFillColor(MUTED)
        self.setFont(self._footer_font, 8)
        self.drawString(MARGIN, y, self._footer_text)
        self.drawRightString(width - MARGIN, y, f"Page {self._pageNumber} of {total}")
        self.restoreState()


def _letterhead(canvas: Canvas, doc: BaseDocTemplate, *, head: Letterhead, a: Assets) -> None:
    width, height = doc.pagesize
    top = height - MARGIN
    logo_h = 17 * mm
    logo_w = logo_h * a.logo_size[0] / a.logo_size[1]
    canvas.saveState()
    canvas.drawImage(a.logo, MARGIN, top - logo_h, width=logo_w, height=logo_h)
    x = MARGIN + logo_w + 4 * mm
    canvas.setFillColor(BRAND)
    canvas.setFont(a.bold, 14)
    canvas.drawString(x, top - 6 * mm, head.organisation)
    canvas.setFillColor(MUTED)
    canvas.setFont(a.regular, 8.5)
    for i, line in enumerate(head.lines):
        canvas.drawString(x, top - 11 * mm - i * 3.8 * mm, line)
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(1)
    rule_y = top - logo_h - 3 * mm
    canvas.line(MARGIN, rule_y, width - MARGIN, rule_y)
    canvas.restoreState()


def _running_header(canvas: Canvas, doc: BaseDocTemplate, *, head: Letterhead, ref: str, a: Assets) -> None:
    width, height = doc.pagesize
    y = height - MARGIN - 4 * mm
    canvas.saveState()
    canvas.setFillColor(MUTED)
    canvas.setFont(a.bold, 9)
    canvas.drawString(MARGIN, y, head.organisation)
    canvas.setFont(a.regular, 9)
    canvas.drawRightString(width - MARGIN, y, f"Claim {ref}")
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, y - 3 * mm, width - MARGIN, y - 3 * mm)
    canvas.restoreState()


# ------------------------------------------------------------------ the text


@dataclass(frozen=True)
class _Styles:
    body: ParagraphStyle
    date: ParagraphStyle
    subject: ParagraphStyle
    heading: ParagraphStyle
    bullet: ParagraphStyle
    cell: ParagraphStyle
    cell_head: ParagraphStyle


_style_cache: dict[str, _Styles] = {}


def _styles(a: Assets) -> _Styles:
    cached = _style_cache.get(a.regular)
    if cached is not None:
        return cached
    body = ParagraphStyle(
        "body",
        fontName=a.regular,
        bulletFontName=a.regular,  # not the default Helvetica, which would be an unembedded font
        fontSize=10,
        leading=13.5,
        textColor=INK,
        spaceAfter=6,
    )
    styles = _Styles(
        body=body,
        date=ParagraphStyle("date", parent=body, alignment=TA_RIGHT, spaceAfter=0),
        subject=ParagraphStyle(
            "subject", parent=body, fontName=a.bold, fontSize=11.5, leading=15, spaceAfter=4
        ),
        heading=ParagraphStyle(
            "heading",
            parent=body,
            fontName=a.bold,
            fontSize=10.5,
            spaceBefore=5,
            spaceAfter=4,
            keepWithNext=1,
        ),
        bullet=ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=3, spaceAfter=2.5),
        cell=ParagraphStyle("cell", parent=body, fontSize=8.5, leading=11, spaceAfter=0),
        cell_head=ParagraphStyle(
            "cell_head", parent=body, fontName=a.bold, fontSize=8.5, leading=11, spaceAfter=0
        ),
    )
    _style_cache[a.regular] = styles
    return styles


def _lines(*lines: str) -> str:
    return "<br/>".join(escape(line).replace("\n", "<br/>") for line in lines)


def _story(
    data: LetterData,
    subject: str,
    blocks: list[FilledBlock],
    head: Letterhead,
    st: _Styles,
    width: float,
) -> Iterator[Flowable]:
    yield Paragraph(
        f"{escape(format_date(data.letter_date))}<br/>Claim reference: <b>{escape(data.reference)}</b>",
        st.date,
    )
    who = data.addressee
    yield Paragraph(
        f"<b>{escape(who.name)}</b>" + ("<br/>" + _lines(*who.lines) if who.lines else ""), st.body
    )
    yield Spacer(0, 5 * mm)
    yield Paragraph(escape(subject), st.subject)
    yield Spacer(0, 2 * mm)
    previous = ""
    for b in blocks:
        if previous == "bullet" and b.kind != "bullet":
            yield Spacer(0, 3)  # a list ends with a little air before what follows
        previous = b.kind
        if b.kind == "heading":
            yield Paragraph(b.markup, st.heading)
        elif b.kind == "bullet":
            yield Paragraph(b.markup, st.bullet, bulletText="•")
        elif b.kind == "table":
            if b.rows:
                yield _table(b, st, width)
                yield Spacer(0, 3 * mm)
            else:
                yield Paragraph(b.markup, st.body)
        else:
            yield Paragraph(b.markup, st.body)
    yield KeepTogether(
        [
            Spacer(0, 3 * mm),
            Paragraph(escape(head.closing), st.body),
            Spacer(0, 9 * mm),
            Paragraph(
                f"<b>{escape(data.signer.name)}</b><br/>{_lines(data.signer.title, head.organisation)}",
                st.body,
            ),
        ]
    )


def _table(b: FilledBlock, st: _Styles, width: float) -> Table:
    rows = [[Paragraph(escape(h), st.cell_head) for h in b.headings]]
    rows += [[Paragraph(_lines(c), st.cell) for c in row] for row in b.rows]
    # columns share the width by how much they hold, none narrower than its heading needs
    n = len(b.headings)
    weights = [max(len(b.headings[i]) + 2, *(min(len(row[i]), 48) for row in b.rows)) for i in range(n)]
    widths = [width * w / sum(weights) for w in weights]
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), st.cell.fontName, st.cell.fontSize, st.cell.leading),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EDF3")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table
