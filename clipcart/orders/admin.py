from django.contrib import admin

from .models import (
    CarrierEvent,
    LineRefund,
    Order,
    OrderEvent,
    OrderLine,
    Shipment,
    ShipmentLine,
    TrackingClaim,
)


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shipments and carrier events change only through orders.shipments (the ship form, the
    carriers' webhook, the buyer, the auto-delivery task), so the admin shows them read-only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    fields = ("line", "quantity")
    readonly_fields = ("line", "quantity")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "order",
        "carrier_name",
        "tracking_number",
        "status",
        "shipped_at",
        "delivered_at",
        "delivery_source",
    )
    list_filter = ("carrier", "status", "delivery_source")
    search_fields = ("tracking_number", "order__id", "carrier_name")
    date_hierarchy = "shipped_at"
    list_select_related = ("order",)
    raw_id_fields = ("order", "actor")
    inlines = [ShipmentLineInline]


@admin.register(ShipmentLine)
class ShipmentLineAdmin(ReadOnlyAdmin):
    list_display = ("shipment", "line", "quantity")
    search_fields = ("shipment__tracking_number", "shipment__order__id", "line__title")
    list_select_related = ("shipment", "line")
    raw_id_fields = ("shipment", "line")


@admin.register(CarrierEvent)
class CarrierEventAdmin(ReadOnlyAdmin):
    """The webhook's log: every signed event received, once, and what it did."""

    list_display = (
        "received_at",
        "carrier",
        "event_id",
        "tracking_number",
        "status",
        "occurred_at",
        "outcome",
        "shipments",
    )
    list_filter = ("carrier", "status", "outcome")
    search_fields = ("event_id", "tracking_number")
    date_hierarchy = "received_at"


@admin.register(TrackingClaim)
class TrackingClaimAdmin(ReadOnlyAdmin):
    list_display = ("tracking_number", "shop", "created_at")
    search_fields = ("tracking_number", "shop__name")
    list_select_related = ("shop",)


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
