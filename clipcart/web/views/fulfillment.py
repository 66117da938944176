"""Seller center "Fulfillment": calendar, handling time, capacity and viral mode, vacations,
today's booked orders and the next ship days, dispatch metrics; shoppers' waitlist buttons.

Another shop's pages are a 404 (fulfillment.services.staff_shop)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clipcart.fulfillment import clock, selectors, services
from clipcart.web.forms import FulfillmentSettingsForm, PreorderForm, VacationForm

from .support import shows_domain_errors


def _page(request, shop, *, settings_form=None, vacation_form=None, status=200):
    calendar = clock.calendar_of(shop)
    context = {
        "shop": shop,
        "form": settings_form or FulfillmentSettingsForm(initial=_initial(shop)),
        "vacation_form": vacation_form or VacationForm(),
        "today": calendar.local_date(),
        "ship_days": selectors.upcoming_ship_days(shop, calendar=calendar),
        "vacations": selectors.vacations_of(shop=shop),
        "metrics": selectors.dispatch_metrics(shop=shop),
        "alerts": selectors.recent_surge_alerts(shop=shop),
    }
    return render(request, "web/seller/fulfillment.html", context, status=status)


def _initial(shop) -> dict:
    return {
        "time_zone": shop.time_zone,
        "country": shop.country,
        "handling_days": shop.handling_days,
        "daily_capacity": shop.daily_capacity,
        "backlog_limit_days": shop.backlog_limit_days,
        "past_limit": shop.past_limit,
    }


@login_required
@shows_domain_errors
def seller_fulfillment(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = services.staff_shop(user=request.user, shop_id=shop_id)
    if request.method != "POST":
        return _page(request, shop)
    form = FulfillmentSettingsForm(request.POST, initial=_initial(shop))
    if form.submit(lambda data: services.update_settings(shop=shop, **data)):
        messages.success(request, "Fulfillment settings saved.")
        return redirect("web:seller_fulfillment", shop_id=shop.pk)
    shop.refresh_from_db()
    return _page(request, shop, settings_form=form, status=form.status)


@login_required
@require_POST
@shows_domain_errors
def add_vacation(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = services.staff_shop(user=request.user, shop_id=shop_id)
    form = VacationForm(request.POST)
    if form.submit(lambda data: services.add_vacation(shop=shop, **data)):
        messages.success(request, "Vacation added: no ship dates fall in it.")
        return redirect("web:seller_fulfillment", shop_id=shop.pk)
    return _page(request, shop, vacation_form=form, status=form.status)


@login_required
@require_POST
@shows_domain_errors
def remove_vacation(request: HttpRequest, shop_id: int, vacation_id: int) -> HttpResponse:
    shop = services.staff_shop(user=request.user, shop_id=shop_id)
    services.remove_vacation(shop=shop, vacation_id=vacation_id)
    messages.success(request, "Vacation removed.")
    return redirect("web:seller_fulfillment", shop_id=shop.pk)


@login_required
@shows_domain_errors
def start_preorder(request: HttpRequest, shop_id: int, product_id: int) -> HttpResponse:
    shop = services.staff_shop(user=request.user, shop_id=shop_id)
    from clipcart.catalog import services as catalog_services

    product = catalog_services.shop_product(shop=shop, product_id=product_id)
    form = PreorderForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.submit(
        lambda data: services.start_preorder(shop=shop, product_id=product.pk, **data)
    ):
        messages.success(request, f"{product.title} is open for pre-order.")
        return redirect("web:seller_product_edit", shop_id=shop.pk, product_id=product.pk)
    context = {"shop": shop, "product": product, "form": form}
    return render(request, "web/seller/fulfillment_preorder.html", context, status=form.status)


@login_required
@require_POST
@shows_domain_errors
def waitlist(request: HttpRequest, product_id: int) -> HttpResponse:
    """Join (or, with action=leave, leave) a product's waitlist; back to the product page."""
    if request.POST.get("action") == "leave":
        services.leave_waitlist(user=request.user, product_id=product_id)
        messages.success(request, "You left the waitlist.")
    else:
        services.join_waitlist(user=request.user, product_id=product_id)
        messages.success(request, "You're on the waitlist: we'll tell you when you can buy it.")
    return redirect("web:product", product_id=product_id)
