from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clipcart.catalog.models import Shop, Variant
from clipcart.core.models import TimeStamped
from clipcart.core.money import MoneyField


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


# --- Discount codes -----------------------------------------------------------------------------

CODE_PATTERN = r"^[A-Z0-9_-]{3,32}$"


class DiscountCode(TimeStamped):
    """A shop's code, off that shop's part of a cart. Its rules are checked when a shopper
    applies it, shown on every quote, and checked again under its row lock at checkout."""

    class Kind(models.TextChoices):
        PERCENT = "percent", "Percent off"
        AMOUNT = "amount", "Amount off"

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="discount_codes")
    code = models.CharField(max_length=32, help_text="Upper-case letters, digits, - and _.")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    value = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        help_text="A percent (1–90) or an amount in the shop's currency.",
    )
    min_subtotal = MoneyField(
        null=True, blank=True, help_text="The shop's subtotal must be at least this."
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    # One per order that used the code (a DiscountRedemption row each), written together with
    # the redemption under the code's row lock; the CHECK below backs `max_uses`.
    times_used = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "code"], name="one_code_per_shop"),
            models.CheckConstraint(
                condition=Q(code__regex=CODE_PATTERN), name="discount_code_form"
            ),
            models.CheckConstraint(
                condition=(Q(kind="percent") & Q(value__gte=1) & Q(value__lte=90))
                | (Q(kind="amount") & Q(value__gt=0)),
                name="discount_value_range",
            ),
            models.CheckConstraint(
                condition=Q(min_subtotal__isnull=True) | Q(min_subtotal__gt=0),
                name="discount_min_subtotal_positive",
            ),
            models.CheckConstraint(
                condition=Q(starts_at__isnull=True)
                | Q(ends_at__isnull=True)
                | Q(ends_at__gt=F("starts_at")),
                name="discount_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(max_uses__gte=1),
                name="discount_max_uses_positive",
            ),
            models.CheckConstraint(
                condition=Q(times_used__gte=0)
                & (Q(max_uses__isnull=True) | Q(times_used__lte=F("max_uses"))),
                name="discount_uses_within_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.shop})"

    @property
    def uses_left(self) -> int | None:
        return None if self.max_uses is None else max(0, self.max_uses - self.times_used)


class CartDiscount(models.Model):
    """A code a shopper applied to a cart. `shop` repeats the code's shop so that the database
    keeps a cart to one code per shop."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="discounts")
    code = models.ForeignKey(DiscountCode, on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "shop"], name="one_discount_per_shop_per_cart")
        ]

    def __str__(self) -> str:
        return f"{self.code_id} on cart {self.cart_id}"


class DiscountRedemption(models.Model):
    """One order's use of a code: the amount it took off that order."""

    code = models.ForeignKey(DiscountCode, on_delete=models.PROTECT, related_name="redemptions")
    order = models.OneToOneField(
        "orders.Order", on_delete=models.PROTECT, related_name="discount_redemption"
    )
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = MoneyField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="redemption_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.code_id} on order {self.order_id}: {self.amount}"
