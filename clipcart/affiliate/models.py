"""Collaboration plans, their versioned commission terms, touches, commissions with their
attribution receipts, samples and external conversions.

Commission money is recorded here as an append-only trail (a Commission and its
CommissionAdjustments) that the ledger can post from; balances are never edited in place.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from clipcart.catalog.models import Product, Shop
from clipcart.core.models import TimeStamped
from clipcart.core.money import MoneyField
from clipcart.orders.models import Order, OrderLine

USER = settings.AUTH_USER_MODEL


class Plan(TimeStamped):
    """A shop's offer to creators. An open plan is for any eligible creator (one per shop);
    a targeted plan goes to the creators the seller invites and overrides the open plan for
    them."""

    class Kind(models.TextChoices):
        OPEN = "open", "Open"
        TARGETED = "targeted", "Targeted"

    class Approval(models.TextChoices):
        AUTO = "auto", "Automatic"
        MANUAL = "manual", "Manual"

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="affiliate_plans")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=100)
    approval = models.CharField(max_length=8, choices=Approval.choices, default=Approval.AUTO)
    message = models.CharField(max_length=500, blank=True, help_text="Shown to creators.")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop"],
                condition=Q(kind="open", ended_at__isnull=True),
                name="one_open_plan_per_shop",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, {self.shop})"


class PlanProduct(models.Model):
    """A product in a plan, from `added_at` until `removed_at`. Removing it ends it for everyone
    at once; adding it again starts a new row with new terms."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="plan_products")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="plan_entries")
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "product"],
                condition=Q(removed_at__isnull=True),
                name="product_once_per_plan",
            )
        ]
        indexes = [models.Index(fields=["product", "removed_at"], name="plan_product_live")]

    def __str__(self) -> str:
        return f"{self.product} in {self.plan}"


class Term(models.Model):
    """One version of what a plan product pays: a percent of the net line, or (targeted plans)
    a flat fee per unit sold. Terms are never edited: a change is a new version.

    A cut applies at once to creators who join after it, while creators already promoting keep
    the previous term until `effective_at` + the grace period (affiliate.terms decides)."""

    plan_product = models.ForeignKey(PlanProduct, on_delete=models.PROTECT, related_name="terms")
    version = models.PositiveIntegerField()
    rate = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Percent, 1–80."
    )
    flat_fee = MoneyField(null=True, blank=True, help_text="Per unit sold (targeted plans).")
    currency = models.CharField(max_length=3)
    effective_at = models.DateTimeField()
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["plan_product", "version"]
        constraints = [
            models.UniqueConstraint(fields=["plan_product", "version"], name="one_term_version"),
            models.CheckConstraint(
                condition=(Q(rate__isnull=False) & Q(flat_fee__isnull=True))
                | (Q(rate__isnull=True) & Q(flat_fee__isnull=False)),
                name="term_is_rate_or_flat_fee",
            ),
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | (Q(rate__gte=1) & Q(rate__lte=80)),
                name="term_rate_1_to_80",
            ),
            models.CheckConstraint(
                condition=Q(flat_fee__isnull=True) | Q(flat_fee__gt=0), name="term_fee_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}: {self.describe()}"

    def describe(self) -> str:
        if self.rate is not None:
            return f"{self.rate.normalize():f}%"
        return f"{self.flat_fee} {self.currency} per unit"

    def pays_less_than(self, other: Term) -> bool:
        """Whether moving from `other` to this term is a cut for the creator. A change of kind
        (percent ↔ flat fee) counts as a cut: the creator keeps what they agreed to for the
        grace period."""
        if self.rate is not None and other.rate is not None:
            return self.rate < other.rate
        if self.flat_fee is not None and other.flat_fee is not None:
            return self.flat_fee < other.flat_fee
        return True


class Membership(TimeStamped):
    """A creator in a plan: asked to join (manual approval), invited (targeted), approved, or
    out. `joined_at` is when they started promoting; it decides who keeps a cut rate."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Waiting for approval"
        INVITED = "invited", "Invited"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        LEFT = "left", "Left"

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="memberships")
    creator = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="plan_memberships")
    status = models.CharField(max_length=10, choices=Status.choices)
    joined_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "creator"], name="one_membership_per_plan")
        ]
        indexes = [models.Index(fields=["creator", "status"], name="membership_of_creator")]

    def __str__(self) -> str:
        return f"{self.creator} in {self.plan} ({self.status})"


class RateChangeNotice(models.Model):
    """A cut that will reach a creator who was already promoting: told `notify_at` (2 days
    before it takes effect)."""

    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="notices")
    term = models.ForeignKey(Term, on_delete=models.CASCADE, related_name="notices")
    takes_effect_at = models.DateTimeField()
    notify_at = models.DateTimeField(db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notify_at"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "term"], name="one_notice_per_term")
        ]

    def __str__(self) -> str:
        return f"Notice to {self.membership.creator_id} of {self.term}"


class Touch(models.Model):
    """A moment a creator put a product in front of a shopper. One row per actor, creator,
    product, kind and video within the de-duplication window: flooding clicks counts once."""

    class Kind(models.TextChoices):
        ANCHOR_CLICK = "anchor_click", "Anchor click in a video"
        VIEW_COMPLETE = "view_complete", "Completed view of a video"
        STOREFRONT_CLICK = "storefront_click", "Storefront click"
        SHARE_VISIT = "share_visit", "Share-link visit"
        EXTERNAL_CLICK = "external_click", "External link click"

    actor = models.CharField(max_length=80, help_text='"u:<user id>" or "s:<session key>".')
    creator = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="touches")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="touches")
    post_id = models.BigIntegerField(default=0, help_text="The video, or 0.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    window = models.BigIntegerField(help_text="Which de-duplication window it falls in.")
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    hits = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-last_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "creator", "product", "kind", "post_id", "window"],
                name="one_touch_per_window",
            )
        ]
        indexes = [
            models.Index(fields=["actor", "product", "-last_at"], name="touch_of_actor"),
            models.Index(fields=["creator", "first_at"], name="touch_of_creator"),
            models.Index(fields=["product", "first_at"], name="touch_of_product"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.product_id} by {self.creator_id}"

    @property
    def is_view(self) -> bool:
        return self.kind == self.Kind.VIEW_COMPLETE


class ExternalConversion(models.Model):
    """A sale on another store reported back through the signed postback."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="external_conversions")
    touch = models.ForeignKey(Touch, on_delete=models.PROTECT, related_name="conversions")
    order_ref = models.CharField(max_length=100)
    amount = MoneyField()
    currency = models.CharField(max_length=3)
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "order_ref"], name="one_conversion_per_ref"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="conversion_positive"),
        ]

    def __str__(self) -> str:
        return f"Conversion {self.order_ref} ({self.amount} {self.currency})"


class PostbackKey(models.Model):
    """The secret an external store signs its conversion postbacks with (HMAC-SHA256)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="postback_key")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Postback key of {self.shop}"


class Commission(TimeStamped):
    """What one order line (or one external conversion) earns its creator, with the attribution
    receipt: the winning touch, its time, the term in force, the base and the amount.

    `amount` is computed once at purchase; refunds only add to `clawed_back`."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending (return window open)"
        PAYABLE = "payable", "Payable"
        PAID = "paid", "Paid"
        CANCELLED = "cancelled", "Cancelled"

    line = models.OneToOneField(
        OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="commission"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="commissions"
    )
    conversion = models.OneToOneField(
        ExternalConversion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commission",
    )
    creator = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="commissions")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="commissions")
    product = models.ForeignKey(
        Product, null=True, on_delete=models.SET_NULL, related_name="commissions"
    )
    touch = models.ForeignKey(Touch, null=True, on_delete=models.SET_NULL, related_name="+")
    touch_kind = models.CharField(max_length=20, choices=Touch.Kind.choices)
    touched_at = models.DateTimeField()
    post_id = models.BigIntegerField(null=True, blank=True)
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="commissions")
    rate = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    flat_fee = MoneyField(null=True, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    base = MoneyField(help_text="Net paid for the line: after discounts, before tax, shipping.")
    amount = MoneyField()
    clawed_back = MoneyField(default=Decimal("0.00"))
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(max_length=200, blank=True)
    earned_at = models.DateTimeField(db_index=True)
    payable_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-earned_at", "-id"]
        indexes = [
            models.Index(fields=["creator", "-earned_at"], name="commission_of_creator"),
            models.Index(fields=["shop", "-earned_at"], name="commission_of_shop"),
            models.Index(fields=["status", "earned_at"], name="commission_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(line__isnull=False) ^ Q(conversion__isnull=False),
                name="commission_of_line_or_conversion",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(amount__lte=F("base")),
                name="commission_within_base",
            ),
            models.CheckConstraint(
                condition=Q(clawed_back__gte=0) & Q(clawed_back__lte=F("amount")),
                name="clawback_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} to {self.creator_id} ({self.status})"

    @property
    def net_amount(self) -> Decimal:
        """What the creator keeps: nothing if cancelled, else the amount less clawbacks."""
        if self.status == self.Status.CANCELLED:
            return Decimal("0.00")
        return self.amount - self.clawed_back


class CommissionAdjustment(models.Model):
    """An append-only change to a commission's money: a clawback for a refund, or the whole
    amount for a cancellation. `key` makes each cause count once."""

    class Kind(models.TextChoices):
        CLAWBACK = "clawback", "Clawback for a refund"
        CANCELLATION = "cancellation", "Order cancelled"

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=14, choices=Kind.choices)
    amount = MoneyField(help_text="Taken back from the creator (positive).")
    key = models.CharField(max_length=120, unique=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="adjustment_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} of commission {self.commission_id}"


class SampleOffer(TimeStamped):
    """Free units of a product a seller gives creators to review, up to `quantity_limit`.

    One offer per product: a seller who wants to give more raises the limit or resumes a paused
    offer. Units count against the limit from approval on (see affiliate.services.samples)."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="sample_offers")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="sample_offers")
    quantity_limit = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_limit__gte=1) & Q(quantity_limit__lte=1000),
                name="sample_limit_range",
            ),
            models.UniqueConstraint(fields=["product"], name="one_sample_offer_per_product"),
        ]

    def __str__(self) -> str:
        return f"Samples of {self.product} ({self.quantity_limit})"


class SampleRequest(TimeStamped):
    """A creator's request for a sample, through delivery to the video that tags it.

    requested → approved → shipped → delivered → posted | overdue; or declined / cancelled.
    A delivered sample must be posted about by `due_at` (14 days, once extendable by 7); an
    overdue one becomes posted when the video comes late. Delivery is confirmed by the creator,
    by the seller, or automatically 10 days after shipping (`delivered_via`)."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered — video due"
        POSTED = "posted", "Posted"
        OVERDUE = "overdue", "Overdue"
        CANCELLED = "cancelled", "Cancelled"

    class DeliveredVia(models.TextChoices):
        CREATOR = "creator", "Confirmed by the creator"
        SELLER = "seller", "Confirmed by the seller"
        AUTOMATIC = "automatic", "Assumed after shipping"

    offer = models.ForeignKey(SampleOffer, on_delete=models.PROTECT, related_name="requests")
    creator = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="sample_requests")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    message = models.CharField(max_length=500, blank=True)
    shipping_address = models.JSONField(default=dict)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)
    carrier = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=40, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_via = models.CharField(max_length=10, choices=DeliveredVia.choices, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    extended = models.BooleanField(default=False)
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the creator was reminded of the current due date."
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    post_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "creator"],
                condition=Q(status__in=["requested", "approved", "shipped", "delivered"]),
                name="one_open_sample_request",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["shipped", "delivered", "posted", "overdue"])
                | Q(shipped_at__isnull=False),
                name="sample_shipped_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["delivered", "posted", "overdue"])
                | (Q(delivered_at__isnull=False) & Q(due_at__isnull=False)),
                name="sample_delivered_has_due_date",
            ),
            models.CheckConstraint(
                condition=~Q(status="posted")
                | (Q(posted_at__isnull=False) & Q(post_id__isnull=False)),
                name="sample_posted_has_post",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="sample_due"),
            models.Index(fields=["creator", "status"], name="sample_of_creator"),
            models.Index(fields=["offer", "status"], name="sample_of_offer"),
        ]

    def __str__(self) -> str:
        return f"Sample of {self.offer.product_id} for {self.creator_id} ({self.status})"


class StorefrontItem(models.Model):
    """A product a creator chose to show in their storefront at /@handle."""

    creator = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="storefront_items")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["creator", "product"], name="product_once_in_store")
        ]

    def __str__(self) -> str:
        return f"{self.product_id} in {self.creator_id}'s storefront"
