"""Validation of one intake record (import row or New-claim form) into an IntakeRequest.

Every problem names the field; the importer adds the row number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta

from atoz_desk.domain.errors import ValidationError
from atoz_desk.domain.money import parse_amount, parse_currency
from atoz_desk.domain.policy import PolicySettings
from atoz_desk.domain.states import IncidentType
from atoz_desk.services.dto import IntakeRequest

INTAKE_FIELDS = (
    "order_id",
    "order_date",
    "delivered_date",
    "product_id",
    "product_title",
    "product_price",
    "seller_id",
    "seller_name",
    "customer_name",
    "customer_email",
    "customer_address",
    "incident_type",
    "incident_date",
    "filed_at",
    "amount_claimed",
    "currency",
    "description",
)
OPTIONAL_FIELDS = frozenset({"delivered_date", "description", "currency"})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CLOCK_SKEW = timedelta(minutes=10)
_MAX_TEXT = {"description": 10_000, "customer_address": 500, "product_title": 500}


def _text(row: Mapping[str, object], name: str, *, required: bool = True, limit: int = 200) -> str:
    raw = row.get(name)
    value = "" if raw is None else str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not value:
        raise ValidationError(f"{name}: a value is required", name)
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ValidationError(f"{name}: contains control characters", name)
    limit = _MAX_TEXT.get(name, limit)
    if len(value) > limit:
        raise ValidationError(f"{name}: longer than {limit} characters", name)
    return value


def _date(row: Mapping[str, object], name: str, *, required: bool = True) -> date | None:
    value = _text(row, name, required=required)
    if not value:
        return None
    try:
        return (
            date.fromisoformat(value[:10])
            if len(value) > 10 and value[10] in "T "
            else date.fromisoformat(value)
        )
    except ValueError:
        raise ValidationError(f"{name}: {value!r} is not a date (use YYYY-MM-DD)", name) from None


def _datetime(row: Mapping[str, object], name: str) -> datetime:
    value = _text(row, name)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)  # the feed's times are UTC unless they say otherwise
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationError(
            f"{name}: {value!r} is not a date and time (use ISO 8601, e.g. 2026-10-01T14:30:00Z)", name
        ) from None


def parse_intake(row: Mapping[str, object], policy: PolicySettings, now: datetime) -> IntakeRequest:
    """Validate one record completely; raises ValidationError naming the first bad field."""
    order_date = _date(row, "order_date")
    delivered = _date(row, "delivered_date", required=False)
    incident_date = _date(row, "incident_date")
    assert order_date is not None and incident_date is not None
    filed_at = _datetime(row, "filed_at")

    if order_date < policy.program_start:
        raise ValidationError(
            f"order_date: order placed {order_date.isoformat()}, before the program started on "
            f"{policy.program_start.isoformat()}; not eligible",
            "order_date",
        )
    if filed_at.date() < policy.program_start:
        raise ValidationError(
            f"filed_at: claim filed {filed_at.date().isoformat()}, before the program started on "
            f"{policy.program_start.isoformat()}; not eligible",
            "filed_at",
        )
    if filed_at > now + _CLOCK_SKEW:
        raise ValidationError(f"filed_at: {filed_at.isoformat()} is in the future", "filed_at")
    if delivered is not None and delivered < order_date:
        raise ValidationError(
            f"delivered_date: {delivered.isoformat()} is before the order date {order_date.isoformat()}",
            "delivered_date",
        )
    if incident_date > now.date():
        raise ValidationError(f"incident_date: {incident_date.isoformat()} is in the future", "incident_date")
    if incident_date > filed_at.date():
        raise ValidationError(
            f"incident_date: {incident_date.isoformat()} is after the claim was filed "
            f"({filed_at.date().isoformat()})",
            "incident_date",
        )

    incident_raw = _text(row, "incident_type").lower()
    try:
        incident = IncidentType(incident_raw)
    except ValueError:
        raise ValidationError(
            f"incident_type: {incident_raw!r} is not one of {', '.join(t.value for t in IncidentType)}",
            "incident_type",
        ) from None

    email = _text(row, "customer_email", limit=254).lower()
    if not _EMAIL.match(email):
        raise ValidationError(f"customer_email: {email!r} is not an e-mail address", "customer_email")

    currency = parse_currency(row.get("currency") or "USD")
    if currency not in policy.currencies:
        raise ValidationError(f"currency: {currency} is not accepted by this program", "currency")

    return IntakeRequest(
        order_id=_text(row, "order_id", limit=64),
        order_date=order_date,
        delivered_date=delivered,
        product_id=_text(row, "product_id", limit=64),
        product_title=_text(row, "product_title"),
        product_price=parse_amount(
            _text(row, "product_price"), field="product_price", maximum=policy.max_claim_amount
        ),
        seller_id=_text(row, "seller_id", limit=64),
        seller_name=_text(row, "seller_name"),
        customer_name=_text(row, "customer_name"),
        customer_email=email,
        customer_address=_text(row, "customer_address"),
        incident_type=incident.value,
        incident_date=incident_date,
        filed_at=filed_at,
        amount_claimed=parse_amount(
            _text(row, "amount_claimed"), field="amount_claimed", maximum=policy.max_claim_amount
        ),
        currency=currency,
        description=_text(row, "description", required=False),
    )


def validate_intake(
    row: Mapping[str, object], policy: PolicySettings, now: datetime
) -> list[ValidationError]:
    """Every problem in the record, one per field (for forms that mark all fields at once).

    Each field is checked on its own first, then the record as a whole; an empty
    list means `parse_intake` will accept it.
    """
    problems: dict[str, ValidationError] = {}
    for name in INTAKE_FIELDS:
        if name in OPTIONAL_FIELDS:
            continue
        try:
            _check_field(row, name, policy)
        except ValidationError as exc:
            problems[exc.field or name] = exc
    if not problems:
        try:
            parse_intake(row, policy, now)
        except ValidationError as exc:
            problems[exc.field or "record"] = exc
    return list(problems.values())


def _check_field(row: Mapping[str, object], name: str, policy: PolicySettings) -> None:
    if name in ("order_date", "incident_date"):
        _date(row, name)
    elif name == "filed_at":
        _datetime(row, name)
    elif name in ("product_price", "amount_claimed"):
        parse_amount(_text(row, name), field=name, maximum=policy.max_claim_amount)
    elif name == "incident_type":
        value = _text(row, name).lower()
        if value not in {t.value for t in IncidentType}:
            raise ValidationError(
                f"incident_type: {value!r} is not one of {', '.join(t.value for t in IncidentType)}", name
            )
    elif name == "customer_email":
        email = _text(row, name, limit=254).lower()
        if not _EMAIL.match(email):
            raise ValidationError(f"customer_email: {email!r} is not an e-mail address", name)
    else:
        _text(row, name, limit=64 if name.endswith("_id") else 200)
