"""Reports layer: ReportLab letters. Data in, PDF bytes out; no Qt, no SQL (see DESIGN.md)."""

from typing import TYPE_CHECKING, Any

from atoz_desk.reports.data import Addressee, FieldValue, LetterData, Signer, format_date
from atoz_desk.reports.errors import LetterError, MissingLetterFields, TemplateError, UnrenderableText
from atoz_desk.reports.registry import KINDS, FieldType, LetterKind, kind_named
from atoz_desk.reports.templates import TemplateSet, parse_template, shipped_templates

if TYPE_CHECKING:
    from atoz_desk.reports.render import RenderedLetter, render_letter


def __getattr__(name: str) -> Any:
    """The renderer (ReportLab, ~0.2 s to import) loads with the first letter, not with the desk."""
    if name in ("RenderedLetter", "render_letter"):
        from atoz_desk.reports import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "KINDS",
    "Addressee",
    "FieldType",
    "FieldValue",
    "LetterData",
    "LetterError",
    "LetterKind",
    "MissingLetterFields",
    "RenderedLetter",
    "Signer",
    "TemplateError",
    "TemplateSet",
    "UnrenderableText",
    "format_date",
    "kind_named",
    "parse_template",
    "render_letter",
    "shipped_templates",
]
