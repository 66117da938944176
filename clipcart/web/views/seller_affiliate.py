"""The seller's affiliate pages: the open plan with its products and every version of their
terms, creators asking to join and those promoting, targeted plans with invitations, and how
creators and products perform for the shop.

Every view starts with `require_shop_staff` (someone else's shop is a 403, an unknown one a
404) and then reads only through selectors scoped to that shop; the plan services check staff
again on the plan itself. Forms post and redirect without JavaScript; with htmx, a changed
rate or a decided request swaps just its row.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clipcart.affiliate import seller_analytics
from clipcart.affiliate.models import Membership, Plan
from clipcart.affiliate.seller_analytics import DEFAULT_PERIOD, EntryView
from clipcart.affiliate.services import plans as plan_services
from clipcart.catalog import services as catalog_services
from clipcart.core.errors import InvalidInput
from clipcart.web.forms import ServiceForm

from .support import shows_domain_errors

RATE_HELP = "Percent of what the shopper paid for the item, 1–80, up to two decimals."
FEE_HELP = "Or a fixed amount per unit sold (targeted plans only)."


# --- Forms --------------------------------------------------------------------------------------


class ApprovalForm(ServiceForm):
    approval = forms.ChoiceField(
        label="Who can promote",
        choices=[
            (Plan.Approval.AUTO, "Any eligible creator, approved at once"),
            (Plan.Approval.MANUAL, "Creators I approve"),
        ],
        widget=forms.RadioSelect,
    )


class OfferForm(ServiceForm):
    """A rate or a flat fee, as typed: the plan services parse and judge both."""

    rate = forms.CharField(
        label="Commission rate (%)",
        required=False,
        max_length=20,
        help_text=RATE_HELP,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "12.5"}),
    )
    flat_fee = forms.CharField(
        label="Flat fee per unit",
        required=False,
        max_length=20,
        help_text=FEE_HELP,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "3.00"}),
    )

    def offer(self, *, kind: str) -> plan_services.Offer:
        data = self.cleaned_data
        return plan_services.check_offer(rate=data["rate"], flat_fee=data["flat_fee"], kind=kind)


class AddProductForm(OfferForm):
    product_id = forms.IntegerField(label="Product", widget=forms.Select)

    field_order = ["product_id", "rate", "flat_fee"]

    def offer_products(self, products) -> AddProductForm:
        """The products the picker lists: the shop's active ones not in the plan yet."""
        choices = [("", "Choose a product…"), *((p.pk, p.title) for p in products)]
        self.fields["product_id"].widget.choices = choices
        return self


class TargetedPlanForm(ServiceForm):
    name = forms.CharField(
        max_length=100, widget=forms.TextInput(attrs={"placeholder": "Spring launch creators"})
    )
    message = forms.CharField(
        label="Message to the creators you invite",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class InviteForm(ServiceForm):
    handle = forms.CharField(
        label="Creator's handle",
        max_length=151,
        help_text="Anyone can be invited; no follower minimum.",
        widget=forms.TextInput(attrs={"placeholder": "@handle", "autocomplete": "off"}),
    )


class DecisionForm(ServiceForm):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])


# --- Shared pieces ------------------------------------------------------------------------------


def _staff_shop(request: HttpRequest, shop_id: int):
    return catalog_services.require_shop_staff(user=request.user, shop_id=shop_id)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.htmx)  # type: ignore[attr-defined]


def _rules() -> dict:
    return {
        "grace_days": settings.CLIPCART_AFFILIATE_CUT_GRACE_DAYS,
        "notice_days": settings.CLIPCART_AFFILIATE_CUT_NOTICE_DAYS,
    }


def _plan_url(plan: Plan) -> str:
    if plan.kind == Plan.Kind.OPEN:
        return reverse("web:seller_affiliate", args=[plan.shop_id])
    return reverse("web:seller_affiliate_plan", args=[plan.shop_id, plan.pk])


def _products_context(shop, plan: Plan | None, *, add_form=None, bad=None) -> dict:
    """What the products panel of a plan shows: each product with its term history, a change
    form per row (`bad` = (entry id, form) re-shows one with its errors), and the add form."""
    addable = seller_analytics.addable_products(shop_id=shop.pk, plan_id=plan.pk if plan else None)
    return {
        "entries": seller_analytics.plan_entries(plan_id=plan.pk) if plan else [],
        "add_form": (add_form or AddProductForm()).offer_products(addable),
        "addable": addable,
        "bad_entry_id": bad[0] if bad else None,
        "bad_form": bad[1] if bad else None,
        "now": timezone.now(),
        **_rules(),
    }


def _overview_page(request, shop, *, status=200, approval_form=None, **products) -> HttpResponse:
    plan = seller_analytics.open_plan_of(shop_id=shop.pk)
    initial = {"approval": plan.approval if plan else Plan.Approval.AUTO}
    context = {
        "shop": shop,
        "section": "open",
        "plan": plan,
        "approval_form": approval_form or ApprovalForm(initial=initial),
        "pending_count": seller_analytics.pending_request_count(shop_id=shop.pk),
        **_products_context(shop, plan, **products),
    }
    return render(request, "web/seller/affiliate.html", context, status=status)


def _plan_page(request, shop, plan: Plan, *, status=200, invite_form=None, **products):
    if plan.kind == Plan.Kind.OPEN:
        return _overview_page(request, shop, status=status, **products)
    page = seller_analytics.memberships(
        shop_id=shop.pk,
        plan_id=plan.pk,
        statuses=Membership.Status.values,
        cursor=request.GET.get("cursor") or None,
    )
    context = {
        "shop": shop,
        "section": "targeted",
        "plan": seller_analytics.plan_detail(plan=plan).plan,
        "invite_form": invite_form or InviteForm(),
        "invitations": page,
        **_products_context(shop, plan, **products),
    }
    return render(request, "web/seller/affiliate_plan.html", context, status=status)


# --- The open plan and its products -------------------------------------------------------------


@login_required
@shows_domain_errors
def overview(request: HttpRequest, shop_id: int) -> HttpResponse:
    return _overview_page(request, _staff_shop(request, shop_id))


@login_required
@require_POST
@shows_domain_errors
def open_plan(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    had_plan = seller_analytics.open_plan_of(shop_id=shop.pk) is not None
    form = ApprovalForm(request.POST)
    if not form.submit(
        lambda data: plan_services.open_plan(
            user=request.user, shop_id=shop.pk, approval=data["approval"]
        )
    ):
        return _overview_page(request, shop, status=form.status, approval_form=form)
    done = (
        "Saved." if had_plan else "Your open plan is ready: add the products creators may promote."
    )
    messages.success(request, done)
    return redirect("web:seller_affiliate", shop_id=shop.pk)


@login_required
@require_POST
@shows_domain_errors
def add_product(request: HttpRequest, shop_id: int, plan_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    plan = seller_analytics.shop_plan(shop_id=shop.pk, plan_id=plan_id)
    form = AddProductForm(request.POST)
    if not form.submit(
        lambda data: plan_services.add_product(
            user=request.user,
            plan_id=plan.pk,
            product_id=data["product_id"],
            offer=form.offer(kind=plan.kind),
        )
    ):
        return _plan_page(request, shop, plan, status=form.status, add_form=form)
    messages.success(request, f"{form.result.product.title} is in {plan.name}.")
    return redirect(_plan_url(plan))


@login_required
@require_POST
@shows_domain_errors
def change_term(request: HttpRequest, shop_id: int, plan_product_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    view = seller_analytics.shop_entry(shop_id=shop.pk, plan_product_id=plan_product_id)
    plan = view.entry.plan
    form = OfferForm(request.POST)
    changed = form.submit(
        lambda data: plan_services.change_term(
            user=request.user, plan_product_id=view.entry.pk, offer=form.offer(kind=plan.kind)
        )
    )
    if changed:
        view = seller_analytics.shop_entry(shop_id=shop.pk, plan_product_id=view.entry.pk)
    if _is_htmx(request):
        context = {"shop": shop, "view": view, "form": form, "changed": changed, **_rules()}
        context["saved"] = _term_message(view) if changed else ""
        return render(request, "web/seller/_affiliate_entry.html", context, status=form.status)
    if not changed:
        return _plan_page(request, shop, plan, status=form.status, bad=(view.entry.pk, form))
    messages.success(request, _term_message(view))
    return redirect(_plan_url(plan))


def _term_message(view: EntryView) -> str:
    """What the seller is told after a change: who gets the new term, and when."""
    title, term = view.entry.product.title, view.current.term.describe()
    previous = view.previous
    if not view.current.is_cut or previous is None:
        return f"{title} now pays {term} to every creator promoting it."
    when = timezone.localtime(view.current.reaches_promoting_at).strftime("%b %-d")
    return (
        f"{title} pays {term} to creators who join from now. Creators already promoting it "
        f"keep {previous.describe()} until {when}; they are told "
        f"{settings.CLIPCART_AFFILIATE_CUT_NOTICE_DAYS} days before."
    )


@login_required
@require_POST
@shows_domain_errors
def remove_product(request: HttpRequest, shop_id: int, plan_product_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    view = seller_analytics.shop_entry(shop_id=shop.pk, plan_product_id=plan_product_id)
    plan_services.remove_product(user=request.user, plan_product_id=view.entry.pk)
    messages.success(
        request,
        f"{view.entry.product.title} left {view.entry.plan.name}: it earns no creator "
        "commission from now on.",
    )
    return redirect(_plan_url(view.entry.plan))


# --- Creators -----------------------------------------------------------------------------------


@login_required
@shows_domain_errors
def creators(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    M = Membership.Status
    context = {
        "shop": shop,
        "section": "creators",
        "plan": seller_analytics.open_plan_of(shop_id=shop.pk),
        "requests": seller_analytics.memberships(
            shop_id=shop.pk,
            statuses=[M.REQUESTED],
            kind=Plan.Kind.OPEN,
            cursor=request.GET.get("requests_cursor") or None,
        ),
        "members": seller_analytics.memberships(
            shop_id=shop.pk, statuses=[M.APPROVED], cursor=request.GET.get("cursor") or None
        ),
    }
    return render(request, "web/seller/affiliate_creators.html", context)


@login_required
@require_POST
@shows_domain_errors
def decide(request: HttpRequest, shop_id: int, membership_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    membership = seller_analytics.shop_membership(shop_id=shop.pk, membership_id=membership_id)
    form = DecisionForm(request.POST)
    decided = form.submit(
        lambda data: plan_services.decide_membership(
            user=request.user, membership_id=membership.pk, approve=data["decision"] == "approve"
        )
    )
    membership = form.result if decided else membership
    if _is_htmx(request):
        context = {"shop": shop, "membership": membership, "form": form}
        return render(request, "web/seller/_affiliate_request.html", context, status=form.status)
    if decided:
        verb = "approved" if membership.status == Membership.Status.APPROVED else "declined"
        messages.success(request, f"@{membership.creator.handle} is {verb}.")
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("web:seller_affiliate_creators", shop_id=shop.pk)


# --- Targeted plans -----------------------------------------------------------------------------


@login_required
@shows_domain_errors
def targeted(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    post = request.method == "POST"
    form = TargetedPlanForm(request.POST if post else None)
    if post and form.submit(
        lambda data: plan_services.create_targeted_plan(
            user=request.user, shop_id=shop.pk, name=data["name"], message=data["message"]
        )
    ):
        messages.success(request, f"{form.result.name} is ready: add products, then invite.")
        return redirect("web:seller_affiliate_plan", shop_id=shop.pk, plan_id=form.result.pk)
    context = {
        "shop": shop,
        "section": "targeted",
        "plans": seller_analytics.targeted_plans(shop_id=shop.pk),
        "form": form,
    }
    return render(request, "web/seller/affiliate_targeted.html", context, status=form.status)


@login_required
@shows_domain_errors
def targeted_plan(request: HttpRequest, shop_id: int, plan_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    plan = seller_analytics.targeted_plan(shop_id=shop.pk, plan_id=plan_id)
    return _plan_page(request, shop, plan)


@login_required
@require_POST
@shows_domain_errors
def invite(request: HttpRequest, shop_id: int, plan_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    plan = seller_analytics.targeted_plan(shop_id=shop.pk, plan_id=plan_id)
    form = InviteForm(request.POST)
    if not form.submit(
        lambda data: plan_services.invite(
            user=request.user, plan_id=plan.pk, handle=data["handle"].strip().removeprefix("@")
        )
    ):
        return _plan_page(request, shop, plan, status=form.status, invite_form=form)
    membership = form.result
    if membership.status == Membership.Status.INVITED:
        messages.success(request, f"@{membership.creator.handle} is invited.")
    else:
        messages.info(
            request, f"@{membership.creator.handle} is already {membership.get_status_display()}."
        )
    return redirect("web:seller_affiliate_plan", shop_id=shop.pk, plan_id=plan.pk)


@login_required
@require_POST
@shows_domain_errors
def end_plan(request: HttpRequest, shop_id: int, plan_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    plan = seller_analytics.targeted_plan(shop_id=shop.pk, plan_id=plan_id)
    plan_services.end_plan(user=request.user, plan_id=plan.pk)
    messages.success(request, f"{plan.name} has ended: its products earn no commission now.")
    return redirect("web:seller_affiliate_targeted", shop_id=shop.pk)


# --- Performance --------------------------------------------------------------------------------


def _choice(request: HttpRequest, name: str, check, default):
    """A filter from the query string; a hand-edited bad value falls back to the default."""
    raw = request.GET.get(name)
    if raw in (None, ""):
        return default
    try:
        return check(raw)
    except InvalidInput:
        return default


def _receipts_available() -> bool:
    # The receipt page belongs to the earnings pages; until it exists, rows show no link.
    try:
        reverse("web:commission_receipt", args=[1])
    except NoReverseMatch:
        return False
    return True


@login_required
@shows_domain_errors
def performance(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    report = seller_analytics.performance(
        shop_id=shop.pk,
        currency=shop.currency,
        by=_choice(request, "by", seller_analytics.check_by, "creator"),
        days=_choice(request, "days", seller_analytics.check_period, DEFAULT_PERIOD),
        sort=_choice(request, "sort", seller_analytics.check_sort, seller_analytics.DEFAULT_SORT),
        cursor=request.GET.get("cursor") or None,
    )
    context = {
        "shop": shop,
        "section": "performance",
        "report": report,
        "columns": _columns(report),
        "periods": seller_analytics.PERIODS,
        "max_gmv": max((row.figures.gmv for row in report.rows), default=0),
        "dedupe_minutes": settings.CLIPCART_AFFILIATE_CLICK_DEDUPE_MINUTES,
    }
    return render(request, "web/seller/affiliate_performance.html", context)


COLUMNS = [
    ("clicks", "Clicks"),
    ("views", "Views"),
    ("orders", "Orders"),
    ("gmv", "GMV"),
    ("owed", "Commission owed"),
    ("paid", "Commission paid"),
]


def _columns(report: seller_analytics.Performance) -> list[dict]:
    """Each sortable column with the sort its header links to (a second click reverses it)."""
    found = []
    for name, label in [("name", "Creator" if report.by == "creator" else "Product"), *COLUMNS]:
        current = report.sort.removeprefix("-") == name
        descending = report.sort.startswith("-")
        # A first click sorts numbers biggest first and names A to Z.
        first = name if name == "name" else f"-{name}"
        target = (name if descending else f"-{name}") if current else first
        direction = ("descending" if descending else "ascending") if current else ""
        found.append({"name": name, "label": label, "sort": target, "direction": direction})
    return found


@login_required
@shows_domain_errors
def commissions(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _staff_shop(request, shop_id)
    days = _choice(request, "days", seller_analytics.check_period, DEFAULT_PERIOD)
    creator_id = _choice(request, "creator", _id, None)
    product_id = _choice(request, "product", _id, None)
    page = seller_analytics.shop_commissions(
        shop_id=shop.pk,
        days=days,
        creator_id=creator_id,
        product_id=product_id,
        cursor=request.GET.get("cursor") or None,
    )
    context = {
        "shop": shop,
        "section": "performance",
        "page": page,
        "days": days,
        "creator_id": creator_id,
        "product_id": product_id,
        "receipts": _receipts_available(),
    }
    return render(request, "web/seller/affiliate_commissions.html", context)


def _id(raw: str) -> int:
    if not raw.isdigit() or len(raw) > 18:
        raise InvalidInput("Not an id.", field="id")
    return int(raw)
