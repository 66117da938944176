"""Platform fees and new-seller incentives: which rule and promotion apply to an order, and the
fee of each line, rounded once per line (half up) and recorded in an OrderFee row so every fee
can be traced to its rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from clipcart.catalog.models import Category, Shop
from clipcart.core.errors import InvalidInput, NotFound
from clipcart.core.money import parse_price, quantize_money

from ..models import FeeRule, OrderFee, SellerIncentive

ZERO = Decimal("0.00")
MAX_FEE_PERCENT = Decimal("50")


def check_fee_percent(raw: object, *, field: str = "percent") -> Decimal:
    """A fee in percent from an operator: 0 to 50, at most two decimals, never a float."""
    if isinstance(raw, (bool, float)) or raw is None:
        raise InvalidInput('Send the fee as a decimal string such as "6.5".', field=field)
    try:
        percent = Decimal(str(raw).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise InvalidInput("The fee must be a number such as 6.5.", field=field) from None
    if not percent.is_finite() or percent.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput("The fee must be a number with at most two decimals.", field=field)
    if not 0 <= percent <= MAX_FEE_PERCENT:
        raise InvalidInput(f"The fee must be between 0 and {MAX_FEE_PERCENT}%.", field=field)
    return percent


def set_fee_rule(*, category_id: int | None, percent: object, listing_fee: object = "0") -> FeeRule:
    """Creates or changes the fee of a category (None: the default for every other one). It
    applies to orders paid from now on; orders already paid keep the fee they were charged."""
    checked = check_fee_percent(percent)
    listing = parse_price(listing_fee, field="listing_fee", allow_zero=True, label="Listing fee")
    if category_id is not None and not Category.objects.filter(pk=category_id).exists():
        raise NotFound("No such category.", code="category_not_found", field="category")
    rule, _ = FeeRule.objects.update_or_create(
        category=Category.objects.filter(pk=category_id).first() if category_id else None,
        defaults={"percent": checked, "listing_fee": listing},
    )
    return rule


@dataclass(frozen=True)
class AppliedRule:
    rule: FeeRule | None  # None: the instance's CLIPCART_DEFAULT_FEE_PERCENT
    percent: Decimal
    listing_fee: Decimal


def rule_for(*, category_id: int | None) -> AppliedRule:
    """The category's rule, else its parent's, else the default rule, else the setting."""
    seen: set[int] = set()
    while category_id is not None and category_id not in seen:
        seen.add(category_id)
        rule = FeeRule.objects.filter(category_id=category_id).first()
        if rule is not None:
            return AppliedRule(rule, rule.percent, rule.listing_fee)
        category_id = (
            Category.objects.filter(pk=category_id).values_list("parent_id", flat=True).first()
        )
    default = FeeRule.objects.filter(category__isnull=True).first()
    if default is not None:
        return AppliedRule(default, default.percent, default.listing_fee)
    return AppliedRule(None, Decimal(settings.CLIPCART_DEFAULT_FEE_PERCENT), ZERO)


def shop_gmv(*, shop_id: int, before_order_id: int | None = None) -> Decimal:
    fees = OrderFee.objects.filter(shop_id=shop_id)
    if before_order_id is not None:
        fees = fees.exclude(order_id=before_order_id)
    return (fees.aggregate(total=Sum("gmv"))["total"] or ZERO).quantize(Decimal("0.01"))


def incentive_for(*, shop: Shop, now=None, order_id: int | None = None) -> SellerIncentive | None:
    """The newest active incentive the shop still qualifies for: younger than its days and
    below its GMV limit (whichever comes first ends it)."""
    now = now or timezone.now()
    for incentive in SellerIncentive.objects.filter(is_active=True).order_by("-id"):
        if shop.created_at + timedelta(days=incentive.days) <= now:
            continue
        limit = incentive.gmv_limit
        if limit is not None and shop_gmv(shop_id=shop.pk, before_order_id=order_id) >= limit:
            continue
        return incentive
    return None


@dataclass(frozen=True)
class LineInput:
    line_id: int
    category_id: int | None
    base: Decimal  # net paid for the line
    commission: Decimal  # what the line's creator earns (a cap on the fee)


def line_fee(line: LineInput, *, incentive: SellerIncentive | None) -> dict:
    applied = rule_for(category_id=line.category_id)
    percent = applied.percent
    if incentive is not None and incentive.fee_percent is not None:
        percent = min(percent, incentive.fee_percent)
    # Fee and commission together never exceed the line: the platform takes less, so the
    # seller's share can never be negative.
    fee = min(quantize_money(line.base * percent / Decimal(100)), line.base - line.commission)
    return {
        "line_id": line.line_id,
        "rule_id": applied.rule.pk if applied.rule else None,
        "rule_percent": str(applied.percent),
        "percent": str(percent),
        "base": str(line.base),
        "fee": str(max(fee, ZERO)),
    }


def shipping_subsidy(*, shop: Shop, order_shipping: Decimal, incentive) -> Decimal:
    """A free-shipping order of a shop under a subsidy: the platform pays the seller the
    shipping the buyer did not pay, up to the incentive's amount per order."""
    if incentive is None or order_shipping > 0 or shop.shipping_fee <= 0:
        return ZERO
    return min(shop.shipping_fee, incentive.shipping_subsidy)


def fee_of_order(
    *, order_id: int, shop: Shop, currency: str, shipping: Decimal, lines: list[LineInput]
) -> OrderFee:
    """The order's OrderFee, computed and saved the first time. Precondition: inside the
    transaction that posts the order's payment."""
    existing = OrderFee.objects.filter(order_id=order_id).first()
    if existing is not None:
        return existing
    incentive = incentive_for(shop=shop, order_id=order_id)
    rows = [line_fee(line, incentive=incentive) for line in lines]
    try:
        with transaction.atomic():
            return _create_order_fee(order_id, shop, currency, shipping, lines, incentive, rows)
    except IntegrityError:  # the same order posted at the same moment: its fee stands
        return OrderFee.objects.get(order_id=order_id)


def _create_order_fee(order_id, shop, currency, shipping, lines, incentive, rows) -> OrderFee:
    return OrderFee.objects.create(
        order_id=order_id,
        shop=shop,
        currency=currency,
        gmv=sum((line.base for line in lines), ZERO),
        fee=sum((Decimal(row["fee"]) for row in rows), ZERO),
        subsidy=shipping_subsidy(shop=shop, order_shipping=shipping, incentive=incentive),
        incentive=incentive,
        lines=rows,
    )


def listing_fee_for(*, shop: Shop, category_id: int | None, now=None) -> Decimal:
    incentive = incentive_for(shop=shop, now=now)
    if incentive is not None and incentive.free_listings:
        return ZERO
    return rule_for(category_id=category_id).listing_fee
