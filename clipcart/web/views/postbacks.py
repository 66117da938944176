"""External products: the click id the tracked redirect hands to the other store, and the seller's
page with the postback secret and how to sign a postback with it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clipcart.affiliate.services import postbacks as postback_services
from clipcart.checkout import services as checkout_services
from clipcart.core.errors import InvalidInput, RateLimited

from .support import shows_domain_errors, visitor_actor


def client_key(request: HttpRequest) -> str:
    """Who is clicking, for counting clicks once: the signed-in user, else the address. Not the
    session: a script that drops its cookie would be a new client on every request."""
    if request.user.is_authenticated:
        return f"u:{request.user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def external_click_id(request: HttpRequest, product_id: int) -> str:
    """The signed id of the creator's touch this click made — through `?ref=` (a share link) or
    `?video=` (an anchor in a video) — or ''. A mangled code, a creator who does not earn on
    the product, or a flood of clicks records nothing, and the shopper still goes to the other
    store."""
    try:
        ref = checkout_services.check_ref(request.GET.get("ref", ""))
        video = request.GET.get("video", "")
        post_id = int(video) if video.isdigit() and len(video) < 19 else None
        if not ref and post_id is None:
            return ""
        postback_services.spend_click_budget(client_key=client_key(request))
        return postback_services.external_click(
            actor=visitor_actor(request), ref=ref, post_id=post_id, product_id=product_id
        )
    except (InvalidInput, RateLimited):
        return ""


@login_required
@require_http_methods(["GET", "POST"])
@shows_domain_errors
def postback_key(request: HttpRequest, shop_id: int) -> HttpResponse:
    rotate = request.method == "POST"
    key = postback_services.postback_secret(user=request.user, shop_id=shop_id, rotate=rotate)
    if rotate:
        messages.success(request, "New secret made. Postbacks signed with the old one now fail.")
        return redirect("web:seller_affiliate_postbacks", shop_id=shop_id)
    context = {
        "shop": key.shop,
        "key": key,
        "endpoint": request.build_absolute_uri(reverse("api:affiliate_postback")),
        "header": postback_services.SIGNATURE_HEADER,
        "parameter": postback_services.CLICK_PARAMETER,
        "tolerance_minutes": int(postback_services.TOLERANCE.total_seconds() // 60),
    }
    return render(request, "web/seller/postbacks.html", context)
