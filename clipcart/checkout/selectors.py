"""The cart as the server prices it. Every total a shopper sees, and every total charged at
checkout, comes from `quote_cart`: the client never sends a price.

Discount codes, per shop group of a cart:
- a percent code takes subtotal × percent / 100, rounded once, half-up, to the cent
  (`quantize_money`); an amount code takes min(amount, subtotal);
- that discount is split over the group's lines by `allocate_discount` (largest remainder), so
  every line knows the net price actually paid for it, which commission is computed on;
- shipping is not discounted, and the free-shipping threshold is compared with the subtotal
  before the discount: a code never takes free shipping away from a cart that had it;
- a code on the cart that no longer holds (inactive, expired, used up, below its minimum, the
  shop suspended) is quoted with `amount` 0 and the reason, so the total shown is the total
  charged, and checkout refuses to go on until the shopper has seen it
  (`services.discounts.check_discounts_hold`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Exists, OuterRef
from django.utils import timezone

from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog.models import Product, Shop, Variant
from clipcart.core.money import CENT, quantize_money
from clipcart.core.pagination import Page, paginate_by_pk
from clipcart.fulfillment import clock
from clipcart.fulfillment import selectors as fulfillment_selectors
from clipcart.inventory import selectors as inventory_selectors

from .models import Cart, CartDiscount, CartLine, DiscountCode

ZERO = Decimal("0.00")


@dataclass
class QuotedLine:
    line: CartLine
    variant: Variant
    unit_price: Decimal
    available: int
    problem: str = ""
    discount: Decimal = ZERO  # this line's share of its shop's discount (allocate_discount)

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.line.quantity

    @property
    def net_total(self) -> Decimal:
        return self.line_total - self.discount


@dataclass(frozen=True)
class DiscountProblem:
    """Why a code does not apply: an error code (the API's) and a sentence for the shopper."""

    code: str
    message: str


@dataclass(frozen=True)
class QuotedDiscount:
    """A code on the cart as one quote prices it: the amount it takes off, or why it takes
    nothing."""

    code: DiscountCode
    amount: Decimal = ZERO
    problem: DiscountProblem | None = None

    @property
    def applied(self) -> bool:
        return self.problem is None

    @property
    def reason(self) -> str:
        return self.problem.message if self.problem else ""


@dataclass
class ShopQuote:
    """One shop's part of a cart. `ships_by` is the honest date shown before payment (capacity
    included, see fulfillment.selectors); None when the shop cannot take the order now."""

    shop: Shop
    lines: list[QuotedLine] = field(default_factory=list)
    ships_by: date | None = None
    applied_code: QuotedDiscount | None = None
    promise: fulfillment_selectors.Promise | None = None

    @property
    def delivers_by(self) -> date | None:
        return self.promise.delivers_by if self.promise else None

    @property
    def earliest_ships_by(self) -> date | None:
        """The date before capacity: where checkout starts looking for a free ship day."""
        return self.promise.normal_ships_by if self.promise else None

    @property
    def is_preorder(self) -> bool:
        return bool(self.promise and self.promise.is_preorder)

    @property
    def pushed_by_capacity(self) -> bool:
        return bool(self.promise and self.promise.pushed_by_capacity)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.lines), ZERO)

    @property
    def discount(self) -> Decimal:
        """The shop's discount; its lines' `discount`s add up to exactly this."""
        code = self.applied_code
        return code.amount if code is not None and code.applied else ZERO

    @property
    def shipping_fee(self) -> Decimal:
        # The pre-discount subtotal: applying a code must not make shipping cost more.
        threshold = self.shop.free_shipping_threshold
        if threshold is not None and self.subtotal >= threshold:
            return ZERO
        return self.shop.shipping_fee

    @property
    def amount_to_free_shipping(self) -> Decimal | None:
        threshold = self.shop.free_shipping_threshold
        if threshold is None or self.subtotal >= threshold:
            return None
        return threshold - self.subtotal

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.shipping_fee


@dataclass
class Quote:
    cart: Cart | None
    shops: list[ShopQuote]
    currency: str
    discounts: list[QuotedDiscount] = field(default_factory=list)

    @property
    def lines(self) -> list[QuotedLine]:
        return [line for group in self.shops for line in group.lines]

    @property
    def subtotal(self) -> Decimal:
        return sum((group.subtotal for group in self.shops), ZERO)

    @property
    def shipping_total(self) -> Decimal:
        return sum((group.shipping_fee for group in self.shops), ZERO)

    @property
    def discount_total(self) -> Decimal:
        return sum((group.discount for group in self.shops), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount_total + self.shipping_total

    @property
    def item_count(self) -> int:
        return sum(line.line.quantity for line in self.lines)

    @property
    def first_short_line(self) -> QuotedLine | None:
        """The first line asking for more units than are left, if any."""
        return next((q for q in self.lines if q.available < q.line.quantity), None)

    @property
    def problems(self) -> list[QuotedLine]:
        return [line for line in self.lines if line.problem]

    @property
    def unapplied_discounts(self) -> list[QuotedDiscount]:
        """Codes that no longer hold for a shop the cart buys from."""
        return [
            group.applied_code
            for group in self.shops
            if group.applied_code and not group.applied_code.applied
        ]


def _problem(variant: Variant, quantity: int, available: int) -> str:
    product = variant.product
    if product.status != Product.Status.ACTIVE or variant.shop.status == Shop.Status.SUSPENDED:
        return "no longer available"
    if available <= 0:
        return "sold out"
    if available < quantity:
        return f"only {available} left"
    return ""


def quote_cart(cart: Cart | None, *, default_currency: str = "USD") -> Quote:
    """Prices a cart from current catalog prices, grouped by shop, with shipping per shop."""
    if cart is None:
        return Quote(cart=None, shops=[], currency=default_currency)
    lines = list(CartLine.objects.filter(cart=cart).order_by("id"))
    variants = catalog_selectors.variants_for_cart([line.variant_id for line in lines])
    stock = inventory_selectors.available_quantities(variants)
    groups: dict[int, ShopQuote] = {}
    for line in lines:
        variant = variants[line.variant_id]
        available = stock.get(variant.pk, 0)
        group = groups.setdefault(variant.shop_id, ShopQuote(shop=variant.shop))
        group.lines.append(
            QuotedLine(
                line=line,
                variant=variant,
                unit_price=variant.price,
                available=available,
                problem=_problem(variant, line.quantity, available),
            )
        )
    clock.calendars_of(group.shop for group in groups.values())  # one query for all shops
    for group in groups.values():
        _promise(group)
    currency = next(iter(variants.values())).currency if variants else default_currency
    quote = Quote(
        cart=cart, shops=sorted(groups.values(), key=lambda g: g.shop.name), currency=currency
    )
    _apply_discounts(quote, _cart_codes(cart))
    return quote


WAITLIST_PROBLEM = "waitlist only: the shop is booked up"


def _promise(group: ShopQuote) -> None:
    """The group's honest ships-by date: its products' latest normal date, then the shop's
    capacity. A shop booked past its backlog limit takes no order (its lines say why)."""
    products = [q.variant.product for q in group.lines]
    promise = fulfillment_selectors.group_promise(group.shop, products)
    group.promise = promise
    group.ships_by = promise.ships_by
    if not promise.buyable:
        for line in group.lines:
            line.problem = line.problem or WAITLIST_PROBLEM


def _cart_codes(cart: Cart) -> list[DiscountCode]:
    # `cart_for` says in its own query whether the cart holds codes: most carts hold none, and
    # they are priced without this query.
    if not getattr(cart, "has_discounts", True):
        return []
    rows = CartDiscount.objects.filter(cart=cart).select_related("code__shop").order_by("id")
    return [row.code for row in rows]


def _apply_discounts(quote: Quote, codes: list[DiscountCode]) -> None:
    groups = {group.shop.pk: group for group in quote.shops}
    now = timezone.now()
    for code in codes:
        group = groups.get(code.shop_id)
        quoted = quote_discount(code, group=group, currency=quote.currency, now=now)
        quote.discounts.append(quoted)
        if group is not None:
            group.applied_code = quoted
            shares = allocate_discount(quoted.amount, [q.line_total for q in group.lines])
            for line, share in zip(group.lines, shares, strict=True):
                line.discount = share


def quote_discount(
    code: DiscountCode, *, group: ShopQuote | None, currency: str, now: datetime
) -> QuotedDiscount:
    subtotal = group.subtotal if group is not None else None
    problem = discount_problem(code, subtotal=subtotal, currency=currency, now=now)
    if problem is not None or subtotal is None:
        return QuotedDiscount(code=code, problem=problem)
    return QuotedDiscount(code=code, amount=discount_amount(code, subtotal))


def discount_problem(
    code: DiscountCode, *, subtotal: Decimal | None, currency: str, now: datetime
) -> DiscountProblem | None:
    """Why `code` takes nothing off a shop subtotal of `subtotal` (None: the cart has nothing
    from the code's shop), or None when it applies. The checks run in this order so that a
    shopper is told the reason that no change to their cart can fix first."""
    lasting = code_state_problem(code, now=now)
    if lasting is not None:
        return lasting
    if subtotal is None:
        return DiscountProblem(
            "discount_not_applicable", f"Add something from {code.shop.name} to use it."
        )
    if code.kind == DiscountCode.Kind.AMOUNT and currency != code.shop.currency:
        return DiscountProblem(
            "discount_not_applicable", f"This code is for prices in {code.shop.currency}."
        )
    if code.min_subtotal is not None and subtotal < code.min_subtotal:
        return DiscountProblem(
            "discount_min_subtotal",
            f"Spend at least {code.min_subtotal} {code.shop.currency} at {code.shop.name} "
            "to use this code.",
        )
    return None


def code_state_problem(code: DiscountCode, *, now: datetime) -> DiscountProblem | None:
    """The problems of the code itself, whatever the cart: what checkout re-checks under the
    code's row lock."""
    if not code.is_active or code.shop.status == Shop.Status.SUSPENDED:
        return DiscountProblem("discount_inactive", "This code is no longer active.")
    if code.starts_at is not None and now < code.starts_at:
        day = timezone.localtime(code.starts_at).strftime("%b %d, %Y")
        return DiscountProblem("discount_not_started", f"This code starts on {day}.")
    if code.ends_at is not None and now >= code.ends_at:
        return DiscountProblem("discount_expired", "This code has expired.")
    if code.max_uses is not None and code.times_used >= code.max_uses:
        return DiscountProblem("discount_used_up", "This code has been used up.")
    return None


def discount_amount(code: DiscountCode, subtotal: Decimal) -> Decimal:
    """What `code` takes off a shop subtotal. A percent is rounded here, once, half-up, to the
    cent; an amount is capped at the subtotal. Never more than the subtotal (percent ≤ 90)."""
    if code.kind == DiscountCode.Kind.PERCENT:
        return min(quantize_money(subtotal * code.value / 100), subtotal)
    return min(code.value, subtotal)


def allocate_discount(discount: Decimal, line_totals: Sequence[Decimal]) -> list[Decimal]:
    """Splits a discount over lines in proportion to their totals, in whole cents.

    Largest-remainder method, in integer cents so no rounding happens: line i first gets
    floor(D × Tᵢ / ΣT) cents; the cents left over (fewer than the number of lines) go one each
    to the lines with the largest remainders (D × Tᵢ mod ΣT), ties to the earlier line. So the
    shares add up to exactly D, and none exceeds its line: a share only gets a leftover cent
    when D × Tᵢ / ΣT is not whole, and then that quota is below Tᵢ (D ≤ ΣT), so its ceiling is
    at most Tᵢ.

    Precondition: 0 ≤ discount ≤ sum(line_totals), all in whole cents.
    """
    cents = _to_cents(discount)
    weights = [_to_cents(total) for total in line_totals]
    whole = sum(weights)
    if not 0 <= cents <= whole:
        raise ValueError(f"A discount of {discount} cannot be split over {whole} cents.")
    if cents == 0:
        return [ZERO for _ in weights]
    shares = [cents * weight // whole for weight in weights]
    remainders = [cents * weight % whole for weight in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[: cents - sum(shares)]:
        shares[i] += 1
    return [Decimal(share) * CENT for share in shares]


def _to_cents(amount: Decimal) -> int:
    cents = amount / CENT
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} is not a whole number of cents.")
    return int(cents)


def cart_for(*, user=None, session_key: str | None = None) -> Cart | None:
    carts = Cart.objects.annotate(
        has_discounts=Exists(CartDiscount.objects.filter(cart=OuterRef("pk")))
    )
    if user is not None and user.is_authenticated:
        return carts.filter(user=user).first()
    if session_key:
        return carts.filter(session_key=session_key).first()
    return None


def cart_item_count(cart: Cart | None) -> int:
    if cart is None:
        return 0
    return sum(CartLine.objects.filter(cart=cart).values_list("quantity", flat=True))


def discount_codes_of_shop(*, shop: Shop, cursor: str | None = None, size: int = 50) -> Page:
    """A shop's codes, newest first, each with its shop (for the currency)."""
    codes = DiscountCode.objects.filter(shop=shop).select_related("shop")
    return paginate_by_pk(codes, cursor=cursor, size=size)
