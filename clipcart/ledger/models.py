"""The ledger: double-entry accounts, balanced transactions, and the rows that explain them.

Sign convention. Every `Entry.amount` is signed and the entries of one transaction sum to zero
per currency. Debit-normal accounts (what the platform holds or spends: `platform_clearing`,
`platform_incentives`) grow with positive entries; credit-normal accounts (what the platform
owes or earned: every seller and creator account, `platform_fees`, `payouts_in_flight`) grow
with negative entries. So a seller owed 40.00 has a raw balance of -40.00; the selectors turn
raw balances into the amounts people read (`Account.Kind.normal`), and everything a person sees
is in that "owed" sense.

Balances are sums of entries, never counters. Transactions and entries are append-only: no
service updates or deletes them, and the admin shows them read-only.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from clipcart.catalog.models import Category, Shop
from clipcart.core.models import TimeStamped
from clipcart.core.money import MoneyField

USER = settings.AUTH_USER_MODEL
FEE_PERCENT_RANGE = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("50"))]
NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Account(models.Model):
    class Kind(models.TextChoices):
        PLATFORM_CLEARING = "platform_clearing", "Buyer money held at the payment provider"
        PLATFORM_FEES = "platform_fees", "Platform fee revenue"
        PLATFORM_INCENTIVES = "platform_incentives", "Incentives the platform pays"
        PAYOUTS_IN_FLIGHT = "payouts_in_flight", "Payouts sent, not yet confirmed"
        SELLER_PENDING = "seller_pending", "Seller: pending"
        SELLER_AVAILABLE = "seller_available", "Seller: available"
        SELLER_RESERVED = "seller_reserved", "Seller: rolling reserve"
        SELLER_HELD = "seller_held", "Seller: held (dispute)"
        CREATOR_PENDING = "creator_pending", "Creator: pending commission"
        CREATOR_PAYABLE = "creator_payable", "Creator: payable commission"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_accounts"
    )
    currency = models.CharField(max_length=3)
    # "kind:shop:user:currency": one unique column, because a unique constraint over nullable
    # columns lets PostgreSQL store two platform accounts (NULLs are distinct there).
    code = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__startswith="seller_", shop__isnull=False, user__isnull=True)
                    | Q(kind__startswith="creator_", shop__isnull=True, user__isnull=False)
                    | (
                        (Q(kind__startswith="platform_") | Q(kind="payouts_in_flight"))
                        & Q(shop__isnull=True, user__isnull=True)
                    )
                ),
                name="ledger_account_owner_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def normal(self) -> int:
        return normal_sign(self.kind)


DEBIT_NORMAL = {Account.Kind.PLATFORM_CLEARING, Account.Kind.PLATFORM_INCENTIVES}
SELLER_KINDS = [k for k in Account.Kind.values if k.startswith("seller_")]
CREATOR_KINDS = [k for k in Account.Kind.values if k.startswith("creator_")]


def normal_sign(kind: str) -> int:
    """+1 for debit-normal accounts, -1 for credit-normal ones: raw balance × sign = the
    amount held, spent, owed or earned."""
    return 1 if kind in DEBIT_NORMAL else -1


class LedgerTransaction(models.Model):
    """One money event, posted once: `key` names its cause (`order-paid:42`)."""

    class Kind(models.TextChoices):
        ORDER_PAID = "order_paid", "Order paid"
        LINE_REFUND = "line_refund", "Line refunded"
        ORDER_CANCELLED = "order_cancelled", "Order cancelled"
        COMMISSION = "commission", "Commission on an external sale"
        COMMISSION_PAYABLE = "commission_payable", "Commission became payable"
        COMMISSION_ADJUSTMENT = "commission_adjustment", "Commission adjusted"
        LISTING_FEE = "listing_fee", "Listing fee"
        SETTLEMENT = "settlement", "Settled (pending → available)"
        RESERVE_RELEASE = "reserve_release", "Reserve released"
        HOLD = "hold", "Hold placed"
        HOLD_RELEASE = "hold_release", "Hold released"
        CHARGEBACK = "chargeback", "Dispute lost (chargeback)"
        PAYOUT_INITIATED = "payout_initiated", "Payout sent"
        PAYOUT_PAID = "payout_paid", "Payout confirmed"
        PAYOUT_FAILED = "payout_failed", "Payout failed (reversed)"

    kind = models.CharField(max_length=24, choices=Kind.choices)
    key = models.CharField(max_length=160, unique=True)
    order_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger_transactions"
    )
    memo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.key


class Entry(models.Model):
    """One leg of a transaction. `order_id` and `commission_id` tag the money of one order or
    one commission, so that settlement, holds and clawbacks move exactly that money."""

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    order_id = models.BigIntegerField(null=True, blank=True)
    commission_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["account", "-id"], name="entry_of_account"),
            models.Index(fields=["order_id", "account"], name="entry_of_order"),
            models.Index(fields=["commission_id"], name="entry_of_commission"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount} {self.currency}"


# --- Fees and incentives -------------------------------------------------------------------------


class FeeRule(TimeStamped):
    """The platform fee of a category (or, with no category, of every other one), in percent of
    what the buyer paid for the items; plus a listing fee charged once per product."""

    category = models.OneToOneField(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="fee_rule"
    )
    percent = models.DecimalField(max_digits=5, decimal_places=2, validators=FEE_PERCENT_RANGE)
    listing_fee = MoneyField(default=Decimal("0.00"), validators=NOT_NEGATIVE)

    class Meta:
        ordering = ["category__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__gte=0) & Q(percent__lte=50), name="fee_percent_0_to_50"
            ),
            models.CheckConstraint(
                condition=Q(listing_fee__gte=0), name="listing_fee_not_negative"
            ),
            models.UniqueConstraint(
                fields=["category"],
                condition=Q(category__isnull=True),
                name="one_default_fee_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or 'Default'}: {self.percent}%"


class SellerIncentive(TimeStamped):
    """A promotion for new sellers: while a shop is younger than `days` and has sold less than
    `gmv_limit`, whichever ends first, its fee is at most `fee_percent`, its listings are free if
    `free_listings`, and free-shipping orders have their shipping paid by the platform up to
    `shipping_subsidy` per order. The newest active incentive applies."""

    name = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)
    days = models.PositiveIntegerField(help_text="For shops younger than this many days.")
    gmv_limit = MoneyField(
        null=True, blank=True, help_text="Until the shop has sold this much (empty: no limit)."
    )
    fee_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=FEE_PERCENT_RANGE,
        help_text="Empty: the usual fee.",
    )
    free_listings = models.BooleanField(default=False)
    shipping_subsidy = MoneyField(
        default=Decimal("0.00"),
        validators=NOT_NEGATIVE,
        help_text="The most the platform pays of one order's shipping.",
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fee_percent__isnull=True)
                | (Q(fee_percent__gte=0) & Q(fee_percent__lte=50)),
                name="incentive_fee_percent_0_to_50",
            ),
            models.CheckConstraint(
                condition=Q(days__gte=1) & Q(days__lte=3650), name="incentive_days_range"
            ),
            models.CheckConstraint(
                condition=Q(shipping_subsidy__gte=0), name="incentive_subsidy_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(gmv_limit__isnull=True) | Q(gmv_limit__gt=0),
                name="incentive_gmv_limit_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrderFee(models.Model):
    """What the platform charged one order, and why: the rule and incentive applied, per line."""

    order_id = models.BigIntegerField(unique=True)
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="order_fees")
    currency = models.CharField(max_length=3)
    gmv = MoneyField(help_text="Net paid for the items (the fee's base).")
    fee = MoneyField()
    subsidy = MoneyField(default=Decimal("0.00"), help_text="Shipping the platform paid.")
    incentive = models.ForeignKey(
        SellerIncentive, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # [{"line_id", "rule_id", "rule_percent", "percent", "base", "fee"}], rule_id null = setting
    lines = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Fee {self.fee} {self.currency} of order {self.order_id}"

    def fee_of_line(self, line_id: int) -> Decimal:
        for line in self.lines:
            if line["line_id"] == line_id:
                return Decimal(line["fee"])
        return Decimal("0.00")


# --- Settlement: reserves and holds --------------------------------------------------------------


class Reserve(models.Model):
    """Part of a probation shop's settled order kept back until `release_on`."""

    order_id = models.BigIntegerField(unique=True)
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="reserves")
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    release_on = models.DateField()
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["release_on", "id"]
        indexes = [models.Index(fields=["released_at", "release_on"], name="reserve_due")]

    def __str__(self) -> str:
        return f"Reserve {self.amount} of order {self.order_id} until {self.release_on}"


class Hold(models.Model):
    """One order's money held (a dispute, an investigation), never the whole balance."""

    key = models.CharField(max_length=120, unique=True)
    order_id = models.BigIntegerField(db_index=True)
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="holds")
    reason = models.CharField(max_length=300)
    amount = MoneyField(help_text="Moved into held when it was placed.")
    currency = models.CharField(max_length=3)
    source = models.CharField(
        max_length=20, help_text="The account kind the money came from and goes back to."
    )
    placed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"Hold {self.key} on order {self.order_id}"

    @property
    def is_open(self) -> bool:
        return self.released_at is None


# --- Payouts -------------------------------------------------------------------------------------


class PayoutDestination(TimeStamped):
    """Where a shop's or a creator's payouts go: a provider and its account id there."""

    shop = models.OneToOneField(
        Shop, null=True, blank=True, on_delete=models.CASCADE, related_name="payout_destination"
    )
    user = models.OneToOneField(
        USER, null=True, blank=True, on_delete=models.CASCADE, related_name="payout_destination"
    )
    provider = models.CharField(max_length=20)
    account_ref = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(shop__isnull=True) ^ Q(user__isnull=True),
                name="payout_destination_of_shop_or_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.account_ref}"


class Payout(TimeStamped):
    """One transfer of a balance to its owner. Created `pending` in the transaction that moves
    the money to payouts_in_flight; the provider is called afterwards with `key`, so a crash
    between the call and its recording is retried with the same key and pays once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed (reversed)"

    key = models.CharField(max_length=120, unique=True)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="payouts")
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    user = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="payouts"
    )
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(max_length=20)
    destination = models.CharField(max_length=80)
    transfer_id = models.CharField(max_length=80, blank=True)
    commission_ids = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "id"], name="payout_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=Q(shop__isnull=True) ^ Q(user__isnull=True), name="payout_of_one_party"
            ),
        ]

    def __str__(self) -> str:
        return f"Payout {self.pk} {self.amount} {self.currency} ({self.status})"


class TestPayoutTransfer(models.Model):
    """The built-in payout provider's own ledger: what a real provider keeps on its side."""

    __test__ = False  # a test double's name, not a pytest test class

    transfer_id = models.CharField(max_length=40, unique=True)
    destination = models.CharField(max_length=80)
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.transfer_id


class TestPayoutRequest(models.Model):
    """The test payout provider's idempotency log: a repeated key returns the first answer."""

    __test__ = False  # a test double's name, not a pytest test class

    idempotency_key = models.CharField(max_length=160, unique=True)
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.idempotency_key
