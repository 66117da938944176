"""Small presentation filters: currency symbols, stock wording, status colours."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()

# CLDR's en-US symbols: "$" is the US dollar, other dollars carry their country.
SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "CAD": "CA$",
    "AUD": "A$",
    "MXN": "MX$",
    "BRL": "R$",
    "INR": "₹",
    "SGD": "S$",
}
LOW_STOCK = 5
STATUS_TONES = {
    "pending_payment": "muted",
    "paid": "info",
    "shipped": "accent",
    "delivered": "good",
    "completed": "good",
    "cancelled": "muted",
    "refunded": "warn",
    "probation": "warn",
    "active": "good",
    "suspended": "bad",
    "draft": "muted",
    "archived": "muted",
    # Samples and commissions.
    "requested": "info",
    "approved": "info",
    "declined": "muted",
    "posted": "good",
    "overdue": "bad",
    "pending": "info",
    "payable": "accent",
}


@register.filter
def currency_symbol(code: str) -> str:
    return SYMBOLS.get(code or "", f"{code} ")


@register.filter
def absolute(amount):
    """The size of an amount; money.html writes the sign before the currency ("-$4.20")."""
    try:
        return abs(Decimal(amount))
    except (ArithmeticError, TypeError, ValueError):  # not a number: shown as it is
        return amount


@register.filter
def stock_state(stock: int) -> str:
    """What a shopper reads about a variant's stock."""
    if stock <= 0:
        return "Sold out"
    if stock <= LOW_STOCK:
        return f"Only {stock} left"
    return "In stock"


@register.filter
def stock_tone(stock: int) -> str:
    return "bad" if stock <= 0 else "warn" if stock <= LOW_STOCK else "good"


@register.filter
def status_tone(status: str) -> str:
    return STATUS_TONES.get(status, "muted")


@register.filter
def status_label(status: str) -> str:
    return status.replace("_", " ").capitalize()


@register.filter
def count_of(counts: dict, key: str) -> int:
    return counts.get(key, 0) if counts else 0


@register.filter
def lookup(mapping: dict, key):
    return mapping.get(key) if mapping else None
