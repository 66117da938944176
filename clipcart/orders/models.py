from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clipcart.catalog.models import Product, Shop, Variant
from clipcart.core.models import TimeStamped
from clipcart.core.money import MoneyField
from clipcart.payments.models import Payment

from . import carriers

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

    @property
    def partly_shipped(self) -> bool:
        """Some units are on their way and some still wait: the order stays paid."""
        return self.status == OrderStatus.PAID and self.shipped_at is not None

    @property
    def late(self) -> bool:
        return self.late_at is not None


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
    def shipped_quantity(self) -> int:
        """Units of this line in shipments (prefetch `shipment_lines` when listing)."""
        return sum(part.quantity for part in self.shipment_lines.all())

    @property
    def unshipped_quantity(self) -> int:
        return self.quantity - self.shipped_quantity

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


# --- Shipments ------------------------------------------------------------------------------------


class DeliverySource(models.TextChoices):
    CARRIER = "carrier", "Carrier"
    BUYER = "buyer", "Buyer"
    AUTO = "auto", "Automatic"


class TrackingStatus(models.TextChoices):
    SHIPPED = "shipped", "Shipped"
    IN_TRANSIT = "in_transit", "In transit"
    EXCEPTION = "exception", "Delivery problem"
    DELIVERED = "delivered", "Delivered"


class Shipment(TimeStamped):
    """One parcel of an order: some units of some of its lines, with a carrier and a number.
    Written only by orders.shipments, under the order's row lock."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(max_length=20, choices=carriers.choices())
    carrier_name = models.CharField(
        max_length=40, help_text="The known carrier's name, or what the seller typed for others."
    )
    tracking_number = models.CharField(max_length=40)
    status = models.CharField(
        max_length=20, choices=TrackingStatus.choices, default=TrackingStatus.SHIPPED
    )
    status_at = models.DateTimeField(
        null=True, blank=True, help_text="When the carrier's latest applied event happened."
    )
    shipped_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivery_source = models.CharField(
        max_length=10, choices=DeliverySource.choices, blank=True, help_text="Who said it arrived."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["carrier", "tracking_number"], name="shipment_tracking"),
            models.Index(
                fields=["shipped_at"],
                condition=Q(delivered_at__isnull=True),
                name="shipment_undelivered",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "carrier", "tracking_number"],
                name="shipment_number_once_per_order",
            ),
            models.CheckConstraint(
                condition=(
                    Q(delivered_at__isnull=True)
                    & Q(delivery_source="")
                    & ~Q(status=TrackingStatus.DELIVERED)
                )
                | (
                    Q(delivered_at__isnull=False)
                    & ~Q(delivery_source="")
                    & Q(status=TrackingStatus.DELIVERED)
                ),
                name="shipment_delivery_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(delivered_at__isnull=True) | Q(delivered_at__gte=F("shipped_at")),
                name="shipment_delivered_after_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_name} {self.tracking_number} (order {self.order_id})"

    @property
    def tracking_url(self) -> str:
        carrier = carriers.CARRIERS.get(self.carrier)
        return carrier.url_for(self.tracking_number) if carrier else ""


class ShipmentLine(models.Model):
    """How many units of one order line went in a shipment. The units of a line across its
    shipments never pass what was bought (checked under the order's row lock)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line"], name="shipment_line_once"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shipment_line_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity}× line {self.line_id} in shipment {self.shipment_id}"


class TrackingClaim(models.Model):
    """The shop that first shipped with a tracking number. The unique number makes two shops
    racing to use one number a conflict for the second, which a check-then-insert could not."""

    tracking_number = models.CharField(max_length=40, unique=True)
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.tracking_number} → shop {self.shop_id}"


class CarrierEvent(models.Model):
    """Every signed carrier event received, once per (carrier, event id), with what it did."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        UNKNOWN_TRACKING = "unknown_tracking_number", "Unknown tracking number"
        STALE = "stale", "Older than what is known"
        ALREADY_DELIVERED = "already_delivered", "Already delivered"

    carrier = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    tracking_number = models.CharField(max_length=40)
    status = models.CharField(max_length=20, choices=TrackingStatus.choices)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    shipments = models.PositiveIntegerField(default=0, help_text="Shipments it changed.")
    payload = models.JSONField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "event_id"], name="carrier_event_once"),
        ]
        indexes = [models.Index(fields=["carrier", "tracking_number"], name="carrier_event_number")]

    def __str__(self) -> str:
        return f"{self.carrier} {self.event_id}: {self.status} ({self.outcome})"
