"""The claim summary of an expert referral packet: data in, PDF bytes out. No Qt, no SQL.

Drawn on the same letterhead, fonts and page furniture as the letters (render.py),
so the experts receive a document that looks like the rest of our correspondence.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    Flowable,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from atoz_desk.reports.assets import assets as load_assets
from atoz_desk.reports.assets import check_renderable
from atoz_desk.reports.render import (
    BRAND,
    MARGIN,
    MUTED,
    RULE,
    _Styles,
    _styles,
    build_on_letterhead,
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
    st = _styles(load_assets())
    body_w = LETTER[0] - 2 * MARGIN
    pdf, pages = build_on_letterhead(
        list(_story(data, st, body_w)),
        head=head,
        reference=data.reference,
        title=data.title,
        footer=footer,
        created=data.prepared_at.astimezone(UTC),
        identity=hashlib.sha256(repr(data).encode("utf-8")).digest(),
    )
    return RenderedSummary(pdf, hashlib.sha256(pdf).hexdigest(), pages)


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
