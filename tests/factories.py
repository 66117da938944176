"""factory_boy factories. Products are made through the catalog service so stock rows exist
exactly as they do in production."""

from __future__ import annotations

from decimal import Decimal

import factory

from clipcart.accounts.models import User
from clipcart.catalog import services as catalog_services
from clipcart.catalog.models import Product, Shop

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_shop(
    *,
    owner: User,
    name: str | None = None,
    shipping_fee: str = "4.99",
    free_shipping_threshold: str | None = None,
    status: str = "probation",
) -> Shop:
    shop = catalog_services.create_shop(owner=owner, name=name or f"Shop of {owner.username}")
    shop.shipping_fee = Decimal(shipping_fee)
    shop.free_shipping_threshold = (
        Decimal(free_shipping_threshold) if free_shipping_threshold else None
    )
    shop.status = status
    shop.save()
    return shop


def make_product(
    *,
    shop: Shop,
    title: str = "Glow serum",
    price: str = "20.00",
    stock: int = 10,
    variants: list[dict] | None = None,
    **kwargs,
) -> Product:
    return catalog_services.create_product(
        shop=shop,
        title=title,
        price=price,
        currency="USD",
        stock=stock,
        variants=variants,
        **kwargs,
    )
