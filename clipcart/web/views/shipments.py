"""Shipping from the seller center: the ship form of an order (which items and how many, the
carrier, the tracking number) and the quick "ship everything" form of an order-list row.

The rules (formats per carrier, no more than bought, one shop per tracking number) live in
orders.shipments; this module parses the form and renders.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog import services as catalog_services
from clipcart.orders import carriers
from clipcart.orders import selectors as order_selectors
from clipcart.orders import services as order_services
from clipcart.orders.models import Order, OrderStatus
from clipcart.web.forms import RefundForm, ServiceForm

from .support import shows_domain_errors

QUANTITY_PREFIX = "qty_"


class ShipmentForm(ServiceForm):
    """A parcel: the carrier (a known one's slug or name, or "other" with a name), its
    tracking number and, when the page sends `qty_<line id>` inputs, the units of each line.
    Without them (the order list's quick form) every unit left ships."""

    carrier = forms.CharField(max_length=40)
    carrier_name = forms.CharField(label="Carrier name", max_length=40, required=False)
    tracking_number = forms.CharField(label="Tracking number", max_length=60)

    def __init__(self, *args, order: Order | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.line_fields: dict[str, int] = {}
        if order is None:
            return
        for line in order.lines.all():
            name = f"{QUANTITY_PREFIX}{line.pk}"
            left = line.unshipped_quantity
            # No max_value: more than is left is the service's answer ("Only 1 of 2 left").
            self.fields[name] = forms.IntegerField(
                label=line.title,
                min_value=0,
                required=False,
                initial=left,
                widget=forms.NumberInput(attrs={"max": left, "class": "qty-input"}),
            )
            self.line_fields[name] = line.pk

    def clean(self) -> dict:
        data = super().clean() or {}
        chosen = self.line_fields and any(name in self.data for name in self.line_fields)
        if not chosen:
            data["lines"] = None
            return data
        data["lines"] = [
            {"line_id": line_id, "quantity": data[name]}
            for name, line_id in self.line_fields.items()
            if data.get(name)
        ]
        if not data["lines"] and not self.errors:
            raise forms.ValidationError("Choose at least one item to ship.")
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "carrier": data["carrier"],
            "carrier_name": data["carrier_name"],
            "tracking_number": data["tracking_number"],
            "lines": data["lines"],
        }

    def rows(self) -> list[dict]:
        """One row per line of the order: its field, and how many are bought and left."""
        assert self.order is not None
        by_line = {line.pk: line for line in self.order.lines.all()}
        return [
            {"line": by_line[line_id], "field": self[name]}
            for name, line_id in self.line_fields.items()
        ]


def _staff_shop(request: HttpRequest, shop_id: int):
    return catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)


def ship_context(*, order: Order, form: ShipmentForm | None = None) -> dict:
    """What the order page's ship panel needs; `seller.order` can add it to show the panel
    without the extra request the page makes when it is missing."""
    form = form or ShipmentForm(order=order)
    return {
        "shipment_form": form,
        "carrier_choices": carriers.choices(),
        "ship_rows": form.rows() if order.status == OrderStatus.PAID else [],
    }


def order_page(
    request: HttpRequest, shop, order: Order, *, form: ShipmentForm | None = None
) -> HttpResponse:
    """The seller's order page with the ship panel open (and a failed form's errors)."""
    lines = order.lines.all()
    context = {
        "shop": shop,
        "order": order,
        "covers": catalog_selectors.cover_images({line.product_id for line in lines}),
        "refund_form": RefundForm(lines=lines),
        "can_refund": order.status in order_services.REFUNDABLE,
        **ship_context(order=order, form=form),
    }
    return render(request, "web/seller/order.html", context, status=form.status if form else 200)


def _row(request: HttpRequest, shop, order: Order, form: ShipmentForm) -> HttpResponse:
    """The order-list row, swapped in place; the status chips' counts follow out of band."""
    context = {
        "shop": shop,
        "order": order,
        "ship_form": form,
        "status": request.POST.get("status_filter", ""),
        "statuses": OrderStatus.choices,
        "counts": order_selectors.order_status_counts(shop_id=shop.pk),
    }
    return render(request, "web/seller/_order_row.html", context, status=form.status)


@login_required
@shows_domain_errors
def ship(request: HttpRequest, shop_id: int, order_id: int) -> HttpResponse:
    """GET: the ship panel (htmx) or the order page with it open. POST: ships a parcel."""
    shop = _staff_shop(request, shop_id)
    order = order_selectors.order_of_shop(shop_id=shop.pk, order_id=order_id)
    if request.method != "POST":
        if request.htmx:  # type: ignore[attr-defined]
            context = {"shop": shop, "order": order, **ship_context(order=order)}
            return render(request, "web/seller/_shipment_form.html", context)
        return order_page(request, shop, order)
    form = ShipmentForm(request.POST, order=order)
    shipped = form.submit(
        lambda _: order_services.ship_order(
            shop_id=shop.pk, order_id=order_id, actor=request.user, **form.service_arguments()
        )
    )
    order = order_selectors.order_of_shop(shop_id=shop.pk, order_id=order_id)
    if request.htmx:  # type: ignore[attr-defined]
        return _row(request, shop, order, form)
    if not shipped:
        return order_page(request, shop, order, form=form)
    messages.success(request, _shipped_message(order))
    return redirect("web:seller_order", shop_id=shop.pk, order_id=order_id)


def _shipped_message(order: Order) -> str:
    if order.status == OrderStatus.PAID:
        return f"Parcel recorded. Order {order.pk} is partly shipped."
    return f"Order {order.pk} is marked shipped."
