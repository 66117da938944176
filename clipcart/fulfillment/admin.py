from django.contrib import admin

from .models import ShipDay, ShopVacation, SurgeAlert, WaitlistEntry


@admin.register(ShopVacation)
class ShopVacationAdmin(admin.ModelAdmin):
    list_display = ("id", "shop", "start", "end", "note")
    list_filter = ("start",)
    search_fields = ("shop__name", "note")
    raw_id_fields = ("shop",)


@admin.register(ShipDay)
class ShipDayAdmin(admin.ModelAdmin):
    """Booked capacity is written only by checkout: read-only here."""

    list_display = ("shop", "day", "booked", "capacity")
    list_filter = ("day",)
    search_fields = ("shop__name",)
    readonly_fields = ("shop", "day", "booked", "capacity")

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(admin.ModelAdmin):
    list_display = ("id", "product", "user", "created_at", "notified_at")
    list_filter = ("notified_at",)
    search_fields = ("product__title", "user__username")
    raw_id_fields = ("product", "user")


@admin.register(SurgeAlert)
class SurgeAlertAdmin(admin.ModelAdmin):
    list_display = ("id", "shop", "orders_last_hour", "usual_per_hour", "created_at")
    search_fields = ("shop__name",)
    readonly_fields = ("shop", "orders_last_hour", "usual_per_hour", "created_at")

    def has_add_permission(self, request) -> bool:
        return False
