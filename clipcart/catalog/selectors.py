"""Reads of the catalog. Each selector loads everything its callers show, in a fixed number of
queries, so no page or API handler can fall into N+1 queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Min, Prefetch, QuerySet

from clipcart.core.errors import NotFound
from clipcart.core.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_cursor,
    encode_cursor,
    paginate_by_pk,
)
from clipcart.inventory import selectors as inventory_selectors

from . import search
from .models import Category, Product, ProductImage, Shop, ShopMember, Variant


def _with_card_data(queryset: QuerySet[Product]) -> QuerySet[Product]:
    return (
        queryset.select_related("shop")
        .annotate(min_price=Min("variants__price"), min_currency=Min("variants__currency"))
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
        )
    )


def _attach_stock(products: list[Product]) -> list[Product]:
    """Sets `in_stock`, `stock_total` on each product and `stock` on each variant (one query)."""
    variants = [v for p in products for v in p.variants.all()]
    stock = inventory_selectors.available_quantities(v.pk for v in variants)
    for product in products:
        for variant in product.variants.all():
            variant.stock = stock.get(variant.pk, 0)  # type: ignore[attr-defined]
        total = sum(v.stock for v in product.variants.all())  # type: ignore[attr-defined]
        product.stock_total = total  # type: ignore[attr-defined]
        product.in_stock = product.kind == Product.Kind.EXTERNAL or total > 0  # type: ignore[attr-defined]
    return products


def browsable_products() -> QuerySet[Product]:
    """Products a shopper may see: active, in a shop that is not suspended."""
    return Product.objects.filter(status=Product.Status.ACTIVE).exclude(
        shop__status=Shop.Status.SUSPENDED
    )


def product_list(
    *,
    query: str = "",
    cursor: str | None = None,
    category_slug: str = "",
    shop_id: int | None = None,
    size: int = DEFAULT_PAGE_SIZE,
) -> Page[Product]:
    """Product cards, newest first, or best match first when `query` is given."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    products = browsable_products()
    if category_slug:
        products = products.filter(category__slug=category_slug)
    if shop_id is not None:
        products = products.filter(shop_id=shop_id)
    if not query.strip():
        page = paginate_by_pk(_with_card_data(products), cursor=cursor, size=size)
        return Page(items=_attach_stock(page.items), next_cursor=page.next_cursor)
    # Search results are ordered by relevance, so the cursor is a position in the ranked list.
    ranked_ids = search.matching_product_ids(query)
    allowed = set(products.filter(pk__in=ranked_ids).values_list("pk", flat=True))
    ranked_ids = [pk for pk in ranked_ids if pk in allowed]
    offset = decode_cursor(cursor, kind="o") if cursor else 0
    window = ranked_ids[offset : offset + size]
    by_id = {p.pk: p for p in _with_card_data(Product.objects.filter(pk__in=window))}
    items = _attach_stock([by_id[pk] for pk in window if pk in by_id])
    more = offset + size < len(ranked_ids)
    return Page(items=items, next_cursor=encode_cursor(offset + size, kind="o") if more else None)


@dataclass(frozen=True)
class ProductDetail:
    product: Product
    ships_by: date | None
    promise: Any = None  # fulfillment.selectors.Promise: what the page says before payment


def product_detail(*, product_id: int, include_unlisted: bool = False) -> ProductDetail:
    """A product with shop, variants (with stock), images and its honest ships-by date."""
    products = Product.objects.all() if include_unlisted else browsable_products()
    product = _with_card_data(products.filter(pk=product_id)).first()
    if product is None:
        raise NotFound("No such product.", code="product_not_found")
    _attach_stock([product])
    from clipcart.fulfillment import selectors as fulfillment_selectors

    available = product.stock_total  # type: ignore[attr-defined]
    promise = fulfillment_selectors.promise(product, available=available)
    return ProductDetail(product=product, ships_by=promise.ships_by, promise=promise)


def variants_for_cart(variant_ids: list[int]) -> dict[int, Variant]:
    """Variants with their product and shop, keyed by id: what a cart needs to price itself."""
    return {
        v.pk: v
        for v in Variant.objects.select_related("product", "shop", "product__shop").filter(
            pk__in=variant_ids
        )
    }


def shops_of(user) -> list[Shop]:
    if not user.is_authenticated:
        return []
    return list(Shop.objects.filter(memberships__user=user).order_by("name"))


def shop_products(*, shop: Shop) -> list[Product]:
    """Every product of a shop, any status, for its seller center."""
    products = list(_with_card_data(Product.objects.filter(shop=shop)).order_by("-id"))
    return _attach_stock(products)


def categories() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True).order_by("name"))


def cover_images(product_ids) -> dict[int, ProductImage]:
    """The first image of each product, in one query, for pages that show products small
    (cart lines, order lines)."""
    covers: dict[int, ProductImage] = {}
    images = ProductImage.objects.filter(product_id__in=list(product_ids)).order_by(
        "product_id", "position", "id"
    )
    for image in images:
        covers.setdefault(image.product_id, image)
    return covers


def product_cards(product_ids) -> dict[int, Product]:
    """Browsable products with shop, price, images, variants and stock, keyed by id, in a fixed
    number of queries: what a feed page needs for the products tagged in its videos."""
    products = list(_with_card_data(browsable_products().filter(pk__in=list(product_ids))))
    return {p.pk: p for p in _attach_stock(products)}


def taggable_products(product_ids) -> dict[int, Product]:
    """Products that may be tagged in a post (browsable), with their shop, keyed by id."""
    products = browsable_products().select_related("shop").filter(pk__in=list(product_ids))
    return {p.pk: p for p in products}


def shop_ids_of(user) -> set[int]:
    if not user.is_authenticated:
        return set()
    return set(Shop.objects.filter(memberships__user=user).values_list("pk", flat=True))


def staff_ids(*, shop_id: int) -> list[int]:
    return list(ShopMember.objects.filter(shop_id=shop_id).values_list("user_id", flat=True))


@dataclass(frozen=True)
class ProductFacts:
    """What the feed's ranking needs of a tagged product: its category and whether it can be
    sold now (out-of-stock products are not promoted)."""

    category_id: int | None
    in_stock: bool


def product_facts(product_ids) -> dict[int, ProductFacts]:
    """Browsable products' category and stock, keyed by id (two queries whatever the count)."""
    rows = list(
        browsable_products()
        .filter(pk__in=list(product_ids))
        .values_list("pk", "category_id", "kind", "variants__pk")
    )
    stock = inventory_selectors.available_quantities(v for *_, v in rows if v is not None)
    facts: dict[int, ProductFacts] = {}
    for pk, category_id, kind, variant_id in rows:
        sellable = kind == Product.Kind.EXTERNAL or stock.get(variant_id or 0, 0) > 0
        known = facts.get(pk)
        facts[pk] = ProductFacts(category_id, sellable or (known is not None and known.in_stock))
    return facts


def category_names() -> dict[int, str]:
    """Every category's id → name (one query): few rows, so callers may cache it."""
    return dict(Category.objects.values_list("pk", "name"))
