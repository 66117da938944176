"""Writes of the catalog: shops, products, variants, images, external-link clicks."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image, ImageOps, UnidentifiedImageError

from clipcart.accounts import services as accounts_services
from clipcart.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from clipcart.core.money import parse_currency, parse_price
from clipcart.core.text import clean_text
from clipcart.inventory import services as inventory_services

from .models import (
    HANDLING_RANGES,
    ExternalClick,
    HandlingKind,
    Product,
    ProductImage,
    Shop,
    ShopMember,
    Variant,
    WhenSoldOut,
)

MAX_VARIANTS = 50
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
THUMBNAIL_SIZE = (480, 480)
ALLOWED_IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


@dataclass(frozen=True)
class VariantInput:
    name: str
    stock: int
    price: object = None
    sku: str = ""


_text = clean_text


def _handling_days(value: object, *, field: str = "handling_days", maximum: int = 2) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise InvalidInput(
            f"Handling time must be 1 to {maximum} business days.",
            code="handling_days_out_of_range",
            field=field,
        )
    return value


@dataclass(frozen=True)
class Handling:
    """A product's validated handling: its kind, business days, and a pre-order's date."""

    kind: str
    days: int | None
    ships_on: date | None


def _kind_for_days(days: int) -> str:
    """The kind a bare `handling_days` (the API's older field) stands for."""
    for kind in (HandlingKind.IN_STOCK, HandlingKind.MADE_TO_ORDER, HandlingKind.BACKORDER):
        low, high = HANDLING_RANGES[kind]
        if low <= days <= high:
            return kind
    return HandlingKind.BACKORDER  # out of every range: refused below with backorder's range


def check_handling(
    *, shop: Shop, kind: object = None, days: object = None, ships_on: object = None
) -> Handling:
    """Validates a product's handling by kind: in stock 1–3 business days (empty: the shop's),
    made to order 3–14, backorder 3–15, pre-order a date (not in the past, at most
    CLIPCART_PREORDER_MAX_DAYS out). A kind-less `days` picks the kind whose range holds it."""
    from clipcart.fulfillment import services as fulfillment_services

    if days is not None and (isinstance(days, bool) or not isinstance(days, int)):
        raise InvalidInput(
            "Handling time is a whole number of business days.",
            code="handling_days_out_of_range",
            field="handling_days",
        )
    if kind in (None, ""):
        kind = _kind_for_days(days) if days is not None else HandlingKind.IN_STOCK
        if ships_on not in (None, ""):
            kind = HandlingKind.PREORDER
    if kind not in HandlingKind.values:
        raise InvalidInput(
            "Handling kind is in_stock, made_to_order, backorder or preorder.",
            code="invalid_handling_kind",
            field="handling_kind",
        )
    if kind == HandlingKind.PREORDER:
        if ships_on in (None, ""):
            raise InvalidInput(
                "A pre-order needs its ship date.", code="preorder_date_required", field="ships_on"
            )
        day = fulfillment_services.check_preorder_date(ships_on, shop=shop)
        return Handling(kind=kind, days=None, ships_on=day)
    low, high = HANDLING_RANGES[HandlingKind(kind)]
    if days is None and kind == HandlingKind.IN_STOCK:
        return Handling(kind=kind, days=None, ships_on=None)
    label = HandlingKind(kind).label.lower()
    if days is None or not low <= days <= high:  # type: ignore[operator]
        raise InvalidInput(
            f"Handling time {label} is {low} to {high} business days.",
            code="handling_days_out_of_range",
            field="handling_days",
        )
    return Handling(kind=kind, days=days, ships_on=None)  # type: ignore[arg-type]


def check_when_sold_out(value: object) -> str:
    if value not in WhenSoldOut.values:
        raise InvalidInput(
            "When sold out, a product shows sold out or takes a waitlist.",
            code="invalid_when_sold_out",
            field="when_sold_out",
        )
    return str(value)


# --- Shops --------------------------------------------------------------------------------------


def create_shop(*, owner, name: str, description: str = "") -> Shop:
    """A new shop in probation, owned by `owner` (who becomes seller staff)."""
    name = _text(name, field="name", max_length=80)
    if len(name) < 2:
        raise InvalidInput("Shop name needs at least 2 characters.", field="name")
    description = _text(description, field="description", max_length=2000, required=False)
    if Shop.objects.filter(name__iexact=name).exists():
        raise Conflict("A shop with that name exists.", code="shop_name_taken", field="name")
    base_slug = slugify(name)[:80] or "shop"
    slug, n = base_slug, 1
    while Shop.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base_slug}-{n}"
    try:
        with transaction.atomic():
            shop = Shop.objects.create(name=name, slug=slug, description=description)
            ShopMember.objects.create(shop=shop, user=owner, role=ShopMember.Role.OWNER)
            accounts_services.grant_seller_role(user=owner)
    except IntegrityError:
        raise Conflict(
            "A shop with that name exists.", code="shop_name_taken", field="name"
        ) from None
    return shop


def update_shop_settings(
    *,
    shop: Shop,
    shipping_fee: object = None,
    free_shipping_threshold: object = "",
    handling_days: object = None,
    description: str | None = None,
) -> Shop:
    """Edits a shop's shipping and handling settings. `free_shipping_threshold=None` removes it."""
    if shipping_fee is not None:
        shop.shipping_fee = parse_price(shipping_fee, field="shipping_fee", allow_zero=True)
    if free_shipping_threshold != "":
        shop.free_shipping_threshold = (
            None
            if free_shipping_threshold is None
            else parse_price(free_shipping_threshold, field="free_shipping_threshold")
        )
    if handling_days is not None:
        shop.handling_days = _handling_days(handling_days)
    if description is not None:
        shop.description = _text(description, field="description", max_length=2000, required=False)
    shop.save()
    return shop


def require_shop_staff(*, user, shop_id: int) -> Shop:
    """The shop, if `user` works for it. 404 for an unknown shop, 403 for someone else's."""
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        raise NotFound("No such shop.", code="shop_not_found")
    is_member = user.is_authenticated and ShopMember.objects.filter(shop=shop, user=user).exists()
    if not is_member:
        raise PermissionDenied("You are not staff of this shop.", code="not_shop_staff")
    return shop


# --- Products and variants ----------------------------------------------------------------------


def _variant_inputs(variants: list | None, *, price: object, stock: object) -> list[VariantInput]:
    if not variants:
        return [VariantInput(name="Default", price=price, stock=stock)]  # type: ignore[arg-type]
    if len(variants) > MAX_VARIANTS:
        raise InvalidInput(f"At most {MAX_VARIANTS} variants.", field="variants")
    parsed = [
        VariantInput(
            name=_text(v.get("name"), field="variants.name", max_length=80),
            sku=_text(v.get("sku"), field="variants.sku", max_length=64, required=False),
            price=v.get("price") if v.get("price") is not None else price,
            stock=v.get("stock"),  # type: ignore[arg-type]
        )
        for v in variants
    ]
    names = [v.name.lower() for v in parsed]
    if len(set(names)) != len(names):
        raise InvalidInput("Variant names must be different.", field="variants.name")
    skus = [v.sku for v in parsed if v.sku]
    if len(set(skus)) != len(skus):
        raise InvalidInput("SKUs must be different.", field="variants.sku")
    return parsed


def create_product(
    *,
    shop: Shop,
    title: str,
    description: str = "",
    price: object,
    currency: str,
    stock: object = 0,
    handling_days: object = None,
    variants: list[dict] | None = None,
    kind: str = Product.Kind.NATIVE,
    handling_kind: object = None,
    ships_on: object = None,
    when_sold_out: object = WhenSoldOut.WAITLIST,
    external_url: str = "",
    category_id: int | None = None,
    brand_id: int | None = None,
) -> Product:
    """A product with its variants and their stock, all or nothing."""
    title = _text(title, field="title", max_length=200)
    description = _text(description, field="description", max_length=5000, required=False)
    currency = parse_currency(currency)
    parse_price(price)
    handling = check_handling(shop=shop, kind=handling_kind, days=handling_days, ships_on=ships_on)
    when_sold_out = check_when_sold_out(when_sold_out)
    if kind not in Product.Kind.values:
        raise InvalidInput("Kind must be native or external.", field="kind")
    if kind == Product.Kind.EXTERNAL and not external_url.startswith(("https://", "http://")):
        raise InvalidInput("External products need an http(s) link.", field="external_url")
    inputs = _variant_inputs(variants, price=price, stock=stock)
    prices = [parse_price(v.price, field="variants.price") for v in inputs]
    for v in inputs:
        inventory_services.check_stock_quantity(v.stock, field="stock")
    try:
        with transaction.atomic():
            product = Product.objects.create(
                shop=shop,
                title=title,
                description=description,
                kind=kind,
                external_url=external_url if kind == Product.Kind.EXTERNAL else "",
                handling_kind=handling.kind,
                handling_days=handling.days,
                ships_on=handling.ships_on,
                when_sold_out=when_sold_out,
                category_id=category_id,
                brand_id=brand_id,
            )
            for position, (v, variant_price) in enumerate(zip(inputs, prices, strict=True)):
                variant = Variant.objects.create(
                    product=product,
                    shop=shop,
                    name=v.name,
                    sku=v.sku,
                    price=variant_price,
                    currency=currency,
                    position=position,
                )
                inventory_services.set_stock(variant_id=variant.pk, quantity=v.stock)
    except IntegrityError:
        raise Conflict(
            "That SKU is already used in this shop.", code="sku_taken", field="variants.sku"
        ) from None
    return product


def update_product(
    *,
    product: Product,
    title: str | None = None,
    description: str | None = None,
    status: str | None = None,
    handling_days: object = "",
    handling_kind: object = "",
    ships_on: object = "",
    when_sold_out: object = "",
) -> Product:
    """Edits a product; `""` leaves a field as it is. Handling fields are validated together
    (by kind); `handling_days=None` returns an in-stock product to the shop's handling time."""
    if title is not None:
        product.title = _text(title, field="title", max_length=200)
    if description is not None:
        product.description = _text(
            description, field="description", max_length=5000, required=False
        )
    if status is not None:
        if status not in Product.Status.values:
            raise InvalidInput("Unknown status.", field="status")
        product.status = status
    if (handling_days, handling_kind, ships_on) != ("", "", ""):
        kind = product.handling_kind if handling_kind == "" else handling_kind
        handling = check_handling(
            shop=product.shop,
            kind=kind,
            days=_kept(handling_days, product.handling_days, kind, product.handling_kind),
            ships_on=_kept(ships_on, product.ships_on, kind, product.handling_kind),
        )
        product.handling_kind = handling.kind
        product.handling_days = handling.days
        product.ships_on = handling.ships_on
        if handling.kind != HandlingKind.PREORDER:
            product.preorder_units = None
    if when_sold_out != "":
        product.when_sold_out = check_when_sold_out(when_sold_out)
    with transaction.atomic():
        product.save()
        from clipcart.fulfillment import services as fulfillment_services

        fulfillment_services.after_stock_change(product_id=product.pk)
    return product


def _kept(value: object, current: object, kind: object, current_kind: str) -> object:
    """A handling field not sent keeps its value, unless the kind changed (a new kind starts
    from its own fields)."""
    if value != "":
        return value
    return current if kind == current_kind else None


def shop_variant(*, shop: Shop, variant_id: int) -> Variant:
    variant = Variant.objects.select_related("product").filter(pk=variant_id, shop=shop).first()
    if variant is None:
        raise NotFound("No such variant in this shop.", code="variant_not_found")
    return variant


def shop_product(*, shop: Shop, product_id: int) -> Product:
    product = Product.objects.filter(pk=product_id, shop=shop).first()
    if product is None:
        raise NotFound("No such product in this shop.", code="product_not_found")
    return product


def update_variant(
    *, shop: Shop, variant_id: int, price: object = None, stock: object = None
) -> Variant:
    """Changes a variant's price and/or sellable stock. Orders already placed keep their price."""
    variant = shop_variant(shop=shop, variant_id=variant_id)
    new_price = parse_price(price) if price is not None else None
    if stock is not None:
        inventory_services.check_stock_quantity(stock)
    with transaction.atomic():
        if new_price is not None:
            Variant.objects.filter(pk=variant.pk).update(price=new_price)
            variant.price = new_price
        if stock is not None:
            inventory_services.set_stock(variant_id=variant.pk, quantity=stock)  # type: ignore[arg-type]
            from clipcart.fulfillment import services as fulfillment_services

            # Stock back: the waitlist hears it, in joining order, once this commits.
            fulfillment_services.after_stock_change(product_id=variant.product_id)
    return variant


# --- Images -------------------------------------------------------------------------------------


def _open_image(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
        image.verify()  # detects truncated or non-image files without decoding everything
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidInput("That file is not a readable image.", field="image") from None
    if image.format not in ALLOWED_IMAGE_FORMATS:
        raise InvalidInput("Images must be JPEG, PNG, WebP or GIF.", field="image")
    if image.width * image.height > MAX_IMAGE_PIXELS:
        raise InvalidInput("That image has too many pixels.", field="image")
    return image


def add_product_image(*, product: Product, upload: UploadedFile, alt: str = "") -> ProductImage:
    """Stores the original and schedules its thumbnail after commit."""
    if upload.size is None or upload.size > MAX_IMAGE_BYTES:
        raise InvalidInput("Images can be at most 10 MB.", field="image")
    data = upload.read()
    image = _open_image(data)
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}[image.format or "JPEG"]
    position = product.images.count()
    record = ProductImage(
        product=product,
        alt=_text(alt, field="alt", max_length=200, required=False),
        position=position,
    )
    record.image.save(
        f"{hashlib.sha1(data).hexdigest()[:16]}.{extension}", ContentFile(data), save=False
    )
    record.save()
    from . import tasks  # tasks import services; deferred to keep the import graph acyclic

    # robust: the image is saved either way; if the broker is down, the periodic sweep
    # (make_missing_thumbnails) makes the thumbnail later instead of the upload failing.
    transaction.on_commit(lambda: tasks.make_thumbnail.delay(record.pk), robust=True)
    return record


def make_thumbnail(*, image_id: int) -> None:
    """Renders a square WebP thumbnail (cover-cropped). Idempotent: skips one already made."""
    record = ProductImage.objects.filter(pk=image_id).first()
    if record is None or record.thumbnail:
        return
    with record.image.open("rb") as handle:
        original = ImageOps.exif_transpose(Image.open(handle)).convert("RGB")
    thumb = ImageOps.fit(original, THUMBNAIL_SIZE, method=Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    thumb.save(buffer, format="WEBP", quality=82)
    name = (record.image.name or "image").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    record.thumbnail.save(f"{name}-thumb.webp", ContentFile(buffer.getvalue()), save=False)
    ProductImage.objects.filter(pk=record.pk).update(thumbnail=record.thumbnail.name)


def make_missing_thumbnails(*, limit: int = 200) -> int:
    """Makes the thumbnails that a lost job never made. Returns how many it made."""
    ids = list(ProductImage.objects.filter(thumbnail="").values_list("pk", flat=True)[:limit])
    for image_id in ids:
        make_thumbnail(image_id=image_id)
    return len(ids)


# --- External products --------------------------------------------------------------------------


def record_external_click(*, product_id: int, user, ref: str, client_key: str) -> str:
    """Counts a click on an external product and returns where to send the shopper. One client
    counts once per product and window (the window of affiliate touches), however often it
    follows the link: the count is of shoppers sent, not of requests."""
    product = Product.objects.filter(
        pk=product_id, kind=Product.Kind.EXTERNAL, status=Product.Status.ACTIVE
    ).first()
    if product is None:
        raise NotFound("No such external product.", code="product_not_found")
    key = {
        "product": product,
        "client_hash": hashlib.sha256(client_key.encode()).hexdigest() if client_key else "",
        "window": _click_window(timezone.now()),
    }
    if not _count_click_again(key):
        try:
            with transaction.atomic():
                ExternalClick.objects.create(
                    **key,
                    user=user if getattr(user, "is_authenticated", False) else None,
                    ref=(ref or "")[:64],
                )
        except IntegrityError:  # the same client, racing: it counts once
            _count_click_again(key)
    return product.external_url


def _click_window(at: datetime) -> int:
    return int(at.timestamp() // (settings.CLIPCART_AFFILIATE_CLICK_DEDUPE_MINUTES * 60))


def _count_click_again(key: dict) -> bool:
    return bool(ExternalClick.objects.filter(**key).update(hits=F("hits") + 1))
