"""Writes the planned demo world (see world.py) into the database and the media storage.

The demo is a tool, not a domain app. For speed it bulk-inserts into the tables of accounts,
catalog, inventory, payments, orders and checkout instead of calling their services row by row
(3,000 checkouts through `checkout.services` would take minutes and hash 2,000 passwords). Each
writer below names the service whose rows it reproduces, and tests/demo checks the invariants
those services guarantee: order totals, free shipping, one payment per checkout for the sum of
its orders, histories that follow the state machine, one stock row per variant.

Videos are the exception: they are few and their checks matter (anchors of active products,
times inside the video), so videos.py publishes each through `media.services`, and social.py
sends the viewing history through the feed's own ingestion and roll-up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from tqdm import tqdm

from clipcart.accounts.models import Follow, User
from clipcart.catalog.models import (
    Brand,
    Category,
    Product,
    ProductImage,
    Shop,
    ShopMember,
    Variant,
)
from clipcart.checkout.models import Cart, CartLine
from clipcart.core.errors import Conflict, InvalidInput
from clipcart.feed import exploration as feed_exploration
from clipcart.feed.foryou import training as feed_training
from clipcart.feed.models import Event
from clipcart.fulfillment import clock
from clipcart.inventory.models import Reservation, Stock
from clipcart.media.models import Comment, Like
from clipcart.orders.models import Order, OrderEvent, OrderLine, OrderStatus
from clipcart.payments.gateways import GatewayResponse
from clipcart.payments.models import Payment, TestGatewayCharge, TestGatewayRequest

from . import affiliate, fulfillment, images, ledger, returns, shipments, social, videos
from .world import LOGINS, CheckoutPlan, World, build_world

# Every demo account, the four logins and the 2,000 generated shoppers alike, has this password.
DEMO_PASSWORD = "clipcart-demo-2026"
MAX_SCALE = 10.0
CHUNK = 1000
# Gaps between the steps of one checkout (checkout.services.place_order): reserve, then
# authorize, then create the orders.
RESERVED_BEFORE = timedelta(seconds=3)
AUTHORIZED_BEFORE = timedelta(seconds=2)
RESERVATION_TTL = timedelta(minutes=15)

M = TypeVar("M", bound=models.Model)
_BACKDATED = (
    User,
    Shop,
    ShopMember,
    Product,
    Variant,
    ProductImage,
    Stock,
    Reservation,
    Payment,
    TestGatewayCharge,
    TestGatewayRequest,
    Order,
    OrderEvent,
    Cart,
    CartLine,
    # Posts are published through media.services, which needs their automatic timestamps on;
    # demo/videos.py backdates them after.
    Follow,
    Like,
    Comment,
)


@dataclass(frozen=True)
class SeedReport:
    people: int
    shops: int
    products: int
    images: int
    orders: int
    videos: int
    video_bytes: int
    follows: int
    likes: int
    comments: int
    events: int
    seconds: float


def demo_present() -> bool:
    """True once the database holds any shop (seeded or real)."""
    return Shop.objects.exists()


def demo_logins() -> list[tuple[str, str]]:
    """(username, what it shows) for each demo login that exists in this database."""
    existing = set(
        User.objects.filter(username__in=[login[0] for login in LOGINS]).values_list(
            "username", flat=True
        )
    )
    return [(username, about) for username, _, _, about in LOGINS if username in existing]


def check_seed(*, scale: float) -> None:
    if not 0 < scale <= MAX_SCALE:
        raise InvalidInput(f"Scale must be above 0 and at most {MAX_SCALE:g}.", field="scale")
    if demo_present():
        raise Conflict(
            "This database already has shops. Seed the demo into a fresh database "
            "(or pass --if-empty to skip seeding when data exists).",
            code="database_not_empty",
        )


def today_at_midnight() -> datetime:
    return datetime.combine(timezone.now().astimezone(UTC).date(), datetime.min.time(), UTC)


def seed_demo(*, scale: float = 1.0, base: datetime | None = None, progress: bool = True):
    """Builds the demo world in an empty database, all or nothing.

    `base` is the instant every planned time counts back from (default: today, 00:00 UTC). It
    must lie within the last day: the feed accepts viewing history up to a week old only.
    Image and video files are written before the transaction commits; a failed seed leaves them
    behind.
    """
    check_seed(scale=scale)
    started = time.monotonic()
    world = build_world(scale=scale)
    media = videos.plan_media(world, scale=scale)
    life = social.plan_social(world, media, scale=scale)
    base = base or today_at_midnight()
    writer = _Writer(world, base=base, progress=progress)
    # Videos need no rows to be drawn: they encode in the background while the rows are written.
    with videos.rendering(world, media) as rendered, transaction.atomic():
        with timestamps_as_given(*_BACKDATED):
            writer.people()
            writer.catalog()
            image_count = writer.images()
            writer.orders()
            writer.carts()
            published = videos.publish(
                world,
                media,
                rendered,
                user_ids=writer.user_ids,
                product_ids=writer.product_ids,
                base=base,
                progress=progress,
            )
            counts = social.write(
                life,
                media,
                user_ids=writer.user_ids,
                post_ids=published.post_ids,
                product_ids=writer.product_ids,
                base=base,
                progress=progress,
            )
            affiliate.seed(base=base)  # fills delivered_at, which parcels and returns read
            _personalization_answered(base=base)
        # Seller operations go through the services, at their real times.
        shipments.seed(base=base)
        fulfillment.seed(base=base)
        returns.seed(base=base)
        ledger.seed(base=base)  # books all of the above, settles, and pays out
    # For You learns from the history just written, as beat would do within hours, and the
    # week's new videos enter exploration: the demo's feed is personalized from the start.
    feed_exploration.promote_explored_videos()
    feed_training.retrain()
    return SeedReport(
        people=len(world.people),
        shops=len(world.shops),
        products=len(world.products),
        images=image_count,
        orders=world.order_count,
        videos=len(published.post_ids),
        video_bytes=published.size,
        follows=counts.follows,
        likes=counts.likes,
        comments=counts.comments,
        events=counts.events,
        seconds=time.monotonic() - started,
    )


def _personalization_answered(*, base: datetime) -> None:
    """Everyone with a viewing history (the `shopper` login too) said yes to a personalized
    feed before it began, so the demo's For You is personalized out of the box; the other
    accounts have not answered and are asked once."""
    viewers = Event.objects.filter(user__isnull=False).values("user_id")
    User.objects.filter(Q(pk__in=viewers) | Q(username="shopper")).update(
        personalization=True, personalization_answered_at=base - timedelta(days=7)
    )


@contextmanager
def timestamps_as_given(*model_classes: type[models.Model]) -> Iterator[None]:
    """Lets `created_at`/`updated_at` keep the values set on the instances.

    `auto_now`/`auto_now_add` overwrite them with the current time on every insert, which would
    make a 90-day order history happen in one second. Only the seed, a single-threaded command,
    switches them off, and always back on.
    """
    fields = [
        field
        for model in model_classes
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]  # type: ignore[attr-defined]
    for field in fields:
        field.auto_now = field.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add  # type: ignore[attr-defined]


class _Phase:
    """One progress bar over the rows a phase inserts."""

    def __init__(self, name: str, total: int, *, enabled: bool):
        self.bar = tqdm(total=total, desc=f"{name:>8}", unit=" rows", disable=not enabled)

    def insert(self, model: type[M], rows: Sequence[M]) -> list[M]:
        created: list[M] = []
        for start in range(0, len(rows), CHUNK):
            chunk = list(rows[start : start + CHUNK])
            created.extend(model._default_manager.bulk_create(chunk))
            self.bar.update(len(chunk))
        return created

    def close(self) -> None:
        self.bar.close()


class _Writer:
    def __init__(self, world: World, *, base: datetime, progress: bool):
        self.world = world
        self.base = base
        self.progress = progress
        self.user_ids: list[int] = []
        self.shop_ids: list[int] = []
        self.product_ids: list[int] = []
        self.variant_ids: list[list[int]] = []

    def at(self, seconds_ago: int) -> datetime:
        return self.base - timedelta(seconds=seconds_ago)

    def phase(self, name: str, total: int) -> _Phase:
        return _Phase(name, total, enabled=self.progress)

    # --- accounts ---------------------------------------------------------------------------

    def people(self) -> None:
        """Rows as `accounts.services.register_user` makes them, plus the role flags."""
        password = make_password(DEMO_PASSWORD)  # once: hashing 2,000 times would take minutes
        rows = [
            User(
                username=person.username,
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                password=password,
                is_creator=person.is_creator,
                is_seller_staff=person.is_seller,
                is_staff=person.is_operator,
                is_superuser=person.is_operator,
                date_joined=self.at(person.joined_ago),
                updated_at=self.at(person.joined_ago),
            )
            for person in self.world.people
        ]
        phase = self.phase("people", len(rows))
        self.user_ids = [user.pk for user in phase.insert(User, rows)]
        phase.close()

    # --- catalog and inventory --------------------------------------------------------------

    def catalog(self) -> None:
        """Shops as `catalog.services.create_shop` + `update_shop_settings` leave them, products
        and variants as `create_product` does, and one stock row per variant (`set_stock`)."""
        world = self.world
        variant_count = sum(len(p.variants) for p in world.products)
        members = sum(1 + len(s.staff) for s in world.shops)
        total = (
            len(world.categories)
            + len(world.brands)
            + len(world.shops)
            + members
            + len(world.products)
            + 2 * variant_count
        )
        phase = self.phase("catalog", total)
        category_ids = self._categories(phase)
        brand_ids = [
            brand.pk
            for brand in phase.insert(
                Brand, [Brand(name=name, slug=slugify(name)) for name in world.brands]
            )
        ]
        self._shops(phase)
        products = [
            Product(
                shop_id=self.shop_ids[plan.shop],
                title=plan.title,
                description=plan.description,
                kind=plan.kind,
                external_url=plan.external_url,
                status=plan.status,
                category_id=category_ids[plan.category],
                brand_id=None if plan.brand is None else brand_ids[plan.brand],
                handling_days=plan.handling_days,
                # Made by hand: the demo's longer handling times are made-to-order products.
                handling_kind="made_to_order" if (plan.handling_days or 0) > 3 else "in_stock",
                created_at=self.at(plan.created_ago),
                updated_at=self.at(plan.created_ago),
            )
            for plan in world.products
        ]
        self.product_ids = [product.pk for product in phase.insert(Product, products)]
        self._variants_and_stock(phase)
        phase.close()

    def _categories(self, phase: _Phase) -> list[int]:
        plans = self.world.categories
        ids: list[int] = [0] * len(plans)
        parents = [i for i, c in enumerate(plans) if c.parent is None]
        children = [i for i, c in enumerate(plans) if c.parent is not None]
        for group in (parents, children):
            rows = [
                Category(
                    name=plans[i].name,
                    slug=plans[i].slug,
                    parent_id=None if plans[i].parent is None else ids[plans[i].parent],  # type: ignore[index]
                )
                for i in group
            ]
            for i, row in zip(group, phase.insert(Category, rows), strict=True):
                ids[i] = row.pk
        return ids

    def _shops(self, phase: _Phase) -> None:
        shops = [
            Shop(
                name=plan.name,
                slug=plan.slug,
                description=plan.description,
                status=plan.status,
                currency="USD",
                shipping_fee=plan.shipping_fee,
                free_shipping_threshold=plan.free_shipping_threshold,
                handling_days=plan.handling_days,
                created_at=self.at(plan.created_ago),
                updated_at=self.at(plan.created_ago - 3600),
            )
            for plan in self.world.shops
        ]
        self.shop_ids = [shop.pk for shop in phase.insert(Shop, shops)]
        members = []
        for index, plan in enumerate(self.world.shops):
            members.append(
                ShopMember(
                    shop_id=self.shop_ids[index],
                    user_id=self.user_ids[plan.owner],
                    role=ShopMember.Role.OWNER,
                    created_at=self.at(plan.created_ago),
                )
            )
            members.extend(
                ShopMember(
                    shop_id=self.shop_ids[index],
                    user_id=self.user_ids[staff],
                    role=ShopMember.Role.STAFF,
                    created_at=self.at(plan.created_ago - 30 * 86_400),
                )
                for staff in plan.staff
            )
        phase.insert(ShopMember, members)

    def _variants_and_stock(self, phase: _Phase) -> None:
        variants: list[Variant] = []
        for index, plan in enumerate(self.world.products):
            created = self.at(plan.created_ago)
            variants.extend(
                Variant(
                    product_id=self.product_ids[index],
                    shop_id=self.shop_ids[plan.shop],
                    name=variant.name,
                    sku=variant.sku,
                    price=variant.price,
                    currency="USD",
                    position=position,
                    created_at=created,
                    updated_at=created,
                )
                for position, variant in enumerate(plan.variants)
            )
        created_variants = iter(phase.insert(Variant, variants))
        self.variant_ids = [
            [next(created_variants).pk for _ in plan.variants] for plan in self.world.products
        ]
        stock = [
            Stock(
                variant_id=variant_id,
                bucket=0,
                quantity=variant.stock,
                updated_at=self.at(plan.created_ago),
            )
            for plan, ids in zip(self.world.products, self.variant_ids, strict=True)
            for variant, variant_id in zip(plan.variants, ids, strict=True)
        ]
        phase.insert(Stock, stock)

    # --- product images ---------------------------------------------------------------------

    def images(self) -> int:
        """Files and rows as `add_product_image` followed by `make_thumbnail` leave them."""
        jobs = [
            (index, position, image)
            for index, plan in enumerate(self.world.products)
            for position, image in enumerate(plan.images)
        ]
        bar = tqdm(total=len(jobs), desc="  images", unit=" images", disable=not self.progress)
        workers = min(4, os.cpu_count() or 1)
        rows = []
        with ThreadPoolExecutor(max_workers=workers) as pool:
            stored = pool.map(
                lambda job: images.store(job[2], product_id=self.product_ids[job[0]]), jobs
            )
            for (index, position, image), (name, thumb) in zip(jobs, stored, strict=True):
                rows.append(
                    ProductImage(
                        product_id=self.product_ids[index],
                        image=name,
                        thumbnail=thumb,
                        alt=image.alt,
                        position=position,
                        created_at=self.at(self.world.products[index].created_ago),
                    )
                )
                bar.update()
        bar.close()
        ProductImage.objects.bulk_create(rows, batch_size=CHUNK)
        return len(rows)

    # --- checkouts: payments, orders, reservations --------------------------------------------

    def orders(self) -> None:
        """Rows as `checkout.services.place_order` leaves them (reserve, authorize, create the
        orders, capture, mark paid), then the later moves of `orders.services`: ship, deliver,
        complete, or cancel (which refunds the order's total through the gateway)."""
        checkouts = self.world.checkouts
        orders = self.world.order_count
        lines = sum(len(o.lines) for c in checkouts for o in c.orders)
        events = sum(len(o.events) for c in checkouts for o in c.orders)
        cancelled = sum(o.status == OrderStatus.CANCELLED for c in checkouts for o in c.orders)
        total = 4 * len(checkouts) + cancelled + orders + 2 * lines + events
        phase = self.phase("orders", total)
        payment_ids = self._payments(phase)
        order_rows = [
            self._order(checkout, order, payment_id)
            for checkout, payment_id in zip(checkouts, payment_ids, strict=True)
            for order in checkout.orders
        ]
        order_ids = iter(order.pk for order in phase.insert(Order, order_rows))
        line_rows: list[OrderLine] = []
        event_rows: list[OrderEvent] = []
        reservations: list[Reservation] = []
        refunds: list[TestGatewayRequest] = []
        for checkout in checkouts:
            placed = self.at(checkout.placed_ago)
            refunded = Decimal("0.00")
            for order in checkout.orders:
                order_id = next(order_ids)
                line_rows.extend(self._lines(order, order_id))
                reservations.extend(self._reservations(checkout, order, placed))
                event_rows.extend(
                    OrderEvent(
                        order_id=order_id,
                        from_status=event.from_status,
                        to_status=event.to_status,
                        actor_id=None if event.actor is None else self.user_ids[event.actor],
                        note=event.note,
                        created_at=placed + timedelta(seconds=event.after),
                    )
                    for event in order.events
                )
                if order.status == OrderStatus.CANCELLED:
                    refunded += order.total
                    refunds.append(self._refund_request(checkout, order, order_id, refunded))
        phase.insert(OrderLine, line_rows)
        phase.insert(OrderEvent, event_rows)
        phase.insert(Reservation, reservations)
        phase.insert(TestGatewayRequest, refunds)
        phase.close()

    def _payments(self, phase: _Phase) -> list[int]:
        payments, charges, requests = [], [], []
        for checkout in self.world.checkouts:
            placed = self.at(checkout.placed_ago)
            authorized = placed - AUTHORIZED_BEFORE
            refunded = sum(
                (o.total for o in checkout.orders if o.status == OrderStatus.CANCELLED),
                Decimal("0.00"),
            )
            status = _refund_status(refunded, checkout.amount) or Payment.Status.CAPTURED
            key = f"checkout-{checkout.hold}"
            payments.append(
                Payment(
                    buyer_id=self.user_ids[checkout.buyer],
                    gateway="test",
                    charge_id=checkout.charge_id,
                    idempotency_key=key,
                    amount=checkout.amount,
                    amount_refunded=refunded,
                    currency="USD",
                    status=status,
                    # Capture and refunds change the status with .update(): updated_at stays.
                    created_at=authorized,
                    updated_at=authorized,
                )
            )
            charges.append(
                TestGatewayCharge(
                    charge_id=checkout.charge_id,
                    amount=checkout.amount,
                    currency="USD",
                    status=status,
                    amount_captured=checkout.amount,
                    amount_refunded=refunded,
                    created_at=authorized,
                )
            )
            captured = placed + timedelta(seconds=checkout.orders[0].events[1].after - 1)
            for operation, at, response_status in (
                ("authorize", authorized, "authorized"),
                ("capture", captured, "captured"),
            ):
                response = GatewayResponse(
                    ok=True, charge_id=checkout.charge_id, status=response_status
                )
                requests.append(
                    TestGatewayRequest(
                        idempotency_key=key if operation == "authorize" else f"{key}:capture",
                        operation=operation,
                        response=asdict(response),
                        created_at=at,
                    )
                )
        payment_ids = [payment.pk for payment in phase.insert(Payment, payments)]
        phase.insert(TestGatewayCharge, charges)
        phase.insert(TestGatewayRequest, requests)
        return payment_ids

    def _order(self, checkout: CheckoutPlan, order, payment_id: int) -> Order:
        placed = self.at(checkout.placed_ago)
        shipped_after = order.event_after(OrderStatus.SHIPPED)
        return Order(
            buyer_id=self.user_ids[checkout.buyer],
            shop_id=self.shop_ids[order.shop],
            payment_id=payment_id,
            checkout_ref=checkout.hold,
            status=order.status,
            currency="USD",
            subtotal=order.subtotal,
            shipping_fee=order.shipping_fee,
            total=order.total,
            ships_by=clock.ships_by(handling_days=order.handling_days, at=placed),
            shipping_address=self.world.people[checkout.buyer].address,
            carrier=order.carrier,
            tracking_number=order.tracking_number,
            shipped_at=None if shipped_after is None else placed + timedelta(seconds=shipped_after),
            created_at=placed,
            updated_at=placed + timedelta(seconds=order.events[-1].after),
        )

    def _lines(self, order, order_id: int) -> list[OrderLine]:
        rows = []
        for line in order.lines:
            product = self.world.products[line.product]
            variant = product.variants[line.variant]
            rows.append(
                OrderLine(
                    order_id=order_id,
                    variant_id=self.variant_ids[line.product][line.variant],
                    product_id=self.product_ids[line.product],
                    title=product.title,
                    variant_name=variant.name,
                    sku=variant.sku,
                    unit_price=line.unit_price,
                    quantity=line.quantity,
                    line_total=line.line_total,
                )
            )
        return rows

    def _reservations(self, checkout: CheckoutPlan, order, placed: datetime) -> list[Reservation]:
        reserved = placed - RESERVED_BEFORE
        return [
            Reservation(
                hold=checkout.hold,
                variant_id=self.variant_ids[line.product][line.variant],
                bucket=0,
                quantity=line.quantity,
                status=Reservation.Status.ALLOCATED,
                expires_at=reserved + RESERVATION_TTL,
                created_at=reserved,
                updated_at=placed,
            )
            for line in order.lines
        ]

    def _refund_request(
        self, checkout: CheckoutPlan, order, order_id: int, refunded: Decimal
    ) -> TestGatewayRequest:
        """The gateway's log entry of `orders.services.cancel_order`'s refund."""
        status = _refund_status(refunded, checkout.amount)
        response = GatewayResponse(
            ok=True, charge_id=checkout.charge_id, status=status, amount_refunded=str(refunded)
        )
        cancelled = self.at(checkout.placed_ago) + timedelta(seconds=order.events[-1].after)
        return TestGatewayRequest(
            idempotency_key=f"checkout-{checkout.hold}:refund:cancel-order-{order_id}",
            operation="refund",
            response=asdict(response),
            created_at=cancelled + timedelta(seconds=1),
        )

    # --- carts ------------------------------------------------------------------------------

    def carts(self) -> None:
        """Carts and lines as `checkout.services.add_item` leaves them."""
        plans = self.world.carts
        phase = self.phase("carts", len(plans) + sum(len(c.lines) for c in plans))
        carts = [
            Cart(
                user_id=self.user_ids[plan.owner],
                created_at=self.at(plan.updated_ago + 600),
                updated_at=self.at(plan.updated_ago),
            )
            for plan in plans
        ]
        cart_ids = [cart.pk for cart in phase.insert(Cart, carts)]
        lines = [
            CartLine(
                cart_id=cart_id,
                variant_id=self.variant_ids[product][position],
                quantity=quantity,
                created_at=self.at(plan.updated_ago + 60 * (len(plan.lines) - n)),
            )
            for plan, cart_id in zip(plans, cart_ids, strict=True)
            for n, (product, position, quantity) in enumerate(plan.lines)
        ]
        phase.insert(CartLine, lines)
        phase.close()


def _refund_status(refunded: Decimal, amount: Decimal) -> str:
    """The payment status after refunds (payments.services.refund_payment); '' if none."""
    if not refunded:
        return ""
    if refunded == amount:
        return Payment.Status.REFUNDED
    return Payment.Status.PARTIALLY_REFUNDED
