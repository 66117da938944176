from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clipcart.catalog.models import Product, Shop, Variant
from clipcart.core.models import TimeStamped
from clipcart.core.money import MoneyField
from clipcart.payments.models import Payment

HALF_A_CENT = Decimal("0.005")


def within_half_a_cent(field: str, expected) -> Q:
    """`field == expected` as a CHECK. PostgreSQL's numeric is exact, but SQLite stores decimals
    as binary floats (20.00 + 4.99 = 24.990000000000002), so equality is checked to half a cent,
    which no stored two-decimal amount can hide a real error inside."""
    return Q(**{f"{field}__gt": expected - HALF_A_CENT}) & Q(
        **{f"{field}__lt": expected + HALF_A_CENT}
    )


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "Pending payment"
    PAID = "paid", "Paid"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    REFUNDED = "refunded", "Refunded"


class Order(TimeStamped):
    """One shop's part of a checkout. Its status changes only through orders.services."""

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    checkout_ref = models.UUIDField(db_index=True, help_text="The stock hold of its checkout.")
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    currency = models.CharField(max_length=3)
    subtotal = MoneyField()
    discount = MoneyField(default=Decimal("0.00"), help_text="Discount codes, off the subtotal.")
    shipping_fee = MoneyField()
    total = MoneyField()
    ships_by = models.DateField(help_text="The dispatch date promised before payment.")
    delivers_by = models.DateField(
        null=True, blank=True, help_text="The delivery date promised before payment."
    )
    late_at = models.DateTimeField(
        null=True, blank=True, help_text="When the order passed its ships-by date unshipped."
    )
    shipping_address = models.JSONField()
    carrier = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=40, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["buyer", "-id"], name="order_buyer_recent"),
            models.Index(fields=["shop", "status", "-id"], name="order_shop_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(subtotal__gte=0) & Q(shipping_fee__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=F("subtotal")),
                name="order_discount_within_subtotal",
            ),
            models.CheckConstraint(
                condition=within_half_a_cent(
                    "total", F("subtotal") - F("discount") + F("shipping_fee")
                ),
                name="order_total_is_subtotal_less_discount_plus_shipping",
            ),
        ]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.status})"


class OrderLine(models.Model):
    """What was bought, frozen at purchase: later price or title edits never change an order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        Variant, null=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    product = models.ForeignKey(
        Product, null=True, on_delete=models.SET_NULL, related_name="order_lines"
    )
    title = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=80)
    sku = models.CharField(max_length=64, blank=True)
    unit_price = MoneyField()
    quantity = models.PositiveIntegerField()
    line_total = MoneyField()
    discount = MoneyField(
        default=Decimal("0.00"), help_text="This line's share of the order's discount."
    )
    ref = models.CharField(max_length=64, blank=True, help_text="Affiliate or share code.")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(discount__gte=0) & Q(discount__lte=F("line_total")),
                name="order_line_discount_within_total",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=within_half_a_cent("line_total", F("unit_price") * F("quantity")),
                name="order_line_total_matches",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity}× {self.title} ({self.variant_name})"

    @property
    def net_total(self) -> Decimal:
        """What the buyer actually paid for the line: after discounts, before tax and shipping."""
        return self.line_total - self.discount


class LineRefund(models.Model):
    """Money given back for one order line. A line's refunds never add up to more than its
    net total (orders.services checks it under the order's row lock)."""

    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField()
    reason = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(
        max_length=160, unique=True, help_text="Idempotency: a repeated request is one refund."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="line_refund_positive"),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} of line {self.line_id}"


class OrderEvent(models.Model):
    """The order's history: every status change, who made it, and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '∅'} → {self.to_status}"
