"""Tables of the fulfillment promise: shop vacations, capacity booked per ship day, waitlists
and surge alerts. (A shop's time zone, country, handling time and capacity live on the shop.)"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clipcart.catalog.models import Product, Shop


class ShopVacation(models.Model):
    """Days the shop does not ship (inclusive): no promise lands on them."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="vacations")
    start = models.DateField()
    end = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["shop", "end"], name="vacation_shop_end")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=F("start")), name="vacation_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}: {self.start} – {self.end}"


class ShipDay(models.Model):
    """Orders a shop has promised to dispatch on one day. `capacity` is the shop's daily
    capacity when the day was last booked; the CHECK makes an oversold day impossible even if
    the service code were wrong."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="ship_days")
    day = models.DateField()
    booked = models.PositiveIntegerField(default=0)
    capacity = models.PositiveIntegerField()

    class Meta:
        ordering = ["shop_id", "day"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "day"], name="one_ship_day_per_shop_day"),
            models.CheckConstraint(
                condition=Q(booked__lte=F("capacity")), name="ship_day_within_capacity"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day}: {self.booked}/{self.capacity}"


class WaitlistEntry(models.Model):
    """A shopper waiting for a product to be buyable again; told once, in joining order."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="waitlist")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waitlist_entries"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["product", "notified_at", "id"], name="waitlist_queue")]
        constraints = [
            models.UniqueConstraint(fields=["product", "user"], name="one_waitlist_entry")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} waits for {self.product_id}"


class SurgeAlert(models.Model):
    """Orders per hour jumped at a shop (a video going viral): the staff were told."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="surge_alerts")
    orders_last_hour = models.PositiveIntegerField()
    usual_per_hour = models.DecimalField(max_digits=10, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Surge at {self.shop_id}: {self.orders_last_hour}/h"
