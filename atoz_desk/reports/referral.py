"""The claim summary of an expert referral packet: data in, PDF bytes out. No Qt, no SQL.

Drawn on the same letterhead, fonts and page furniture as the letters (render.py),
so the experts receive a document that looks like the rest of our correspondence.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from atoz_desk.reports.assets import assets as load_assets
from atoz_desk.reports.assets import check_renderable
from atoz_desk.reports.render import (
    BRAND,
    FOOTER_HEIGHT,
    LETTERHEAD_HEIGHT,
    MARGIN,
    MUTED,
    RULE,
    RUNNING_HEADER_HEIGHT,
    _letterhead,
    _NumberedCanvas,
    _running_header,
    _Styles,
    _styles,
)
from atoz_desk.reports.templates import shipped_templates


@dataclass(frozen=True)
class SummarySection:
    """A heading and label/value rows (e.g. "Customer": name, e-mail, address)."""

    title: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class SummaryTable:
    """A heading, column names and rows of text; `note` is printed when there are no rows."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # fractions of the body width
    note: str = ""


@dataclass(frozen=True)
class ReferralSummary:
    reference: str
    title: str
    prepared_at: datetime
    prepared_by: str
    intro: str
    sections: tuple[SummarySection, ...]
    tables: tuple[SummaryTable, ...]


@dataclass(frozen=True)
class RenderedSummary:
    pdf: bytes
    sha256: str
    pages: int


def render_referral_summary(data: ReferralSummary) -> RenderedSummary:
    """The summary PDF. Raises UnrenderableText when a character cannot be drawn by our fonts."""
    head = shipped_templates().letterhead()
    footer = f"Claim {data.reference} · Expert referral summary"
    check_renderable(_texts(data, footer))
    a = load_assets()
    st = _styles(a)
    buf = io.BytesIO()
    width, height = LETTER
    doc = BaseDocTemplate(
        buf,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=data.title,
        author=head.organisation,
        subject=f"Claim {data.reference}",
        creator="AtoZ Desk",
        invariant=1,
        pageCompression=1,
        initialFontName=a.regular,
        lang="en",
    )
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
            PageTemplate(
                "later", [later], onPage=partial(_running_header, head=head, ref=data.reference, a=a)
            ),
        ]
    )
    identity = hashlib.sha256(repr(data).encode("utf-8")).digest()
    canvasmaker = partial(
        _NumberedCanvas,
        footer=footer,
        font=a.regular,
        seeded_fonts=(),  # the letters' subset seeds are for letters; a summary needs none
        created=data.prepared_at.astimezone(UTC),
        identity=identity,
    )
    doc.build(list(_story(data, st, body_w)), canvasmaker=canvasmaker)
    pdf = buf.getvalue()
    return RenderedSummary(pdf, hashlib.sha256(pdf).hexdigest(), doc.page)


def _texts(data: ReferralSummary, footer: str) -> Iterator[tuple[str, str]]:
    yield "title", data.title
    yield "intro", data.intro
    yield "prepared by", data.prepared_by
    yield "footer", footer
    for section in data.sections:
        yield section.title, "\n".join([section.title, *(f"{k} {v}" for k, v in section.rows)])
    for table in data.tables:
        yield (
            table.title,
            "\n".join([table.title, table.note, *table.columns, *(" ".join(r) for r in table.rows)]),
        )


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _story(data: ReferralSummary, st: _Styles, body_w: float) -> Iterator[Flowable]:
    yield _p(data.title, st.subject)
    yield _p(
        f"Prepared {data.prepared_at.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')} by {data.prepared_by}",
        st.date,
    )
    yield Spacer(1, 4)
    yield _p(data.intro, st.body)
    for section in data.sections:
        yield _p(section.title, st.heading)
        rows = [[_p(k, st.cell_head), _p(v, st.cell)] for k, v in section.rows]
        if rows:
            t = Table(rows, colWidths=[0.28 * body_w, 0.72 * body_w])
            t.setStyle(
                TableStyle(
                    [
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                        ("LEFTPADDING", (0, 0), (-1, -1), 2),
                        ("TOPPADDING", (0, 0), (-1, -1), 2),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                    ]
                )
            )
            yield t
    for table in data.tables:
        yield _p(table.title, st.heading)
        if not table.rows:
            yield _p(table.note or "None.", st.body)
            continue
        cells = [[_p(c, st.cell_head) for c in table.columns]]
        cells += [[_p(c, st.cell) for c in row] for row in table.rows]
        t = Table(cells, colWidths=[w * body_w for w in table.widths], repeatRows=1)
        t.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.8, BRAND),
                    ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                    ("TEXTCOLOR", (0, 0), (-1, 0), MUTED),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        yield t
