from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clipcart.core.models import TimeStamped
from clipcart.core.money import MoneyField


class Payment(TimeStamped):
    """Clipcart's record of one charge at a gateway. Card data never reaches Clipcart: the
    client hands the gateway's token over, and only the gateway's charge id is stored."""

    class Status(models.TextChoices):
        AUTHORIZED = "authorized", "Authorized"
        CAPTURED = "captured", "Captured"
        VOIDED = "voided", "Voided"
        DECLINED = "declined", "Declined"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"

    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    gateway = models.CharField(max_length=20, default="test")
    charge_id = models.CharField(max_length=64, blank=True, db_index=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    amount = MoneyField()
    amount_refunded = MoneyField(default=0)
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20, choices=Status.choices)
    decline_code = models.CharField(max_length=40, blank=True)
    gateway_event_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the provider created the last webhook event applied to this payment: "
        "an older event arriving later is not applied.",
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_refunded__gte=0) & Q(amount_refunded__lte=F("amount")),
                name="payment_refund_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.charge_id or self.pk} {self.amount} {self.currency}"


class Refund(TimeStamped):
    """An outbox row for money going back to a buyer.

    It is written in the same transaction as the reason for it (a cancellation), so a crash
    can neither lose the refund nor make it twice: the gateway call happens afterwards, keyed
    by `reason_key`, and beat retries any refund still pending.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (needs an operator)"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField()
    reason_key = models.CharField(max_length=120, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="refund_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.reason_key}: {self.amount} ({self.status})"


class TestGatewayCharge(models.Model):
    """The built-in test gateway's own ledger: what a real provider keeps on its side."""

    __test__ = False  # a test double's name, not a pytest test class

    charge_id = models.CharField(max_length=40, unique=True)
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=20)
    amount_captured = MoneyField(default=0)
    amount_refunded = MoneyField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.charge_id


class TestGatewayRequest(models.Model):
    """The test gateway's idempotency log: a repeated key returns the first response."""

    __test__ = False  # a test double's name, not a pytest test class

    idempotency_key = models.CharField(max_length=160, unique=True)
    operation = models.CharField(max_length=12)
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.operation} {self.idempotency_key}"


class StripeEvent(TimeStamped):
    """One webhook event Stripe delivered, stored once by its id: a redelivery finds the row and
    changes nothing. Stored and applied in one transaction, so an event is never half-applied."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        STALE = "stale", "Ignored: older than the last event applied"
        NOT_FORWARD = "not_forward", "Ignored: would move the state backwards"
        UNKNOWN_PAYMENT = "unknown_payment", "Ignored: no such payment here"
        UNHANDLED = "unhandled", "Ignored: a type Clipcart does not act on"

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    created = models.DateTimeField(help_text="When Stripe created the event.")
    object_id = models.CharField(max_length=255, db_index=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["type", "id"], name="stripe_event_type")]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"


class PaymentDispute(TimeStamped):
    """A chargeback the buyer's bank opened on a payment (a Stripe dispute), kept in step with
    Stripe's webhooks. While it is open, only the money of the payment's orders is held."""

    class Status(models.TextChoices):
        WARNING_NEEDS_RESPONSE = "warning_needs_response", "Inquiry: needs a response"
        WARNING_UNDER_REVIEW = "warning_under_review", "Inquiry: under review"
        WARNING_CLOSED = "warning_closed", "Inquiry closed"
        NEEDS_RESPONSE = "needs_response", "Needs a response"
        UNDER_REVIEW = "under_review", "Under review"
        WON = "won", "Won"
        LOST = "lost", "Lost"
        PREVENTED = "prevented", "Prevented"

    CLOSED = frozenset({"warning_closed", "won", "lost", "prevented"})

    dispute_id = models.CharField(max_length=255, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    status = models.CharField(max_length=30, choices=Status.choices)
    reason = models.CharField(max_length=60, blank=True)
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(help_text="Stripe's time of the last event applied.")

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="dispute_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED
