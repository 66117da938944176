"""Operators see every account, transaction and entry read-only (the ledger is append-only),
set fee rules and incentives (validated: 0–50%), place and release holds on one order, and
run payouts."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from . import services
from .models import (
    Account,
    Entry,
    FeeRule,
    Hold,
    LedgerTransaction,
    OrderFee,
    Payout,
    PayoutDestination,
    Reserve,
    SellerIncentive,
    TestPayoutRequest,
    TestPayoutTransfer,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("code", "kind", "shop", "user", "currency")
    list_filter = ("kind", "currency")
    search_fields = ("code", "shop__name", "user__username")


class EntryInline(admin.TabularInline):
    model = Entry
    fields = ("account", "amount", "currency", "order_id", "commission_id")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "key", "order_id", "shop", "memo", "created_at")
    list_filter = ("kind",)
    search_fields = ("key", "memo", "order_id")
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "transaction", "account", "amount", "currency", "order_id")
    list_filter = ("account__kind", "currency")
    search_fields = ("transaction__key", "account__code")


@admin.register(FeeRule)
class FeeRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "category", "percent", "listing_fee", "updated_at")


@admin.register(SellerIncentive)
class SellerIncentiveAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "is_active",
        "days",
        "gmv_limit",
        "fee_percent",
        "free_listings",
        "shipping_subsidy",
    )
    list_filter = ("is_active",)


@admin.register(OrderFee)
class OrderFeeAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "shop", "gmv", "fee", "subsidy", "incentive", "currency")
    search_fields = ("order_id", "shop__name")


@admin.register(Reserve)
class ReserveAdmin(ReadOnlyAdmin):
    list_display = ("order_id", "shop", "amount", "currency", "release_on", "released_at")
    list_filter = ("released_at",)


class HoldForm(forms.ModelForm):
    class Meta:
        model = Hold
        fields = ("order_id", "reason", "key")


@admin.register(Hold)
class HoldAdmin(admin.ModelAdmin):
    """A hold is placed through the ledger's service (which moves that order's money) and
    released by an action; its rows are never edited."""

    form = HoldForm
    list_display = ("key", "order_id", "shop", "reason", "amount", "source", "released_at")
    list_filter = ("released_at",)
    search_fields = ("key", "order_id", "reason")
    actions = ["release"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        hold = services.hold_order(
            order_id=obj.order_id, reason=obj.reason, key=obj.key, actor=request.user
        )
        obj.pk = hold.pk

    @admin.action(description="Release the selected holds")
    def release(self, request, queryset):
        for hold in queryset:
            services.release_hold(key=hold.key, note=f"Released by {request.user}")
        messages.success(request, f"{queryset.count()} hold(s) released.")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ("id", "shop", "user", "amount", "currency", "status", "provider", "paid_at")
    list_filter = ("status", "provider")
    search_fields = ("key", "transfer_id", "shop__name", "user__username")
    actions = ["run_payouts"]

    @admin.action(description="Run payouts now (all balances above the minimum)")
    def run_payouts(self, request, queryset):
        made = services.run_payouts()
        messages.success(request, f"{len(made)} payout(s) made.")


@admin.register(PayoutDestination)
class PayoutDestinationAdmin(admin.ModelAdmin):
    list_display = ("shop", "user", "provider", "account_ref")


@admin.register(TestPayoutTransfer)
class TestPayoutTransferAdmin(ReadOnlyAdmin):
    list_display = ("transfer_id", "destination", "amount", "currency", "created_at")


@admin.register(TestPayoutRequest)
class TestPayoutRequestAdmin(ReadOnlyAdmin):
    """The test provider's idempotency log: one row per key, however often it was sent."""

    list_display = ("idempotency_key", "created_at")
    search_fields = ("idempotency_key",)
