"""Discount codes: shops create them and switch them on and off, shoppers apply them to a cart,
and checkout records each use under the code's row lock (see `record_redemptions`).

How much a code takes off, and how that is split over the lines, is the quote's business
(`checkout.selectors`): the price a shopper sees is the price checkout charges.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from clipcart.catalog.models import Shop
from clipcart.catalog.services import require_shop_staff
from clipcart.core.errors import Conflict, InvalidInput, NotFound
from clipcart.core.money import parse_price
from clipcart.orders.models import Order

from .. import locks
from ..models import Cart, CartDiscount, DiscountCode, DiscountRedemption
from ..selectors import DiscountProblem, Quote, code_state_problem, discount_problem, quote_cart

CODE = re.compile(r"^[A-Z0-9_-]{3,32}$")
MIN_PERCENT = Decimal("1")
MAX_PERCENT = Decimal("90")
MAX_USES = 1_000_000


# --- Input --------------------------------------------------------------------------------------


def check_code(raw: object, *, field: str = "code") -> str:
    """A code as typed: surrounding spaces dropped, upper-cased ("summer10" is SUMMER10)."""
    code = raw.strip().upper() if isinstance(raw, str) else ""
    if not CODE.match(code):
        raise InvalidInput("A code is 3 to 32 letters, digits, - or _.", field=field)
    return code


def check_kind(raw: object) -> str:
    if raw not in DiscountCode.Kind.values:
        raise InvalidInput('The kind is "percent" or "amount".', field="kind")
    return str(raw)


def check_value(*, kind: str, raw: object) -> Decimal:
    """A percent from 1 to 90 with at most two decimals, or an amount in the shop's currency."""
    if kind == DiscountCode.Kind.AMOUNT:
        return parse_price(raw, field="value", label="Amount")
    percent = _parse_percent(raw)
    if not MIN_PERCENT <= percent <= MAX_PERCENT:
        raise InvalidInput("A percent off is from 1 to 90.", field="value")
    return percent


def _parse_percent(raw: object) -> Decimal:
    if isinstance(raw, (bool, float)) or not isinstance(raw, (str, int)):
        raise InvalidInput('Send the percent as a number such as "15".', field="value")
    try:
        percent = Decimal(str(raw).strip())
    except InvalidOperation:
        raise InvalidInput("The percent must be a number such as 15.", field="value") from None
    if not percent.is_finite() or percent.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput("A percent has at most two decimals.", field="value")
    return percent


def check_min_subtotal(raw: object) -> Decimal | None:
    if raw is None or raw == "":
        return None
    return parse_price(raw, field="min_subtotal", label="Minimum subtotal")


def check_max_uses(raw: object) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_USES:
        raise InvalidInput(f"Uses are a whole number from 1 to {MAX_USES:,}.", field="max_uses")
    return raw


def check_window(
    starts_at: datetime | None, ends_at: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """The dates a code is valid between; a date without a time zone is in the site's."""
    starts_at, ends_at = _aware(starts_at), _aware(ends_at)
    if starts_at and ends_at and ends_at <= starts_at:
        raise InvalidInput("The end must come after the start.", field="ends_at")
    if ends_at and ends_at <= timezone.now():
        raise InvalidInput("The end is already past.", field="ends_at")
    return starts_at, ends_at


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


# --- Shops manage their codes -------------------------------------------------------------------


def create_discount_code(
    *,
    user,
    shop_id: int,
    code: object,
    kind: object,
    value: object,
    min_subtotal: object = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    max_uses: object = None,
) -> DiscountCode:
    """A new, active code of a shop, made by its staff (403 for anyone else)."""
    shop = require_shop_staff(user=user, shop_id=shop_id)
    clean_kind = check_kind(kind)
    fields = {
        "code": check_code(code),
        "kind": clean_kind,
        "value": check_value(kind=clean_kind, raw=value),
        "min_subtotal": check_min_subtotal(min_subtotal),
        "max_uses": check_max_uses(max_uses),
    }
    fields["starts_at"], fields["ends_at"] = check_window(starts_at, ends_at)
    taken = Conflict(
        f"{shop.name} already has a code {fields['code']}.",
        code="discount_code_taken",
        field="code",
    )
    if DiscountCode.objects.filter(shop=shop, code=fields["code"]).exists():
        raise taken
    try:
        with transaction.atomic():
            return DiscountCode.objects.create(shop=shop, **fields)
    except IntegrityError:  # the same code created by a simultaneous request
        raise taken from None


def update_discount_code(*, user, shop_id: int, code_id: int, is_active: object) -> DiscountCode:
    """Switches a shop's code on or off. A code of another shop is not found. Carts holding a
    switched-off code show it as not applied; its past uses stay recorded."""
    shop = require_shop_staff(user=user, shop_id=shop_id)
    if not isinstance(is_active, bool):
        raise InvalidInput("is_active is true or false.", field="is_active")
    code = DiscountCode.objects.filter(pk=code_id, shop=shop).first()
    if code is None:
        raise NotFound("No such discount code in this shop.", code="discount_not_found")
    code.is_active = is_active
    code.save(update_fields=["is_active", "updated_at"])
    return code


# --- Shoppers apply codes -----------------------------------------------------------------------


def apply_discount_code(*, cart: Cart, code: object) -> Cart:
    """Applies a code to every shop of the cart that offers it. A cart holds one code per shop:
    a new one replaces the old. Applying a code that is already applied changes nothing.

    A code that does not exist, belongs to a shop the cart buys nothing from, or is switched
    off are one and the same 404, so nobody can probe for another shop's codes."""
    text = check_code(code)
    quote = quote_cart(cart)
    offers = _offers(text, shop_ids=[group.shop.pk for group in quote.shops])
    if not offers:
        raise NotFound(
            f"There is no code {text} for the items in your cart.",
            code="discount_not_found",
            field="code",
        )
    problems = _problems(offers, quote)
    usable = [offer for offer in offers if offer.pk not in problems]
    if not usable:
        raise _refusal(text, problems[offers[0].pk])
    for offer in usable:
        CartDiscount.objects.update_or_create(
            cart=cart, shop_id=offer.shop_id, defaults={"code": offer}
        )
    vars(cart).pop("has_discounts", None)  # `cart_for`'s "holds no codes" is out of date now
    return cart


def _offers(text: str, *, shop_ids: list[int]) -> list[DiscountCode]:
    return list(
        DiscountCode.objects.select_related("shop")
        .filter(code=text, shop_id__in=shop_ids, is_active=True)
        .exclude(shop__status=Shop.Status.SUSPENDED)
        .order_by("shop__name")
    )


def _problems(offers: list[DiscountCode], quote: Quote) -> dict[int, DiscountProblem]:
    groups = {group.shop.pk: group for group in quote.shops}
    now = timezone.now()
    found = {
        offer.pk: discount_problem(
            offer, subtotal=groups[offer.shop_id].subtotal, currency=quote.currency, now=now
        )
        for offer in offers
    }
    return {pk: problem for pk, problem in found.items() if problem is not None}


def _refusal(text: str, problem: DiscountProblem) -> Conflict:
    return Conflict(f"{text}: {problem.message}", code=problem.code, field="code")


def remove_discount_code(*, cart: Cart, code: object) -> Cart:
    """Takes a code off the cart (off every shop it was applied to)."""
    text = check_code(code)
    removed, _ = CartDiscount.objects.filter(cart=cart, code__code=text).delete()
    if not removed:
        raise NotFound(f"{text} is not on your cart.", code="discount_not_found", field="code")
    return cart


def move_cart_codes(*, source: Cart, target: Cart) -> None:
    """Carries the codes of `source` over to `target` (an anonymous cart merged at login)."""
    for applied in CartDiscount.objects.filter(cart=source):
        CartDiscount.objects.update_or_create(
            cart=target, shop_id=applied.shop_id, defaults={"code_id": applied.code_id}
        )


# --- Checkout -----------------------------------------------------------------------------------


def check_discounts_hold(quote: Quote) -> None:
    """Refuses a checkout while the cart holds a code that stopped applying: the shopper is
    told, and decides, rather than being charged the full price in silence."""
    stale = next(iter(quote.unapplied_discounts), None)
    if stale is not None and stale.problem is not None:
        raise Conflict(
            f"Your code {stale.code.code} no longer applies: {stale.reason} Remove it from "
            "your cart to check out without it.",
            code=stale.problem.code,
            field="discounts",
        )


def record_redemptions(*, quote: Quote, orders: list[Order], buyer) -> None:
    """Counts one use of each code the quote applied and records what it took off each order.

    Precondition: inside the checkout's confirm transaction, after its orders are created, so
    that a refusal rolls the orders back (and the caller voids the payment and releases the
    stock). The codes' rows are locked and their rules checked again: of two buyers racing for
    the last use of a code, the second waits here, then sees it used up and gets a 409.
    """
    applied = [g.applied_code for g in quote.shops if g.applied_code and g.applied_code.applied]
    if not applied:
        return
    locked = locks.lock_discount_codes(code_ids=[quoted.code.pk for quoted in applied])
    order_of_shop = {order.shop_id: order for order in orders}
    now = timezone.now()
    for quoted in applied:
        code = locked[quoted.code.pk]
        code.shop = quoted.code.shop  # read moments ago; only the counters need the lock
        problem = code_state_problem(code, now=now)
        if problem is not None:
            raise _refusal(code.code, problem)
        DiscountCode.objects.filter(pk=code.pk).update(
            times_used=F("times_used") + 1, updated_at=now
        )
        DiscountRedemption.objects.create(
            code=code, order=order_of_shop[code.shop_id], buyer=buyer, amount=quoted.amount
        )
    # The bought shops' codes are spent with their lines; a code waiting for a shop the
    # cart did not buy from stays.
    CartDiscount.objects.filter(cart=quote.cart, shop_id__in=order_of_shop).delete()
