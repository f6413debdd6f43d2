"""Money is exact: Decimal with two places, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from atoz_desk.domain.errors import ValidationError

CENT = Decimal("0.01")
SUPPORTED_CURRENCIES = ("USD", "GBP", "EUR")
_SYMBOLS = {"USD": "$", "GBP": "£", "EUR": "€"}
_PLAIN_AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]{1,2}0*)?", re.ASCII)
_DECIMAL_SHAPE = re.compile(r"-?[0-9]+\.[0-9]+", re.ASCII)


def parse_amount(
    value: object,
    *,
    field: str = "amount",
    minimum_exclusive: Decimal | None = Decimal("0"),
    maximum: Decimal | None = None,
) -> Decimal:
    """Parse user or file input into a 2-place Decimal, refusing anything ambiguous.

    Floats are refused outright: by the time a float exists the cents may
    already be wrong.
    """
    if isinstance(value, (bool, float)):
        raise ValidationError(f"{field}: give the amount as text or a decimal, not {value!r}", field)
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        for symbol in _SYMBOLS.values():
            text = text.removeprefix(symbol)
        if not text:
            raise ValidationError(f"{field}: an amount is required", field)
        # plain digits only: no exponents, underscores or other scripts' digits in money
        if not _PLAIN_AMOUNT.fullmatch(text):
            if _DECIMAL_SHAPE.fullmatch(text):
                raise ValidationError(f"{field}: {value!r} has more than 2 decimal places", field)
            raise ValidationError(f"{field}: {value!r} is not a number like 1234.56", field)
        amount = Decimal(text)
    else:
        raise ValidationError(f"{field}: {value!r} is not an amount", field)
    if not amount.is_finite():
        raise ValidationError(f"{field}: {value!r} is not a finite amount", field)
    try:
        quantized = amount.quantize(CENT)
    except InvalidOperation:
        raise ValidationError(f"{field}: {value!r} is far over any allowed amount", field) from None
    if quantized != amount:
        raise ValidationError(f"{field}: {value!r} has more than 2 decimal places", field)
    amount = quantized
    if minimum_exclusive is not None and amount <= minimum_exclusive:
        raise ValidationError(
            f"{field}: must be greater than {format_money(minimum_exclusive)} (got {amount})", field
        )
    if maximum is not None and amount > maximum:
        raise ValidationError(
            f"{field}: {format_money(amount)} is over the program maximum of {format_money(maximum)}",
            field,
        )
    return amount


def parse_currency(value: object, field: str = "currency") -> str:
    text = str(value or "USD").strip().upper()
    if text not in SUPPORTED_CURRENCIES:
        raise ValidationError(
            f"{field}: {value!r} is not a supported currency ({', '.join(SUPPORTED_CURRENCIES)})",
            field,
        )
    return text


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str = "USD") -> str:
    """`$1,234.50`, `£12.00`, `€-3.00` for display and letters."""
    symbol = _SYMBOLS.get(currency, currency + " ")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{abs(amount):,.2f}"
