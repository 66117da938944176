from django.db import models
from django.db.models import Q

from clipcart.catalog.models import Variant


class Stock(models.Model):
    """Units of a variant that can still be sold, split into one or more buckets.

    A hot product (a viral video) can spread its units over several rows so that concurrent
    checkouts lock different rows instead of queueing on one; the variant's stock is the sum.
    """

    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="stock_rows")
    bucket = models.PositiveSmallIntegerField(default=0)
    quantity = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["variant_id", "bucket"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "bucket"], name="one_row_per_bucket"),
            # The last line of defence against overselling: the database refuses it.
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}#{self.bucket}: {self.quantity}"


class Reservation(models.Model):
    """Units taken out of stock for a checkout, until they are allocated to an order or released.

    One checkout's reservations share a `hold` id; a take that spans buckets is several rows.
    """

    class Status(models.TextChoices):
        HELD = "held", "Held"
        ALLOCATED = "allocated", "Allocated to an order"
        RELEASED = "released", "Released back to stock"

    hold = models.UUIDField(db_index=True)
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="reservations")
    bucket = models.PositiveSmallIntegerField(default=0)
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="reservation_expiry")]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="reservation_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity}× {self.variant_id} ({self.status})"
