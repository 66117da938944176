"""Operators see plans, terms, touches and commissions; money rows are read-only here (they
change only through affiliate.services), and creators' payable balances are paid out through
the ledger's payouts by an action."""

from django.contrib import admin, messages

from .models import (
    Commission,
    CommissionAdjustment,
    ExternalConversion,
    Membership,
    Plan,
    PlanProduct,
    PostbackKey,
    RateChangeNotice,
    SampleOffer,
    SampleRequest,
    StorefrontItem,
    Term,
    Touch,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PlanProductInline(admin.TabularInline):
    model = PlanProduct
    extra = 0
    fields = ("product", "added_at", "removed_at")
    readonly_fields = fields
    can_delete = False


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("name", "shop", "kind", "approval", "created_at", "ended_at")
    list_filter = ("kind", "approval")
    search_fields = ("name", "shop__name")
    inlines = [PlanProductInline]


@admin.register(PlanProduct)
class PlanProductAdmin(ReadOnlyAdmin):
    list_display = ("product", "plan", "added_at", "removed_at")
    search_fields = ("product__title", "plan__name")


@admin.register(Term)
class TermAdmin(ReadOnlyAdmin):
    list_display = ("plan_product", "version", "rate", "flat_fee", "currency", "effective_at")
    search_fields = ("plan_product__product__title",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("creator", "plan", "status", "joined_at")
    list_filter = ("status",)
    search_fields = ("creator__username", "plan__name")
    raw_id_fields = ("creator", "plan")


@admin.register(RateChangeNotice)
class RateChangeNoticeAdmin(ReadOnlyAdmin):
    list_display = ("membership", "term", "takes_effect_at", "notify_at", "sent_at")


@admin.register(Touch)
class TouchAdmin(ReadOnlyAdmin):
    list_display = ("kind", "creator", "product", "post_id", "actor", "hits", "last_at")
    list_filter = ("kind",)
    search_fields = ("creator__username", "product__title")


class AdjustmentInline(admin.TabularInline):
    model = CommissionAdjustment
    extra = 0
    fields = ("kind", "amount", "note", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Commission)
class CommissionAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "creator",
        "shop",
        "product",
        "base",
        "rate",
        "amount",
        "clawed_back",
        "currency",
        "status",
        "earned_at",
    )
    list_filter = ("status", "touch_kind")
    search_fields = ("creator__username", "shop__name", "product__title")
    inlines = [AdjustmentInline]
    actions = ["pay_out"]

    @admin.action(description="Pay out the selected creators' payable balances now (ledger)")
    def pay_out(self, request, queryset):
        """Runs the ledger's payout for each selected commission's creator: their whole payable
        balance goes out in one transfer, with an idempotency key, if it meets the minimum."""
        from clipcart.ledger import services as ledger_services
        from clipcart.ledger.models import Account

        ledger_services.post_missing()
        creators = set(queryset.values_list("creator_id", "currency"))
        sent = 0
        for creator_id, currency in creators:
            account = Account.objects.filter(
                kind=Account.Kind.CREATOR_PAYABLE, user_id=creator_id, currency=currency
            ).first()
            payout = account and ledger_services.initiate_payout(account_id=account.pk)
            if payout:
                sent += ledger_services.deliver(payout_id=payout.pk).status == "paid"
        messages.success(
            request,
            f"{sent} payout(s) sent. Balances under the minimum, or with a payout still "
            "pending, wait for the next run.",
        )


@admin.register(CommissionAdjustment)
class CommissionAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ("commission", "kind", "amount", "note", "created_at")
    list_filter = ("kind",)


@admin.register(ExternalConversion)
class ExternalConversionAdmin(ReadOnlyAdmin):
    list_display = ("order_ref", "shop", "amount", "currency", "occurred_at", "created_at")
    search_fields = ("order_ref", "shop__name")


@admin.register(PostbackKey)
class PostbackKeyAdmin(ReadOnlyAdmin):
    list_display = ("shop", "created_at")


@admin.register(SampleOffer)
class SampleOfferAdmin(admin.ModelAdmin):
    list_display = ("product", "shop", "quantity_limit", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("product__title", "shop__name")


@admin.register(SampleRequest)
class SampleRequestAdmin(admin.ModelAdmin):
    list_display = ("offer", "creator", "status", "delivered_at", "due_at", "posted_at")
    list_filter = ("status",)
    search_fields = ("creator__username", "offer__product__title")
    raw_id_fields = ("creator", "offer")


@admin.register(StorefrontItem)
class StorefrontItemAdmin(admin.ModelAdmin):
    list_display = ("creator", "product", "position", "created_at")
    search_fields = ("creator__username", "product__title")
