"""Checkout: the address and test-card form, and the page that lists the orders it made."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from clipcart.checkout import selectors as checkout_selectors
from clipcart.checkout import services as checkout_services
from clipcart.core.errors import DomainError
from clipcart.orders import selectors as order_selectors
from clipcart.web.forms import CheckoutForm

from .support import shows_domain_errors, visitor_cart

MAX_ORDERS_SHOWN = 20


def place_checkout(request: HttpRequest, form: CheckoutForm) -> checkout_services.CheckoutResult:
    address, payment = form.address(), form.payment()
    shown = shown_ships_by(request)
    return checkout_services.checkout(
        buyer=request.user,
        cart=visitor_cart(request, create=True),
        shipping_address=address,
        payment=payment,
        idempotency_key=form.cleaned_data["idempotency_key"],
        request_body={"shipping_address": address, "payment": payment, "ships_by": shown},
        shown_ships_by=shown,
    )


def shown_ships_by(request: HttpRequest) -> dict[str, str]:
    """The ships-by dates the checkout page showed, per shop (hidden `ships_by_<shop id>`):
    checkout keeps them or refuses with ships_by_changed, never a later date unseen."""
    prefix = "ships_by_"
    return {
        key.removeprefix(prefix): str(request.POST.get(key, ""))[:10]
        for key in request.POST
        if key.startswith(prefix) and key.removeprefix(prefix).isdigit()
    }


def checkout_error(result: checkout_services.CheckoutResult) -> DomainError:
    """The error of a checkout answer (a replayed answer included) as a DomainError."""
    body = result.body["error"]
    error = DomainError(body["message"], code=body["code"], field=body.get("field"))
    error.status = result.status
    return error


@login_required
def checkout(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = CheckoutForm(request.POST)
        if form.submit(lambda _: place_checkout(request, form)):
            if form.result.status < 400:
                ids = ",".join(str(o["id"]) for o in form.result.body["orders"])
                return redirect(f"{reverse('web:checkout_complete')}?orders={ids}")
            form.show_error(checkout_error(form.result))
    else:
        form = CheckoutForm(initial={"country": "US", "token": "tok_visa"})
    quote = checkout_selectors.quote_cart(visitor_cart(request, create=False))
    if not quote.lines and request.method == "GET":
        messages.info(request, "Your cart is empty.")
        return redirect("web:cart")
    # A new key for every rendering: a double-submit repeats it (one order), a retry after an
    # error does not (a new attempt).
    context = {"form": form, "quote": quote, "idempotency_key": uuid.uuid4().hex}
    return render(request, "web/checkout/checkout.html", context, status=form.status)


@login_required
@shows_domain_errors
def checkout_complete(request: HttpRequest) -> HttpResponse:
    raw = request.GET.get("orders", "").split(",")[:MAX_ORDERS_SHOWN]
    ids = [int(part) for part in raw if part.isdigit()]
    orders = [order_selectors.order_of_buyer(buyer=request.user, order_id=pk) for pk in ids]
    return render(request, "web/checkout/complete.html", {"orders": orders})
