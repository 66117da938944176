"""The creator's collaborations, in the studio: the marketplace of products open for
collaboration, their plans and invitations, their storefront, and share links; and the tracked
way from a storefront at /@handle to a product.

Actions are plain forms that answer with a redirect back (`next`) and a message, so every
button works without JavaScript; a refusal (not enough followers, a plan that ended) is that
message, not an error page."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from clipcart.accounts import selectors as account_selectors
from clipcart.affiliate import marketplace
from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Membership
from clipcart.affiliate.services import storefront as storefront_services
from clipcart.catalog import selectors as catalog_selectors
from clipcart.catalog.search import MAX_QUERY_LENGTH
from clipcart.core.errors import DomainError, RateLimited
from clipcart.core.pagination import MAX_PAGE_SIZE

from .support import safe_next, shows_domain_errors, visitor_actor

M = Membership.Status
STOREFRONT_RESULTS = 12


# --- Forms --------------------------------------------------------------------------------------


class MarketplaceFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Search products"}),
    )
    category = forms.ChoiceField(label="Category", required=False)
    min_rate = forms.DecimalField(
        label="Min. commission %",
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(80),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal", "placeholder": "0"}),
    )
    sort = forms.ChoiceField(label="Sort by", required=False, choices=marketplace.SORTS.items())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "All categories")] + [
            (c.slug, c.name) for c in catalog_selectors.categories()
        ]

    def filters(self) -> marketplace.Filters:
        """The filters that parsed; a bad one is left out (and its error shown)."""
        self.is_valid()
        data = self.cleaned_data
        return marketplace.Filters(
            category=data.get("category") or "",
            min_rate=data.get("min_rate") or None,
            query=(data.get("q") or "").strip(),
            sort=data.get("sort") or "newest",
        )


# --- Pages --------------------------------------------------------------------------------------


def _share_context(request: HttpRequest) -> dict:
    """What share links and storefront buttons on a page need."""
    return {
        "ref": storefront_services.share_code(user=request.user),
        "share_base": request.build_absolute_uri("/p/"),
        "in_storefront": marketplace.storefront_product_ids(creator_id=request.user.pk),  # type: ignore[arg-type]
    }


def _without_cursor(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("cursor", None)
    return query.urlencode()


@login_required
@shows_domain_errors
def marketplace_page(request: HttpRequest) -> HttpResponse:
    form = MarketplaceFilterForm(request.GET)
    cursor = request.GET.get("cursor") or None
    page = marketplace.marketplace(viewer=request.user, filters=form.filters(), cursor=cursor)
    context = {
        "form": form,
        "page": page,
        "filtered": any(request.GET.get(name) for name in ("q", "category", "min_rate")),
        "query_string": _without_cursor(request),
        "eligibility": marketplace.eligibility(user_id=request.user.pk),  # type: ignore[arg-type]
        "tab": "marketplace",
        **_share_context(request),
    }
    if request.htmx and cursor:  # type: ignore[attr-defined]  # "Load more"
        return render(request, "web/studio/_collab_cards.html", context)
    status = 422 if form.errors else 200
    return render(request, "web/studio/collabs.html", context, status=status)


@login_required
@shows_domain_errors
def mine_page(request: HttpRequest) -> HttpResponse:
    creator_id: int = request.user.pk  # type: ignore[assignment]
    context = {
        "invitations": marketplace.collaborations(
            creator_id=creator_id, statuses=(M.INVITED,), size=MAX_PAGE_SIZE
        ).items,
        "waiting": marketplace.collaborations(
            creator_id=creator_id, statuses=(M.REQUESTED,), size=MAX_PAGE_SIZE
        ).items,
        "joined": marketplace.collaborations(
            creator_id=creator_id, statuses=(M.APPROVED,), cursor=request.GET.get("cursor")
        ),
        "tab": "mine",
        **_share_context(request),
    }
    return render(request, "web/studio/collabs_mine.html", context)


@login_required
@shows_domain_errors
def storefront_page(request: HttpRequest) -> HttpResponse:
    creator_id: int = request.user.pk  # type: ignore[assignment]
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    shelf = marketplace.storefront(creator_id=creator_id, include_unlisted=True)
    if query:
        found = catalog_selectors.product_list(query=query, size=STOREFRONT_RESULTS).items
    else:
        found = marketplace.earning_products(creator_id=creator_id, size=STOREFRONT_RESULTS)
    context = {
        "shelf": shelf,
        "query": query,
        "found": found,
        "max_items": storefront_services.MAX_ITEMS,
        "tab": "storefront",
        **_share_context(request),
    }
    return render(request, "web/studio/collabs_storefront.html", context)


# --- Actions ------------------------------------------------------------------------------------


def _act(request: HttpRequest, action: Callable[[], str], *, default: str) -> HttpResponse:
    """Runs `action`, tells how it went (its message, or the refusal), and goes back."""
    try:
        messages.success(request, action())
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(safe_next(request, reverse(default)))


def _joined_message(membership: Membership) -> str:
    if membership.status == M.APPROVED:
        return f"You joined {membership.plan.name}. Tag its products to earn commission."
    return f"You asked to join {membership.plan.name}; {membership.plan.shop.name} will decide."


@login_required
@require_POST
def join(request: HttpRequest, plan_id: int) -> HttpResponse:
    return _act(
        request,
        lambda: _joined_message(
            affiliate_services.join_plan(creator=request.user, plan_id=plan_id)
        ),
        default="web:collabs",
    )


@login_required
@require_POST
def accept(request: HttpRequest, membership_id: int) -> HttpResponse:
    def action() -> str:
        membership = affiliate_services.answer_invitation(
            creator=request.user, membership_id=membership_id, accept=True
        )
        return f"You joined {membership.plan.name}."

    return _act(request, action, default="web:collabs_mine")


@login_required
@require_POST
def decline(request: HttpRequest, membership_id: int) -> HttpResponse:
    def action() -> str:
        membership = affiliate_services.answer_invitation(
            creator=request.user, membership_id=membership_id, accept=False
        )
        return f"You declined {membership.plan.name}."

    return _act(request, action, default="web:collabs_mine")


@login_required
@require_POST
def leave(request: HttpRequest, membership_id: int) -> HttpResponse:
    def action() -> str:
        membership = affiliate_services.leave_plan(
            creator=request.user, membership_id=membership_id
        )
        return f"You left {membership.plan.name}."

    return _act(request, action, default="web:collabs_mine")


def _int_or_none(raw: str | None) -> int | str | None:
    # The service judges the value; this only turns a browser's digits into a number.
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 18 else (raw or None)


@login_required
@require_POST
def storefront_place(request: HttpRequest) -> HttpResponse:
    """Adds a product to the storefront, or moves it to `position`."""

    def action() -> str:
        storefront_services.place_item(
            creator=request.user,
            product_id=_int_or_none(request.POST.get("product_id")),
            position=_int_or_none(request.POST.get("position")),
        )
        return "Moved." if request.POST.get("position") else "Added to your storefront."

    return _act(request, action, default="web:collabs_storefront")


@login_required
@require_POST
def storefront_remove(request: HttpRequest, product_id: int) -> HttpResponse:
    def action() -> str:
        storefront_services.remove_item(creator=request.user, product_id=product_id)
        return "Removed from your storefront."

    return _act(request, action, default="web:collabs_storefront")


# --- The storefront's tracked links -------------------------------------------------------------


@never_cache
@shows_domain_errors
def storefront_click(request: HttpRequest, handle: str, product_id: str) -> HttpResponse:
    """A click on a product in a creator's storefront: a touch (once per window, however often
    one visitor clicks), then the product page. Past the click budget the touch is dropped but
    the visitor still gets where they were going."""
    creator = account_selectors.creator_by_handle(handle)
    pk = int(product_id)  # the route's pattern takes digits only
    if marketplace.in_storefront(creator_id=creator.pk, product_id=pk):
        with contextlib.suppress(RateLimited):
            affiliate_services.record_touch(
                actor=visitor_actor(request),
                creator_id=creator.pk,
                product_id=pk,
                kind="storefront_click",
            )
    return redirect("web:product", product_id=pk)
