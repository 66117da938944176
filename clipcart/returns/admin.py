"""Returns in the admin: read-only (every change goes through returns.services), with one
operator action, overruling a shop's rejection."""

from django.contrib import admin, messages

from clipcart.core.errors import DomainError

from . import services
from .models import Return, ReturnEvent, ReturnLine, ReturnPhoto, ReturnStatus


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    can_delete = False
    readonly_fields = ("order_line", "quantity", "is_open", "restock", "restocked_at", "refund")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReturnPhotoInline(admin.TabularInline):
    model = ReturnPhoto
    extra = 0
    can_delete = False
    readonly_fields = ("image", "width", "height", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ReturnEventInline(admin.TabularInline):
    model = ReturnEvent
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "status", "actor", "note", "created_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Return)
class ReturnAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "order",
        "shop",
        "buyer",
        "status",
        "reason",
        "auto_approved",
        "answer_due",
        "refund_total",
        "currency",
        "created_at",
    )
    list_filter = ("status", "reason", "auto_approved", "refund_without_return")
    search_fields = ("id", "order__id", "buyer__username", "shop__name", "tracking_number")
    date_hierarchy = "created_at"
    list_select_related = ("order", "shop", "buyer")
    readonly_fields = [field.name for field in Return._meta.fields]
    inlines = [ReturnLineInline, ReturnPhotoInline, ReturnEventInline]
    actions = ["override_rejection"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Approve the selected rejected returns (overrule the shop)")
    def override_rejection(self, request, queryset):
        done = 0
        for ret in queryset.filter(status=ReturnStatus.REJECTED):
            try:
                services.override_rejection(operator=request.user, return_id=ret.pk)
                done += 1
            except DomainError as error:
                self.message_user(request, f"Return {ret.pk}: {error.message}", messages.ERROR)
        self.message_user(request, f"{done} return(s) approved.", messages.SUCCESS)


@admin.register(ReturnEvent)
class ReturnEventAdmin(admin.ModelAdmin):
    list_display = ("ret", "kind", "status", "actor", "note", "created_at")
    list_filter = ("kind",)
    search_fields = ("ret__id", "note")
    readonly_fields = ("ret", "kind", "status", "actor", "note", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReturnLine)
class ReturnLineAdmin(admin.ModelAdmin):
    list_display = ("ret", "order_line", "quantity", "is_open", "restock", "restocked_at", "refund")
    list_filter = ("is_open", "restock")
    search_fields = ("ret__id", "order_line__title")
    list_select_related = ("ret", "order_line", "refund")
    readonly_fields = [field.name for field in ReturnLine._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ReturnPhoto)
class ReturnPhotoAdmin(admin.ModelAdmin):
    list_display = ("ret", "image", "width", "height", "created_at")
    search_fields = ("ret__id",)
    readonly_fields = ("ret", "image", "width", "height", "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
