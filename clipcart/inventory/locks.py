"""Every row lock the inventory app takes.

Global lock order (all apps): idempotency key → stock rows (by variant id, then bucket) → order.
Taking locks in one order is what makes deadlocks impossible between two checkouts that share
variants. No lock here is held across a payment call: each function runs inside the caller's
short transaction, and the checkout commits before it talks to the gateway.
"""

from __future__ import annotations

from django.db import connection

from .models import Stock


def take_from_free_bucket(*, variant_id: int, quantity: int) -> int | None:
    """Decrements one bucket that has `quantity` units and is not locked by another checkout.

    Returns the bucket taken from, or None when no single free bucket could serve the take.
    On PostgreSQL `SKIP LOCKED` lets concurrent buyers spread over the buckets instead of
    waiting on each other; SQLite has one writer at a time, so the plain update is equivalent.
    """
    if connection.vendor == "postgresql":
        sql = """
            UPDATE inventory_stock SET quantity = quantity - %s, updated_at = now()
            WHERE id = (
                SELECT id FROM inventory_stock
                WHERE variant_id = %s AND quantity >= %s
                ORDER BY random() LIMIT 1
                FOR UPDATE SKIP LOCKED
            )
            RETURNING bucket
        """
    else:
        sql = """
            UPDATE inventory_stock SET quantity = quantity - %s, updated_at = CURRENT_TIMESTAMP
            WHERE id = (
                SELECT id FROM inventory_stock
                WHERE variant_id = %s AND quantity >= %s
                ORDER BY random() LIMIT 1
            )
            RETURNING bucket
        """
    with connection.cursor() as cursor:
        cursor.execute(sql, [quantity, variant_id, quantity])
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def lock_all_buckets(*, variant_id: int) -> list[Stock]:
    """Waits for and locks every bucket of a variant, in bucket order."""
    return list(Stock.objects.select_for_update().filter(variant_id=variant_id).order_by("bucket"))
