"""The one way money enters the ledger: `post`, which refuses an unbalanced transaction and
posts each key once."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from clipcart.core.errors import Conflict
from clipcart.core.money import CENT

from ..models import Account, Entry, LedgerTransaction

K = Account.Kind


class UnbalancedTransaction(Conflict):
    """A posting whose entries do not sum to zero in some currency: a bug, never data."""


@dataclass(frozen=True)
class Leg:
    """One entry to post: a raw signed amount (see the sign convention in ledger.models)."""

    account: Account
    amount: Decimal
    order_id: int | None = None
    commission_id: int | None = None


def account_code(*, kind: str, shop_id: int | None, user_id: int | None, currency: str) -> str:
    return f"{kind}:{shop_id or '-'}:{user_id or '-'}:{currency}"


def account(
    kind: str, *, currency: str, shop_id: int | None = None, user_id: int | None = None
) -> Account:
    """The account, created on first use. Two first uses at once both get the same row."""
    code = account_code(kind=kind, shop_id=shop_id, user_id=user_id, currency=currency)
    found = Account.objects.filter(code=code).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(
                kind=kind, shop_id=shop_id, user_id=user_id, currency=currency, code=code
            )
    except IntegrityError:
        return Account.objects.get(code=code)


def platform(kind: str, *, currency: str) -> Account:
    return account(kind, currency=currency)


def seller(kind: str, *, shop_id: int, currency: str) -> Account:
    return account(kind, currency=currency, shop_id=shop_id)


def creator(kind: str, *, user_id: int, currency: str) -> Account:
    return account(kind, currency=currency, user_id=user_id)


def check_balanced(legs: list[Leg]) -> None:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for leg in legs:
        if leg.amount != leg.amount.quantize(CENT):
            raise UnbalancedTransaction(
                f"An entry of {leg.amount} is not in whole cents.", code="amount_not_in_cents"
            )
        sums[leg.account.currency] += leg.amount
    unbalanced = {currency: total for currency, total in sums.items() if total != 0}
    if unbalanced:
        raise UnbalancedTransaction(
            f"Entries must sum to zero in each currency; they sum to {unbalanced}.",
            code="unbalanced_transaction",
        )


def post(
    *,
    kind: str,
    key: str,
    legs: list[Leg],
    order_id: int | None = None,
    shop_id: int | None = None,
    memo: str = "",
) -> tuple[LedgerTransaction, bool]:
    """Posts one balanced transaction under `key`, or returns the one already posted under it
    (created False). Zero legs are dropped; a transaction may end with no entries at all (a
    settlement of an order whose money was all refunded), which still marks its cause done."""
    legs = [leg for leg in legs if leg.amount != 0]
    check_balanced(legs)
    earlier = LedgerTransaction.objects.filter(key=key).first()
    if earlier is not None:
        return earlier, False
    try:
        with transaction.atomic():
            posted = LedgerTransaction.objects.create(
                kind=kind, key=key, order_id=order_id, shop_id=shop_id, memo=memo[:300]
            )
            Entry.objects.bulk_create(
                Entry(
                    transaction=posted,
                    account=leg.account,
                    amount=leg.amount,
                    currency=leg.account.currency,
                    order_id=leg.order_id,
                    commission_id=leg.commission_id,
                )
                for leg in legs
            )
    except IntegrityError:  # the same cause posted at the same moment: its posting stands
        return LedgerTransaction.objects.get(key=key), False
    return posted, True


def is_posted(key: str) -> bool:
    return LedgerTransaction.objects.filter(key=key).exists()
