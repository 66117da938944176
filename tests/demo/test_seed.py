"""`clipcart seed --demo` at a small scale: the world it builds obeys the rules the services
enforce, the demo logins work, and the same world comes out every time."""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Count, Q, Sum

from clipcart.accounts.models import User
from clipcart.catalog.models import Product, ProductImage, Shop, Variant
from clipcart.catalog.search import matching_product_ids
from clipcart.checkout import services as checkout_services
from clipcart.checkout.models import Cart
from clipcart.demo.services import DEMO_PASSWORD
from clipcart.demo.world import build_world
from clipcart.inventory.models import Stock
from clipcart.inventory.selectors import available_quantity
from clipcart.orders import services as order_services
from clipcart.orders.models import LineRefund, Order, OrderStatus
from clipcart.payments import services as payment_services
from clipcart.payments.models import Payment, TestGatewayCharge
from clipcart.returns.models import ReturnLine

SCALE = 0.05
pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def seed(**options) -> str:
    out = io.StringIO()
    options = {"demo": True, "scale": SCALE, "verbosity": 0, **options}
    call_command("seed", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def seeded(media_root) -> str:
    return seed()


def test_the_four_demo_logins_sign_in_with_the_documented_password(seeded):
    for username in ("shopper", "seller", "creator", "operator"):
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
        assert username in seeded
    assert DEMO_PASSWORD in seeded
    assert User.objects.get(username="creator").is_creator
    operator = User.objects.get(username="operator")
    assert operator.is_staff and operator.is_superuser


def test_the_shopper_has_past_orders_and_a_cart(seeded):
    shopper = User.objects.get(username="shopper")
    statuses = set(Order.objects.filter(buyer=shopper).values_list("status", flat=True))
    assert {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED} <= statuses
    assert Cart.objects.get(user=shopper).lines.count() == 3


def test_the_seller_owns_a_shop_with_paid_orders_waiting_to_ship(seeded):
    seller = User.objects.get(username="seller")
    shop = Shop.objects.get(memberships__user=seller, memberships__role="owner")
    assert seller.is_seller_staff
    assert Order.objects.filter(shop=shop, status=OrderStatus.PAID).count() >= 6


def test_every_product_has_stored_images_and_every_variant_one_stock_row(seeded, media_root):
    assert Shop.objects.count() >= 4
    assert not Product.objects.annotate(n=Count("images")).filter(n=0).exists()
    for image in ProductImage.objects.all():
        assert (media_root / image.image.name).is_file()
        assert (media_root / image.thumbnail.name).is_file()
    assert not Variant.objects.annotate(n=Count("stock_rows")).exclude(n=1).exists()
    assert Stock.objects.filter(bucket=0).count() == Variant.objects.count()
    external = Product.objects.filter(kind="external")
    assert all(p.external_url.startswith("https://store.example/") for p in external)


def test_order_totals_follow_the_checkout_rules(seeded):
    orders = Order.objects.select_related("shop").prefetch_related("lines")
    assert orders.count() >= 150
    for order in orders:
        lines = list(order.lines.all())
        assert all(line.line_total == line.unit_price * line.quantity for line in lines)
        assert order.subtotal == sum(line.line_total for line in lines)
        threshold = order.shop.free_shipping_threshold
        free = threshold is not None and order.subtotal >= threshold
        assert order.shipping_fee == (Decimal("0.00") if free else order.shop.shipping_fee)
        assert order.total == order.subtotal + order.shipping_fee


def test_each_checkout_has_one_captured_payment_for_the_sum_of_its_orders(seeded):
    payment_services.process_pending_refunds(limit=1000)  # the returns' refunds, after commit
    payments = Payment.objects.annotate(orders_total=Sum("orders__total"))
    assert payments.count() > 0
    for payment in payments:
        assert payment.amount == payment.orders_total
        cancelled = sum(o.total for o in payment.orders.all() if o.status == OrderStatus.CANCELLED)
        returned = LineRefund.objects.filter(line__order__payment=payment).aggregate(
            total=Sum("amount")
        )["total"] or Decimal("0.00")
        assert payment.amount_refunded == cancelled + returned
        expected = (
            Payment.Status.CAPTURED
            if not payment.amount_refunded
            else Payment.Status.REFUNDED
            if payment.amount_refunded == payment.amount
            else Payment.Status.PARTIALLY_REFUNDED
        )
        assert payment.status == expected
        charge = TestGatewayCharge.objects.get(charge_id=payment.charge_id)
        assert (charge.amount_captured, charge.amount_refunded) == (
            payment.amount,
            payment.amount_refunded,
        )


def test_order_histories_walk_the_state_machine_in_time_order(seeded):
    for order in Order.objects.prefetch_related("events"):
        events = list(order.events.all())
        previous = ""
        for event in events:
            assert event.from_status == previous
            # A same-status event is a note (a line refund), not a move.
            assert (
                not previous
                or event.to_status == previous
                or order_services.can_transition(previous, event.to_status)
            )
            previous = event.to_status
        assert previous == order.status
        assert [e.created_at for e in events] == sorted(e.created_at for e in events)
        assert events[0].created_at == order.created_at
        if order.status in {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED}:
            order_services.check_shipment(
                carrier=order.carrier, tracking_number=order.tracking_number
            )
            assert order.shipped_at is not None
        assert order.ships_by >= order.created_at.date()
        assert order.buyer.date_joined < order.created_at


def test_search_finds_seeded_products(seeded):
    ids = matching_product_ids("serum")
    assert ids
    assert all(
        "serum" in t.lower()
        for t in Product.objects.filter(pk__in=ids).values_list("title", flat=True)
    )


def test_seeded_orders_and_carts_go_through_the_real_services(seeded):
    seller = User.objects.get(username="seller")
    paid = Order.objects.filter(shop__memberships__user=seller, status=OrderStatus.PAID)
    shipped = order_services.ship_order(
        shop_id=paid[0].shop_id,
        order_id=paid[0].pk,
        carrier="UPS",
        tracking_number="1Z999AA10123456784",
        actor=seller,
    )
    assert shipped.status == OrderStatus.SHIPPED
    cancelled = order_services.cancel_order(order_id=paid[1].pk, actor=seller, reason="Test")
    assert Payment.objects.get(pk=cancelled.payment_id).amount_refunded >= cancelled.total

    shopper = User.objects.get(username="shopper")
    cart = Cart.objects.get(user=shopper)
    variant_id = cart.lines.first().variant_id
    stock_before = available_quantity(variant_id)
    result = checkout_services.checkout(
        buyer=shopper,
        cart=cart,
        shipping_address=Order.objects.filter(buyer=shopper).first().shipping_address,
        payment={"method": "test", "token": "tok_visa"},
        idempotency_key=None,
        request_body=None,
    )
    assert result.status == 201, result.body
    assert available_quantity(variant_id) < stock_before


def _world_digest(rows) -> str:
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def test_the_seeded_world_is_the_same_as_a_fresh_plan(seeded):
    """Determinism: what was written equals a second, independent build of the plan."""
    world = build_world(scale=SCALE)
    assert world == build_world(scale=SCALE)
    # Demo returns refund some orders after they are written: compare those without status.
    orders = Order.objects.order_by("id").annotate(refunds=Count("lines__refunds"))
    returned = [order.refunds > 0 for order in orders]
    planned_orders = [
        (world.people[c.buyer].username, o.total, o.status)
        for c in world.checkouts
        for o in c.orders
    ]
    stored_orders = list(orders.values_list("buyer__username", "total", "status"))
    # ...and the demo's pre-order, sold-out waitlist and returned products change their stock.
    returned_products = ReturnLine.objects.filter(restocked_at__isnull=False).values(
        "order_line__product_id"
    )
    restocked = set(
        Product.objects.filter(
            Q(handling_kind="preorder") | Q(waitlist__isnull=False) | Q(pk__in=returned_products)
        )
        .values_list("title", flat=True)
        .distinct()
    )
    planned = _world_digest(
        [
            *[(s.name, s.shipping_fee, s.free_shipping_threshold) for s in world.shops],
            *[
                (p.title, v.name, v.sku, v.price, None if p.title in restocked else v.stock)
                for p in world.products
                for v in p.variants
            ],
            *[row[:2] if skip else row for row, skip in zip(planned_orders, returned, strict=True)],
        ]
    )
    stored = _world_digest(
        [
            *Shop.objects.order_by("id").values_list(
                "name", "shipping_fee", "free_shipping_threshold"
            ),
            *[
                (*row[:4], None if row[0] in restocked else row[4])
                for row in Variant.objects.order_by("product_id", "position").values_list(
                    "product__title", "name", "sku", "price", "stock_rows__quantity"
                )
            ],
            *[row[:2] if skip else row for row, skip in zip(stored_orders, returned, strict=True)],
        ]
    )
    assert stored == planned


def test_if_empty_does_nothing_when_data_exists(seeded):
    counts = (Shop.objects.count(), Product.objects.count(), Order.objects.count())

    output = seed(if_empty=True)

    assert "demo data already present" in output
    assert "shopper" in output
    assert (Shop.objects.count(), Product.objects.count(), Order.objects.count()) == counts


def test_seeding_a_database_with_shops_is_refused(seeded):
    with pytest.raises(CommandError, match="fresh database"):
        seed()


def test_seed_needs_the_demo_flag_and_a_sane_scale(media_root):
    with pytest.raises(CommandError, match="--demo"):
        call_command("seed", stdout=io.StringIO())
    with pytest.raises(CommandError, match="Scale"):
        seed(scale=0)
    assert not Shop.objects.exists()
