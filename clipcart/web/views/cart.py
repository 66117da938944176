"""The cart: quantities and removal, answered with the re-priced cart."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clipcart.catalog import selectors as catalog_selectors
from clipcart.checkout import selectors as checkout_selectors
from clipcart.checkout import services as checkout_services
from clipcart.web.forms import QuantityForm, ServiceForm

from .support import visitor_cart


def _cart_page(
    request: HttpRequest, form: ServiceForm | None = None, line_id: int | None = None
) -> HttpResponse:
    quote = checkout_selectors.quote_cart(visitor_cart(request, create=False))
    covers = catalog_selectors.cover_images({q.variant.product_id for q in quote.lines})
    htmx = request.htmx  # type: ignore[attr-defined]
    template = "web/cart/_cart.html" if htmx else "web/cart/cart.html"
    context = {"quote": quote, "covers": covers, "form": form, "error_line": line_id}
    return render(request, template, context, status=form.status if form else 200)


def cart(request: HttpRequest) -> HttpResponse:
    return _cart_page(request)


def _answer(request: HttpRequest, form: ServiceForm, line_id: int, done: bool) -> HttpResponse:
    if done and not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:cart")
    return _cart_page(request, form, line_id)


@require_POST
def change_quantity(request: HttpRequest, line_id: int) -> HttpResponse:
    form = QuantityForm(request.POST)
    cart = visitor_cart(request, create=False)
    done = form.submit(
        lambda data: checkout_services.set_line_quantity(
            cart=cart, line_id=line_id, quantity=data["quantity"]
        )
    )
    return _answer(request, form, line_id, done)


@require_POST
def remove_line(request: HttpRequest, line_id: int) -> HttpResponse:
    form = ServiceForm(request.POST)
    cart = visitor_cart(request, create=False)
    done = form.submit(lambda _: checkout_services.remove_line(cart=cart, line_id=line_id))
    return _answer(request, form, line_id, done)
