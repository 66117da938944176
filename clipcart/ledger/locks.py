"""Row locks of the ledger. Ledger locks come last in the global order (idempotency key →
stock → order → plan product → commission → ledger accounts → payout): the orders app posts
refunds while it holds the order's lock.

A party's accounts (a shop's four, or a creator's two, per currency) are locked together in
primary-key order before any posting that reads a balance and then moves it (settling an
order, a hold, a refund, a payout), so two such postings cannot both move the same money."""

from __future__ import annotations

from .models import CREATOR_KINDS, SELLER_KINDS, Account, Payout
from .services import posting


def lock_shop_accounts(*, shop_id: int, currency: str) -> dict[str, Account]:
    ids = [posting.seller(kind, shop_id=shop_id, currency=currency).pk for kind in SELLER_KINDS]
    return _lock(ids)


def lock_creator_accounts(*, user_id: int, currency: str) -> dict[str, Account]:
    ids = [posting.creator(kind, user_id=user_id, currency=currency).pk for kind in CREATOR_KINDS]
    return _lock(ids)


def _lock(ids: list[int]) -> dict[str, Account]:
    rows = Account.objects.select_for_update().filter(pk__in=sorted(ids)).order_by("pk")
    return {row.kind: row for row in rows}


def lock_payout(*, payout_id: int) -> Payout | None:
    return Payout.objects.select_for_update().filter(pk=payout_id).first()
