"""The intake feed importer, on SQLite and PostgreSQL, with real files written to tmp_path."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from atoz_desk.data.database import Database
from atoz_desk.data.models import Claim, Customer, HistoryEntry, Order, Product, Seller
from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.transitions import SYSTEM_ACTOR
from atoz_desk.services import Services
from atoz_desk.services.importer import ImportReport, ImportService, RejectedRow
from atoz_desk.services.intake_rules import INTAKE_FIELDS

REFERENCE = re.compile(r"^AZ-\d{8}$")


# ------------------------------------------------------------------ helpers


def claim_row(n: int, **overrides: str) -> dict[str, str]:
    """A valid feed row; each `n` is its own order, product and customer."""
    row = {
        "order_id": f"112-{n:07d}",
        "order_date": "2026-09-01",
        "delivered_date": "2026-09-04",
        "product_id": f"B0{n:08d}",
        "product_title": "Oil-filled radiator 2 kW",
        "product_price": "89.99",
        "seller_id": "A1SELLER",
        "seller_name": "Acme Heaters Ltd",
        "customer_name": f"Customer {n}",
        "customer_email": f"customer{n}@example.com",
        "customer_address": f"{n} Main Street, Springfield",
        "incident_type": "property_damage",
        "incident_date": "2026-10-20",
        "filed_at": "2026-10-25T10:00:00Z",
        "amount_claimed": "250.00",
        "currency": "USD",
        "description": "The radiator leaked oil and scorched the floor.",
    }
    row.update(overrides)
    return row


def csv_text(rows: Sequence[dict[str, str]], fields: Sequence[str] = INTAKE_FIELDS) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def write_csv(
    path: Path, rows: Sequence[dict[str, str]], fields: Sequence[str] = INTAKE_FIELDS, encoding: str = "utf-8"
) -> Path:
    path.write_bytes(csv_text(rows, fields).encode(encoding))
    return path


def write_json(path: Path, rows: Sequence[dict[str, Any]]) -> Path:
    path.write_text(json.dumps(list(rows), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def write_feed(fmt: str, tmp_path: Path, rows: Sequence[dict[str, str]], name: str = "feed") -> Path:
    target = tmp_path / f"{name}.{fmt}"
    return write_csv(target, rows) if fmt == "csv" else write_json(target, rows)


def first_row(fmt: str) -> int:
    """The row number of the first claim: CSV counts the header as row 1."""
    return 2 if fmt == "csv" else 1


@pytest.fixture
def services(db: Database, clock: Callable[[], datetime]) -> Services:
    return Services.build(db, clock=clock)


@pytest.fixture
def importer(services: Services) -> ImportService:
    return ImportService(services.db, services.policy, services.clock)


def run(importer: ImportService, path: Path, **kwargs: Any) -> ImportReport:
    kwargs.setdefault("actor", SYSTEM_ACTOR)
    return importer.import_file(path, **kwargs)


def claims_total(services: Services) -> int:
    return sum(services.claims.counts_by_state().values())


def table_counts(db: Database) -> dict[str, int]:
    with db.reading() as s:
        return {
            model.__tablename__: s.scalar(select(func.count()).select_from(model)) or 0
            for model in (Customer, Seller, Product, Order, Claim)
        }


def refused(services: Services, importer: ImportService, path: Path, **kwargs: Any) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        run(importer, path, **kwargs)
    assert claims_total(services) == 0
    return info.value


# ------------------------------------------------------------- good files


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_good_file_imports_every_row_in_order(
    fmt: str, tmp_path: Path, services: Services, importer: ImportService
) -> None:
    path = write_feed(fmt, tmp_path, [claim_row(n) for n in range(1, 6)])

    report = run(importer, path)

    assert report.rows_read == 5
    assert report.rejected == ()
    assert report.complete
    assert len(report.imported) == 5 and all(REFERENCE.match(ref) for ref in report.imported)
    assert claims_total(services) == 5
    orders = [services.claims.detail(ref).order["external_id"] for ref in report.imported]
    assert orders == [f"112-{n:07d}" for n in range(1, 6)]
    assert [r.reference for r in report.results] == list(report.imported)


def test_import_is_recorded_as_intake_by_the_actor(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    services.users.add_user("carol", role="adjuster", authority="1000", password="correct horse")
    carol = services.users.actor("carol")
    report = run(importer, write_csv(tmp_path / "f.csv", [claim_row(1)]), actor=carol)
    with services.db.reading() as s:
        actions = s.execute(select(HistoryEntry.action, HistoryEntry.actor_id)).all()
    assert report.imported and [tuple(a) for a in actions] == [("intake", carol.user_id)]


def test_utf8_with_bom_and_spreadsheet_habits_are_accepted(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    """BOM, header in other case with spaces, CRLF inside a quoted cell, blank trailing lines."""
    text = csv_text([claim_row(1, customer_name="Zoë Łukasiewicz", description="Smoke,\r\nthen fire")])
    header, _, body = text.partition("\r\n")
    text = " ORDER_ID ," + header.split(",", 1)[1] + "\r\n" + body + ",,,,,,,,,,,,,,,,\r\n\r\n"
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))

    report = run(importer, path)

    assert report.rejected == () and report.rows_read == 1 and len(report.imported) == 1
    detail = services.claims.detail(report.imported[0])
    assert detail.customer["name"] == "Zoë Łukasiewicz"
    assert detail.description == "Smoke,\nthen fire"


def test_optional_columns_may_be_left_out(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    fields = [f for f in INTAKE_FIELDS if f not in ("delivered_date", "currency", "description")]
    report = run(importer, write_csv(tmp_path / "short.csv", [claim_row(1)], fields))
    assert len(report.imported) == 1
    assert services.claims.detail(report.imported[0]).currency == "USD"


def test_json_numbers_are_exact(tmp_path: Path, services: Services, importer: ImportService) -> None:
    path = tmp_path / "numbers.json"
    row: dict[str, Any] = claim_row(1)
    path.write_text(
        json.dumps([row]).replace('"250.00"', "250.1").replace('"89.99"', "89.99"),
        encoding="utf-8",
    )
    report = run(importer, path)
    assert len(report.imported) == 1
    assert str(services.claims.detail(report.imported[0]).amount_claimed) == "250.10"


def test_header_only_and_empty_list_are_zero_rows(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    for path in (write_csv(tmp_path / "h.csv", []), write_json(tmp_path / "e.json", [])):
        report = run(importer, path)
        assert (report.rows_read, report.imported, report.rejected) == (0, (), ())
    assert claims_total(services) == 0


def test_customers_sellers_products_orders_are_created_once_and_matched(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    # one customer with two orders of the same product, and another customer; one seller
    zoe = {"customer_name": "Zoë", "customer_email": "zoe@example.com", "customer_address": "1 Elm Row"}
    first = [
        claim_row(1, product_id="B0RADIATOR", **zoe),
        claim_row(2, product_id="B0RADIATOR", **zoe),
        claim_row(3),
    ]
    report = run(importer, write_csv(tmp_path / "day1.csv", first))
    assert len(report.imported) == 3
    after_first = table_counts(services.db)
    assert after_first == {"customers": 2, "sellers": 1, "products": 2, "orders": 3, "claims": 3}

    # the next day: new incidents on the same orders (Zoë's e-mail in another case)
    second = [
        {**row, "incident_date": "2026-10-27", "filed_at": "2026-10-28T08:00:00Z"}
        for row in (
            {**first[0], "customer_email": "ZOE@example.com"},
            first[1],
            first[2],
        )
    ]
    report = run(importer, write_json(tmp_path / "day2.json", second))
    assert report.rejected == () and len(report.imported) == 3
    assert table_counts(services.db) == {**after_first, "claims": 6}


# ----------------------------------------------------------------- bad rows


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_one_bad_row_imports_nothing(
    fmt: str, tmp_path: Path, services: Services, importer: ImportService
) -> None:
    rows = [claim_row(n) for n in range(1, 6)]
    rows[2]["amount_claimed"] = "abc"
    path = write_feed(fmt, tmp_path, rows)

    report = run(importer, path)

    bad = first_row(fmt) + 2
    assert report.imported == ()
    assert report.rows_read == 5
    assert [(r.row, r.field) for r in report.rejected] == [(bad, "amount_claimed")]
    assert str(report.rejected[0]).startswith(f"row {bad}, amount_claimed: ")
    assert "'abc' is not a number" in report.rejected[0].message
    assert claims_total(services) == 0
    assert table_counts(services.db)["customers"] == 0
    if fmt == "csv":
        assert "header is row 1" in report.row_numbering


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(
    fmt: str, tmp_path: Path, services: Services, importer: ImportService
) -> None:
    rows = [claim_row(n) for n in range(1, 6)]
    rows[2]["amount_claimed"] = "abc"
    path = write_feed(fmt, tmp_path, rows)

    report = run(importer, path, skip_invalid=True)

    assert len(report.imported) == 4
    assert [(r.row, r.field) for r in report.rejected] == [(first_row(fmt) + 2, "amount_claimed")]
    assert claims_total(services) == 4
    orders = [services.claims.detail(ref).order["external_id"] for ref in report.imported]
    assert orders == [f"112-{n:07d}" for n in (1, 2, 4, 5)]


def test_every_bad_row_is_reported(tmp_path: Path, services: Services, importer: ImportService) -> None:
    rows = [claim_row(n) for n in range(1, 5)]
    rows[0]["customer_email"] = "not-an-address"
    rows[3]["incident_type"] = "theft"
    report = run(importer, write_csv(tmp_path / "f.csv", rows))
    assert [(r.row, r.field) for r in report.rejected] == [(2, "customer_email"), (5, "incident_type")]
    assert claims_total(services) == 0


@pytest.mark.parametrize(
    ("amount", "says"),
    [
        ("-5", "greater than"),
        ("0", "greater than"),
        ("1e9", "not a number like"),
        ("1000000000", "over the program maximum"),
        ("1000000.01", "over the program maximum"),
        ("12.345", "more than 2 decimal places"),
        ("abc", "not a number"),
        ("NaN", "not a number like"),
        ("", "required"),
        ("1" + "0" * 40, "far over any allowed amount"),
    ],
)
def test_bad_amounts_are_refused_naming_the_field(
    amount: str, says: str, tmp_path: Path, services: Services, importer: ImportService
) -> None:
    report = run(importer, write_csv(tmp_path / "f.csv", [claim_row(1, amount_claimed=amount)]))
    assert report.imported == ()
    assert [(r.row, r.field) for r in report.rejected] == [(2, "amount_claimed")]
    assert says in report.rejected[0].message
    assert claims_total(services) == 0


def test_the_largest_amount_is_accepted(tmp_path: Path, services: Services, importer: ImportService) -> None:
    report = run(importer, write_csv(tmp_path / "f.csv", [claim_row(1, amount_claimed="1000000.00")]))
    assert len(report.imported) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"incident_date": "2026-11-03"}, "incident_date", "in the future"),
        ({"incident_date": "2026-10-26"}, "incident_date", "after the claim was filed"),
        ({"filed_at": "2026-11-05T10:00:00Z"}, "filed_at", "in the future"),
        ({"order_date": "2021-08-31"}, "order_date", "before the program started on 2021-09-01"),
        ({"order_date": "2026-13-01"}, "order_date", "is not a date"),
        ({"filed_at": "9999-12-31T23:00:00-05:00"}, "filed_at", ""),  # overflows in parse_intake
        ({"delivered_date": "2026-08-01"}, "delivered_date", "before the order date"),
        ({"currency": "JPY"}, "currency", "not a supported currency"),
        ({"customer_name": "Zoë\x07"}, "customer_name", "control characters"),
        ({"seller_id": ""}, "seller_id", "required"),
    ],
)
def test_bad_dates_and_fields_are_refused_naming_the_field(
    overrides: dict[str, str],
    field: str,
    says: str,
    tmp_path: Path,
    services: Services,
    importer: ImportService,
) -> None:
    report = run(importer, write_json(tmp_path / "f.json", [claim_row(1), claim_row(2, **overrides)]))
    assert report.imported == ()
    assert [(r.row, r.field) for r in report.rejected] == [(2, field)]
    assert says in report.rejected[0].message
    assert claims_total(services) == 0


def test_program_start_day_itself_is_eligible(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    report = run(importer, write_csv(tmp_path / "f.csv", [claim_row(1, order_date="2021-09-01")]))
    assert len(report.imported) == 1


def test_json_values_must_be_text_or_numbers(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    rows: list[dict[str, Any]] = [claim_row(1), claim_row(2), claim_row(3)]
    rows[0]["customer_name"] = ["Zoë"]
    rows[1]["amount_claimed"] = True
    report = run(importer, write_json(tmp_path / "f.json", rows), skip_invalid=True)
    assert [(r.row, r.field) for r in report.rejected] == [(1, "customer_name"), (2, "amount_claimed")]
    assert "not a list" in report.rejected[0].message
    assert len(report.imported) == 1


def test_csv_row_with_too_many_values_is_refused(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    text = csv_text([claim_row(1), claim_row(2)])
    lines = text.split("\r\n")
    lines[2] += ",surprise"
    path = tmp_path / "wide.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    report = run(importer, path, skip_invalid=True)
    assert report.rejected == (RejectedRow(3, None, "has 18 values but the header has 17 columns"),)
    assert str(report.rejected[0]) == "row 3: has 18 values but the header has 17 columns"
    assert len(report.imported) == 1


# --------------------------------------------------------------- duplicates


def test_duplicate_of_an_existing_claim_names_it(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    existing = run(importer, write_csv(tmp_path / "day1.csv", [claim_row(1)])).imported[0]

    again = [claim_row(2), {**claim_row(1), "amount_claimed": "300.00", "filed_at": "2026-10-30T09:00:00Z"}]
    report = run(importer, write_csv(tmp_path / "day2.csv", again))
    assert report.imported == ()
    assert [(r.row, r.field) for r in report.rejected] == [(3, "order_id")]
    assert existing in report.rejected[0].message
    assert claims_total(services) == 1

    report = run(importer, write_csv(tmp_path / "day2.csv", again), skip_invalid=True)
    assert len(report.imported) == 1 and [r.row for r in report.rejected] == [3]
    assert existing in report.rejected[0].message
    assert claims_total(services) == 2


def test_reimporting_the_same_file_with_skip_invalid_adds_nothing(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    path = write_csv(tmp_path / "f.csv", [claim_row(n) for n in range(1, 4)])
    first = run(importer, path)
    second = run(importer, path, skip_invalid=True)
    assert second.imported == ()
    assert [r.row for r in second.rejected] == [2, 3, 4]
    assert [ref for ref, r in zip(first.imported, second.rejected, strict=True) if ref in r.message] == list(
        first.imported
    )
    assert claims_total(services) == 3


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_duplicate_inside_the_file_names_the_earlier_row(
    fmt: str, tmp_path: Path, services: Services, importer: ImportService
) -> None:
    rows = [claim_row(1), claim_row(2), claim_row(3), {**claim_row(1), "amount_claimed": "999.00"}]
    path = write_feed(fmt, tmp_path, rows)
    first = first_row(fmt)

    report = run(importer, path)
    assert report.imported == ()
    assert [(r.row, r.field) for r in report.rejected] == [(first + 3, "order_id")]
    assert f"in row {first} of this file" in report.rejected[0].message
    assert claims_total(services) == 0

    report = run(importer, path, skip_invalid=True)
    assert len(report.imported) == 3 and len(report.rejected) == 1
    assert claims_total(services) == 3


def test_same_order_with_another_incident_date_is_a_new_claim(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    rows = [claim_row(1), claim_row(1, incident_date="2026-10-21")]
    report = run(importer, write_csv(tmp_path / "f.csv", rows))
    assert len(report.imported) == 2
    assert table_counts(services.db)["orders"] == 1


def test_conflicting_order_inside_the_file_is_refused(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    rows = [claim_row(1), claim_row(1, incident_date="2026-10-21", customer_email="other@example.com")]
    report = run(importer, write_csv(tmp_path / "f.csv", rows))
    assert [(r.row, r.field) for r in report.rejected] == [(3, "order_id")]
    assert "another customer" in report.rejected[0].message and "row 2" in report.rejected[0].message
    assert claims_total(services) == 0


def test_a_row_the_intake_service_refuses_is_skipped_and_the_rest_retried(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    """The service refuses row 4 mid-transaction (order on file for another customer): with
    --skip-invalid the attempt is rolled back and the other rows filed; nothing leaks."""
    run(importer, write_csv(tmp_path / "day1.csv", [claim_row(9, order_id="ORDER-X")]))
    before = table_counts(services.db)
    rows = [
        claim_row(1),
        claim_row(2),
        claim_row(3, order_id="ORDER-X", incident_date="2026-10-22"),  # another customer's order
        claim_row(4),
    ]
    path = write_csv(tmp_path / "day2.csv", rows)

    report = run(importer, path)
    assert report.imported == ()
    assert [(r.row, r.field) for r in report.rejected] == [(4, "order_id")]
    assert "another customer" in report.rejected[0].message
    assert table_counts(services.db) == before

    report = run(importer, path, skip_invalid=True)
    assert [(r.row, r.field) for r in report.rejected] == [(4, "order_id")]
    orders = [services.claims.detail(ref).order["external_id"] for ref in report.imported]
    assert orders == ["112-0000001", "112-0000002", "112-0000004"]
    after = table_counts(services.db)
    assert after == {
        **before,
        "customers": before["customers"] + 3,
        "orders": before["orders"] + 3,
        "products": before["products"] + 3,
        "claims": before["claims"] + 3,
    }


# ------------------------------------------------------------ bad files


def test_missing_required_columns_are_named(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    fields = [f for f in INTAKE_FIELDS if f not in ("customer_email", "incident_type")]
    error = refused(services, importer, write_csv(tmp_path / "f.csv", [claim_row(1)], fields))
    assert "missing required column(s): customer_email, incident_type" in error.message

    with pytest.raises(ValidationError, match="missing required"):
        run(importer, write_csv(tmp_path / "g.csv", [claim_row(1)], fields), skip_invalid=True)


def test_unknown_columns_are_named(tmp_path: Path, services: Services, importer: ImportService) -> None:
    fields = [*INTAKE_FIELDS, "loyalty_tier"]
    rows = [{**claim_row(1), "loyalty_tier": "gold"}]
    error = refused(services, importer, write_csv(tmp_path / "f.csv", rows, fields), skip_invalid=True)
    assert "unknown column(s): 'loyalty_tier'" in error.message


def test_renamed_and_repeated_columns(tmp_path: Path, services: Services, importer: ImportService) -> None:
    fields = ["orderid" if f == "order_id" else f for f in INTAKE_FIELDS]
    text = csv_text([{**claim_row(1), "orderid": "x"}], fields)
    (tmp_path / "f.csv").write_text(text, encoding="utf-8")
    error = refused(services, importer, tmp_path / "f.csv")
    assert "missing required column(s): order_id" in error.message
    assert "unknown column(s): 'orderid'" in error.message

    (tmp_path / "g.csv").write_text("order_id,Order_ID," + text.split(",", 1)[1], encoding="utf-8")
    assert "given twice: order_id" in refused(services, importer, tmp_path / "g.csv").message


def test_semicolon_separated_file_gets_a_hint(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    path = tmp_path / "f.csv"
    path.write_text(csv_text([claim_row(1)]).replace(",", ";"), encoding="utf-8")
    assert "separated by commas" in refused(services, importer, path).message


def test_json_keys_are_checked_per_object(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    rows: list[dict[str, Any]] = [claim_row(1), claim_row(2)]
    del rows[1]["filed_at"]
    error = refused(services, importer, write_json(tmp_path / "f.json", rows), skip_invalid=True)
    assert "the object in row 2" in error.message and "missing required key(s): filed_at" in error.message

    rows = [claim_row(1), {**claim_row(2), "vip": True}]
    error = refused(services, importer, write_json(tmp_path / "g.json", rows))
    assert "unknown key(s): 'vip'" in error.message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"claims": []}', "must be a JSON list of claim objects"),
        ('"hello"', "not a string"),
        ('[{"order_id": "1"}, 7]', "row 2 is a number"),
        ("[1, 2", "not valid JSON"),
        ('[{"amount_claimed": NaN}]', "NaN"),
        ('[{"a": 1, "a": 2}]', "the key 'a' twice"),
        ("[" * 100_000 + "]" * 100_000, "not usable JSON"),
        ("  \n", "is empty"),
    ],
)
def test_json_that_is_not_a_list_of_objects(
    text: str, says: str, tmp_path: Path, services: Services, importer: ImportService
) -> None:
    path = tmp_path / "f.json"
    path.write_text(text, encoding="utf-8")
    assert says in refused(services, importer, path, skip_invalid=True).message


def test_latin1_file_is_refused_with_the_offending_byte(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    path = write_csv(tmp_path / "latin1.csv", [claim_row(1, customer_name="Zoë")], encoding="latin-1")
    offset = path.read_bytes().index(b"\xeb")
    error = refused(services, importer, path, skip_invalid=True)
    assert f"not UTF-8 text: byte 0xEB at offset {offset}" in error.message
    assert "save the file as UTF-8" in error.message


@pytest.mark.parametrize(
    ("encoding", "byte", "offset"),
    [("utf-16", "0xFF", 0), ("utf-16-le", "0x00", 1), ("utf-16-be", "0x00", 0)],
)
def test_utf16_file_is_refused(
    encoding: str, byte: str, offset: int, tmp_path: Path, services: Services, importer: ImportService
) -> None:
    path = write_csv(tmp_path / "wide.csv", [claim_row(1, customer_name="Zoë")], encoding=encoding)
    error = refused(services, importer, path)
    assert f"not UTF-8 text: byte {byte} at offset {offset}" in error.message
    json_path = tmp_path / "wide.json"
    json_path.write_bytes(json.dumps([claim_row(1)]).encode(encoding))
    assert f"not UTF-8 text: byte {byte} at offset {offset}" in refused(services, importer, json_path).message


def test_bad_byte_deep_in_a_file_is_located(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    rows = [claim_row(n) for n in range(1, 2001)]
    rows[1500]["description"] = "Caf\u00e9"
    data = csv_text(rows).encode("utf-8").replace("Café".encode(), "Caf\xe9".encode("latin-1"))
    path = tmp_path / "big.csv"
    path.write_bytes(data)
    offset = data.index(b"Caf\xe9") + 3
    error = refused(services, importer, path, skip_invalid=True)
    assert f"byte 0xE9 at offset {offset}" in error.message


@pytest.mark.parametrize("suffix", ["csv", "json"])
def test_ten_megabytes_of_random_bytes_is_a_clear_error(
    suffix: str, tmp_path: Path, services: Services, importer: ImportService
) -> None:
    path = tmp_path / f"junk.{suffix}"
    path.write_bytes(random.Random(1).randbytes(10 * 1024 * 1024))
    error = refused(services, importer, path, skip_invalid=True)
    assert error.message.startswith("not UTF-8 text: byte 0x")
    assert "save the file as UTF-8" in error.message


def test_valid_utf8_junk_without_line_breaks_is_refused(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    path = tmp_path / "one-line.csv"
    path.write_text(",".join(INTAKE_FIELDS) + "\n" + "x" * 3_000_000, encoding="utf-8")
    assert "this is not an intake CSV" in refused(services, importer, path).message


def test_unterminated_quote_is_refused(tmp_path: Path, services: Services, importer: ImportService) -> None:
    path = tmp_path / "quote.csv"
    path.write_text(csv_text([claim_row(1)]) + '112-9,"2026-09-01' + "\nx" * 200_000, encoding="utf-8")
    error = refused(services, importer, path, skip_invalid=True)
    assert "not valid CSV" in error.message


def test_files_over_the_limit_are_refused_before_reading(
    tmp_path: Path, services: Services, importer: ImportService, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_csv(tmp_path / "f.csv", [claim_row(n) for n in range(1, 20)])

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    error = refused(services, importer, path, max_bytes=1000)
    assert "over the import limit of 1,000 bytes" in error.message
    small = ImportService(services.db, services.policy, services.clock, max_bytes=1000)
    assert "over the import limit" in refused(services, small, path).message


@pytest.mark.parametrize(
    ("name", "fmt", "says"),
    [
        ("claims.txt", None, "cannot tell the format"),
        ("claims.csv", "xml", "is not one of csv, json"),
        ("missing.csv", None, "no such file"),
        ("empty.csv", None, "is empty"),
        ("folder.csv", None, "is a folder"),
    ],
)
def test_unusable_paths(
    name: str, fmt: str | None, says: str, tmp_path: Path, services: Services, importer: ImportService
) -> None:
    write_csv(tmp_path / "claims.txt", [claim_row(1)])
    write_csv(tmp_path / "claims.csv", [claim_row(1)])
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "folder.csv").mkdir()
    assert says in refused(services, importer, tmp_path / name, fmt=fmt).message


def test_format_can_be_given_for_any_file_name(
    tmp_path: Path, services: Services, importer: ImportService
) -> None:
    path = write_json(tmp_path / "export.txt", [claim_row(1)])
    assert len(run(importer, path, fmt="json").imported) == 1
