"""Return pages: the buyer's form, list and detail (ship back, withdraw); the seller's list with
a status filter and the detail with its actions (approve, reject, receive, refund).

Views parse and render; every rule lives in returns.services. Seller actions answer htmx with
the action panel only, and plain posts with a redirect back to the detail."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clipcart.catalog import services as catalog_services
from clipcart.orders import selectors as order_selectors
from clipcart.returns import selectors, services
from clipcart.returns.models import DAMAGE_REASONS, ReturnReason, ReturnStatus
from clipcart.web.forms import ServiceForm

from .support import shows_domain_errors

S = ReturnStatus
PHOTO_TYPES = "image/jpeg,image/png,image/webp"


# --- Forms -------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several files under one name (Django's documented pattern); the service checks them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": PHOTO_TYPES}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ReturnRequestForm(ServiceForm):
    reason = forms.ChoiceField(choices=ReturnReason.choices, widget=forms.RadioSelect)
    details = forms.CharField(
        label="What happened?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(
        required=False,
        help_text="Up to 6 JPEG, PNG or WebP photos, 10 MB each. Required for damaged or "
        "defective items.",
    )

    def __init__(self, *args, returnable=(), **kwargs):
        super().__init__(*args, **kwargs)
        names = []
        for row in returnable:
            name = f"qty_{row.line.pk}" if row.returnable and row.open_return_id is None else ""
            if name:
                self.fields[name] = forms.IntegerField(
                    label=f"Quantity (up to {row.returnable})",
                    min_value=0,
                    max_value=row.returnable,
                    required=False,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
            names.append((row, name))
        # Each line of the order with its quantity field (none when nothing is left to return).
        self.rows = [(row, self[name] if name else None) for row, name in names]

    def lines(self) -> list[dict]:
        return [
            {"line_id": int(name.removeprefix("qty_")), "quantity": value}
            for name, value in self.cleaned_data.items()
            if name.startswith("qty_") and value
        ]


class ShipBackForm(ServiceForm):
    carrier = forms.CharField(max_length=40, widget=forms.TextInput(attrs={"placeholder": "USPS"}))
    tracking_number = forms.CharField(
        label="Tracking number",
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "9400111899223"}),
    )


class ApproveForm(ServiceForm):
    refund_without_return = forms.BooleanField(
        label="Refund without return (the buyer keeps low-value items)", required=False
    )


class RejectForm(ServiceForm):
    reason = forms.CharField(
        label="Why not?", max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReceiveForm(ServiceForm):
    restock_line_ids = forms.TypedMultipleChoiceField(
        label="Resellable: put back into stock",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, ret=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["restock_line_ids"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [
            (line.order_line_id, f"{line.quantity} × {line.order_line.title}")
            for line in (ret.lines.all() if ret else ())
        ]


class ReturnRefundForm(ServiceForm):
    """Amounts per line, prefilled with the pro-rata default. `key` is made when the form is
    shown, so a double submit is the same refund."""

    reason = forms.CharField(max_length=300, required=False)
    key = forms.CharField(max_length=120, widget=forms.HiddenInput)
    field_aliases = {"amounts": "__all__"}

    def __init__(self, *args, ret=None, **kwargs):
        initial: dict[str, object] = {"key": uuid.uuid4().hex}
        lines = list(ret.lines.all()) if ret else []
        for line in lines:
            initial[f"amount_{line.order_line_id}"] = services.default_amount(line)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        for line in lines:
            self.fields[f"amount_{line.order_line_id}"] = forms.CharField(
                label=f"{line.quantity} × {line.order_line.title}",
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            )

    def amount_fields(self):
        return [self[name] for name in self.fields if name.startswith("amount_")]

    def amounts(self) -> dict[str, str]:
        return {
            name.removeprefix("amount_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("amount_")
        }


# --- Buyer -------------------------------------------------------------------------------------


def _new_page(request: HttpRequest, order, form: ReturnRequestForm) -> HttpResponse:
    context = {
        "order": order,
        "form": form,
        "window_days": services.window_days(ReturnReason.OTHER),
        "damage_window_days": services.window_days(ReturnReason.DAMAGED),
        "photo_reasons": [str(r) for r in DAMAGE_REASONS],
    }
    return render(request, "web/returns/new.html", context, status=form.status)


@login_required
@shows_domain_errors
def return_new(request: HttpRequest, order_id: int) -> HttpResponse:
    order = order_selectors.order_of_buyer(buyer=request.user, order_id=order_id)
    returnable = selectors.returnable_lines(order=order)
    if request.method != "POST":
        return _new_page(request, order, ReturnRequestForm(returnable=returnable))
    form = ReturnRequestForm(request.POST, request.FILES, returnable=returnable)
    if form.submit(
        lambda data: services.request_return(
            buyer=request.user,
            order_id=order.pk,
            lines=form.lines(),
            reason=data["reason"],
            details=data["details"],
            photo_files=data["photos"],
        )
    ):
        messages.success(
            request, "Your return is requested. The shop answers within 2 business days."
        )
        return redirect("web:return", return_id=form.result.pk)
    return _new_page(request, order, form)


@login_required
@shows_domain_errors
def return_list(request: HttpRequest) -> HttpResponse:
    page = selectors.returns_of_buyer(buyer=request.user, cursor=request.GET.get("cursor") or None)
    return render(request, "web/returns/list.html", {"page": page})


def _detail_page(request: HttpRequest, return_id: int, ship_form: ShipBackForm) -> HttpResponse:
    ret = selectors.return_of_buyer(buyer=request.user, return_id=return_id)
    context = {
        "ret": ret,
        "ship_form": ship_form,
        "can_ship": ret.status in (S.APPROVED, S.SHIPPED) and not ret.refund_without_return,
        "can_cancel": ret.status == S.REQUESTED
        or (ret.status == S.APPROVED and not ret.refund_without_return),
    }
    return render(request, "web/returns/detail.html", context, status=ship_form.status)


@login_required
@shows_domain_errors
def return_detail(request: HttpRequest, return_id: int) -> HttpResponse:
    return _detail_page(request, return_id, ShipBackForm())


@login_required
@require_POST
@shows_domain_errors
def return_ship(request: HttpRequest, return_id: int) -> HttpResponse:
    form = ShipBackForm(request.POST)
    if form.submit(
        lambda data: services.ship_back(buyer=request.user, return_id=return_id, **data)
    ):
        messages.success(request, "Thanks! The shop can follow the parcel now.")
        return redirect("web:return", return_id=return_id)
    return _detail_page(request, return_id, form)


@login_required
@require_POST
@shows_domain_errors
def return_cancel(request: HttpRequest, return_id: int) -> HttpResponse:
    services.cancel_return(buyer=request.user, return_id=return_id)
    messages.success(request, "Your return is withdrawn.")
    return redirect("web:return", return_id=return_id)


# --- Seller ------------------------------------------------------------------------------------


@login_required
@shows_domain_errors
def seller_returns(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)
    status = request.GET.get("status", "")
    page = selectors.returns_of_shop(
        shop_id=shop.pk, status=status, cursor=request.GET.get("cursor") or None
    )
    context = {
        "shop": shop,
        "page": page,
        "status": status,
        "statuses": ReturnStatus.choices,
        "counts": selectors.return_status_counts(shop_id=shop.pk),
    }
    return render(request, "web/seller/returns.html", context)


def _seller_page(request: HttpRequest, shop, return_id: int, **bad_forms) -> HttpResponse:
    ret = selectors.return_of_shop(shop_id=shop.pk, return_id=return_id)
    forms_by_name = {
        "approve_form": ApproveForm(),
        "reject_form": RejectForm(),
        "receive_form": ReceiveForm(ret=ret),
        "refund_form": ReturnRefundForm(ret=ret) if _refundable(ret) else None,
        **bad_forms,
    }
    status = next((f.status for f in bad_forms.values() if f is not None), 200)
    context = {
        "shop": shop,
        "ret": ret,
        "can_answer": ret.status == S.REQUESTED,
        "can_receive": ret.status in (S.APPROVED, S.SHIPPED) and not ret.refund_without_return,
        "can_refund": _refundable(ret),
        **forms_by_name,
    }
    template = "web/seller/_return_panel.html" if request.htmx else "web/seller/returns_detail.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


def _refundable(ret) -> bool:
    return ret.status == S.RECEIVED or (ret.status == S.APPROVED and ret.refund_without_return)


@login_required
@shows_domain_errors
def seller_return(request: HttpRequest, shop_id: int, return_id: int) -> HttpResponse:
    shop = catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)
    return _seller_page(request, shop, return_id)


def _seller_action(
    request: HttpRequest,
    shop_id: int,
    return_id: int,
    *,
    form: ServiceForm,
    form_name: str,
    action: Callable[[dict], object],
    done: str,
) -> HttpResponse:
    shop = catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)
    if form.submit(action):
        messages.success(request, done)
        if not request.htmx:  # type: ignore[attr-defined]
            return redirect("web:seller_return", shop_id=shop.pk, return_id=return_id)
        return _seller_page(request, shop, return_id)
    return _seller_page(request, shop, return_id, **{form_name: form})


@login_required
@require_POST
@shows_domain_errors
def seller_approve(request: HttpRequest, shop_id: int, return_id: int) -> HttpResponse:
    return _seller_action(
        request,
        shop_id,
        return_id,
        form=ApproveForm(request.POST),
        form_name="approve_form",
        action=lambda data: services.approve_return(
            user=request.user, shop_id=shop_id, return_id=return_id, **data
        ),
        done="Return approved. The buyer is told.",
    )


@login_required
@require_POST
@shows_domain_errors
def seller_reject(request: HttpRequest, shop_id: int, return_id: int) -> HttpResponse:
    return _seller_action(
        request,
        shop_id,
        return_id,
        form=RejectForm(request.POST),
        form_name="reject_form",
        action=lambda data: services.reject_return(
            user=request.user, shop_id=shop_id, return_id=return_id, **data
        ),
        done="Return rejected. The buyer is told why.",
    )


@login_required
@require_POST
@shows_domain_errors
def seller_receive(request: HttpRequest, shop_id: int, return_id: int) -> HttpResponse:
    catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)
    ret = selectors.return_of_shop(shop_id=shop_id, return_id=return_id)
    return _seller_action(
        request,
        shop_id,
        return_id,
        form=ReceiveForm(request.POST, ret=ret),
        form_name="receive_form",
        action=lambda data: services.receive_return(
            user=request.user, shop_id=shop_id, return_id=return_id, **data
        ),
        done="Marked received.",
    )


@login_required
@require_POST
@shows_domain_errors
def seller_refund(request: HttpRequest, shop_id: int, return_id: int) -> HttpResponse:
    catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)
    ret = selectors.return_of_shop(shop_id=shop_id, return_id=return_id)
    form = ReturnRefundForm(request.POST, ret=ret)
    return _seller_action(
        request,
        shop_id,
        return_id,
        form=form,
        form_name="refund_form",
        action=lambda data: services.refund_return(
            user=request.user,
            shop_id=shop_id,
            return_id=return_id,
            amounts=form.amounts(),
            reason=data["reason"],
            key=data["key"],
        ),
        done="Refunded. The money goes back to the buyer's payment method.",
    )
