from django.contrib import admin

from .models import (
    Payment,
    PaymentDispute,
    Refund,
    StripeEvent,
    TestGatewayCharge,
    TestGatewayRequest,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the provider's webhook: an operator reads them, never edits them
    (an edited event or dispute would disagree with Stripe)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
    readonly_fields = (
        "charge_id",
        "idempotency_key",
        "gateway_event_at",
        "created_at",
        "updated_at",
    )


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


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "created", "object_id", "outcome", "processed_at")
    list_filter = ("type", "outcome", ("processed_at", admin.EmptyFieldListFilter), "livemode")
    search_fields = ("event_id", "object_id")
    date_hierarchy = "created"


@admin.register(PaymentDispute)
class PaymentDisputeAdmin(ReadOnlyAdmin):
    list_display = (
        "dispute_id",
        "payment",
        "status",
        "reason",
        "amount",
        "currency",
        "opened_at",
        "closed_at",
    )
    list_filter = ("status", "reason")
    search_fields = ("dispute_id", "payment__charge_id")
    list_select_related = ("payment",)
