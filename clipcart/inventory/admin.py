from django.contrib import admin

from .models import Reservation, Stock


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ("variant", "bucket", "quantity", "updated_at")
    search_fields = ("variant__product__title", "variant__sku")
    list_filter = ("bucket",)
    raw_id_fields = ("variant",)
    list_select_related = ("variant__product",)


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = ("hold", "variant", "quantity", "status", "expires_at", "created_at")
    list_filter = ("status",)
    search_fields = ("hold", "variant__product__title")
    raw_id_fields = ("variant",)
    list_select_related = ("variant__product",)
    date_hierarchy = "created_at"
