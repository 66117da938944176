"""Money is a Decimal plus an ISO-4217 code.

Prices are stored with two decimals and never rounded after they are entered: totals are sums of
`unit_price * quantity`, which stay exact. The one rounding place is `quantize_money`, used where
a rate multiplies a price (fees, commission) with banker-free ROUND_HALF_UP, the rule shoppers
and tax authorities expect.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import models

from .errors import InvalidInput

CENT = Decimal("0.01")
MAX_PRICE = Decimal("999999.99")
CURRENCIES = {"USD", "EUR", "GBP", "CAD", "AUD", "JPY", "MXN", "BRL", "INR", "SGD"}


class MoneyField(models.DecimalField):
    """A money amount: 12 digits, 2 decimals. Its currency is a sibling `currency` field."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)


def quantize_money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_price(
    value: object, *, field: str = "price", allow_zero: bool = False, label: str = "Price"
) -> Decimal:
    """A price (or another `label`led amount) from a client: a decimal string or number,
    0 < amount <= MAX_PRICE, 2 decimals.

    Floats are refused: 19.99 as a binary float is not 19.99, and money must not drift."""
    if isinstance(value, (bool, float)) or value is None:
        raise InvalidInput(
            f'Send the {label.lower()} as a decimal string such as "12.50".', field=field
        )
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(
            f"{label} must be a decimal number such as 12.50.", field=field
        ) from None
    if not amount.is_finite():
        raise InvalidInput(f"{label} must be a finite number.", field=field)
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput(f"{label} can have at most two decimals.", field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise InvalidInput(f"{label} must be greater than zero.", field=field)
    if amount > MAX_PRICE:
        raise InvalidInput(f"{label} must be at most {MAX_PRICE}.", field=field)
    return amount.quantize(CENT)


def parse_currency(value: str, *, field: str = "currency") -> str:
    code = (value or "").strip().upper()
    if code not in CURRENCIES:
        raise InvalidInput(f"Unsupported currency {value!r}.", field=field)
    return code


def format_money(amount: Decimal) -> str:
    """The API's wire form: a decimal string with two places."""
    return f"{amount.quantize(CENT)}"
