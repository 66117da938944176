"""Writes of the checkout app: carts, and checkout as reserve → pay → confirm.

The order of a checkout, and why:
1. quote the cart on the server (client prices are never read);
2. reserve every unit (a short transaction that commits: no lock survives it);
3. authorize the payment (a network call: no lock is held);
4. confirm in one transaction: allocate the reserved units, book each shop's ship day (its
   daily capacity, fulfillment.services.book_ship_day) and create one order per shop with the
   ships-by date the buyer was shown — a day that filled up meanwhile fails this step with 409
   `ships_by_changed`, and the void below means nothing is charged;
5. capture the payment and mark the orders paid.
A failure after 2 releases the units; a failure after 3 also voids the authorization.

The discount codes a quote applied are charged for in 1 and counted, under their row locks, in 4
(`discounts.record_redemptions`): a code used up meanwhile fails 4, like an expired hold.
Discount codes themselves (create, switch off, apply, remove) are in `services/discounts.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from clipcart.catalog.models import Product, Shop
from clipcart.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    OutOfStock,
    RateLimited,
)
from clipcart.core.money import format_money
from clipcart.fulfillment import clock
from clipcart.fulfillment import selectors as fulfillment_selectors
from clipcart.fulfillment import services as fulfillment_services
from clipcart.inventory import selectors as inventory_selectors
from clipcart.inventory import services as inventory_services
from clipcart.orders import services as order_services
from clipcart.orders.models import Order
from clipcart.payments import services as payment_services

from ..models import Cart, CartLine, IdempotencyKey
from ..selectors import WAITLIST_PROBLEM, Quote, quote_cart
from . import discounts
from .discounts import apply_discount_code as apply_discount_code
from .discounts import create_discount_code as create_discount_code
from .discounts import remove_discount_code as remove_discount_code
from .discounts import update_discount_code as update_discount_code

logger = logging.getLogger(__name__)
REF_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,120}$")
ADDRESS_FIELDS = {
    "name": 100,
    "line1": 200,
    "line2": 200,
    "city": 100,
    "region": 100,
    "postal_code": 20,
    "country": 2,
}
REQUIRED_ADDRESS_FIELDS = ("name", "line1", "city", "postal_code", "country")


# --- Carts --------------------------------------------------------------------------------------


def get_or_create_cart(*, user=None, session_key: str | None = None) -> Cart:
    if user is not None and user.is_authenticated:
        cart, _ = Cart.objects.get_or_create(user=user)
        return cart
    if not session_key:
        raise InvalidInput("A cart needs a signed-in user or a session.")
    cart, _ = Cart.objects.get_or_create(session_key=session_key)
    return cart


def check_quantity(quantity: object, *, field: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidInput("Quantity must be a whole number.", field=field)
    maximum = settings.CLIPCART_MAX_LINE_QUANTITY
    if not 1 <= quantity <= maximum:
        raise InvalidInput(f"Quantity must be between 1 and {maximum}.", field=field)
    return quantity


def check_ref(ref: str | None) -> str:
    ref = (ref or "").strip()
    if ref and not REF_PATTERN.match(ref):
        raise InvalidInput("A ref code is up to 64 letters, digits, - or _.", field="ref")
    return ref


def _buyable_variant(variant_id: object):
    from clipcart.catalog.models import Variant

    if isinstance(variant_id, bool) or not isinstance(variant_id, int):
        raise InvalidInput("variant_id must be an integer.", field="variant_id")
    variant = (
        Variant.objects.select_related("product", "shop")
        .filter(pk=variant_id, product__status=Product.Status.ACTIVE)
        .exclude(shop__status=Shop.Status.SUSPENDED)
        .first()
    )
    if variant is None:
        raise NotFound("No such product variant.", code="variant_not_found", field="variant_id")
    if variant.product.kind != Product.Kind.NATIVE:
        raise Conflict(
            "This product is sold on another store; follow its link to buy it.",
            code="external_product",
            field="variant_id",
        )
    return variant


def _check_shop_takes_orders(variant) -> None:
    """A shop booked past its backlog limit (waitlist mode) takes no more items into carts."""
    promise = fulfillment_selectors.promise(variant.product, available=1)
    if promise.state == fulfillment_selectors.State.WAITLIST:
        raise Conflict(
            f"{variant.shop.name} is booked up; join the waitlist for this product instead.",
            code="waitlist_only",
            field="variant_id",
        )


def add_item(*, cart: Cart, variant_id: object, quantity: object, ref: str | None = None) -> Cart:
    """Adds units of a variant (merging with a line of the same variant)."""
    quantity = check_quantity(quantity)
    ref = check_ref(ref)
    variant = _buyable_variant(variant_id)
    other_currency = (
        CartLine.objects.filter(cart=cart).exclude(variant__currency=variant.currency).exists()
    )
    if other_currency:
        raise Conflict(
            "Your cart holds items in another currency.",
            code="currency_mismatch",
            field="variant_id",
        )
    with transaction.atomic():
        line = CartLine.objects.select_for_update().filter(cart=cart, variant=variant).first()
        new_quantity = quantity + (line.quantity if line else 0)
        check_quantity(new_quantity)
        if inventory_selectors.available_quantity(variant.pk) < new_quantity:
            raise OutOfStock("Not enough stock for that quantity.", field="quantity")
        _check_shop_takes_orders(variant)
        if line is None:
            CartLine.objects.create(cart=cart, variant=variant, quantity=quantity, ref=ref)
        else:
            line.quantity = new_quantity
            line.ref = ref or line.ref
            line.save(update_fields=["quantity", "ref"])
        Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    if ref:
        _touch_from_ref(cart=cart, ref=ref, product_id=variant.product_id)
    return cart


def _touch_from_ref(*, cart: Cart, ref: str, product_id: int) -> None:
    """A ref code sent with an item (a share link the client followed) is a share-link touch
    of the creator it belongs to, counted once per window like any other."""
    from clipcart.affiliate import services as affiliate_services

    actor = f"u:{cart.user_id}" if cart.user_id else f"s:{cart.session_key}"
    with contextlib.suppress(RateLimited):  # the item is in the cart; only the flood is dropped
        affiliate_services.touch_from_ref(
            actor=actor, ref=ref, product_ids=[product_id], kind="share_visit"
        )


def _cart_line(*, cart: Cart, line_id: object) -> CartLine:
    line = (
        CartLine.objects.filter(pk=line_id, cart=cart).first() if isinstance(line_id, int) else None
    )
    if line is None:  # another shopper's line is indistinguishable from a missing one
        raise NotFound("No such line in your cart.", code="cart_line_not_found", field="line_id")
    return line


def set_line_quantity(*, cart: Cart, line_id: int, quantity: object) -> Cart:
    line = _cart_line(cart=cart, line_id=line_id)
    line.quantity = check_quantity(quantity)
    line.save(update_fields=["quantity"])
    return cart


def remove_line(*, cart: Cart, line_id: int) -> Cart:
    _cart_line(cart=cart, line_id=line_id).delete()
    return cart


def merge_session_cart(*, session_key: str, user) -> None:
    """Moves an anonymous session's cart into the user's cart at login (quantities add up,
    capped at the per-line maximum; a code applied before signing in replaces the user's code
    for that shop, being the later choice)."""
    session_cart = Cart.objects.filter(session_key=session_key).first()
    if session_cart is None:
        return
    cart = get_or_create_cart(user=user)
    maximum = settings.CLIPCART_MAX_LINE_QUANTITY
    with transaction.atomic():
        for line in session_cart.lines.all():
            existing = CartLine.objects.filter(cart=cart, variant_id=line.variant_id).first()
            if existing:
                existing.quantity = min(maximum, existing.quantity + line.quantity)
                existing.save(update_fields=["quantity"])
            else:
                CartLine.objects.create(
                    cart=cart, variant_id=line.variant_id, quantity=line.quantity, ref=line.ref
                )
        discounts.move_cart_codes(source=session_cart, target=cart)
        session_cart.delete()


# --- Checkout -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutResult:
    status: int
    body: dict


def check_address(address: object) -> dict:
    if not isinstance(address, dict):
        raise InvalidInput("A shipping address is required.", field="shipping_address")
    clean: dict[str, str] = {}
    for name, max_length in ADDRESS_FIELDS.items():
        value = address.get(name, "")
        if not isinstance(value, str):
            raise InvalidInput("Address fields are text.", field=f"shipping_address.{name}")
        value = value.strip()
        if len(value) > max_length:
            raise InvalidInput(
                f"At most {max_length} characters.", field=f"shipping_address.{name}"
            )
        if name in REQUIRED_ADDRESS_FIELDS and not value:
            raise InvalidInput(
                f"{name.replace('_', ' ').capitalize()} is required.",
                field=f"shipping_address.{name}",
            )
        clean[name] = value
    clean["country"] = clean["country"].upper()
    if len(clean["country"]) != 2 or not clean["country"].isalpha():
        raise InvalidInput(
            "Country is a two-letter code such as US.", field="shipping_address.country"
        )
    return clean


def _plans(quote: Quote, booked: dict[int, tuple[date, date]]) -> list[order_services.OrderPlan]:
    """One plan per shop; `booked` is each shop's (ships_by, delivers_by) taken at confirm."""
    return [
        order_services.OrderPlan(
            shop_id=group.shop.pk,
            currency=quote.currency,
            subtotal=group.subtotal,
            shipping_fee=group.shipping_fee,
            ships_by=booked[group.shop.pk][0],
            delivers_by=booked[group.shop.pk][1],
            lines=[
                order_services.LinePlan(
                    variant_id=q.variant.pk,
                    product_id=q.variant.product_id,
                    title=q.variant.product.title,
                    variant_name=q.variant.name,
                    sku=q.variant.sku,
                    unit_price=q.unit_price,
                    quantity=q.line.quantity,
                    ref=q.line.ref,
                    discount=q.discount,
                )
                for q in group.lines
            ],
        )
        for group in quote.shops
    ]


def _book_ship_days(quote: Quote, shown: dict[int, date]) -> dict[int, tuple[date, date]]:
    """Takes each shop's ship day, in shop-id order (the global lock order), no later than the
    date the buyer was shown. Precondition: inside the confirm transaction."""
    booked = {}
    for group in sorted(quote.shops, key=lambda g: g.shop.pk):
        ships_by = fulfillment_services.book_ship_day(
            shop=group.shop,
            earliest=group.earliest_ships_by,  # type: ignore[arg-type]
            shown=shown.get(group.shop.pk, group.ships_by),  # type: ignore[arg-type]
        )
        calendar = clock.calendar_of(group.shop)
        booked[group.shop.pk] = (
            ships_by,
            fulfillment_selectors.delivers_by(ships_by, calendar=calendar),
        )
    return booked


def check_shown_ships_by(raw: object, quote: Quote) -> dict[int, date]:
    """The ships-by dates the buyer was shown, per shop ({shop_id: "YYYY-MM-DD"}); a date the
    current quote cannot keep is refused now with 409 `ships_by_changed`. Without them, the
    dates of the quote made for this request are the ones promised."""
    shown = {g.shop.pk: g.ships_by for g in quote.shops if g.ships_by is not None}
    if raw in (None, "", {}):
        return shown
    if not isinstance(raw, dict):
        raise InvalidInput("ships_by maps shop ids to dates.", field="ships_by")
    for key, value in raw.items():
        try:
            shop_id, day = int(key), date.fromisoformat(str(value))
        except (TypeError, ValueError):
            raise InvalidInput(
                "ships_by maps shop ids to YYYY-MM-DD dates.", field="ships_by"
            ) from None
        current = shown.get(shop_id)
        if current is None:
            continue  # nothing from that shop in the cart any more
        if current > day:
            raise Conflict(
                "A ship date changed since you looked (the shop is busy): it is now "
                f"{current:%a, %b %d}. Check it and check out again.",
                code="ships_by_changed",
                field="ships_by",
            )
        shown[shop_id] = day
    return shown


def _check_quote(quote: Quote) -> None:
    if not quote.lines:
        raise InvalidInput("Your cart is empty.", code="cart_empty", field="cart")
    waiting = [q for q in quote.problems if q.problem == WAITLIST_PROBLEM]
    if waiting:
        raise Conflict(
            f"{waiting[0].variant.shop.name} is booked up and takes waitlist sign-ups only for "
            f"{waiting[0].variant.product.title}; remove it from your cart.",
            code="waitlist_only",
            field="cart",
        )
    unavailable = [q for q in quote.problems if q.problem == "no longer available"]
    if unavailable:
        raise Conflict(
            f"{unavailable[0].variant.product.title} is no longer available; remove "
            "it from your cart.",
            code="unavailable",
            field="cart",
        )
    short = quote.first_short_line
    if short is not None:  # the reservation re-checks under lock; this only answers early
        raise _out_of_stock(short)
    discounts.check_discounts_hold(quote)


def _out_of_stock(line) -> OutOfStock:
    # Name the item: "out of stock" alone leaves a shopper with a big cart guessing.
    return OutOfStock(
        f"{line.variant.product.title} ({line.variant.name}) is out of stock.", field="quantity"
    )


def _reserve(quote: Quote):
    takes = [inventory_services.Take(q.variant.pk, q.line.quantity) for q in quote.lines]
    expires_at = timezone.now() + timedelta(minutes=settings.CLIPCART_RESERVATION_MINUTES)
    try:
        return inventory_services.reserve(takes=takes, expires_at=expires_at)
    except OutOfStock:
        short = quote.first_short_line or quote.lines[0]
        raise _out_of_stock(short) from None


def _result_body(payment_status: str, orders: list[Order]) -> dict:
    return {
        "payment_status": payment_status,
        "orders": [
            {
                "id": o.pk,
                "shop_id": o.shop_id,
                "status": o.status,
                "total": format_money(o.total),
                "currency": o.currency,
                "ships_by": o.ships_by.isoformat(),
                "delivers_by": o.delivers_by.isoformat() if o.delivers_by else None,
            }
            for o in orders
        ],
    }


@dataclass(frozen=True)
class PreparedCheckout:
    """A checkout that passed every check that needs no write: what `place_order` executes."""

    quote: Quote
    address: dict
    payment: dict
    shown_ships_by: dict[int, date] = field(default_factory=dict)


def prepare_checkout(
    *, cart: Cart, shipping_address: object, payment: object, shown_ships_by: object = None
) -> PreparedCheckout:
    """Validates the request and prices the cart; reads only, so a rejected request (bad input,
    an empty cart, a sold-out item) costs no write, which keeps a flash sale's many sold-out
    answers cheap."""
    address = check_address(shipping_address)
    if not isinstance(payment, dict) or not isinstance(payment.get("token"), str):
        raise InvalidInput("A payment token is required.", field="payment.token")
    quote = quote_cart(cart)
    _check_quote(quote)
    shown = check_shown_ships_by(shown_ships_by, quote)
    return PreparedCheckout(quote=quote, address=address, payment=payment, shown_ships_by=shown)


def place_order(*, buyer, prepared: PreparedCheckout) -> CheckoutResult:
    """Executes a prepared checkout: reserve → pay → confirm (no idempotency; see `checkout`)."""
    quote, address, payment = prepared.quote, prepared.address, prepared.payment
    hold = _reserve(quote)
    try:
        charge = payment_services.authorize_payment(
            buyer=buyer,
            amount=quote.total,
            currency=quote.currency,
            method=payment.get("method", "test"),
            token=payment["token"],
            idempotency_key=f"checkout-{hold}",
        )
    except DomainError:
        inventory_services.release(hold=hold)
        raise
    except Exception:
        # An operational failure (a dropped connection, a gateway timeout) may come after the
        # provider authorized: give the units back and void whatever was authorized.
        inventory_services.release(hold=hold)
        payment_services.void_if_authorized(idempotency_key=f"checkout-{hold}")
        raise
    try:
        with transaction.atomic():
            if not inventory_services.allocate(hold=hold):
                raise Conflict(
                    "Your reservation expired; please check out again.", code="reservation_expired"
                )
            booked = _book_ship_days(quote, prepared.shown_ships_by)
            orders = order_services.create_orders(
                buyer=buyer,
                plans=_plans(quote, booked),
                checkout_ref=hold,
                payment_id=charge.pk,
                shipping_address=address,
            )
            discounts.record_redemptions(quote=quote, orders=orders, buyer=buyer)
            bought = [q.line.pk for q in quote.lines]
            CartLine.objects.filter(pk__in=bought).delete()
            fulfillment_services.after_orders_placed(shop_ids=[o.shop_id for o in orders])
    except Exception:
        payment_services.void_payment(payment=charge)
        inventory_services.release(hold=hold)
        raise
    payment_services.capture_payment(payment=charge)
    order_services.mark_paid(orders=orders)
    return CheckoutResult(status=201, body=_result_body(charge.status, orders))


def _fingerprint(body: object) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _claim(*, user, key: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint), True
    except IntegrityError:
        return IdempotencyKey.objects.get(user=user, scope="checkout", key=key), False


def _replay(record: IdempotencyKey, fingerprint: str) -> CheckoutResult:
    if record.fingerprint != fingerprint:
        raise Conflict(
            "This Idempotency-Key was used with a different request.",
            code="idempotency_key_reused",
            field="Idempotency-Key",
        )
    return _wait_for_answer(record)


def _wait_for_answer(record: IdempotencyKey) -> CheckoutResult:
    deadline = time.monotonic() + settings.CLIPCART_IDEMPOTENCY_WAIT_SECONDS
    while record.state == IdempotencyKey.State.IN_PROGRESS:
        if time.monotonic() > deadline:
            raise Conflict(
                "A request with this Idempotency-Key is still being processed.",
                code="idempotency_in_progress",
            )
        time.sleep(0.05)
        refreshed = IdempotencyKey.objects.filter(pk=record.pk).first()
        if refreshed is None:  # the first attempt failed for an operational reason; retry
            raise Conflict(
                "The first request with this key failed; send it again.", code="idempotency_retry"
            )
        record = refreshed
    return CheckoutResult(status=record.response_status or 200, body=record.response_body or {})


def checkout(
    *,
    buyer,
    cart: Cart,
    shipping_address: object,
    payment: object,
    idempotency_key: str | None,
    request_body: object,
    shown_ships_by: object = None,
) -> CheckoutResult:
    """A checkout with the Idempotency-Key semantics of API.md: the same key and body answer
    with the first answer (errors included), the same key with another body is a 409."""
    if not idempotency_key:
        prepared = prepare_checkout(
            cart=cart,
            shipping_address=shipping_address,
            payment=payment,
            shown_ships_by=shown_ships_by,
        )
        return place_order(buyer=buyer, prepared=prepared)
    if not IDEMPOTENCY_KEY_PATTERN.match(idempotency_key):
        raise InvalidInput(
            "Idempotency-Key must be 1–120 visible ASCII characters.", field="Idempotency-Key"
        )
    fingerprint = _fingerprint(request_body)
    previous = IdempotencyKey.objects.filter(
        user=buyer, scope="checkout", key=idempotency_key
    ).first()
    if previous is not None:
        return _replay(previous, fingerprint)
    # As at Stripe, a request refused before it runs (invalid, empty cart, sold out) saves no
    # answer: nothing happened, so the same key may be retried.
    prepared = prepare_checkout(
        cart=cart,
        shipping_address=shipping_address,
        payment=payment,
        shown_ships_by=shown_ships_by,
    )
    record, claimed = _claim(user=buyer, key=idempotency_key, fingerprint=fingerprint)
    if not claimed:  # a simultaneous copy of this request got there first
        return _replay(record, fingerprint)
    try:
        result = place_order(buyer=buyer, prepared=prepared)
    except DomainError as error:
        result = CheckoutResult(status=error.status, body=error.as_dict())
    except BaseException:
        IdempotencyKey.objects.filter(pk=record.pk).delete()  # let the client retry
        raise
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=IdempotencyKey.State.DONE,
        response_status=result.status,
        response_body=result.body,
        updated_at=timezone.now(),
    )
    return result
