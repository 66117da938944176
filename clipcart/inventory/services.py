"""Writes of the inventory app: set stock, reserve, allocate, release.

Stock rows hold the units that can still be sold. A checkout *reserves* units (they leave the
stock row at once, so nobody else can sell them), then *allocates* them to orders once paid, or
*releases* them back if payment fails or the reservation expires.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clipcart.core.errors import InvalidInput, OutOfStock

from . import locks
from .models import Reservation, Stock
from .selectors import available_quantity

MAX_STOCK = 1_000_000
MAX_BUCKETS = 64


@dataclass(frozen=True)
class Take:
    variant_id: int
    quantity: int


def check_stock_quantity(quantity: object, *, field: str = "stock") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput("Stock must be a whole number.", field=field)
    if not 0 <= quantity <= MAX_STOCK:
        raise InvalidInput(f"Stock must be between 0 and {MAX_STOCK}.", field=field)
    return quantity


def set_stock(*, variant_id: int, quantity: int, buckets: int | None = None) -> int:
    """Sets the sellable units of a variant, spread evenly over `buckets` rows.

    Units already reserved by checkouts in progress are not part of `quantity`. Returns the
    quantity set. Bucket rows are never deleted (a reservation may still return units to them).
    """
    check_stock_quantity(quantity)
    with transaction.atomic():
        rows = locks.lock_all_buckets(variant_id=variant_id)
        wanted = buckets if buckets is not None else max(1, len(rows))
        if not 1 <= wanted <= MAX_BUCKETS:
            raise InvalidInput(f"Buckets must be between 1 and {MAX_BUCKETS}.", field="buckets")
        existing = {row.bucket: row for row in rows}
        base, extra = divmod(quantity, wanted)
        for bucket in range(max(wanted, len(rows))):
            share = (base + (1 if bucket < extra else 0)) if bucket < wanted else 0
            row = existing.get(bucket)
            if row is None:
                Stock.objects.create(variant_id=variant_id, bucket=bucket, quantity=share)
            elif row.quantity != share:
                Stock.objects.filter(pk=row.pk).update(quantity=share, updated_at=timezone.now())
    return quantity


def _out_of_stock() -> OutOfStock:
    return OutOfStock("Not enough stock left for this item.", field="quantity")


def _take(*, hold: uuid.UUID, take: Take, expires_at: datetime) -> None:
    bucket = locks.take_from_free_bucket(variant_id=take.variant_id, quantity=take.quantity)
    if bucket is not None:
        Reservation.objects.create(
            hold=hold,
            variant_id=take.variant_id,
            bucket=bucket,
            quantity=take.quantity,
            expires_at=expires_at,
        )
        return
    # No single unlocked bucket had enough. A sold-out item is answered without queueing for
    # its locks; otherwise wait for all buckets and take across them.
    remaining = take.quantity
    if available_quantity(take.variant_id) < remaining:
        raise _out_of_stock()
    rows = locks.lock_all_buckets(variant_id=take.variant_id)
    if sum(row.quantity for row in rows) < remaining:
        raise _out_of_stock()
    for row in rows:
        part = min(row.quantity, remaining)
        if part == 0:
            continue
        Stock.objects.filter(pk=row.pk).update(quantity=F("quantity") - part)
        Reservation.objects.create(
            hold=hold,
            variant_id=take.variant_id,
            bucket=row.bucket,
            quantity=part,
            expires_at=expires_at,
        )
        remaining -= part
        if remaining == 0:
            break


def reserve(*, takes: Iterable[Take], expires_at: datetime) -> uuid.UUID:
    """Takes every item out of stock, or none of them (raises OutOfStock). Returns the hold id.

    Runs in its own transaction and commits before returning, so no lock outlives it.
    """
    hold = uuid.uuid4()
    merged: dict[int, int] = {}
    for take in takes:
        merged[take.variant_id] = merged.get(take.variant_id, 0) + take.quantity
    with transaction.atomic():
        for variant_id in sorted(merged):  # the global lock order
            _take(hold=hold, take=Take(variant_id, merged[variant_id]), expires_at=expires_at)
    return hold


def release(*, hold: uuid.UUID) -> int:
    """Returns a hold's still-held units to stock. Idempotent. Returns the units released."""
    released = 0
    with transaction.atomic():
        rows = Reservation.objects.filter(hold=hold, status=Reservation.Status.HELD).order_by(
            "variant_id", "bucket"
        )
        for reservation in rows:
            # The conditional status change makes a double release (expiry task and checkout
            # at once) return the units only once.
            changed = Reservation.objects.filter(
                pk=reservation.pk, status=Reservation.Status.HELD
            ).update(status=Reservation.Status.RELEASED, updated_at=timezone.now())
            if changed:
                _return_units(
                    variant_id=reservation.variant_id,
                    bucket=reservation.bucket,
                    quantity=reservation.quantity,
                )
                released += reservation.quantity
    return released


def allocate(*, hold: uuid.UUID) -> bool:
    """Marks all of a hold's units as sold. False if any of them was already released.

    Precondition: runs inside the transaction that creates the orders for this hold.
    """
    total = Reservation.objects.filter(hold=hold).count()
    changed = Reservation.objects.filter(hold=hold, status=Reservation.Status.HELD).update(
        status=Reservation.Status.ALLOCATED, updated_at=timezone.now()
    )
    return total > 0 and changed == total


def restock(*, variant_id: int, quantity: int) -> None:
    """Puts sold units back (a cancelled or refunded order)."""
    with transaction.atomic():
        _return_units(variant_id=variant_id, bucket=0, quantity=quantity)


def _return_units(*, variant_id: int, bucket: int, quantity: int) -> None:
    updated = Stock.objects.filter(variant_id=variant_id, bucket=bucket).update(
        quantity=F("quantity") + quantity, updated_at=timezone.now()
    )
    if not updated:
        Stock.objects.create(variant_id=variant_id, bucket=bucket, quantity=quantity)


def release_expired_reservations(*, now: datetime | None = None) -> int:
    """Releases every hold whose reservation expired. Returns how many holds were released."""
    now = now or timezone.now()
    holds = set(
        Reservation.objects.filter(status=Reservation.Status.HELD, expires_at__lt=now).values_list(
            "hold", flat=True
        )[:1000]
    )
    for hold in holds:
        release(hold=hold)
    return len(holds)
