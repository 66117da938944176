"""Balances read by the posting services: always sums of entries, never stored counters.
`owed` turns a raw sum into the amount in the account's own sense (see ledger.models)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from ..models import Account, Entry, normal_sign

ZERO = Decimal("0.00")


def cents(amount: Decimal | None) -> Decimal:
    """A database sum, to the cent. SQLite adds decimals as binary floats (a sum that is zero
    comes back as 4.4e-16); every entry is whole cents, so rounding the sum is exact."""
    return (amount or ZERO).quantize(Decimal("0.01")) + ZERO  # + 0 turns -0.00 into 0.00


def raw(**filters) -> Decimal:
    return cents(Entry.objects.filter(**filters).aggregate(total=Sum("amount"))["total"])


def owed(account: Account, **filters) -> Decimal:
    """The account's balance in its own sense (money owed to a seller is positive)."""
    return cents(normal_sign(account.kind) * raw(account=account, **filters))


def order_owed(account: Account, *, order_id: int) -> Decimal:
    return owed(account, order_id=order_id)


def commission_owed(account: Account, *, commission_id: int) -> Decimal:
    return owed(account, commission_id=commission_id)
