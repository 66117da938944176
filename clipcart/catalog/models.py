from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from clipcart.core.models import TimeStamped
from clipcart.core.money import MoneyField


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
        default=2, help_text="Business days between purchase and dispatch."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ShopMember", related_name="shops"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(shipping_fee__gte=0), name="shop_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(handling_days__gte=1) & Q(handling_days__lte=30),
                name="shop_handling_days_range",
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
    handling_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Overrides the shop's handling time for this product."
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
                condition=Q(handling_days__isnull=True)
                | (Q(handling_days__gte=1) & Q(handling_days__lte=60)),
                name="product_handling_days_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def effective_handling_days(self) -> int:
        return self.handling_days or self.shop.handling_days


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
