from django.contrib import admin

from .models import Payment, Refund, TestGatewayCharge, TestGatewayRequest


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "buyer",
        "amount",
        "amount_refunded",
        "currency",
        "status",
        "gateway",
        "charge_id",
        "created_at",
    )
    list_filter = ("status", "gateway", "currency")
    search_fields = ("charge_id", "idempotency_key", "buyer__username", "buyer__email")
    raw_id_fields = ("buyer",)
    date_hierarchy = "created_at"
    readonly_fields = ("charge_id", "idempotency_key", "created_at", "updated_at")


@admin.register(TestGatewayCharge)
class TestGatewayChargeAdmin(admin.ModelAdmin):
    list_display = (
        "charge_id",
        "amount",
        "currency",
        "status",
        "amount_captured",
        "amount_refunded",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("charge_id",)


@admin.register(TestGatewayRequest)
class TestGatewayRequestAdmin(admin.ModelAdmin):
    list_display = ("idempotency_key", "operation", "created_at")
    list_filter = ("operation",)
    search_fields = ("idempotency_key",)


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = (
        "reason_key",
        "payment",
        "amount",
        "status",
        "attempts",
        "last_error",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("reason_key", "payment__charge_id")
    raw_id_fields = ("payment",)
    readonly_fields = ("reason_key", "amount", "attempts", "last_error", "created_at", "updated_at")
