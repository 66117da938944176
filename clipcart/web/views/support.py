"""What every view shares: turning domain errors into answers, the visitor's cart, redirects."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from clipcart.affiliate import services as affiliate_services
from clipcart.catalog import selectors as catalog_selectors
from clipcart.checkout import selectors as checkout_selectors
from clipcart.checkout import services as checkout_services
from clipcart.core.errors import DomainError, InvalidInput, RateLimited


def render_error(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A domain error as a page (or an htmx fragment) with the error's HTTP status."""
    if error.status == 401:
        return redirect_to_login(request.get_full_path())
    template = "web/partials/error.html" if request.htmx else "web/error.html"  # type: ignore[attr-defined]
    return render(request, template, {"error": error}, status=error.status)


def shows_domain_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answers a DomainError the view did not handle itself (403/404 for another party's
    things, 409 conflicts) with an error page instead of a server error."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return render_error(request, error)

    return wrapper


def session_key(request: HttpRequest, *, create: bool) -> str | None:
    """The anonymous visitor's session key, made (and its cookie sent) when `create`."""
    if request.session.session_key is None and create:
        request.session["has_cart"] = True  # marks the session modified, so its cookie is set
        request.session.save()
    return request.session.session_key


def visitor_actor(request: HttpRequest) -> str:
    """Whose touches and events these are: "u:<id>" for a signed-in user, else "s:<session>"
    (the session is made if needed, so a touch before signing in is kept)."""
    if request.user.is_authenticated:
        return f"u:{request.user.pk}"
    return f"s:{session_key(request, create=True)}"


def record_share_visit(request: HttpRequest, *, product_ids: list[int], post_id=None) -> None:
    """A visit through someone's share link (`?ref=`) is a touch for the products they earn
    commission on. A mangled code or a flood of visits records nothing, and the page shows."""
    try:
        ref = checkout_services.check_ref(request.GET.get("ref", ""))
        if ref:
            affiliate_services.touch_from_ref(
                actor=visitor_actor(request),
                ref=ref,
                product_ids=product_ids,
                kind="share_visit",
                post_id=post_id,
            )
    except (InvalidInput, RateLimited):
        pass


def visitor_cart(request: HttpRequest, *, create: bool):
    """The signed-in user's cart or the anonymous session's; None if there is none yet and
    `create` is false."""
    if request.user.is_authenticated:
        if create:
            return checkout_services.get_or_create_cart(user=request.user)
        return checkout_selectors.cart_for(user=request.user)
    key = session_key(request, create=create)
    if create:
        return checkout_services.get_or_create_cart(session_key=key)
    return checkout_selectors.cart_for(session_key=key)


def safe_next(request: HttpRequest, default: str) -> str:
    """`?next=` when it points at this site, otherwise `default` (no open redirects)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else default


def htmx_redirect(request: HttpRequest, url: str) -> HttpResponse | None:
    """For an htmx request, an answer that makes the browser go to `url`."""
    if not request.htmx:  # type: ignore[attr-defined]
        return None
    response = HttpResponse(status=204)
    response["HX-Redirect"] = url
    return response


def buy_box(product_id: int, form) -> dict:
    """What a product's buy box shows (the product page and the feed's sheet): the product with
    stock, its ships-by date, and the variant to preselect — the chosen one if still in stock,
    else the first in stock."""
    detail = catalog_selectors.product_detail(product_id=product_id)
    in_stock = [v.pk for v in detail.product.variants.all() if v.stock > 0]  # type: ignore[attr-defined]
    chosen = getattr(form, "cleaned_data", {}).get("variant_id")
    return {
        "product": detail.product,
        "ships_by": detail.ships_by,
        "form": form,
        "selected": chosen if chosen in in_stock else next(iter(in_stock), None),
    }
