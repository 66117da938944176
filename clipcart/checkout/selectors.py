"""The cart as the server prices it. Every total a shopper sees, and every total charged at
checkout, comes from `quote_cart`: the client never sends a price."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog.models import Product, Shop, Variant
from clipcart.fulfillment import clock
from clipcart.inventory import selectors as inventory_selectors

from .models import Cart, CartLine

ZERO = Decimal("0.00")


@dataclass
class QuotedLine:
    line: CartLine
    variant: Variant
    unit_price: Decimal
    available: int
    problem: str = ""

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.line.quantity


@dataclass
class ShopQuote:
    shop: Shop
    lines: list[QuotedLine] = field(default_factory=list)
    ships_by: date | None = None

    @property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.lines), ZERO)

    @property
    def shipping_fee(self) -> Decimal:
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
        return self.subtotal + self.shipping_fee


@dataclass
class Quote:
    cart: Cart | None
    shops: list[ShopQuote]
    currency: str

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
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_total

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
        days = variant.product.effective_handling_days
        ships_by = clock.ships_by(handling_days=days)
        group.ships_by = max(group.ships_by or ships_by, ships_by)
    currency = next(iter(variants.values())).currency if variants else default_currency
    return Quote(
        cart=cart, shops=sorted(groups.values(), key=lambda g: g.shop.name), currency=currency
    )


def cart_for(*, user=None, session_key: str | None = None) -> Cart | None:
    if user is not None and user.is_authenticated:
        return Cart.objects.filter(user=user).first()
    if session_key:
        return Cart.objects.filter(session_key=session_key).first()
    return None


def cart_item_count(cart: Cart | None) -> int:
    if cart is None:
        return 0
    return sum(CartLine.objects.filter(cart=cart).values_list("quantity", flat=True))
