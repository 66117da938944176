from django.contrib import admin

from .models import Cart, CartLine, IdempotencyKey


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
