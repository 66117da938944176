"""Free samples in the seller center (`/seller/<shop_id>/samples/`: offers, requests to decide,
samples to ship) and in the creator studio (`/studio/samples/`: offers to ask for, the creator's
requests and the videos they owe).

The studio lists every active offer with a unit left, from any shop but the creator's own, not
only shops whose plans the creator joined: a sample is how many creators first try a product,
and the seller decides each request seeing the creator's followers and posting record.

A button whose action the service refuses (a 409: approved meanwhile, none left) answers the
page again with the reason on top and the error's status; a form with bad input shows its errors
in place with a 422.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from clipcart.affiliate import sample_posts
from clipcart.affiliate.models import SampleRequest
from clipcart.affiliate.services import samples as sample_services
from clipcart.catalog import services as catalog_services
from clipcart.core.errors import DomainError, NotFound
from clipcart.web.forms import ServiceForm, ShipForm

from .support import shows_domain_errors

S = SampleRequest.Status


# --- Forms ----------------------------------------------------------------------------------------


class OfferForm(ServiceForm):
    product_id = forms.TypedChoiceField(label="Product", coerce=int)
    quantity_limit = forms.IntegerField(
        label="Samples to give",
        help_text="1 to 1,000. Units count once you approve a request.",
        widget=forms.NumberInput(attrs={"min": 1, "max": 1000, "inputmode": "numeric"}),
    )
    note = forms.CharField(
        label="Note to creators (optional)",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "Who it suits, what you hope to see"}),
    )

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_id"].choices = [(p.pk, p.title) for p in products]  # type: ignore[attr-defined]


class OfferUpdateForm(ServiceForm):
    quantity_limit = forms.IntegerField(
        required=False, widget=forms.NumberInput(attrs={"min": 1, "max": 1000})
    )
    action = forms.ChoiceField(
        choices=[("save", "Save"), ("pause", "Pause"), ("resume", "Resume")],
        widget=forms.HiddenInput,
        initial="save",
    )

    def clean(self):
        data = super().clean() or {}
        if data.get("action") == "save" and data.get("quantity_limit") is None:
            self.add_error("quantity_limit", "Enter how many samples to give.")
        return data

    def changes(self) -> dict:
        data = self.cleaned_data
        if data["action"] == "save":
            return {"quantity_limit": data["quantity_limit"]}
        return {"is_active": data["action"] == "resume"}


class DecisionForm(ServiceForm):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    note = forms.CharField(max_length=300, required=False)


class SampleRequestForm(ServiceForm):
    message = forms.CharField(
        label="Message to the seller (optional)",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Who you make videos for"}),
    )
    name = forms.CharField(label="Full name", max_length=100)
    line1 = forms.CharField(label="Address", max_length=200)
    line2 = forms.CharField(label="Apartment, suite (optional)", max_length=200, required=False)
    city = forms.CharField(max_length=100)
    region = forms.CharField(label="State / region (optional)", max_length=100, required=False)
    postal_code = forms.CharField(label="Postal code", max_length=20)
    country = forms.CharField(max_length=2, initial="US", help_text="Two-letter code, such as US.")

    ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country")

    def address(self, data: dict) -> dict:
        return {name: data[name] for name in self.ADDRESS_FIELDS}


def _durations() -> dict:
    return {
        "post_days": settings.CLIPCART_SAMPLE_POST_DAYS,
        "extension_days": settings.CLIPCART_SAMPLE_EXTENSION_DAYS,
    }


# --- Seller center --------------------------------------------------------------------------------


def _staff_shop(request: HttpRequest, shop_id: int):
    return catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)


def _seller_context(request: HttpRequest, shop) -> dict:
    status = request.GET.get("status", "")
    products = sample_posts.products_without_offer(shop_id=shop.pk)
    return {
        "shop": shop,
        "offers": sample_posts.shop_offers(
            shop_id=shop.pk, cursor=request.GET.get("offers_cursor") or None
        ),
        "offer_form": OfferForm(products=products),
        "page": sample_posts.shop_requests(
            shop_id=shop.pk, status=status, cursor=request.GET.get("cursor") or None
        ),
        "status": status,
        "statuses": S.choices,
        "counts": sample_posts.shop_request_counts(shop_id=shop.pk),
        "ship_form": ShipForm(),
        **_durations(),
    }


def _seller_page(request: HttpRequest, shop, *, status: int = 200, **extra) -> HttpResponse:
    context = {**_seller_context(request, shop), **extra}
    return render(request, "web/seller/samples.html", context, status=status)


def _back_to_seller(request: HttpRequest, shop) -> HttpResponse:
    url = reverse("web:seller_samples", args=[shop.pk])
    status = request.POST.get("status_filter", "")
    return redirect(f"{url}?status={status}" if status in S.values else url)


def _seller_action(request: HttpRequest, shop, action, *, done: str) -> HttpResponse:
    """Runs a button's service call: back to the list on success, else the page with why."""
    try:
        action()
    except DomainError as error:
        return _seller_page(request, shop, status=error.status, page_error=error.message)
    messages.success(request, done)
    return _back_to_seller(request, shop)


@login_required
@shows_domain_errors
def seller_samples(request: HttpRequest, shop_id: int) -> HttpResponse:
    return _seller_page(request, _staff_shop(request, shop_id))


@login_required
@require_POST
@shows_domain_errors
def seller_offer_new(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    products = sample_posts.products_without_offer(shop_id=shop.pk)
    form = OfferForm(request.POST, products=products)
    if form.submit(
        lambda data: sample_services.create_offer(user=request.user, shop_id=shop.pk, **data)
    ):
        messages.success(request, f"Creators can now ask for {form.result.product.title}.")
        return redirect("web:seller_samples", shop_id=shop.pk)
    return _seller_page(request, shop, status=form.status, offer_form=form)


@login_required
@require_POST
@shows_domain_errors
def seller_offer_update(request: HttpRequest, shop_id: int, offer_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    form = OfferUpdateForm(request.POST)
    if form.submit(
        lambda _: sample_services.update_offer(
            user=request.user, shop_id=shop.pk, offer_id=offer_id, **form.changes()
        )
    ):
        messages.success(request, "Sample offer saved.")
        return redirect("web:seller_samples", shop_id=shop.pk)
    return _seller_page(
        request, shop, status=form.status, failed_offer=offer_id, offer_update_form=form
    )


@login_required
@require_POST
@shows_domain_errors
def seller_decide(request: HttpRequest, shop_id: int, request_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _seller_page(request, shop, status=422, page_error="Choose approve or decline.")
    approve = form.cleaned_data["decision"] == "approve"
    return _seller_action(
        request,
        shop,
        lambda: sample_services.decide_request(
            user=request.user,
            request_id=request_id,
            approve=approve,
            note=form.cleaned_data["note"],
            shop_id=shop.pk,
        ),
        done="Request approved: ship it when you can." if approve else "Request declined.",
    )


@login_required
@require_POST
@shows_domain_errors
def seller_ship(request: HttpRequest, shop_id: int, request_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    form = ShipForm(request.POST)
    if form.submit(
        lambda data: sample_services.ship_sample(
            user=request.user, request_id=request_id, shop_id=shop.pk, **data
        )
    ):
        messages.success(request, "Sample marked shipped. The creator has the tracking number.")
        return _back_to_seller(request, shop)
    return _seller_page(
        request, shop, status=form.status, failed_request=request_id, failed_ship_form=form
    )


@login_required
@require_POST
@shows_domain_errors
def seller_delivered(request: HttpRequest, shop_id: int, request_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    return _seller_action(
        request,
        shop,
        lambda: sample_services.mark_delivered(
            user=request.user, request_id=request_id, shop_id=shop.pk
        ),
        done="Sample marked delivered: the creator has been told when their video is due.",
    )


# --- Creator studio -------------------------------------------------------------------------------


def _due(sample: SampleRequest) -> str:
    return date_format(timezone.localtime(sample.due_at), "D, M j") if sample.due_at else ""


# "I posted it" and the other buttons of a creator's request, by the name in the URL, with what
# the creator reads when it worked.
CREATOR_ACTIONS: dict[str, tuple[Callable[..., SampleRequest], Callable[[SampleRequest], str]]] = {
    "cancel": (sample_services.cancel_request, lambda _: "Request cancelled."),
    "received": (
        sample_services.confirm_delivery,
        lambda sample: f"Marked received. Your video is due {_due(sample)}.",
    ),
    "extend": (
        sample_services.extend_deadline,
        lambda sample: f"Due date moved to {_due(sample)}.",
    ),
    "posted": (
        sample_services.check_posted,
        lambda _: "Found your post: this sample is done. Thank you!",
    ),
}


def _studio_context(request: HttpRequest) -> dict:
    status = request.GET.get("status", "")
    page = sample_posts.requests_of_creator(
        creator=request.user, status=status, cursor=request.GET.get("cursor") or None
    )
    for sample in page.items:
        sample.days_left = sample_posts.days_left(sample)  # type: ignore[attr-defined]
    return {
        "offers": sample_posts.offers_for_creator(
            creator=request.user, cursor=request.GET.get("offers_cursor") or None
        ),
        "page": page,
        "status": status,
        "statuses": S.choices,
        "allowance": sample_services.allowance(creator_id=request.user.pk),  # type: ignore[arg-type]
        **_durations(),
    }


def _studio_page(request: HttpRequest, *, status: int = 200, **extra) -> HttpResponse:
    context = {**_studio_context(request), **extra}
    return render(request, "web/studio/samples.html", context, status=status)


@login_required
@shows_domain_errors
def studio_samples(request: HttpRequest) -> HttpResponse:
    return _studio_page(request)


@login_required
@shows_domain_errors
def studio_request(request: HttpRequest, offer_id: int) -> HttpResponse:
    offer = sample_posts.available_offer(viewer=request.user, offer_id=offer_id)
    post = request.method == "POST"
    form = SampleRequestForm(request.POST if post else None)
    if post and form.submit(
        lambda data: sample_services.request_sample(
            creator=request.user,
            offer_id=offer.pk,
            message=data["message"],
            shipping_address=form.address(data),
        )
    ):
        messages.success(request, f"Asked {offer.shop.name} for a sample of {offer.product.title}.")
        return redirect("web:studio_samples")
    context = {"offer": offer, "form": form, **_durations()}
    return render(request, "web/studio/samples_request.html", context, status=form.status)


@login_required
@require_POST
@shows_domain_errors
def studio_action(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    if action not in CREATOR_ACTIONS:
        raise NotFound("No such action.")
    service, done = CREATOR_ACTIONS[action]
    try:
        sample = service(creator=request.user, request_id=request_id)
    except DomainError as error:
        if error.status == 404:
            raise
        return _studio_page(request, status=error.status, page_error=error.message)
    messages.success(request, done(sample))
    return redirect("web:studio_samples")
