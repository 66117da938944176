"""Amounts in a currency's smallest unit, as card networks and Stripe count them.

Clipcart stores Decimal amounts with two places; Stripe wants an integer of the smallest unit:
1250 for 12.50 USD, but 1500 for ¥1500 (JPY has no minor unit) and 12500 for 12.500 KWD. The
conversion is exact or refused: a fraction of a yen cannot be charged, so it is never rounded
away silently.
"""

from __future__ import annotations

from decimal import Decimal

from clipcart.core.errors import InvalidInput

# https://docs.stripe.com/currencies#zero-decimal
ZERO_DECIMAL = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)
# https://docs.stripe.com/currencies#three-decimal
THREE_DECIMAL = frozenset(["BHD", "JOD", "KWD", "OMR", "TND"])


def exponent(currency: str) -> int:
    code = currency.upper()
    if code in ZERO_DECIMAL:
        return 0
    return 3 if code in THREE_DECIMAL else 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """12.50 USD → 1250; 1500 JPY → 1500. Raises InvalidInput for a fraction the currency
    cannot express (1500.50 JPY)."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise InvalidInput(
            f"{amount} cannot be charged in {currency.upper()}: it has no such fraction.",
            code="amount_not_representable",
            field="amount",
        )
    return int(scaled)


def from_minor_units(value: int, currency: str) -> Decimal:
    """1250 USD → Decimal("12.50"); 1500 JPY → Decimal("1500.00") (Clipcart's two places)."""
    return (Decimal(value).scaleb(-exponent(currency))).quantize(Decimal("0.01"))
