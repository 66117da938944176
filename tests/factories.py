"""factory_boy factories. Products are made through the catalog service so stock rows exist
exactly as they do in production."""

from __future__ import annotations

import subprocess
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import factory

from clipcart.accounts.models import User
from clipcart.catalog import services as catalog_services
from clipcart.catalog.models import Product, Shop
from clipcart.checkout import services as checkout_services

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


def buy(buyer: User, variant_ids: list[int], *, quantity: int = 1) -> list[dict]:
    """A paid checkout of `quantity` units of each variant, through the real service; returns
    the orders as the API answers them."""
    from .conftest import ADDRESS

    cart = checkout_services.get_or_create_cart(user=buyer)
    for variant_id in variant_ids:
        checkout_services.add_item(cart=cart, variant_id=variant_id, quantity=quantity)
    result = checkout_services.checkout(
        buyer=buyer,
        cart=cart,
        shipping_address=ADDRESS,
        payment={"method": "test", "token": "tok_visa"},
        idempotency_key=uuid.uuid4().hex,
        request_body={},
    )
    assert result.status == 201, result.body
    return result.body["orders"]


def make_post(
    *,
    creator: User,
    caption: str = "My favourite find #cleantok",
    products: list[Product] | None = None,
    published_ago: timedelta = timedelta(hours=1),
    status: str = "ready",
    earns_commission: bool | None = None,
    **fields,
):
    """A post as transcoding leaves it (no files are read), with its hashtags and anchors.
    Anchors earn commission when `earns_commission` says so (default: another shop's product,
    as if the creator were in its plan)."""
    from django.utils import timezone

    from clipcart.media.models import Anchor, Hashtag, Post, PostHashtag
    from clipcart.media.services import live_set_changed, parse_hashtags

    ready = status == "ready"
    post = Post.objects.create(
        creator=creator,
        caption=caption,
        status=status,
        published_at=timezone.now() - published_ago if ready else None,
        stream="posts/demo.mp4" if ready else "",
        poster="posts/demo.jpg" if ready else "",
        original="posts/original.mp4",
        duration_ms=fields.pop("duration_ms", 8000),
        **fields,
    )
    for name in parse_hashtags(caption):
        PostHashtag.objects.create(post=post, hashtag=Hashtag.objects.get_or_create(name=name)[0])
    live_set_changed()  # as publishing does: cached feed candidates include the new post
    for position, product in enumerate(products or []):
        Anchor.objects.create(
            post=post,
            product=product,
            position=position,
            earns_commission=(
                not product.shop.memberships.filter(user=creator).exists()
                if earns_commission is None
                else earns_commission
            ),
        )
    return post


def make_video_file(
    path: Path, *, seconds: float = 1.5, size: str = "180x320", faststart: bool = True
) -> Path:
    """A real, small H.264/AAC MP4 made with the bundled ffmpeg."""
    import imageio_ffmpeg

    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=15",
            "-f", "lavfi", "-i", "sine=frequency=440",
            "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-shortest", *(["-movflags", "+faststart"] if faststart else []),
            str(path),
        ],
        check=True,
    )  # fmt: skip
    return path
