"""The demo world as plain data, planned in full before a single row is written.

`build_world(scale=…)` draws everything from one `random.Random(42)`, so a given scale always
yields the same people, shops, products, prices and orders. Times are whole seconds *before* a
base instant the writer picks (today at midnight UTC): the plan does not depend on the day it
is built, only the dates derived from it do.

Orders follow the rules the services apply: lines priced at the variant's price, shipping free
at or above the shop's threshold, one payment per checkout for the sum of its orders, and a
history that walks the state machine of `clipcart.orders.services.TRANSITIONS`.
"""

from __future__ import annotations

import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.text import slugify

from clipcart.orders.models import OrderStatus

from . import vocabulary as v


class S:
    """Order statuses as plain strings, so a plan compares and prints like the rows it becomes."""

    PENDING_PAYMENT = OrderStatus.PENDING_PAYMENT.value
    PAID = OrderStatus.PAID.value
    SHIPPED = OrderStatus.SHIPPED.value
    DELIVERED = OrderStatus.DELIVERED.value
    COMPLETED = OrderStatus.COMPLETED.value
    CANCELLED = OrderStatus.CANCELLED.value


SEED = 42
DAY = 86_400
HOUR = 3_600
ZERO = Decimal("0.00")

# The four people a visitor logs in as; everyone else is generated.
LOGINS: tuple[tuple[str, str, str, str], ...] = (
    ("shopper", "Sam", "Carter", "a shopper with past orders and a full cart"),
    ("seller", "Jess", "Moreno", "owner of Glow Lab, with paid orders waiting to ship"),
    ("creator", "Riley", "Quinn", "a creator (creator role)"),
    ("operator", "Alex", "Morgan", "staff and superuser, for /admin/"),
)
SHOPPER, SELLER, CREATOR, OPERATOR = range(4)
FEATURED_SHOP = 0  # Glow Lab, owned by the `seller` login

SHIPPING_FEES = ("0.00", "2.99", "3.99", "4.99", "4.99", "5.99", "6.95")
FREE_SHIPPING_THRESHOLDS = (None, None, "25.00", "35.00", "49.00", "50.00", "75.00")
PRICE_CENTS = ("99", "99", "95", "50", "00", "49")
SHAPES = ("circle", "square", "bottle", "diamond")


@dataclass(frozen=True)
class Sizes:
    shops: int
    products: int
    shoppers: int
    orders: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        max_shops = sum(len(niche.shops) for niche in v.NICHES)
        shops = min(max_shops, max(4, round(30 * scale)))
        return cls(
            shops=shops,
            products=max(2 * shops, round(500 * scale)),
            shoppers=max(20, round(2000 * scale)),
            orders=max(20, round(3000 * scale)),
        )


@dataclass(frozen=True)
class PersonPlan:
    username: str
    first_name: str
    last_name: str
    joined_ago: int
    address: dict
    is_creator: bool = False
    is_seller: bool = False
    is_operator: bool = False

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


@dataclass(frozen=True)
class ShopPlan:
    name: str
    slug: str
    niche: str
    description: str
    status: str
    shipping_fee: Decimal
    free_shipping_threshold: Decimal | None
    handling_days: int
    owner: int
    staff: tuple[int, ...]
    created_ago: int

    def shipping_for(self, subtotal: Decimal) -> Decimal:
        """The checkout's rule (checkout.selectors.ShopQuote.shipping_fee)."""
        threshold = self.free_shipping_threshold
        if threshold is not None and subtotal >= threshold:
            return ZERO
        return self.shipping_fee


@dataclass(frozen=True)
class CategoryPlan:
    name: str
    slug: str
    parent: int | None


@dataclass(frozen=True)
class VariantPlan:
    name: str
    sku: str
    price: Decimal
    stock: int


@dataclass(frozen=True)
class ImagePlan:
    label: str
    caption: str
    niche: str
    tint: int
    shape: str
    alt: str


@dataclass(frozen=True)
class ProductPlan:
    shop: int
    title: str
    description: str
    kind: str
    external_url: str
    status: str
    category: int
    brand: int | None
    handling_days: int | None
    variants: tuple[VariantPlan, ...]
    images: tuple[ImagePlan, ...]
    created_ago: int


@dataclass(frozen=True)
class LinePlan:
    product: int
    variant: int  # position in the product's variants
    quantity: int
    unit_price: Decimal

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class EventPlan:
    from_status: str
    to_status: str
    after: int  # seconds after the order was placed
    actor: int | None  # a person index
    note: str


@dataclass(frozen=True)
class OrderPlan:
    shop: int
    lines: tuple[LinePlan, ...]
    shipping_fee: Decimal
    handling_days: int
    events: tuple[EventPlan, ...]
    carrier: str = ""
    tracking_number: str = ""

    @property
    def subtotal(self) -> Decimal:
        return sum((line.line_total for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping_fee

    @property
    def status(self) -> str:
        return self.events[-1].to_status

    def event_after(self, status: str) -> int | None:
        return next((e.after for e in self.events if e.to_status == status), None)


@dataclass(frozen=True)
class CheckoutPlan:
    buyer: int
    placed_ago: int
    hold: uuid.UUID
    charge_id: str
    orders: tuple[OrderPlan, ...]

    @property
    def amount(self) -> Decimal:
        return sum((order.total for order in self.orders), ZERO)


@dataclass(frozen=True)
class CartPlan:
    owner: int
    lines: tuple[tuple[int, int, int], ...]  # (product, variant position, quantity)
    updated_ago: int


@dataclass
class World:
    people: list[PersonPlan] = field(default_factory=list)
    categories: list[CategoryPlan] = field(default_factory=list)
    brands: list[str] = field(default_factory=list)
    shops: list[ShopPlan] = field(default_factory=list)
    products: list[ProductPlan] = field(default_factory=list)
    checkouts: list[CheckoutPlan] = field(default_factory=list)
    carts: list[CartPlan] = field(default_factory=list)

    @property
    def order_count(self) -> int:
        return sum(len(c.orders) for c in self.checkouts)

    def handling_days(self, product: int) -> int:
        plan = self.products[product]
        return plan.handling_days or self.shops[plan.shop].handling_days


def build_world(*, scale: float = 1.0, seed: int = SEED) -> World:
    """Plans the whole demo world. Same scale and seed, same world."""
    rng = random.Random(seed)
    sizes = Sizes.for_scale(scale)
    world = World()
    _plan_people(rng, world, sizes)
    _plan_taxonomy(world)
    _plan_shops(rng, world, sizes)
    _plan_products(rng, world, sizes)
    _plan_checkouts(rng, world, sizes)
    _plan_carts(rng, world)
    return world


# --- People -------------------------------------------------------------------------------------


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _address(rng: random.Random, first: str, last: str) -> dict:
    city, region, zip_prefix = rng.choice(v.CITIES)
    line2 = f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}" if rng.random() < 0.3 else ""
    return {
        "name": f"{first} {last}",
        "line1": f"{rng.randint(2, 9800)} {rng.choice(v.STREETS)}",
        "line2": line2,
        "city": city,
        "region": region,
        "postal_code": f"{zip_prefix}{rng.randint(0, 99):02d}",
        "country": "US",
    }


def _username(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    first, last = _ascii(first), _ascii(last)
    while True:
        candidate = rng.choice(
            (
                f"{first}_{last}",
                f"{first}{last[0]}{rng.randint(1, 99)}",
                f"{first}_{last}{rng.randint(1, 999)}",
                f"{last}_{first[0]}",
            )
        )[:30]
        if candidate not in taken:
            taken.add(candidate)
            return candidate


def _person(rng: random.Random, taken: set[str], *, joined: tuple[int, int], **roles) -> PersonPlan:
    first, last = rng.choice(v.FIRST_NAMES), rng.choice(v.LAST_NAMES)
    return PersonPlan(
        username=_username(rng, first, last, taken),
        first_name=first,
        last_name=last,
        joined_ago=rng.randint(*joined),
        address=_address(rng, first, last),
        **roles,
    )


def _plan_people(rng: random.Random, world: World, sizes: Sizes) -> None:
    taken = {username for username, *_ in LOGINS}
    for index, (username, first, last, _) in enumerate(LOGINS):
        world.people.append(
            PersonPlan(
                username=username,
                first_name=first,
                last_name=last,
                joined_ago=500 * DAY + index * HOUR,
                address=_address(rng, first, last),
                is_creator=index == CREATOR,
                is_seller=index == SELLER,
                is_operator=index == OPERATOR,
            )
        )
    # Owners of every shop but the featured one (the `seller` login owns that), plus a few staff.
    sellers = sizes.shops - 1 + sizes.shops // 5
    for _ in range(sellers):
        world.people.append(_person(rng, taken, joined=(400 * DAY, 1000 * DAY), is_seller=True))
    for _ in range(sizes.shoppers):
        creator = rng.random() < 0.03
        world.people.append(_person(rng, taken, joined=(95 * DAY, 800 * DAY), is_creator=creator))
    # Older accounts first, so ids grow with sign-up dates as they would in production.
    logins, others = world.people[:4], world.people[4:]
    world.people = logins + sorted(others, key=lambda p: -p.joined_ago)


# --- Categories, brands, shops ------------------------------------------------------------------


def _plan_taxonomy(world: World) -> None:
    for niche in v.NICHES:
        parent = len(world.categories)
        world.categories.append(CategoryPlan(niche.label, slugify(niche.label), None))
        for sub in niche.subcategories:
            slug = slugify(f"{niche.label} {sub.name}")
            world.categories.append(CategoryPlan(sub.name, slug, parent))
        world.brands.extend(niche.brands)


def _niche(key: str) -> v.Niche:
    return next(niche for niche in v.NICHES if niche.key == key)


def _money(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _plan_shops(rng: random.Random, world: World, sizes: Sizes) -> None:
    sellers = [i for i, p in enumerate(world.people) if p.is_seller and i != SELLER]
    owners, staff = sellers[: sizes.shops - 1], sellers[sizes.shops - 1 :]
    for index in range(sizes.shops):
        niche = v.NICHES[index % len(v.NICHES)]
        name = niche.shops[index // len(v.NICHES)]
        # Shops promise 1–2 days; drawn from 1–3 and capped, so the demo's other draws stay.
        handling = min(rng.randint(1, 3), 2)
        fee = rng.choice(SHIPPING_FEES)
        threshold = None if fee == "0.00" else rng.choice(FREE_SHIPPING_THRESHOLDS)
        probation = rng.random() < 0.14
        city, region, _ = rng.choice(v.CITIES)
        if index == FEATURED_SHOP:  # shows the free-shipping rule in the seller's own shop
            fee, threshold, probation = "4.99", "50.00", False
        days = "business day" if handling == 1 else "business days"
        description = (
            f"{name}: {rng.choice(niche.taglines)}. We pack every order by hand in {city}, "
            f"{region}, and ship within {handling} {days}."
        )
        world.shops.append(
            ShopPlan(
                name=name,
                slug=slugify(name),
                niche=niche.key,
                description=description,
                status="probation" if probation else "active",
                shipping_fee=Decimal(fee),
                free_shipping_threshold=_money(threshold),
                handling_days=handling,
                owner=SELLER if index == FEATURED_SHOP else owners[index - 1],
                staff=(staff[index // 5],) if index % 5 == 2 and index // 5 < len(staff) else (),
                created_ago=rng.randint(320 * DAY, 900 * DAY),
            )
        )


# --- Products -----------------------------------------------------------------------------------


def _shop_code(slug: str) -> str:
    return slug.replace("-", "")[:3].upper()


def _article(word: str) -> str:
    return ("an " if word[0].lower() in "aeiou" else "a ") + word


def _products_per_shop(rng: random.Random, sizes: Sizes) -> list[int]:
    counts = [2] * sizes.shops
    weights = [rng.uniform(0.5, 1.8) for _ in range(sizes.shops)]
    for shop in rng.choices(range(sizes.shops), weights, k=sizes.products - 2 * sizes.shops):
        counts[shop] += 1
    return counts


def _choose_options(rng: random.Random, sub: v.Subcategory) -> list[v.Option]:
    count = rng.choices((1, 2, 3, 4), weights=(40, 25, 20, 15))[0]
    key = rng.choice(sub.options)
    options = v.OPTION_SETS[key]
    count = min(count, len(options))
    if count == 1:
        return [("Default", 1.0)]
    if key in v.GRADED_OPTIONS:
        start = rng.randint(0, len(options) - count)
        return list(options[start : start + count])
    return [options[i] for i in sorted(rng.sample(range(len(options)), count))]


def _stock(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.08:
        return 0
    if roll < 0.2:
        return rng.randint(1, 5)
    if roll < 0.9:
        return rng.randint(8, 120)
    return rng.randint(150, 900)


def _variants(
    rng: random.Random, sub: v.Subcategory, *, sku_prefix: str, external: bool
) -> tuple[VariantPlan, ...]:
    whole, cents = rng.randint(*sub.price), rng.choice(PRICE_CENTS)
    options = [("Default", 1.0)] if external else _choose_options(rng, sub)
    sold_out = rng.random() < 0.05
    return tuple(
        VariantPlan(
            name=name,
            sku=f"{sku_prefix}-{position + 1}",
            price=Decimal(f"{max(1, round(whole * multiplier))}.{cents}"),
            # External products are sold elsewhere: their variants hold no stock here.
            stock=0 if external or sold_out else _stock(rng),
        )
        for position, (name, multiplier) in enumerate(options)
    )


def _title(rng: random.Random, niche: v.Niche, sub: v.Subcategory, noun: str, first: bool) -> str:
    words = {key: rng.choice(values) for key, values in sorted(niche.words.items())}
    pattern = sub.patterns[0] if first else rng.choice(sub.patterns)
    return pattern.format(
        adj=rng.choice(niche.adjectives), noun=noun, extra=rng.choice(niche.extras), **words
    )


def _description(
    rng: random.Random, niche: v.Niche, *, noun: str, brand: str, shop: str, extra: list[str]
) -> str:
    adjective = rng.choice(niche.adjectives)
    sentences = [
        s.format(an_adj=_article(adjective), noun=noun, brand=brand or shop, shop=shop)
        for s in rng.sample(niche.sentences, 3)
    ]
    return " ".join(s[0].upper() + s[1:] for s in [*sentences, *extra])


def _plan_product(
    rng: random.Random, world: World, *, shop_index: int, number: int, titles: set[str]
) -> ProductPlan:
    shop = world.shops[shop_index]
    niche = _niche(shop.niche)
    first = number == 0  # every shop's first product is an active, native bestseller
    sub = niche.subcategories[0] if first else rng.choice(niche.subcategories)
    noun = sub.nouns[0] if first else rng.choice(sub.nouns)
    brand = None if rng.random() < 0.2 else rng.choice(niche.brands)
    title = _title(rng, niche, sub, noun, first)
    if brand and niche.key != "books" and rng.random() < 0.3:
        title = f"{brand} {title}"
    while title in titles:
        title = _title(rng, niche, sub, rng.choice(sub.nouns), first=False)
    titles.add(title)
    external = not first and rng.random() < 0.03
    handling = None if external or first or rng.random() > 0.08 else rng.choice((4, 5, 7, 10))
    variants = _variants(
        rng, sub, sku_prefix=f"{_shop_code(shop.slug)}-{number + 1:04d}", external=external
    )
    extra = []
    if len(variants) > 1:
        names = [variant.name for variant in variants]
        extra.append(f"Available in {', '.join(names[:-1])} and {names[-1]}.")
    if handling:
        extra.append(f"Made to order: ships in about {handling} business days.")
    status = "active"
    if not first:
        roll = rng.random()
        status = "draft" if roll < 0.02 else "archived" if roll < 0.035 else "active"
    category = next(
        i for i, c in enumerate(world.categories) if c.slug == slugify(f"{niche.label} {sub.name}")
    )
    caption = brand or shop.name
    # One shape per view: two identical pictures would also collide on their content-hash name.
    shapes = rng.sample(SHAPES, rng.choices((1, 2, 3), weights=(50, 35, 15))[0])
    images = tuple(
        ImagePlan(
            label=sub.label or noun,
            caption=caption,
            niche=niche.key,
            tint=rng.randint(0, 5),
            shape=shape,
            alt=title if position == 0 else f"{title}, view {position + 1}",
        )
        for position, shape in enumerate(shapes)
    )
    return ProductPlan(
        shop=shop_index,
        title=title,
        description=_description(
            rng, niche, noun=noun, brand=brand or "", shop=shop.name, extra=extra
        ),
        kind="external" if external else "native",
        external_url=f"https://store.example/{shop.slug}/{slugify(title)}" if external else "",
        status=status,
        category=category,
        brand=world.brands.index(brand) if brand else None,
        handling_days=handling,
        variants=variants,
        images=images,
        created_ago=rng.randint(95 * DAY, min(shop.created_ago - DAY, 300 * DAY)),
    )


def _plan_products(rng: random.Random, world: World, sizes: Sizes) -> None:
    titles: set[str] = set()
    products = []
    for shop_index, count in enumerate(_products_per_shop(rng, sizes)):
        for number in range(count):
            products.append(
                _plan_product(rng, world, shop_index=shop_index, number=number, titles=titles)
            )
    # Listed in the order they were created, so ids grow with time.
    world.products = sorted(products, key=lambda p: -p.created_ago)


# --- Orders -------------------------------------------------------------------------------------


def _tracking_number(rng: random.Random, carrier: str) -> str:
    digits = "0123456789"

    def draw(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    return {
        "UPS": lambda: "1Z" + draw("0123456789ABCDEFGHJKLMNPRSTVWXYZ", 6) + draw(digits, 10),
        "USPS": lambda: "9400" + draw(digits, 18),
        "FedEx": lambda: draw(digits, 12),
        "DHL Express": lambda: draw(digits, 10),
        "OnTrac": lambda: "D" + draw(digits, 14),
    }[carrier]()


def _fate(rng: random.Random, age: int) -> str:
    """The status an order placed `age` seconds ago has reached by now."""
    roll, days = rng.random(), age / DAY
    if roll < 0.04:
        return S.CANCELLED
    if days < 1.5:
        return S.PAID
    if days < 4:
        return S.SHIPPED if roll < 0.75 else S.PAID
    if days < 10:
        return S.DELIVERED if roll < 0.6 else S.SHIPPED
    if days < 21:
        return S.COMPLETED if roll < 0.55 else S.DELIVERED
    return S.COMPLETED if roll < 0.97 else S.DELIVERED


def _history(
    rng: random.Random,
    *,
    status: str,
    age: int,
    paid_after: int,
    handling: int,
    buyer: int,
    owner: int,
) -> tuple[list[EventPlan], str, str]:
    """Events from placement to `status`, all before now, and the carrier/tracking if shipped."""
    events = [
        EventPlan("", S.PENDING_PAYMENT, 0, buyer, "Order placed"),
        EventPlan(S.PENDING_PAYMENT, S.PAID, paid_after, None, "Payment captured"),
    ]
    if status == S.CANCELLED:
        by_buyer = rng.random() < 0.6
        reason = rng.choice(v.BUYER_CANCEL_REASONS if by_buyer else v.SELLER_CANCEL_REASONS)
        window = max(60, min(age - paid_after - 60, 2 * DAY))
        note = f"Cancelled by the {'buyer' if by_buyer else 'seller'}: {reason}"
        after = paid_after + max(30, int(window * rng.uniform(0.05, 0.9)))
        events.append(EventPlan(S.PAID, S.CANCELLED, after, buyer if by_buyer else owner, note))
        return events, "", ""
    path = [S.SHIPPED, S.DELIVERED, S.COMPLETED]
    steps = path[: path.index(status) + 1] if status in path else []
    gaps = {
        S.SHIPPED: rng.uniform(0.15, handling + 0.3) * DAY,
        S.DELIVERED: rng.uniform(1.5, 5) * DAY,
        S.COMPLETED: rng.uniform(3, 8) * DAY,
    }
    wanted = sum(gaps[step] for step in steps)
    room = age - paid_after - 15 * 60  # the last event lands at least 15 minutes before now
    squeeze = min(1.0, room / wanted) if wanted else 1.0
    carrier = rng.choice(v.CARRIERS) if steps else ""
    after = paid_after
    for step in steps:
        after += max(60, int(gaps[step] * squeeze))
        actor = owner if step == S.SHIPPED else None
        note = {
            S.SHIPPED: f"Shipped with {carrier}",
            S.DELIVERED: f"Delivered by {carrier}",
            S.COMPLETED: "Completed",
        }[step]
        events.append(EventPlan(events[-1].to_status, step, after, actor, note))
    return events, carrier, _tracking_number(rng, carrier) if carrier else ""


class _Catalogue:
    """Who buys what: popularity-weighted choices of shops, products and buyers."""

    def __init__(self, rng: random.Random, world: World):
        self.world = world
        self.by_shop: dict[int, list[int]] = {i: [] for i in range(len(world.shops))}
        for index, product in enumerate(world.products):
            if product.kind == "native" and product.status != "draft":
                self.by_shop[product.shop].append(index)
        self.product_weights: dict[int, list[float]] = {}
        for shop, products in self.by_shop.items():
            ranks = list(range(len(products)))
            rng.shuffle(ranks)  # a few bestsellers, a long tail
            self.product_weights[shop] = [1 / (rank + 1) ** 0.9 for rank in ranks]
        self.shops = list(self.by_shop)
        self.shop_weights = [rng.uniform(0.4, 2.0) for _ in self.shops]
        self.buyers = [
            i for i, p in enumerate(world.people) if not p.is_seller and not p.is_operator
        ]
        self.buyer_weights = [rng.expovariate(1.0) + 0.05 for _ in self.buyers]

    def lines(self, rng: random.Random, shop: int) -> tuple[LinePlan, ...]:
        candidates = self.by_shop[shop]
        wanted = min(len(candidates), rng.choices((1, 2, 3), weights=(62, 28, 10))[0])
        chosen: list[int] = []
        while len(chosen) < wanted:
            product = rng.choices(candidates, self.product_weights[shop])[0]
            if product not in chosen:
                chosen.append(product)
        lines = []
        for product in chosen:
            variants = self.world.products[product].variants
            position = rng.randrange(len(variants))
            quantity = rng.choices((1, 2, 3), weights=(78, 17, 5))[0]
            lines.append(LinePlan(product, position, quantity, variants[position].price))
        return tuple(lines)


def _plan_order(
    rng: random.Random,
    catalogue: _Catalogue,
    *,
    shop: int,
    buyer: int,
    age: int,
    paid_after: int,
    status: str | None = None,
) -> OrderPlan:
    world = catalogue.world
    lines = catalogue.lines(rng, shop)
    handling = max(world.handling_days(line.product) for line in lines)
    subtotal = sum((line.line_total for line in lines), ZERO)
    events, carrier, tracking = _history(
        rng,
        status=status or _fate(rng, age),
        age=age,
        paid_after=paid_after,
        handling=handling,
        buyer=buyer,
        owner=world.shops[shop].owner,
    )
    return OrderPlan(
        shop=shop,
        lines=lines,
        shipping_fee=world.shops[shop].shipping_for(subtotal),
        handling_days=handling,
        events=tuple(events),
        carrier=carrier,
        tracking_number=tracking,
    )


def _checkout(
    rng: random.Random,
    catalogue: _Catalogue,
    *,
    buyer: int,
    age: int,
    shops: list[int],
    statuses: list[str | None] | None = None,
) -> CheckoutPlan:
    statuses = statuses or [None] * len(shops)
    paid_after = rng.randint(2, 25)  # capture, then every order of the checkout is marked paid
    orders = tuple(
        _plan_order(
            rng, catalogue, shop=shop, buyer=buyer, age=age, paid_after=paid_after, status=status
        )
        for shop, status in zip(shops, statuses, strict=True)
    )
    return CheckoutPlan(
        buyer=buyer,
        placed_ago=age,
        hold=uuid.UUID(int=rng.getrandbits(128), version=4),
        charge_id=f"ch_test_{rng.getrandbits(96):024x}",
        orders=orders,
    )


def _story_checkouts(rng: random.Random, catalogue: _Catalogue) -> list[CheckoutPlan]:
    """The orders the demo logins are shown with, whatever the scale."""
    others = [s for s in catalogue.shops if s != FEATURED_SHOP]
    story = [
        _checkout(rng, catalogue, buyer=SHOPPER, age=age, shops=[shop], statuses=[status])
        for age, shop, status in (
            (62 * DAY, others[0], S.COMPLETED),
            (41 * DAY, FEATURED_SHOP, S.COMPLETED),
            (27 * DAY, others[1], S.COMPLETED),
            (19 * DAY, others[2], S.CANCELLED),
            (8 * DAY, others[0], S.DELIVERED),
            (3 * DAY, FEATURED_SHOP, S.SHIPPED),
            (14 * HOUR, others[1], S.PAID),
        )
    ]
    story.append(
        _checkout(
            rng,
            catalogue,
            buyer=CREATOR,
            age=33 * DAY,
            shops=[FEATURED_SHOP, others[0]],
            statuses=[S.COMPLETED, S.COMPLETED],
        )
    )
    # Paid orders waiting in the `seller` login's queue.
    for hours in (3, 7, 11, 18, 26, 31):
        buyer = rng.choices(catalogue.buyers, catalogue.buyer_weights)[0]
        story.append(
            _checkout(
                rng,
                catalogue,
                buyer=buyer,
                age=hours * HOUR + rng.randint(0, 3000),
                shops=[FEATURED_SHOP],
                statuses=[S.PAID],
            )
        )
    return story


def _plan_checkouts(rng: random.Random, world: World, sizes: Sizes) -> None:
    catalogue = _Catalogue(rng, world)
    checkouts = _story_checkouts(rng, catalogue)
    count = sum(len(c.orders) for c in checkouts)
    while count < sizes.orders:
        buyer = rng.choices(catalogue.buyers, catalogue.buyer_weights)[0]
        age = int(90 * DAY * rng.random() ** 1.6) + 20 * 60  # busier recently
        n_shops = 1 if rng.random() < 0.86 else 2
        shops: list[int] = []
        while len(shops) < n_shops:
            shop = rng.choices(catalogue.shops, catalogue.shop_weights)[0]
            if shop not in shops:
                shops.append(shop)
        checkouts.append(_checkout(rng, catalogue, buyer=buyer, age=age, shops=shops))
        count += n_shops
    # Placed in time order, so order and payment ids grow with time as in production.
    world.checkouts = sorted(checkouts, key=lambda c: -c.placed_ago)


# --- Carts --------------------------------------------------------------------------------------


def _plan_carts(rng: random.Random, world: World) -> None:
    buyable = [
        (product, position)
        for product, plan in enumerate(world.products)
        if plan.kind == "native" and plan.status == "active"
        for position, variant in enumerate(plan.variants)
        if variant.stock >= 3
    ]
    if not buyable:
        return
    shoppers = [
        i for i, p in enumerate(world.people) if i >= 4 and not p.is_seller and rng.random() < 0.06
    ]
    for owner in [SHOPPER, *shoppers]:
        size = 3 if owner == SHOPPER else rng.randint(1, 3)
        picks: list[tuple[int, int]] = []
        while len(picks) < min(size, len({product for product, _ in buyable})):
            pick = rng.choice(buyable)
            if pick[0] not in [p for p, _ in picks]:
                picks.append(pick)
        lines = tuple((product, position, rng.randint(1, 2)) for product, position in picks)
        updated = 3 * HOUR if owner == SHOPPER else rng.randint(HOUR, 6 * DAY)
        world.carts.append(CartPlan(owner=owner, lines=lines, updated_ago=updated))
