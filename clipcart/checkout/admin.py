from django.contrib import admin

from .models import (
    Cart,
    CartDiscount,
    CartLine,
    DiscountCode,
    DiscountRedemption,
    IdempotencyKey,
)


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    raw_id_fields = ("variant",)


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ("id", "user", "session_key", "created_at", "updated_at")
    search_fields = ("user__username", "user__email", "session_key")
    raw_id_fields = ("user",)
    inlines = [CartLineInline]
    date_hierarchy = "updated_at"


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    list_display = ("key", "scope", "user", "state", "response_status", "created_at")
    list_filter = ("state", "scope", "response_status")
    search_fields = ("key", "user__username")
    raw_id_fields = ("user",)
    readonly_fields = ("fingerprint", "response_body", "created_at", "updated_at")


@admin.register(CartLine)
class CartLineAdmin(admin.ModelAdmin):
    list_display = ("cart", "variant", "quantity", "ref", "created_at")
    search_fields = ("cart__user__username", "variant__product__title", "ref")
    raw_id_fields = ("cart", "variant")


@admin.register(DiscountCode)
class DiscountCodeAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "shop",
        "kind",
        "value",
        "min_subtotal",
        "times_used",
        "max_uses",
        "starts_at",
        "ends_at",
        "is_active",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("code", "shop__name")
    raw_id_fields = ("shop",)
    # The use count moves only with a redemption, at checkout under the code's row lock.
    readonly_fields = ("times_used", "created_at", "updated_at")


@admin.register(CartDiscount)
class CartDiscountAdmin(admin.ModelAdmin):
    list_display = ("cart", "code", "shop", "created_at")
    search_fields = ("code__code", "shop__name", "cart__user__username")
    raw_id_fields = ("cart", "code", "shop")


@admin.register(DiscountRedemption)
class DiscountRedemptionAdmin(admin.ModelAdmin):
    list_display = ("code", "order", "buyer", "amount", "created_at")
    search_fields = ("code__code", "buyer__username")
    raw_id_fields = ("code", "order", "buyer")
    readonly_fields = ("code", "order", "buyer", "amount", "created_at")
    date_hierarchy = "created_at"
