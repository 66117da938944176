"""The seller center: shops, products (inline price and stock, an edit page), settings, orders.

Every view starts with `require_shop_staff`: someone else's shop is a 403, an unknown one 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog import services as catalog_services
from clipcart.fulfillment import selectors as fulfillment_selectors
from clipcart.inventory import selectors as inventory_selectors
from clipcart.orders import selectors as order_selectors
from clipcart.orders import services as order_services
from clipcart.orders.models import OrderStatus
from clipcart.web.forms import (
    ProductEditForm,
    ProductForm,
    RefundForm,
    ShipForm,
    ShopForm,
    ShopSettingsForm,
    VariantEditForm,
    VariantFormSet,
    variant_inputs,
)

from .shipments import ship_context
from .support import shows_domain_errors

ORDERS_TO_SHIP_SHOWN = 5


def _staff_shop(request: HttpRequest, shop_id: int):
    return catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)


@login_required
def seller_home(request: HttpRequest) -> HttpResponse:
    form = ShopForm(request.POST) if request.method == "POST" else ShopForm()
    if request.method == "POST" and form.submit(
        lambda data: catalog_services.create_shop(
            owner=request.user, name=data["name"], description=data["description"]
        )
    ):
        messages.success(request, f"{form.result.name} is open. Add your first product.")
        return redirect("web:seller_dashboard", shop_id=form.result.pk)
    shops = catalog_selectors.shops_of(request.user)
    return render(
        request, "web/seller/home.html", {"shops": shops, "form": form}, status=form.status
    )


@login_required
@shows_domain_errors
def dashboard(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    context = {
        "shop": shop,
        "products": catalog_selectors.shop_products(shop=shop),
        "counts": order_selectors.order_status_counts(shop_id=shop.pk),
        "to_ship": order_selectors.orders_of_shop(
            shop_id=shop.pk, status=OrderStatus.PAID, size=ORDERS_TO_SHIP_SHOWN
        ),
        "dispatch": fulfillment_selectors.dispatch_metrics(shop=shop),
    }
    return render(request, "web/seller/dashboard.html", context)


def _products_page(request: HttpRequest, shop, bad: VariantEditForm | None = None, bad_id=None):
    context = {
        "shop": shop,
        "products": catalog_selectors.shop_products(shop=shop),
        "bad_form": bad,
        "bad_variant_id": bad_id,
    }
    return render(request, "web/seller/products.html", context, status=bad.status if bad else 200)


@login_required
@shows_domain_errors
def products(request: HttpRequest, shop_id: int) -> HttpResponse:
    return _products_page(request, _staff_shop(request, shop_id))


@login_required
@require_POST
@shows_domain_errors
def edit_variant(request: HttpRequest, shop_id: int, variant_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    form = VariantEditForm(request.POST)
    saved = form.submit(
        lambda data: catalog_services.update_variant(
            shop=shop, variant_id=variant_id, price=data["price"], stock=data["stock"]
        )
    )
    if not request.htmx:  # type: ignore[attr-defined]
        if saved:
            messages.success(request, "Saved.")
            return redirect("web:seller_products", shop_id=shop.pk)
        return _products_page(request, shop, form, variant_id)
    variant = catalog_services.shop_variant(shop=shop, variant_id=variant_id)
    variant.stock = inventory_selectors.available_quantity(variant.pk)  # type: ignore[attr-defined]
    context = {"shop": shop, "variant": variant, "form": form, "saved": saved}
    return render(request, "web/seller/_variant_row.html", context, status=form.status)


def _create_product(shop, data: dict, variants: list[dict] | None):
    # The product and its images are one piece of work: a bad image leaves no product behind.
    with transaction.atomic():
        product = catalog_services.create_product(
            shop=shop,
            title=data["title"],
            description=data["description"],
            price=data["price"],
            currency=data["currency"],
            stock=data["stock"] if data["stock"] is not None else 0,
            handling_days=data["handling_days"],
            handling_kind=data.get("handling_kind") or None,
            ships_on=data.get("ships_on"),
            when_sold_out=data.get("when_sold_out") or "waitlist",
            variants=variants,
            kind=data["kind"],
            external_url=data["external_url"],
            category_id=data["category_id"],
        )
        for upload in data["images"]:
            catalog_services.add_product_image(product=product, upload=upload, alt=data["title"])
    return product


@login_required
@shows_domain_errors
def new_product(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    post = request.method == "POST"
    form = ProductForm(
        request.POST if post else None,
        request.FILES if post else None,
        categories=catalog_selectors.categories(),
        initial={"currency": shop.currency, "kind": "native", "stock": 0},
    )
    variants = VariantFormSet(request.POST if post else None, prefix="variants")
    if post and variants.is_valid():
        if form.submit(lambda data: _create_product(shop, data, variant_inputs(variants))):
            messages.success(request, f"{form.result.title} is listed.")
            return redirect("web:seller_products", shop_id=shop.pk)
    elif post:
        form.is_valid()  # show the product's own errors next to the variants'
        form.status = 422
    context = {"shop": shop, "form": form, "variants": variants}
    return render(request, "web/seller/product_form.html", context, status=form.status)


def _update_product(shop, product_id: int, data: dict):
    # One piece of work, on a fresh copy: a refused photo leaves the words and status unsaved,
    # and the page still shows the product as it is stored.
    with transaction.atomic():
        product = catalog_services.shop_product(shop=shop, product_id=product_id)
        catalog_services.update_product(
            product=product,
            title=data["title"],
            description=data["description"],
            status=data["product_status"],
            handling_days=data.get("handling_days", ""),  # "" leaves it as it is
            handling_kind=data.get("handling_kind") or "",
            ships_on=data.get("ships_on") or ("" if "ships_on" not in data else None),
            when_sold_out=data.get("when_sold_out") or "",
        )
        for upload in data["images"]:
            catalog_services.add_product_image(product=product, upload=upload, alt=product.title)
    return product


@login_required
@shows_domain_errors
def edit_product(request: HttpRequest, shop_id: int, product_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    product = catalog_services.shop_product(shop=shop, product_id=product_id)
    post = request.method == "POST"
    form = ProductEditForm(
        request.POST if post else None,
        request.FILES if post else None,
        product=product,
        shop_handling_days=shop.handling_days,
    )
    if post and form.submit(lambda data: _update_product(shop, product.pk, data)):
        messages.success(request, f"{form.result.title} is saved.")
        return redirect("web:seller_product_edit", shop_id=shop.pk, product_id=product.pk)
    context = {"shop": shop, "product": product, "form": form}
    return render(request, "web/seller/product_edit.html", context, status=form.status)


@login_required
@shows_domain_errors
def shop_settings(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    initial = {
        "shipping_fee": shop.shipping_fee,
        "free_shipping_threshold": shop.free_shipping_threshold,
        "handling_days": shop.handling_days,
        "description": shop.description,
    }
    post = request.method == "POST"
    form = ShopSettingsForm(request.POST if post else None, initial=initial)
    if post and form.submit(lambda data: catalog_services.update_shop_settings(shop=shop, **data)):
        messages.success(request, "Shop settings saved.")
        return redirect("web:seller_settings", shop_id=shop.pk)
    context = {"shop": shop, "form": form}
    return render(request, "web/seller/settings.html", context, status=form.status)


@login_required
@shows_domain_errors
def orders(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    status = request.GET.get("status", "")
    page = order_selectors.orders_of_shop(
        shop_id=shop.pk, status=status, cursor=request.GET.get("cursor") or None
    )
    context = {"shop": shop, "page": page, **_status_filter(shop, status)}
    return render(request, "web/seller/orders.html", context)


def _status_filter(shop, status: str) -> dict:
    """What the status chips show: each status with its count, the current one marked."""
    counts = order_selectors.order_status_counts(shop_id=shop.pk)
    return {"status": status, "statuses": OrderStatus.choices, "counts": counts}


def _order_page(
    request: HttpRequest,
    shop,
    order_id: int,
    form: ShipForm,
    refund_form: RefundForm | None = None,
) -> HttpResponse:
    order = order_selectors.order_of_shop(shop_id=shop.pk, order_id=order_id)
    if not request.htmx or refund_form is not None:  # type: ignore[attr-defined]
        lines = order.lines.all()
        context = {
            "shop": shop,
            "order": order,
            "ship_form": form,
            "covers": catalog_selectors.cover_images({line.product_id for line in lines}),
            "refund_form": refund_form or RefundForm(lines=lines),
            "can_refund": order.status in order_services.REFUNDABLE,
            **ship_context(order=order),
        }
        status = refund_form.status if refund_form is not None else form.status
        return render(request, "web/seller/order.html", context, status=status)
    # The row is swapped in place; the status chips' counts follow out of band.
    context = {"order": order, "ship_form": form, "shop": shop}
    context.update(_status_filter(shop, request.POST.get("status_filter", "")))
    return render(request, "web/seller/_order_row.html", context, status=form.status)


@login_required
@shows_domain_errors
def order(request: HttpRequest, shop_id: int, order_id: int) -> HttpResponse:
    return _order_page(request, _staff_shop(request, shop_id), order_id, ShipForm())


@login_required
@require_POST
@shows_domain_errors
def refund(request: HttpRequest, shop_id: int, order_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    order = order_selectors.order_of_shop(shop_id=shop.pk, order_id=order_id)
    form = RefundForm(request.POST, lines=order.lines.all())
    if form.submit(
        lambda data: order_services.refund_line(
            shop_id=shop.pk, order_id=order_id, actor=request.user, **data
        )
    ):
        refund = form.result
        messages.success(request, f"Refunded {refund.amount} {order.currency} to the buyer.")
        return redirect("web:seller_order", shop_id=shop.pk, order_id=order_id)
    return _order_page(request, shop, order_id, ShipForm(), refund_form=form)
