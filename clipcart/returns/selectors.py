"""Reads of the returns app that other apps rely on."""

from __future__ import annotations


def orders_with_open_returns(*, order_ids: list[int]) -> set[int]:
    """The ids among `order_ids` that have a return still open (requested, approved, or on its
    way back): the ledger keeps those orders' money pending until the return closes."""
    return set()
