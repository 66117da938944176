from django.contrib import admin

from .models import LineRefund, Order, OrderEvent, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    readonly_fields = (
        "title",
        "variant_name",
        "sku",
        "unit_price",
        "quantity",
        "line_total",
        "discount",
        "ref",
        "variant",
        "product",
    )
    can_delete = False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    readonly_fields = ("from_status", "to_status", "actor", "note", "created_at")
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Status changes go through the order services, so the admin shows orders read-only."""

    list_display = ("id", "buyer", "shop", "status", "total", "currency", "ships_by", "created_at")
    list_filter = ("status", "currency", "shop")
    search_fields = ("id", "buyer__username", "buyer__email", "shop__name", "tracking_number")
    date_hierarchy = "created_at"
    list_select_related = ("buyer", "shop")
    raw_id_fields = ("buyer", "shop", "payment")
    readonly_fields = (
        "status",
        "subtotal",
        "discount",
        "shipping_fee",
        "total",
        "currency",
        "checkout_ref",
        "created_at",
        "updated_at",
    )
    inlines = [OrderLineInline, OrderEventInline]


@admin.register(OrderEvent)
class OrderEventAdmin(admin.ModelAdmin):
    list_display = ("order", "from_status", "to_status", "actor", "note", "created_at")
    list_filter = ("to_status",)
    search_fields = ("order__id", "note")
    raw_id_fields = ("order", "actor")


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ("order", "title", "variant_name", "sku", "unit_price", "quantity", "line_total")
    search_fields = ("title", "sku", "order__id", "ref")
    raw_id_fields = ("order", "variant", "product")


@admin.register(LineRefund)
class LineRefundAdmin(admin.ModelAdmin):
    """Refunds are made through the seller's order page or the API, never edited here."""

    list_display = ("line", "amount", "reason", "actor", "created_at")
    search_fields = ("line__order__id", "reason")
    raw_id_fields = ("line", "actor")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
