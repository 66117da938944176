from django.conf import settings
from django.db import models
from django.db.models import Q

from clipcart.catalog.models import Variant
from clipcart.core.models import TimeStamped


class Cart(TimeStamped):
    """A shopper's cart: one per signed-in user, or one per anonymous browser session (merged
    into the user's cart at login)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="cart",
    )
    session_key = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(session_key__isnull=False),
                name="cart_has_owner",
            )
        ]

    def __str__(self) -> str:
        return f"Cart {self.pk} of {self.user or 'anonymous'}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    ref = models.CharField(max_length=64, blank=True, help_text="Affiliate or share code.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="one_line_per_variant"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=99), name="cart_quantity_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity}× {self.variant_id}"


class IdempotencyKey(models.Model):
    """The first answer to a (user, Idempotency-Key) request, replayed for every repeat.

    The row is claimed before the work starts, so ten simultaneous copies of one request make
    one order and one charge: the first does the work, the others wait for its answer.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=120)
    scope = models.CharField(max_length=40, default="checkout")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_PROGRESS)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="one_answer_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} ({self.state})"
