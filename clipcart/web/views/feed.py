"""The video feed: For You, Following and shared videos, and everything a viewer does without
leaving it: like, follow, comment, share, and buy from a product sheet with a checkout step."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import reswap, retarget, trigger_client_event

from clipcart.accounts import selectors as account_selectors
from clipcart.accounts import services as account_services
from clipcart.affiliate import services as affiliate_services
from clipcart.checkout import selectors as checkout_selectors
from clipcart.checkout import services as checkout_services
from clipcart.core.errors import DomainError, InvalidInput, NotAuthenticated, RateLimited
from clipcart.feed import selectors as feed_selectors
from clipcart.feed import services as feed_services
from clipcart.feed.selectors import FeedItem, Viewer
from clipcart.media import selectors as media_selectors
from clipcart.media import services as media_services
from clipcart.web.forms import AddToCartForm, CheckoutForm

from .checkout import checkout_error, place_checkout
from .support import (
    buy_box,
    record_share_visit,
    session_key,
    shows_domain_errors,
    visitor_actor,
    visitor_cart,
)

TABS = {"foryou": feed_selectors.for_you, "following": feed_selectors.following}
SHEET = "#sheet-body"


@dataclass(frozen=True)
class Card:
    """A feed item as the page shows it: the caption cut into text and hashtag links."""

    item: FeedItem
    caption: list[tuple[str, str]]  # (text, hashtag name or "")


def caption_parts(caption: str) -> list[tuple[str, str]]:
    """ "Glow up #SkinCare" → [("Glow up ", ""), ("#SkinCare", "skincare")]. The template
    escapes every piece, so a caption can never inject markup."""
    parts, last = [], 0
    for match in media_services.CAPTION_HASHTAG.finditer(caption):
        parts += [(caption[last : match.start()], ""), (match.group(0), match.group(1).lower())]
        last = match.end()
    parts.append((caption[last:], ""))
    return [(text, tag) for text, tag in parts if text]


def _cards(items: list[FeedItem]) -> list[Card]:
    return [Card(item=item, caption=caption_parts(item.post.caption)) for item in items]


def _viewer(request: HttpRequest) -> Viewer:
    # The session is made on the first page view: the events beacon identifies an anonymous
    # visitor by it, and "not interested" is remembered against it.
    return Viewer(
        user=request.user,
        session_key=session_key(request, create=True),
        session_choice=request.session.get(feed_selectors.SESSION_CHOICE_KEY),
    )


def _id_param(request: HttpRequest, name: str) -> int | None:
    """An id the page sends along only to label what it reports (the video a sheet was opened
    from); anything that is not an id is ignored."""
    raw = request.GET.get(name) or request.POST.get(name) or ""
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**62 else None


def _video_id(request: HttpRequest) -> int | None:
    return _id_param(request, "video")


def _feed_page(
    request: HttpRequest, *, tab: str, items: list[FeedItem], next_cursor: str | None
) -> HttpResponse:
    context = {
        "tab": tab,
        "cards": _cards(items),
        "more_url": _more_url(tab, next_cursor),
        "signed_out": tab == "following" and not request.user.is_authenticated,
    }
    return render(request, "web/feed/feed.html", context)


def _more_url(tab: str, cursor: str | None) -> str | None:
    return f"{reverse('web:feed_more')}?tab={tab}&cursor={quote(cursor)}" if cursor else None


# --- Pages --------------------------------------------------------------------------------------


@require_safe
@shows_domain_errors
def home(request: HttpRequest) -> HttpResponse:
    page = feed_selectors.for_you(viewer=_viewer(request))
    return _feed_page(request, tab="foryou", items=page.items, next_cursor=page.next_cursor)


@require_safe
@shows_domain_errors
def following(request: HttpRequest) -> HttpResponse:
    try:
        page = feed_selectors.following(viewer=_viewer(request))
    except NotAuthenticated:  # not an error here: the tab invites the visitor to sign in
        return _feed_page(request, tab="following", items=[], next_cursor=None)
    return _feed_page(request, tab="following", items=page.items, next_cursor=page.next_cursor)


@require_safe
@shows_domain_errors
def video(request: HttpRequest, post_id: int) -> HttpResponse:
    """A shared link: the feed, starting with that video. `?ref=` is the sharer's code, kept in
    the session so that what this visitor buys is attributed to them."""
    try:
        ref = checkout_services.check_ref(request.GET.get("ref", ""))
    except InvalidInput:
        ref = ""  # a mangled link still shows the video
    if ref:
        request.session["ref"] = ref
    viewer = _viewer(request)
    first = feed_selectors.single(post_id=post_id, viewer=viewer)
    products = [anchor.product_id for anchor in first.anchors if anchor.product_id]
    record_share_visit(request, product_ids=products, post_id=post_id)
    page = feed_selectors.for_you(viewer=viewer)
    rest = [item for item in page.items if item.post.pk != post_id]
    return _feed_page(request, tab="foryou", items=[first, *rest], next_cursor=page.next_cursor)


@require_safe
@shows_domain_errors
def more(request: HttpRequest) -> HttpResponse:
    """The next items of a tab, appended by htmx as the viewer nears the end."""
    tab = request.GET.get("tab", "foryou")
    if tab not in TABS:
        raise InvalidInput("tab is foryou or following.", field="tab")
    page = TABS[tab](viewer=_viewer(request), cursor=request.GET.get("cursor") or None)
    context = {"cards": _cards(page.items), "more_url": _more_url(tab, page.next_cursor)}
    return render(request, "web/feed/_items.html", context)


# --- Signing in from a sheet --------------------------------------------------------------------


def _sign_in_prompt(
    request: HttpRequest, *, action: str, post_id: int | None = None
) -> HttpResponse:
    """Anonymous taps on like, follow, comment or checkout: a small sheet that leads to the
    login page and back to this video (a plain form post goes to the login page itself)."""
    back = reverse("web:video", args=[post_id]) if post_id else None
    back = back or (request.htmx.current_url_abs_path if request.htmx else None) or "/"  # type: ignore[attr-defined]
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect_to_login(back)
    context = {"action": action, "next": back}
    response = render(request, "web/feed/_sign_in.html", context)
    return reswap(retarget(response, SHEET), "innerHTML")


# --- Likes, follows, shares, "not interested" ---------------------------------------------------


@require_POST
@shows_domain_errors
def like(request: HttpRequest, post_id: int) -> HttpResponse:
    """Toggles the viewer's like."""
    if not request.user.is_authenticated:
        return _sign_in_prompt(request, action="like videos", post_id=post_id)
    if post_id in media_selectors.liked_ids(user_id=request.user.pk, post_ids=[post_id]):
        media_services.unlike_post(user=request.user, post_id=post_id)
        liked = False
    else:
        media_services.like_post(user=request.user, post_id=post_id)
        liked = True
    post = media_services.live_post(post_id)
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:video", post_id=post_id)
    return render(request, "web/feed/_like.html", {"post": post, "liked": liked, "fresh": liked})


@require_POST
@shows_domain_errors
def follow(request: HttpRequest, user_id: int) -> HttpResponse:
    """Toggles following a creator."""
    if not request.user.is_authenticated:
        return _sign_in_prompt(request, action="follow creators", post_id=_video_id(request))
    if user_id in account_selectors.followed_ids(request.user.pk):
        account_services.unfollow(follower=request.user, creator_id=user_id)
        following = False
    else:
        account_services.follow(follower=request.user, creator_id=user_id)
        following = True
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:home")
    context = {
        "creator_id": user_id,
        "handle": request.POST.get("handle", "")[:150],
        "following": following,
        "video_id": _video_id(request),
        "fresh": following,
    }
    return render(request, "web/feed/_follow.html", context)


@require_POST
@shows_domain_errors
def not_interested(request: HttpRequest, post_id: int) -> HttpResponse:
    """Leaves the video out of this viewer's For You from now on; the page removes its card."""
    media_services.live_post(post_id)
    feed_services.record_event(
        user=request.user,
        session_key=session_key(request, create=True),
        type="not_interested",
        video_id=post_id,
    )
    if not request.htmx:  # type: ignore[attr-defined]
        return redirect("web:home")
    return trigger_client_event(
        HttpResponse(""), "feed:toast", {"value": "Got it — you'll see fewer videos like this."}
    )


@require_POST
@shows_domain_errors
def share(request: HttpRequest, post_id: int) -> HttpResponse:
    """The link to share; a signed-in sharer's carries their ref code, so a purchase that
    follows is credited to them."""
    media_services.live_post(post_id)
    url = request.build_absolute_uri(reverse("web:video", args=[post_id]))
    if request.user.is_authenticated:
        url = f"{url}?ref={account_services.ensure_ref_code(user=request.user)}"
    return JsonResponse({"url": url})


# --- Comments -----------------------------------------------------------------------------------


def _comments_sheet(
    request: HttpRequest, post_id: int, *, error: DomainError | None = None, draft: str = ""
) -> HttpResponse:
    cursor = request.GET.get("cursor") or None
    page = media_selectors.comments_of(post_id=post_id, cursor=cursor)
    context = {
        "post": media_services.live_post(post_id),
        "page": page,
        "error": error,
        "draft": draft,
        "more_url": _comments_more_url(post_id, page.next_cursor),
    }
    template = "web/feed/_comment_page.html" if cursor else "web/feed/_comments.html"
    return render(request, template, context, status=error.status if error else 200)


def _comments_more_url(post_id: int, cursor: str | None) -> str | None:
    if not cursor:
        return None
    return f"{reverse('web:feed_comments', args=[post_id])}?cursor={quote(cursor)}"


@require_http_methods(["GET", "POST"])
@shows_domain_errors
def comments(request: HttpRequest, post_id: int) -> HttpResponse:
    """GET: the newest comments (a sheet, or the next page of it); POST: add one."""
    if request.method == "GET":
        return _comments_sheet(request, post_id)
    if not request.user.is_authenticated:
        return _sign_in_prompt(request, action="comment", post_id=post_id)
    body = request.POST.get("body", "")
    try:
        media_services.add_comment(author=request.user, post_id=post_id, body=body)
    except DomainError as error:
        if error.status == 404:
            raise
        return _comments_sheet(request, post_id, error=error, draft=body)
    return _comments_sheet(request, post_id)


@require_POST
@shows_domain_errors
def report_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_prompt(request, action="report comments")
    media_services.report_comment(
        reporter=request.user, comment_id=comment_id, reason=request.POST.get("reason", "other")
    )
    return render(request, "web/feed/_reported.html")


@require_POST
@shows_domain_errors
def delete_comment(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Deletes one's own comment (or a comment on one's own post); the sheet drops it."""
    if not request.user.is_authenticated:
        return _sign_in_prompt(request, action="delete comments")
    media_services.delete_comment(user=request.user, comment_id=comment_id)
    post_id = _video_id(request)
    post = media_services.live_post(post_id) if post_id else None
    return render(request, "web/feed/_comment_deleted.html", {"post": post})


# --- Buying from the feed -----------------------------------------------------------------------


def _product_sheet(
    request: HttpRequest, product_id: int, form: AddToCartForm, *, added: bool = False
) -> HttpResponse:
    context = {
        **buy_box(product_id, form),
        "video_id": _video_id(request),
        "added": added,
    }
    return render(request, "web/feed/_product_sheet.html", context, status=form.status)


@require_safe
@shows_domain_errors
def product_sheet(request: HttpRequest, product_id: int) -> HttpResponse:
    """The product sheet of an anchor; opening it from a video is that anchor's tap."""
    video_id = _video_id(request)
    if video_id:
        with contextlib.suppress(RateLimited):
            affiliate_services.record_anchor_click(
                actor=visitor_actor(request), post_id=video_id, product_id=product_id
            )
    return _product_sheet(request, product_id, AddToCartForm(initial={"quantity": 1}))


@require_POST
@shows_domain_errors
def add_to_cart(request: HttpRequest, product_id: int) -> HttpResponse:
    """Adds the chosen variant with the ref of the link that brought the visitor; "Buy now"
    goes on to the checkout step, still inside the sheet."""
    form = AddToCartForm(request.POST)
    added = form.submit(
        lambda data: checkout_services.add_item(
            cart=visitor_cart(request, create=True),
            variant_id=data["variant_id"],
            quantity=data["quantity"],
            ref=request.session.get("ref", ""),
        )
    )
    if added and "buy_now" in request.POST:
        return _checkout_step(request, _blank_checkout(), product_id=product_id)
    return _product_sheet(request, product_id, form, added=added)


def _placed(order: dict) -> dict:
    """An order as the checkout service answers it, with its date as a date for the page."""
    return {**order, "ships_by": date.fromisoformat(order["ships_by"])}


def _blank_checkout() -> CheckoutForm:
    return CheckoutForm(initial={"country": "US", "token": "tok_visa"})


def _checkout_step(
    request: HttpRequest, form: CheckoutForm, *, product_id: int | None
) -> HttpResponse:
    if not request.user.is_authenticated:
        return _sign_in_prompt(request, action="check out", post_id=_video_id(request))
    context = {
        "form": form,
        "quote": checkout_selectors.quote_cart(visitor_cart(request, create=False)),
        # A new key for every rendering, as on the checkout page: a double-submit repeats it
        # (one order), a retry after an error does not (a new attempt).
        "idempotency_key": uuid.uuid4().hex,
        "video_id": _video_id(request),
        "product_id": product_id,
    }
    return render(request, "web/feed/_checkout.html", context, status=form.status)


@require_http_methods(["GET", "POST"])
@shows_domain_errors
def checkout(request: HttpRequest) -> HttpResponse:
    """The whole cart checked out inside the sheet, then the confirmation with order numbers."""
    product_id = _id_param(request, "product")
    if request.method == "GET" or not request.user.is_authenticated:
        return _checkout_step(request, _blank_checkout(), product_id=product_id)
    form = CheckoutForm(request.POST)
    if form.submit(lambda _: place_checkout(request, form)):
        if form.result.status < 400:
            context = {
                "orders": [_placed(order) for order in form.result.body["orders"]],
                "video_id": _video_id(request),
                "product_id": product_id,
            }
            return render(request, "web/feed/_confirmation.html", context)
        form.show_error(checkout_error(form.result))
    return _checkout_step(request, form, product_id=product_id)
