"""The Customer Service intake feed: a CSV or JSON file of claims, checked row by row, filed together.

Rules (see PROGRAM_RULES.md, "Intake and eligibility"):

* Columns (CSV header, or the keys of each JSON object) are ``INTAKE_FIELDS``;
  the optional ones may be left out. A missing required column or an unknown
  one refuses the whole file, even with ``skip_invalid``: the feed's shape is
  wrong, not one claim.
* Every row goes through ``parse_intake``; a refusal names the row and field.
  CSV rows are numbered as in a spreadsheet (the header is row 1, the first
  claim row 2); JSON rows are the 1-based positions in the list.
* Without ``skip_invalid`` one bad row imports nothing. With it, the valid rows
  are imported and the rest reported. Either way the claims are filed in one
  transaction, so a refused attempt leaves nothing behind.
* A second claim for the same order and incident date is refused, whether the
  first is already in the database or earlier in the same file.
* The file must be UTF-8 (a BOM is fine). Its size is checked before anything
  is read; CSV is streamed. Binary junk is an error message, never a traceback.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import stat
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Literal, NamedTuple

from sqlalchemy import select

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim, Order
from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import ClaimState
from atoz_desk.domain.transitions import Actor
from atoz_desk.services.dto import IntakeRequest, IntakeResult
from atoz_desk.services.intake import IntakeService
from atoz_desk.services.intake_rules import INTAKE_FIELDS, OPTIONAL_FIELDS, parse_intake

ImportFormat = Literal["csv", "json"]
FORMATS: tuple[ImportFormat, ...] = ("csv", "json")

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
REQUIRED_FIELDS = tuple(f for f in INTAKE_FIELDS if f not in OPTIONAL_FIELDS)
# No intake row comes near this (the longest field allows 10,000 characters); a
# longer physical line means the file is not the intake CSV, and reading stops.
MAX_LINE_CHARS = 200_000
_LOOKUP_CHUNK = 500

CSV_ROW_NUMBERING = "rows are numbered as in a spreadsheet: the header is row 1, the first claim row 2"
JSON_ROW_NUMBERING = "rows are numbered by position in the JSON list, the first object is row 1"


class RejectedRow(NamedTuple):
    """One row that was not imported: its number, the field to correct (None: the whole row), why."""

    row: int
    field: str | None
    message: str

    def __str__(self) -> str:
        return (
            f"row {self.row}, {self.field}: {self.message}"
            if self.field
            else f"row {self.row}: {self.message}"
        )


@dataclass(frozen=True)
class ImportReport:
    """What an import did. Nothing was imported when `imported` is empty."""

    imported: tuple[str, ...]  # new claim references, in row order
    rejected: tuple[RejectedRow, ...]  # in row order
    rows_read: int  # claim rows in the file (blank CSV lines not counted)
    format: ImportFormat
    row_numbering: str  # how row numbers count, for messages
    results: tuple[IntakeResult, ...] = ()  # the intake outcome of each imported claim

    @property
    def complete(self) -> bool:
        """Every row was imported."""
        return not self.rejected

    @property
    def sent_to_fraud_review(self) -> int:
        return sum(1 for r in self.results if r.state == ClaimState.FRAUD_REVIEW.value)


class _Row(NamedTuple):
    number: int
    values: Mapping[str, object] | None  # None: the row was refused while reading
    problem: RejectedRow | None = None


class ImportService:
    """Reads the intake feed and files its claims through IntakeService."""

    def __init__(
        self,
        db: Database,
        policy: PolicySettings,
        clock: Callable[[], datetime],
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._db = db
        self._policy = policy
        self._clock = clock
        self._intake = IntakeService(db, policy, clock)
        self.max_bytes = max_bytes

    def import_file(
        self,
        path: str | os.PathLike[str],
        *,
        fmt: str | None = None,
        skip_invalid: bool = False,
        actor: Actor,
        max_bytes: int | None = None,
    ) -> ImportReport:
        """Import the claims in `path` (format from `fmt`, else from the suffix).

        Raises ValidationError (nothing imported) when the file itself is unusable:
        unreadable, too large, not UTF-8, not CSV/JSON, wrong columns. Row problems
        are returned in the report instead.
        """
        path = Path(path)
        kind = guess_format(path, fmt)
        limit = self.max_bytes if max_bytes is None else max_bytes
        _check_file(path, limit)
        numbering = CSV_ROW_NUMBERING if kind == "csv" else JSON_ROW_NUMBERING
        now = self._clock()

        rejected: list[RejectedRow] = []
        valid: list[tuple[int, IntakeRequest]] = []
        rows_read = 0
        try:
            rows = _csv_rows(path) if kind == "csv" else _json_rows(path, limit)
            with closing(rows):
                for row in rows:
                    rows_read += 1
                    if row.problem is not None or row.values is None:
                        rejected.append(row.problem or RejectedRow(row.number, None, "unreadable row"))
                        continue
                    try:
                        valid.append((row.number, self._parse(row.values, now)))
                    except ValidationError as exc:
                        rejected.append(_rejection(row.number, exc))
        except OSError as exc:
            raise ValidationError(f"cannot read {path}: {exc.strerror or exc}") from None

        valid, in_file = _check_batch(valid)
        rejected += in_file
        valid, in_db = self._check_existing(valid)
        rejected += in_db

        results: list[IntakeResult] = []
        if valid and (skip_invalid or not rejected):
            results, refused = self._file(valid, actor, skip_invalid=skip_invalid)
            rejected += refused
        return ImportReport(
            imported=tuple(r.reference for r in results),
            rejected=tuple(sorted(rejected, key=lambda r: r.row)),
            rows_read=rows_read,
            format=kind,
            row_numbering=numbering,
            results=tuple(results),
        )

    def _parse(self, values: Mapping[str, object], now: datetime) -> IntakeRequest:
        cells = {name: _cell(name, value) for name, value in values.items()}
        try:
            return parse_intake(cells, self._policy, now)
        except (ArithmeticError, OverflowError):
            # parse_intake lets a few out-of-range values through as arithmetic errors
            # (amounts of 1e26 and more, times near year 1 or 9999 with an offset):
            # the row is refused all the same, never a crash.
            field = _out_of_range_field(cells)
            raise ValidationError(f"{field}: {cells.get(field)!r} is out of range", field) from None

    def _check_existing(
        self, valid: list[tuple[int, IntakeRequest]]
    ) -> tuple[list[tuple[int, IntakeRequest]], list[RejectedRow]]:
        """Refuse rows whose order and incident already have a claim, all at once and before filing.

        IntakeService makes the same check (and stays the final word); asking
        first reports every duplicate in one go and spares the retries.
        """
        order_ids = sorted({req.order_id for _, req in valid})
        existing: dict[tuple[str, date], str] = {}
        with self._db.reading() as s:
            for start in range(0, len(order_ids), _LOOKUP_CHUNK):
                chunk = order_ids[start : start + _LOOKUP_CHUNK]
                found = s.execute(
                    select(Order.external_id, Claim.incident_date, Claim.reference)
                    .join(Claim, Claim.order_id == Order.id)
                    .where(Order.external_id.in_(chunk), Claim.state != ClaimState.WITHDRAWN.value)
                    .order_by(Claim.id)
                )
                for order_id, incident_date, existing_reference in found:
                    existing.setdefault((order_id, incident_date), existing_reference)
        keep: list[tuple[int, IntakeRequest]] = []
        refused: list[RejectedRow] = []
        for number, req in valid:
            reference = existing.get((req.order_id, req.incident_date))
            if reference is None:
                keep.append((number, req))
            else:
                refused.append(
                    RejectedRow(
                        number,
                        "order_id",
                        f"order {req.order_id} already has claim {reference} for the incident on "
                        f"{req.incident_date.isoformat()}",
                    )
                )
        return keep, refused

    def _file(
        self, pending: list[tuple[int, IntakeRequest]], actor: Actor, *, skip_invalid: bool
    ) -> tuple[list[IntakeResult], list[RejectedRow]]:
        """File `pending` in one transaction; with `skip_invalid`, drop each refused row and try again.

        Every attempt is all or nothing, so a refused attempt leaves no claim,
        customer or order behind; only the final, successful one commits.
        """
        refused: list[RejectedRow] = []
        while pending:
            batch = _Tracked([req for _, req in pending])
            try:
                return self._intake.file_claims(batch, actor), refused
            except ValidationError as exc:  # includes DuplicateClaim
                if batch.position < 0:
                    raise
                refused.append(_rejection(pending[batch.position][0], exc))
                if not skip_invalid:
                    return [], refused
                pending = pending[: batch.position] + pending[batch.position + 1 :]
        return [], refused


class _Tracked:
    """The requests handed to IntakeService, remembering which one it was working on."""

    def __init__(self, reqs: Sequence[IntakeRequest]) -> None:
        self._reqs = reqs
        self.position = -1

    def __iter__(self) -> Iterator[IntakeRequest]:
        for position, req in enumerate(self._reqs):
            self.position = position
            yield req


# ------------------------------------------------------------------ the file


def guess_format(path: Path, fmt: str | None) -> ImportFormat:
    """`fmt` when given, else from the file name's suffix."""
    if fmt is not None:
        wanted = fmt.strip().lower()
        for known in FORMATS:
            if wanted == known:
                return known
        raise ValidationError(f"format: {fmt!r} is not one of {', '.join(FORMATS)}", "format")
    suffix = path.suffix.lower().lstrip(".")
    for known in FORMATS:
        if suffix == known:
            return known
    raise ValidationError(
        f"cannot tell the format of {path.name!r} from its name; name it .csv or .json "
        "or give the format (--format csv|json)",
        "format",
    )


def _check_file(path: Path, max_bytes: int) -> int:
    """The file's size, after making sure it is a regular, non-empty file within the limit."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ValidationError(f"no such file: {path}") from None
    except OSError as exc:
        raise ValidationError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ValidationError(f"{path} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ValidationError(f"{path} is not a regular file")
    if info.st_size > max_bytes:
        raise ValidationError(
            f"{path.name} is {_size(info.st_size)}, over the import limit of {_size(max_bytes)}; "
            "split it into smaller files"
        )
    if info.st_size == 0:
        raise ValidationError(f"{path.name} is empty: there is no header and no claim")
    return info.st_size


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


def _not_utf8(offset: int, byte: int, hint: str = "") -> ValidationError:
    if not hint:
        if byte == 0:
            hint = " (a NUL byte: the file looks like UTF-16 or binary data)"
        elif offset == 0 and byte in (0xFE, 0xFF):
            hint = " (the file starts with a UTF-16 byte-order mark)"
        elif byte >= 0x80:
            hint = " (perhaps Latin-1 / Windows-1252 text, or not text at all)"
    return ValidationError(
        f"not UTF-8 text: byte 0x{byte:02X} at offset {offset}{hint}; save the file as UTF-8 "
        "(in a spreadsheet: CSV UTF-8)"
    )


def _encoding_problem_in_bytes(data: bytes, base: int = 0) -> ValidationError | None:
    """The first byte of `data` that is not UTF-8 text (or a NUL), as an error; None when clean."""
    body = data[3:] if base == 0 and data.startswith(codecs.BOM_UTF8) else data
    skipped = len(data) - len(body)
    nul = body.find(b"\x00")
    try:
        body[: len(body) if nul < 0 else nul].decode("utf-8")
    except UnicodeDecodeError as exc:
        return _not_utf8(base + skipped + exc.start, body[exc.start])
    return None if nul < 0 else _not_utf8(base + skipped + nul, 0)


def _encoding_problem_in_file(path: Path) -> ValidationError:
    """Find where `path` stops being UTF-8 text, reading it in pieces."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    offset = 0
    with path.open("rb") as f:
        while chunk := f.read(64 * 1024):
            pending = decoder.getstate()[0]
            nul = chunk.find(b"\x00")
            try:
                decoder.decode(chunk if nul < 0 else chunk[:nul])
            except UnicodeDecodeError as exc:
                data = pending + chunk
                return _not_utf8(offset - len(pending) + exc.start, data[exc.start])
            if nul >= 0:
                return _not_utf8(offset + nul, 0)
            offset += len(chunk)
        pending = decoder.getstate()[0]
        if pending:
            return _not_utf8(
                offset - len(pending), pending[0], " (the file ends in the middle of a character)"
            )
    return ValidationError("not UTF-8 text; save the file as UTF-8")  # pragma: no cover - defensive


def _lines(text: io.TextIOBase, path: Path) -> Iterator[str]:
    """Physical lines for the csv module, refusing non-text and absurdly long lines."""
    number = 0
    while True:
        try:
            line = text.readline(MAX_LINE_CHARS + 1)
        except UnicodeDecodeError:
            raise _encoding_problem_in_file(path) from None
        if not line:
            return
        number += 1
        if "\x00" in line:
            raise _encoding_problem_in_file(path)
        if len(line) > MAX_LINE_CHARS:
            raise ValidationError(
                f"line {number} of {path.name} is longer than {MAX_LINE_CHARS:,} characters; "
                "this is not an intake CSV file"
            )
        yield line


def _csv_rows(path: Path) -> Generator[_Row, None, None]:
    with io.TextIOWrapper(path.open("rb"), encoding="utf-8-sig", errors="strict", newline="") as text:
        reader = csv.reader(_lines(text, path))
        records = enumerate(reader, start=1)
        try:
            first = next(records, None)
            if first is None or not any(cell.strip() for cell in first[1]):
                raise ValidationError(
                    f"{path.name}: row 1 must be the header with the column names "
                    f"({', '.join(INTAKE_FIELDS)}); it is empty"
                )
            columns = _check_columns(first[1], source=f"the header of {path.name}")
            width = len(columns)
            for number, cells in records:
                if not any(cell.strip() for cell in cells):
                    continue  # blank line (spreadsheets leave them at the end)
                if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                    yield _Row(
                        number,
                        None,
                        RejectedRow(
                            number, None, f"has {len(cells)} values but the header has {width} columns"
                        ),
                    )
                    continue
                cells = cells[:width] + [""] * (width - len(cells))
                yield _Row(number, dict(zip(columns, cells, strict=True)))
        except csv.Error as exc:
            raise ValidationError(
                f"{path.name} is not valid CSV near line {reader.line_num}: {exc}; nothing was imported"
            ) from None


def _check_columns(names: Iterable[str], *, source: str, word: str = "column") -> list[str]:
    """Normalised column names; refuses missing required, unknown and repeated ones in one message."""
    columns = [name.strip().lower() for name in names]
    problems: list[str] = []
    missing = [f for f in REQUIRED_FIELDS if f not in columns]
    if missing:
        problems.append(f"missing required {word}(s): {', '.join(missing)}")
    unknown = [
        repr(name) if name else f"{word} {i} (no name)"
        for i, name in enumerate(columns, start=1)
        if name not in INTAKE_FIELDS
    ]
    if unknown:
        problems.append(f"unknown {word}(s): {', '.join(unknown)}")
    twice = sorted({name for name in columns if name and columns.count(name) > 1})
    if twice:
        problems.append(f"{word}(s) given twice: {', '.join(twice)}")
    if problems:
        hint = ""
        if len(columns) == 1 and any(sep in columns[0] for sep in ";\t|"):
            hint = " The columns must be separated by commas, not semicolons or tabs."
        raise ValidationError(
            f"{source} does not match the intake feed: {'; '.join(problems)}. "
            f"The {word}s are: {', '.join(INTAKE_FIELDS)} "
            f"(optional: {', '.join(f for f in INTAKE_FIELDS if f in OPTIONAL_FIELDS)}); "
            f"nothing was imported.{hint}"
        )
    return columns


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    obj: dict[str, object] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


def _no_constants(name: str) -> object:
    raise ValidationError(f"the JSON contains {name}, which is not a number; nothing was imported")


def _json_rows(path: Path, max_bytes: int) -> Generator[_Row, None, None]:
    with path.open("rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(f"{path.name} is over the import limit of {_size(max_bytes)}")
    problem = _encoding_problem_in_bytes(data)
    if problem is not None:
        raise problem
    text = data.decode("utf-8-sig")
    if not text.strip():
        raise ValidationError(f"{path.name} is empty: expected a JSON list of claims")
    try:
        document = json.loads(
            text, parse_float=Decimal, parse_constant=_no_constants, object_pairs_hook=_no_duplicate_keys
        )
    except _DuplicateKey as exc:
        raise ValidationError(f"{path.name}: a JSON object has the key {exc.args[0]!r} twice") from None
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from None
    except (ValueError, RecursionError) as exc:  # e.g. 5,000-digit integers, [[[[…]]]] nested too deep
        raise ValidationError(f"{path.name} is not usable JSON: {exc}") from None
    if not isinstance(document, list):
        raise ValidationError(
            f"{path.name} must be a JSON list of claim objects, [{{...}}, {{...}}], "
            f"not {_json_kind(document)}"
        )
    for number, item in enumerate(document, start=1):
        if not isinstance(item, dict):
            raise ValidationError(
                f"{path.name} must be a JSON list of claim objects; row {number} is "
                f"{_json_kind(item)}; nothing was imported"
            )
    for number, item in enumerate(document, start=1):
        _check_columns(item.keys(), source=f"the object in row {number} of {path.name}", word="key")
    for number, item in enumerate(document, start=1):
        yield _Row(number, {key.strip().lower(): value for key, value in item.items()})


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return "a number"


def _cell(name: str, value: object) -> object:
    """One value as text for parse_intake; JSON may give numbers, never lists, objects or true/false."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ValidationError(f"{name}: give text or a number, not {_json_kind(value)}", name)
    return str(value)


def _out_of_range_field(cells: Mapping[str, object]) -> str:
    for name in ("amount_claimed", "product_price"):
        value = cells.get(name)
        try:
            text = value.strip().replace(",", "").lstrip("$£€") if isinstance(value, str) else ""
            if text and abs(Decimal(text)) >= Decimal("1e15"):
                return name
        except InvalidOperation:
            continue
    return "filed_at"


# ------------------------------------------------------------ the batch


def _rejection(number: int, exc: ValidationError) -> RejectedRow:
    message = exc.message
    if exc.field and message.startswith(f"{exc.field}: "):
        message = message[len(exc.field) + 2 :]
    return RejectedRow(number, exc.field, message)


def _check_batch(
    valid: list[tuple[int, IntakeRequest]],
) -> tuple[list[tuple[int, IntakeRequest]], list[RejectedRow]]:
    """Refuse rows that clash with an earlier row of the same file: the same claim, or the same
    order told differently (another customer, product, seller or order date)."""
    claims: dict[tuple[str, date], int] = {}
    orders: dict[str, tuple[int, IntakeRequest]] = {}
    keep: list[tuple[int, IntakeRequest]] = []
    refused: list[RejectedRow] = []
    for number, req in valid:
        earlier = claims.get((req.order_id, req.incident_date))
        if earlier is not None:
            refused.append(
                RejectedRow(
                    number,
                    "order_id",
                    f"order {req.order_id} already has a claim for the incident on "
                    f"{req.incident_date.isoformat()} in row {earlier} of this file",
                )
            )
            continue
        first = orders.get(req.order_id)
        if first is not None:
            clash = _order_clash(req, first[1])
            if clash is not None:
                field, what = clash
                refused.append(
                    RejectedRow(number, field, f"order {req.order_id} {what} in row {first[0]} of this file")
                )
                continue
        claims[(req.order_id, req.incident_date)] = number
        orders.setdefault(req.order_id, (number, req))
        keep.append((number, req))
    return keep, refused


def _order_clash(req: IntakeRequest, first: IntakeRequest) -> tuple[str, str] | None:
    if req.customer_email != first.customer_email:
        return "order_id", f"belongs to another customer ({first.customer_email})"
    if req.product_id != first.product_id or req.seller_id != first.seller_id:
        return "order_id", f"is for product {first.product_id} from seller {first.seller_id}"
    if req.order_date != first.order_date:
        return "order_date", f"was placed {first.order_date.isoformat()}"
    return None
