"""Browsing: the home grid, search, the product page, adding to the cart, external links."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from clipcart.affiliate.services import postbacks as postback_services
from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog import services as catalog_services
from clipcart.catalog.search import MAX_QUERY_LENGTH
from clipcart.checkout import services as checkout_services
from clipcart.core.pagination import Page
from clipcart.fulfillment import selectors as fulfillment_selectors
from clipcart.web.forms import AddToCartForm

from .postbacks import client_key, external_click_id
from .support import (
    buy_box,
    htmx_redirect,
    record_share_visit,
    shows_domain_errors,
    visitor_cart,
)

PAGE_SIZE = 20


def _grid(request: HttpRequest, template: str, page: Page, context: dict) -> HttpResponse:
    """A page of product cards; an htmx "load more" gets only the next cards and button."""
    more = request.GET.copy()
    more["cursor"] = page.next_cursor or ""
    if request.htmx and request.GET.get("cursor"):  # type: ignore[attr-defined]
        template = "web/catalog/_grid_page.html"
    context = {"page": page, "more_url": f"?{more.urlencode()}", **context}
    return render(request, template, context)


@shows_domain_errors
def home(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    page = catalog_selectors.product_list(
        cursor=request.GET.get("cursor") or None, category_slug=category, size=PAGE_SIZE
    )
    categories = catalog_selectors.categories()
    return _grid(
        request, "web/catalog/home.html", page, {"categories": categories, "category": category}
    )


@shows_domain_errors
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    if not query:
        return render(request, "web/catalog/search.html", {"query": "", "page": None})
    page = catalog_selectors.product_list(
        query=query, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
    )
    return _grid(request, "web/catalog/search.html", page, {"query": query})


def _promise_context(request: HttpRequest, product) -> dict:
    """What the buy box says about dispatch: a pre-order label, a date pushed by a busy shop,
    or a waitlist to join instead of buying (fulfillment.selectors.promise)."""
    if product.kind != "native":
        return {}
    promise = fulfillment_selectors.promise(product, available=product.stock_total)
    return {
        "promise": promise,
        "on_waitlist": not promise.buyable
        and fulfillment_selectors.on_waitlist(user=request.user, product_id=product.pk),
    }


def _product_page(request: HttpRequest, product_id: int, form: AddToCartForm) -> HttpResponse:
    context = {**buy_box(product_id, form), "ref": form["ref"].value() or ""}
    context.update(_promise_context(request, context["product"]))
    return render(request, "web/catalog/product.html", context, status=form.status)


@shows_domain_errors
def product(request: HttpRequest, product_id: int) -> HttpResponse:
    form = AddToCartForm(initial={"quantity": 1, "ref": request.GET.get("ref", "")[:64]})
    page = _product_page(request, product_id, form)
    record_share_visit(request, product_ids=[product_id])
    return page


@require_POST
@shows_domain_errors
def add_to_cart(request: HttpRequest, product_id: int) -> HttpResponse:
    form = AddToCartForm(request.POST)
    added = form.submit(
        lambda data: checkout_services.add_item(
            cart=visitor_cart(request, create=True),
            variant_id=data["variant_id"],
            quantity=data["quantity"],
            ref=data["ref"],
        )
    )
    buy_now = added and "buy_now" in request.POST
    if buy_now and (answer := htmx_redirect(request, reverse("web:checkout"))):
        return answer
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "web/catalog/_added.html", {"form": form}, status=form.status)
    if added:
        messages.success(request, "Added to your cart.")
        return redirect("web:checkout" if buy_now else "web:cart")
    return _product_page(request, product_id, form)


@shows_domain_errors
def go(request: HttpRequest, product_id: int) -> HttpResponse:
    """The tracked way out to an external product's store. A click through a creator's link is
    their touch too, and its signed id goes along so the store can report the sale back."""
    url = catalog_services.record_external_click(
        product_id=product_id,
        user=request.user,
        ref=request.GET.get("ref", ""),
        client_key=client_key(request),
    )
    click_id = external_click_id(request, product_id)
    return HttpResponseRedirect(postback_services.with_click_id(url, click_id))
