"""What one letter says: plain data in, checked against the registry, storable as JSON.

The JSON form is what the archive keeps beside the PDF, so a letter can be
explained (and redrawn) from exactly the data it was made from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any

from atoz_desk.domain.money import format_money
from atoz_desk.reports.errors import LetterError, MissingLetterFields
from atoz_desk.reports.registry import FIELDS, FieldSpec, FieldType, LetterKind, kind_named

Rows = tuple[tuple[str, ...], ...]
FieldValue = str | Decimal | date | Rows | None

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(d: date) -> str:
    """`9 November 2026`: a date no reader can misread as month/day or day/month."""
    if isinstance(d, datetime):
        d = d.astimezone(UTC).date()
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


@dataclass(frozen=True)
class Addressee:
    name: str
    lines: tuple[str, ...] = ()  # postal address lines, e-mail


@dataclass(frozen=True)
class Signer:
    name: str
    title: str


@dataclass(frozen=True)
class LetterData:
    kind: str
    reference: str
    letter_date: date
    currency: str
    addressee: Addressee
    signer: Signer
    fields: Mapping[str, FieldValue] = field(default_factory=lambda: MappingProxyType({}))
    created_at: datetime | None = None  # the PDF's creation time; None: the letter date

    @property
    def letter_kind(self) -> LetterKind:
        return kind_named(self.kind)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "reference": self.reference,
            "letter_date": self.letter_date.isoformat(),
            "currency": self.currency,
            "addressee": {"name": self.addressee.name, "lines": list(self.addressee.lines)},
            "signer": {"name": self.signer.name, "title": self.signer.title},
            "fields": {name: _value_to_json(value) for name, value in self.fields.items()},
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LetterData:
        fields: dict[str, FieldValue] = {}
        for name, raw in dict(data.get("fields") or {}).items():
            spec = FIELDS.get(name)
            fields[name] = _value_from_json(spec, raw) if spec is not None else raw
        created = data.get("created_at")
        return cls(
            kind=str(data["kind"]),
            reference=str(data["reference"]),
            letter_date=date.fromisoformat(str(data["letter_date"])),
            currency=str(data["currency"]),
            addressee=Addressee(str(data["addressee"]["name"]), tuple(data["addressee"].get("lines", ()))),
            signer=Signer(str(data["signer"]["name"]), str(data["signer"]["title"])),
            fields=MappingProxyType(fields),
            created_at=datetime.fromisoformat(created) if created else None,
        )


def is_blank(value: FieldValue) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_fields(data: LetterData) -> LetterKind:
    """The letter's kind, once every field it needs is present and of the right type."""
    kind = data.letter_kind
    unknown = sorted(set(data.fields) - set(kind.fields))
    if unknown:
        raise LetterError(f"the {kind.code} letter has no fields named {', '.join(unknown)}")
    missing = [n for n in kind.required if is_blank(data.fields.get(n))]
    for name, text in (
        ("reference", data.reference),
        ("addressee_name", data.addressee.name),
        ("signer_name", data.signer.name),
        ("signer_title", data.signer.title),
    ):
        if is_blank(text):
            missing.append(name)
    if missing:
        raise MissingLetterFields(kind.code, missing)
    for name, value in data.fields.items():
        if not is_blank(value):
            _check_type(FIELDS[name], value)
    return kind


def _check_type(spec: FieldSpec, value: FieldValue) -> None:
    ok = {
        FieldType.TEXT: isinstance(value, str),
        FieldType.MONEY: isinstance(value, Decimal) and value.is_finite(),
        FieldType.DATE: isinstance(value, date),
        FieldType.ROWS: isinstance(value, tuple)
        and all(
            isinstance(row, tuple) and len(row) == len(spec.columns) and all(isinstance(c, str) for c in row)
            for row in value
        ),
    }[spec.type]
    if not ok:
        raise LetterError(f"letter field {spec.name} ({spec.label}) should be {spec.type.value}: {value!r}")


def display(name: str, value: FieldValue, currency: str) -> str:
    """A scalar field as the letter prints it."""
    spec = FIELDS.get(name)
    if isinstance(value, Decimal):
        return format_money(value, currency)
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, str):
        return value
    raise LetterError(f"letter field {name} ({spec.label if spec else 'unknown'}) is not printable text")


def _value_to_json(value: FieldValue) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [list(row) for row in value]
    return value


def _value_from_json(spec: FieldSpec, raw: Any) -> FieldValue:
    if raw is None:
        return None
    try:
        if spec.type is FieldType.MONEY:
            return Decimal(str(raw))
        if spec.type is FieldType.DATE:
            return date.fromisoformat(str(raw))
        if spec.type is FieldType.ROWS:
            return tuple(tuple(str(c) for c in row) for row in raw)
    except (InvalidOperation, ValueError, TypeError):
        raise LetterError(f"stored letter field {spec.name} is not a {spec.type.value}: {raw!r}") from None
    return str(raw)
