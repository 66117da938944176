"""Demo data of the fulfillment promise: shop calendars (time zones, countries), a daily
capacity with its viral-mode choice, a vacation, a made-to-order product, a pre-order and a
waitlist. Everything goes through the services, as a seller would set it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from clipcart.catalog import services as catalog_services
from clipcart.catalog.models import Product, Shop
from clipcart.fulfillment import services

CALENDARS = [("America/New_York", "US"), ("Europe/Berlin", "DE"), ("Europe/London", "GB")]


def seed(*, base: datetime) -> dict[str, int]:
    """Gives the demo's shops their calendars and one of them viral-mode settings; `base` is
    the demo's "now". Returns counts of what it made."""
    shops = list(Shop.objects.order_by("pk")[: len(CALENDARS)])
    if not shops:
        return {}
    today = base.date()
    for shop, (time_zone, country) in zip(shops, CALENDARS, strict=False):
        services.update_settings(shop=shop, time_zone=time_zone, country=country)
    busy = shops[0]
    services.update_settings(
        shop=busy, daily_capacity=25, backlog_limit_days=3, past_limit="preorder"
    )
    made = {"vacations": 0, "made_to_order": 0, "preorders": 0, "waitlist_entries": 0}
    if len(shops) > 1:
        start = _next_monday(today) + timedelta(days=14)
        services.add_vacation(
            shop=shops[1], start=start, end=start + timedelta(days=4), note="Trade fair"
        )
        made["vacations"] = 1
    products = list(Product.objects.filter(shop=busy, kind="native").order_by("pk")[:3])
    if products:
        catalog_services.update_product(
            product=products[0], handling_kind="made_to_order", handling_days=7
        )
        made["made_to_order"] = 1
    if len(products) > 1:
        services.start_preorder(
            shop=busy,
            product_id=products[1].pk,
            ships_on=(today + timedelta(days=21)).isoformat(),
            units=40,
        )
        made["preorders"] = 1
    if len(products) > 2:
        made["waitlist_entries"] = _waitlist(busy, products[2])
    return made


def _waitlist(shop: Shop, product: Product) -> int:
    """A sold-out product with shoppers waiting for its restock."""
    from django.contrib.auth import get_user_model

    for variant in product.variants.all():
        catalog_services.update_variant(shop=shop, variant_id=variant.pk, stock=0)
    catalog_services.update_product(product=product, when_sold_out="waitlist")
    shoppers = get_user_model().objects.exclude(shop_memberships__shop=shop).order_by("pk")[:5]
    for user in shoppers:
        services.join_waitlist(user=user, product_id=product.pk)
    return len(shoppers)


def _next_monday(day: date) -> date:
    return day + timedelta(days=(7 - day.weekday()) % 7 or 7)
