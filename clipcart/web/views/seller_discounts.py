"""The seller center's discount codes: the shop's codes, a form for a new one, and a switch to
turn each off (or on again).

Every view starts with `require_shop_staff`: someone else's shop is a 403, an unknown one 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from clipcart.catalog import services as catalog_services
from clipcart.checkout import selectors as checkout_selectors
from clipcart.checkout import services as checkout_services
from clipcart.checkout.models import DiscountCode
from clipcart.core.errors import InvalidInput
from clipcart.web.forms import ServiceForm

from .support import shows_domain_errors

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DiscountCodeForm(ServiceForm):
    """Text to values only: the code's form, the percent's range and the dates' order are
    checked by `create_discount_code`, the same rules as the API's."""

    code = forms.CharField(
        max_length=40,
        help_text="3–32 letters, digits, - or _. Shoppers type it at checkout.",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label="Type", choices=DiscountCode.Kind.choices, initial=DiscountCode.Kind.PERCENT
    )
    value = forms.CharField(
        max_length=20,
        help_text="A percent from 1 to 90, or an amount in your shop's currency.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    min_subtotal = forms.CharField(
        label="Minimum spend (optional)",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    max_uses = forms.IntegerField(label="Uses (optional)", required=False)
    starts_at = forms.DateTimeField(
        label="Starts (optional)", required=False, widget=DATETIME_INPUT
    )
    ends_at = forms.DateTimeField(label="Ends (optional)", required=False, widget=DATETIME_INPUT)


class ActiveForm(forms.Form):
    is_active = forms.TypedChoiceField(
        choices=[("1", "On"), ("0", "Off")], coerce=lambda value: value == "1"
    )


# What a seller reads about a code, by the reason it takes nothing off a cart (None: it does).
STATES = {
    None: ("Active", "good"),
    "discount_inactive": ("Off", "muted"),
    "discount_not_started": ("Scheduled", "info"),
    "discount_expired": ("Expired", "muted"),
    "discount_used_up": ("Used up", "warn"),
}


def _state(code: DiscountCode) -> dict:
    problem = checkout_selectors.code_state_problem(code, now=timezone.now())
    label, tone = STATES[problem.code if problem else None]
    return {"label": label, "tone": tone}


def _page(request: HttpRequest, shop, form: DiscountCodeForm) -> HttpResponse:
    page = checkout_selectors.discount_codes_of_shop(
        shop=shop, cursor=request.GET.get("cursor") or None
    )
    rows = [{"code": code, "state": _state(code)} for code in page.items]
    context = {"shop": shop, "form": form, "page": page, "rows": rows}
    return render(request, "web/seller/discounts.html", context, status=form.status)


@login_required
@shows_domain_errors
def discounts(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)
    form = DiscountCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.submit(
        lambda data: checkout_services.create_discount_code(
            user=request.user, shop_id=shop.pk, **data
        )
    ):
        messages.success(request, f"{form.result.code} is live.")
        return redirect("web:seller_discounts", shop_id=shop.pk)
    return _page(request, shop, form)


@login_required
@require_POST
@shows_domain_errors
def set_active(request: HttpRequest, shop_id: int, code_id: int) -> HttpResponse:
    shop = catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        raise InvalidInput("Choose on or off.", field="is_active")
    code = checkout_services.update_discount_code(
        user=request.user,
        shop_id=shop.pk,
        code_id=code_id,
        is_active=form.cleaned_data["is_active"],
    )
    if request.htmx:  # type: ignore[attr-defined]
        context = {"shop": shop, "code": code, "state": _state(code)}
        return render(request, "web/seller/discounts_row.html", context)
    messages.success(request, f"{code.code} is {'on' if code.is_active else 'off'}.")
    return redirect("web:seller_discounts", shop_id=shop.pk)
