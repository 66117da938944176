from ninja import Field, File, Form, Router, Status
from ninja.files import UploadedFile
from pydantic import StrictStr

from clipcart.api import presenters
from clipcart.api.auth import bearer
from clipcart.api.schemas import (
    ErrorOut,
    ImageOut,
    ProductCreatedOut,
    ProductIn,
    ProductListOut,
    ProductOut,
    ShopIn,
    ShopOut,
    VariantOut,
    VariantPatchIn,
)
from clipcart.catalog import selectors, services
from clipcart.inventory import selectors as inventory_selectors

router = Router(tags=["shops and catalog"])


class ProductWithHandlingIn(ProductIn):
    """ProductIn with the handling kind fields, in the same style as `handling_days`."""

    handling_kind: StrictStr | None = Field(
        None, description="in_stock (1–3 days), made_to_order (3–14), backorder (3–15), preorder"
    )
    ships_on: StrictStr | None = Field(None, description="A pre-order's ship date, YYYY-MM-DD.")
    when_sold_out: StrictStr = Field("waitlist", description="sold_out or waitlist")


ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post("/shops", response={201: ShopOut, **ERRORS}, auth=bearer)
def create_shop(request, payload: ShopIn):
    shop = services.create_shop(
        owner=request.auth, name=payload.name, description=payload.description
    )
    return Status(201, {"id": shop.pk, "name": shop.name, "status": shop.status})


@router.post("/shops/{shop_id}/products", response={201: ProductCreatedOut, **ERRORS}, auth=bearer)
def create_product(request, shop_id: int, payload: ProductWithHandlingIn):
    shop = services.require_shop_staff(user=request.auth, shop_id=shop_id)
    product = services.create_product(
        shop=shop,
        title=payload.title,
        description=payload.description,
        price=payload.price,
        currency=payload.currency,
        stock=payload.stock,
        handling_days=payload.handling_days,
        variants=[v.dict() for v in payload.variants] if payload.variants else None,
        kind=payload.kind,
        external_url=payload.external_url,
        handling_kind=payload.handling_kind,
        ships_on=payload.ships_on,
        when_sold_out=payload.when_sold_out,
    )
    detail = selectors.product_detail(product_id=product.pk, include_unlisted=True)
    return Status(
        201,
        {
            "id": product.pk,
            "title": product.title,
            "variants": [presenters.variant(v) for v in detail.product.variants.all()],
        },
    )


@router.post(
    "/shops/{shop_id}/products/{product_id}/images", response={201: ImageOut, **ERRORS}, auth=bearer
)
def upload_image(
    request, shop_id: int, product_id: int, image: File[UploadedFile], alt: Form[str] = ""
):
    shop = services.require_shop_staff(user=request.auth, shop_id=shop_id)
    product = services.shop_product(shop=shop, product_id=product_id)
    record = services.add_product_image(product=product, upload=image, alt=alt)
    return Status(201, {"id": record.pk, "url": record.url, "position": record.position})


@router.patch(
    "/shops/{shop_id}/variants/{variant_id}", response={200: VariantOut, **ERRORS}, auth=bearer
)
def update_variant(request, shop_id: int, variant_id: int, payload: VariantPatchIn):
    shop = services.require_shop_staff(user=request.auth, shop_id=shop_id)
    variant = services.update_variant(
        shop=shop, variant_id=variant_id, price=payload.price, stock=payload.stock
    )
    variant.stock = inventory_selectors.available_quantity(variant.pk)  # type: ignore[attr-defined]
    return presenters.variant(variant)


@router.get("/products", response={200: ProductListOut, 422: ErrorOut})
def list_products(
    request,
    q: str = "",
    cursor: str | None = None,
    category: str = "",
    shop_id: int | None = None,
    limit: int = 24,
):
    page = selectors.product_list(
        query=q[:200], cursor=cursor, category_slug=category, shop_id=shop_id, size=limit
    )
    return {
        "items": [presenters.product_card(p) for p in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get("/products/{product_id}", response={200: ProductOut, 404: ErrorOut})
def get_product(request, product_id: int):
    return presenters.product(selectors.product_detail(product_id=product_id))
