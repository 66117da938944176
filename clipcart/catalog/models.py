from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from clipcart.core.models import TimeStamped
from clipcart.core.money import MoneyField

MAX_BACKLOG_DAYS = 30


class PastLimit(models.TextChoices):
    WAITLIST = "waitlist", "Waitlist"
    PREORDER = "preorder", "Pre-order"


class Shop(TimeStamped):
    class Status(models.TextChoices):
        PROBATION = "probation", "Probation"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=90, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROBATION)
    currency = models.CharField(max_length=3, default="USD")
    shipping_fee = MoneyField(default=Decimal("4.99"))
    free_shipping_threshold = MoneyField(
        null=True, blank=True, help_text="Orders at or above this subtotal ship free."
    )
    handling_days = models.PositiveSmallIntegerField(
        default=2, help_text="Business days between purchase and dispatch (1–2)."
    )
    # The shop's business-day clock (fulfillment.clock.shop_calendar reads these).
    time_zone = models.CharField(max_length=64, default="UTC", help_text="An IANA time zone.")
    country = models.CharField(
        max_length=2, blank=True, help_text="ISO country code: whose public holidays are off."
    )
    # Viral mode: how many orders a day the shop can ship (null: no limit), how many business
    # days of backlog past the normal date buyers are offered, and what a product becomes past it.
    daily_capacity = models.PositiveIntegerField(
        null=True, blank=True, help_text="Orders the shop can ship a day; empty for no limit."
    )
    backlog_limit_days = models.PositiveSmallIntegerField(
        default=3, help_text="Business days of backlog past the normal ships-by date."
    )
    past_limit = models.CharField(
        max_length=8,
        choices=PastLimit.choices,
        default=PastLimit.WAITLIST,
        help_text="What a product becomes once the backlog limit is reached.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ShopMember", related_name="shops"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(shipping_fee__gte=0), name="shop_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(handling_days__gte=1) & Q(handling_days__lte=2),
                name="shop_handling_days_1_to_2",
            ),
            models.CheckConstraint(
                condition=Q(daily_capacity__isnull=True) | Q(daily_capacity__gte=1),
                name="shop_daily_capacity_positive",
            ),
            models.CheckConstraint(
                condition=Q(backlog_limit_days__lte=MAX_BACKLOG_DAYS),
                name="shop_backlog_limit_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ShopMember(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        STAFF = "staff", "Staff"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_memberships"
    )
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="one_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shop} ({self.role})"


class Category(models.Model):
    name = models.CharField(max_length=60)
    slug = models.SlugField(max_length=70, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=70, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HandlingKind(models.TextChoices):
    IN_STOCK = "in_stock", "In stock"
    MADE_TO_ORDER = "made_to_order", "Made to order"
    BACKORDER = "backorder", "Backorder"
    PREORDER = "preorder", "Pre-order"


# Business days of handling each kind allows (a pre-order has a date instead).
HANDLING_RANGES = {
    HandlingKind.IN_STOCK: (1, 3),
    HandlingKind.MADE_TO_ORDER: (3, 14),
    HandlingKind.BACKORDER: (3, 15),
}


class WhenSoldOut(models.TextChoices):
    SOLD_OUT = "sold_out", "Show sold out"
    WAITLIST = "waitlist", "Take a waitlist"


class Product(TimeStamped):
    class Kind(models.TextChoices):
        NATIVE = "native", "Sold in Clipcart"
        EXTERNAL = "external", "Link to another store"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DRAFT = "draft", "Draft"
        ARCHIVED = "archived", "Archived"

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="products")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=5000)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.NATIVE)
    external_url = models.URLField(blank=True, max_length=500)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.SET_NULL, related_name="products"
    )
    handling_kind = models.CharField(
        max_length=14, choices=HandlingKind.choices, default=HandlingKind.IN_STOCK
    )
    handling_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Business days to dispatch: in stock 1–3 (empty: the shop's), made to order "
        "3–14, backorder 3–15; none for a pre-order.",
    )
    ships_on = models.DateField(
        null=True, blank=True, help_text="A pre-order's dispatch date (the restock date)."
    )
    preorder_units = models.PositiveIntegerField(
        null=True, blank=True, help_text="Units opened for pre-order (they are its stock)."
    )
    when_sold_out = models.CharField(
        max_length=8, choices=WhenSoldOut.choices, default=WhenSoldOut.WAITLIST
    )

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "-id"], name="product_listing")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="external") | ~Q(external_url=""),
                name="external_product_has_url",
            ),
            models.CheckConstraint(
                condition=(
                    Q(handling_kind="in_stock", ships_on__isnull=True)
                    & (
                        Q(handling_days__isnull=True)
                        | Q(handling_days__gte=1, handling_days__lte=3)
                    )
                )
                | Q(
                    handling_kind="made_to_order",
                    ships_on__isnull=True,
                    handling_days__gte=3,
                    handling_days__lte=14,
                )
                | Q(
                    handling_kind="backorder",
                    ships_on__isnull=True,
                    handling_days__gte=3,
                    handling_days__lte=15,
                )
                | Q(handling_kind="preorder", ships_on__isnull=False, handling_days__isnull=True),
                name="product_handling_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_handling_days(self) -> int:
        """Business days to dispatch (a pre-order: the shop's default, counted from its date)."""
        return self.handling_days or self.shop.handling_days

    @property
    def is_preorder(self) -> bool:
        return self.handling_kind == HandlingKind.PREORDER


class Variant(TimeStamped):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    # Denormalised from product.shop so "is this variant this shop's?" is one indexed lookup.
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="variants")
    name = models.CharField(max_length=80, default="Default")
    sku = models.CharField(max_length=64, blank=True)
    price = MoneyField()
    currency = models.CharField(max_length=3, default="USD")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="variant_price_positive"),
            models.UniqueConstraint(
                fields=["shop", "sku"], condition=~Q(sku=""), name="sku_unique_per_shop"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} — {self.name}"


def product_image_path(instance: "ProductImage", filename: str) -> str:
    return f"products/{instance.product_id}/{filename}"


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=product_image_path)
    thumbnail = models.ImageField(upload_to=product_image_path, blank=True)
    alt = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"Image {self.pk} of {self.product_id}"

    @property
    def url(self) -> str:
        return (self.thumbnail or self.image).url


class ExternalClick(models.Model):
    """A shopper leaving through the tracked redirect of an external product: one row per client,
    product and de-duplication window, so one client hammering the link counts once (`hits`
    keeps the raw count). Rows from before de-duplication have no window."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="external_clicks")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    ref = models.CharField(max_length=64, blank=True)
    client_hash = models.CharField(max_length=64, blank=True)
    window = models.BigIntegerField(
        null=True, blank=True, help_text="Which de-duplication window it falls in."
    )
    hits = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "client_hash", "window"], name="one_external_click_per_window"
            )
        ]

    def __str__(self) -> str:
        return f"Click on {self.product_id} at {self.created_at:%Y-%m-%d %H:%M}"
