"""Returns: a buyer asks to send items back, the shop answers (or the clock answers for it), the
parcel travels back, the shop receives it, restocks, and refunds through the order's refunds.

requested → approved → shipped → received → refunded
    ↓          ↓    ↘ (refund without return) ↗
 rejected  cancelled
 cancelled

Refunded, rejected and cancelled are closed; everything else is open (the ledger holds the
order's money while a return on it is open).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from clipcart.catalog.models import Shop
from clipcart.core.models import TimeStamped
from clipcart.core.money import MoneyField
from clipcart.orders.models import LineRefund, Order, OrderLine


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    SHIPPED = "shipped", "On its way back"
    RECEIVED = "received", "Received"
    REFUNDED = "refunded", "Refunded"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


CLOSED_STATUSES = (ReturnStatus.REFUNDED, ReturnStatus.REJECTED, ReturnStatus.CANCELLED)
# Statuses whose units no longer count against what may still be returned of a line.
RELEASED_STATUSES = (ReturnStatus.REJECTED, ReturnStatus.CANCELLED)


class ReturnReason(models.TextChoices):
    CHANGED_MIND = "changed_mind", "Changed my mind"
    WRONG_SIZE = "wrong_size", "Wrong size or fit"
    NOT_AS_DESCRIBED = "not_as_described", "Not as described"
    WRONG_ITEM = "wrong_item", "Wrong item sent"
    DAMAGED = "damaged", "Arrived damaged"
    DEFECTIVE = "defective", "Defective"
    OTHER = "other", "Other"


# Reasons that get the longer window and must show what is wrong (photos).
DAMAGE_REASONS = (ReturnReason.DAMAGED, ReturnReason.DEFECTIVE)

# Status badges reuse the site's tones (web templatetags): the nearest order/sample status.
BADGE_TONES = {
    ReturnStatus.REQUESTED: "requested",
    ReturnStatus.APPROVED: "approved",
    ReturnStatus.SHIPPED: "shipped",
    ReturnStatus.RECEIVED: "delivered",
    ReturnStatus.REFUNDED: "refunded",
    ReturnStatus.REJECTED: "declined",
    ReturnStatus.CANCELLED: "cancelled",
}


class Return(TimeStamped):
    """One return request of some lines of one order. Its status changes only through
    returns.services, each change recorded as a ReturnEvent."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="returns")
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="returns"
    )
    status = models.CharField(
        max_length=20, choices=ReturnStatus.choices, default=ReturnStatus.REQUESTED
    )
    reason = models.CharField(max_length=20, choices=ReturnReason.choices)
    details = models.TextField(blank=True)
    currency = models.CharField(max_length=3)
    answer_due = models.DateField(help_text="The last business day the shop may answer on.")
    answer_due_at = models.DateTimeField(
        db_index=True, help_text="The end of the answer day in the shop's time zone."
    )
    auto_approved = models.BooleanField(default=False)
    refund_without_return = models.BooleanField(
        default=False, help_text="The buyer keeps the items (low value): refund at approval."
    )
    rejection_reason = models.CharField(max_length=300, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    carrier = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=40, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    refund_total = MoneyField(default=Decimal("0.00"))
    refund_key = models.CharField(
        max_length=120, blank=True, help_text="The idempotency key of the refund request."
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["buyer", "-id"], name="return_buyer_recent"),
            models.Index(fields=["shop", "status", "-id"], name="return_shop_status"),
            models.Index(fields=["order", "status"], name="return_order_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_total__gte=0), name="return_refund_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReturnStatus.REJECTED) | ~Q(rejection_reason=""),
                name="return_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Return {self.pk} of order {self.order_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    @property
    def badge_tone(self) -> str:
        return BADGE_TONES[ReturnStatus(self.status)]


class ReturnLine(models.Model):
    """Units of one order line in a return, and what became of them."""

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    # True while the return is open: a partial unique index lets each order line be in one open
    # return at a time, even when two requests race.
    is_open = models.BooleanField(default=True)
    restock = models.BooleanField(default=False, help_text="Resellable: back into stock.")
    restocked_at = models.DateTimeField(null=True, blank=True)
    refund = models.OneToOneField(
        LineRefund, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="return_line_quantity_positive"
            ),
            models.UniqueConstraint(fields=["ret", "order_line"], name="return_line_once"),
            models.UniqueConstraint(
                fields=["order_line"],
                condition=Q(is_open=True),
                name="one_open_return_per_order_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity}× line {self.order_line_id} (return {self.ret_id})"


def photo_path(photo: ReturnPhoto, filename: str) -> str:
    return f"returns/{photo.ret_id}/{filename}"


class ReturnPhoto(models.Model):
    """What the buyer shows of the problem. Validated as an image before it is stored."""

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of return {self.ret_id}"


class ReturnEventKind(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    AUTO_APPROVED = "auto_approved", "Approved automatically"
    REJECTED = "rejected", "Rejected"
    OVERRIDDEN = "overridden", "Rejection overridden"
    SHIPPED = "shipped", "Shipped back"
    RECEIVED = "received", "Received"
    RESTOCKED = "restocked", "Restocked"
    REFUNDED = "refunded", "Refunded"
    CANCELLED = "cancelled", "Cancelled"


class ReturnEvent(models.Model):
    """The return's log: every step, who took it (none for the clock), when, and what."""

    ret = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=ReturnEventKind.choices)
    status = models.CharField(max_length=20, choices=ReturnStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Return {self.ret_id}: {self.kind}"
