"""A buyer's orders: the list, one order with its history, and cancelling before shipment."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clipcart.catalog import selectors as catalog_selectors
from clipcart.orders import selectors as order_selectors
from clipcart.orders import services as order_services
from clipcart.orders.models import OrderStatus
from clipcart.web.forms import CancelOrderForm

from .support import shows_domain_errors


@login_required
@shows_domain_errors
def order_list(request: HttpRequest) -> HttpResponse:
    page = order_selectors.orders_of_buyer(
        buyer=request.user, cursor=request.GET.get("cursor") or None
    )
    return render(request, "web/orders/list.html", {"page": page})


def _order_page(request: HttpRequest, order_id: int, form: CancelOrderForm) -> HttpResponse:
    order = order_selectors.order_of_buyer(buyer=request.user, order_id=order_id)
    can_cancel = order_services.can_cancel(order)
    covers = catalog_selectors.cover_images({line.product_id for line in order.lines.all()})
    context = {
        "order": order,
        "can_cancel": can_cancel,
        "can_confirm": order.status == OrderStatus.SHIPPED,
        "return_days": settings.CLIPCART_RETURN_WINDOW_DAYS,
        "cancel_form": form,
        "covers": covers,
    }
    return render(request, "web/orders/detail.html", context, status=form.status)


@login_required
@shows_domain_errors
def order_detail(request: HttpRequest, order_id: int) -> HttpResponse:
    return _order_page(request, order_id, CancelOrderForm())


@login_required
@require_POST
@shows_domain_errors
def cancel_order(request: HttpRequest, order_id: int) -> HttpResponse:
    order_selectors.order_of_buyer(buyer=request.user, order_id=order_id)  # another's: 404
    form = CancelOrderForm(request.POST)
    if form.submit(
        lambda data: order_services.cancel_order(
            order_id=order_id, actor=request.user, reason=data["reason"] or "Cancelled by buyer"
        )
    ):
        messages.success(request, "Your order is cancelled and your payment refunded.")
        return redirect("web:order", order_id=order_id)
    return _order_page(request, order_id, form)


@login_required
@require_POST
@shows_domain_errors
def confirm_delivery(request: HttpRequest, order_id: int) -> HttpResponse:
    order_services.confirm_delivery(order_id=order_id, buyer=request.user)
    messages.success(request, "Thanks! The order is marked delivered.")
    return redirect("web:order", order_id=order_id)
