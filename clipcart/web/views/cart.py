"""The cart: quantities, removal and discount codes, answered with the re-priced cart."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clipcart.catalog import selectors as catalog_selectors
from clipcart.checkout import selectors as checkout_selectors
from clipcart.checkout import services as checkout_services
from clipcart.web.forms import QuantityForm, ServiceForm

from .support import visitor_cart


class DiscountCodeForm(ServiceForm):
    # Only the length is checked here; what a code may be is the service's rule.
    code = forms.CharField(
        label="Discount code",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


def _cart_page(
    request: HttpRequest,
    form: ServiceForm | None = None,
    line_id: int | None = None,
    code_form: DiscountCodeForm | None = None,
) -> HttpResponse:
    quote = checkout_selectors.quote_cart(visitor_cart(request, create=False))
    covers = catalog_selectors.cover_images({q.variant.product_id for q in quote.lines})
    htmx = request.htmx  # type: ignore[attr-defined]
    template = "web/cart/_cart.html" if htmx else "web/cart/cart.html"
    context = {
        "quote": quote,
        "covers": covers,
        "form": form,
        "error_line": line_id,
        "code_form": code_form or DiscountCodeForm(),
    }
    failed = form or code_form
    return render(request, template, context, status=failed.status if failed else 200)


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


@require_POST
def apply_discount(request: HttpRequest) -> HttpResponse:
    form = DiscountCodeForm(request.POST)
    cart = visitor_cart(request, create=False)  # no cart, no items a code could apply to
    done = form.submit(
        lambda data: checkout_services.apply_discount_code(cart=cart, code=data["code"])
    )
    if done and not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:cart")
    return _cart_page(request, code_form=form if not done else None)


@require_POST
def remove_discount(request: HttpRequest, code: str) -> HttpResponse:
    form = ServiceForm(request.POST)
    cart = visitor_cart(request, create=False)
    done = form.submit(lambda _: checkout_services.remove_discount_code(cart=cart, code=code))
    if done and not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:cart")
    return _cart_page(request, form=form if not done else None)
