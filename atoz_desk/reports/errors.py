"""Why a letter could not be made: each names exactly what to fix."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from atoz_desk.domain.errors import DomainError


class LetterError(DomainError):
    """A letter cannot be produced as asked; nothing was archived."""


class TemplateError(LetterError):
    """A template file is malformed or uses fields its letter kind does not have."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"letter template {source}: {problem}")
        self.source = source
        self.problem = problem

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # travels back from worker processes intact
        return (type(self), (self.source, self.problem))


class MissingLetterFields(LetterError):
    """The data for a letter lacks fields the letter needs: never printed as blanks."""

    def __init__(self, kind: str, missing: Iterable[str]) -> None:
        self.missing = tuple(sorted(set(missing)))
        super().__init__(f"the {kind} letter cannot be made: missing {', '.join(self.missing)}")
        self.kind = kind

    def __reduce__(self) -> tuple[type, tuple[str, tuple[str, ...]]]:
        return (type(self), (self.kind, self.missing))


class UnrenderableText(LetterError):
    """Text holds characters no shipped font can draw; printing it would show empty boxes."""

    def __init__(self, characters: Iterable[str], where: Iterable[str] = ()) -> None:
        self.characters = tuple(sorted(set(characters)))
        self.where = tuple(sorted(set(where)))
        shown = ", ".join(describe_character(c) for c in self.characters)
        place = f" (in {', '.join(self.where)})" if self.where else ""
        super().__init__(
            f"the letter cannot show {shown}{place}: the letter fonts cover Latin, Greek and Cyrillic "
            "text only; correct the text or spell it in one of those scripts"
        )

    def __reduce__(self) -> tuple[type, tuple[tuple[str, ...], tuple[str, ...]]]:
        return (type(self), (self.characters, self.where))


def describe_character(c: str) -> str:
    """`'漢' U+6F22 CJK UNIFIED IDEOGRAPH-6F22`: visible, and nameable when invisible."""
    name = unicodedata.name(c, "unnamed character")
    shown = f"'{c}' " if c.isprintable() else ""
    return f"{shown}U+{ord(c):04X} {name}"
