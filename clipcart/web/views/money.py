"""Money pages: a shop's statement (seller center), a creator's (studio), and the operator's
reconciliation. The figures are clipcart.ledger.selectors' sums of entries; these views only
read the period and the cursor from the query string and authorize: another shop's statement
is a 404, the reconciliation is for staff only (404 for anyone else)."""

from __future__ import annotations

import csv
from collections.abc import Iterable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from clipcart.catalog.models import Shop
from clipcart.core.money import format_money
from clipcart.ledger import selectors
from clipcart.ledger import services as ledger_services

from .support import shows_domain_errors

CSV_HEADER = [
    "entry",
    "date",
    "balance",
    "event",
    "order",
    "memo",
    "amount",
    "balance after",
    "currency",
]
# A cell a spreadsheet would run as a formula: memos carry product titles sellers typed.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _period(request: HttpRequest) -> dict:
    return {
        "since": selectors.parse_day(request.GET.get("since"), field="since"),
        "until": selectors.parse_day(request.GET.get("until"), field="until"),
    }


def _statement_context(request: HttpRequest, accounts) -> dict:
    period = _period(request)
    page = selectors.statement_page(accounts, cursor=request.GET.get("cursor"), **period)
    return {"page": page, "period": period}


def _safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv(name: str, lines: Iterable[selectors.StatementLine]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for line in lines:
        entry = line.entry
        writer.writerow(
            [
                entry.pk,
                entry.transaction.created_at.isoformat(),
                entry.account.get_kind_display(),
                entry.transaction.get_kind_display(),
                entry.order_id or "",
                _safe(entry.transaction.memo),
                format_money(line.amount),
                format_money(line.balance),
                entry.currency,
            ]
        )
    return response


def _shop(request: HttpRequest, shop_id: int) -> Shop:
    selectors.require_shop_money(user=request.user, shop_id=shop_id)
    return Shop.objects.get(pk=shop_id)


@login_required
@shows_domain_errors
def seller_money(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _shop(request, shop_id)
    context = {
        "shop": shop,
        "balances": selectors.shop_balances(shop_id=shop.pk),
        "holds": selectors.holds_of(shop_id=shop.pk),
        "reserves": selectors.reserves_of(shop_id=shop.pk),
        "payouts": selectors.payouts_of(shop_id=shop.pk, size=10).items,
        "destination": selectors.destination_of(shop_id=shop.pk),
        "settlement_days": settings.CLIPCART_SETTLEMENT_DAYS,
        **_statement_context(request, selectors.shop_accounts(shop_id=shop.pk)),
    }
    return render(request, "web/money/seller.html", context)


@login_required
@shows_domain_errors
def seller_money_csv(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _shop(request, shop_id)
    lines = selectors.statement_all(selectors.shop_accounts(shop_id=shop.pk), **_period(request))
    return _csv(f"clipcart-{shop.slug}-statement.csv", lines)


@login_required
@require_POST
@shows_domain_errors
def seller_payout_destination(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = _shop(request, shop_id)
    ledger_services.set_payout_destination(
        provider=request.POST.get("provider", ""),
        account_ref=request.POST.get("account_ref", ""),
        shop_id=shop.pk,
    )
    messages.success(request, "Payouts will go to this account.")
    return redirect("web:seller_money", shop_id=shop.pk)


@login_required
@shows_domain_errors
def creator_money(request: HttpRequest) -> HttpResponse:
    user_id: int = request.user.pk  # type: ignore[assignment]  # signed in: has a pk
    context = {
        "balances": selectors.creator_balances(user_id=user_id),
        "payouts": selectors.payouts_of(user_id=user_id, size=10).items,
        "destination": selectors.destination_of(user_id=user_id),
        **_statement_context(request, selectors.creator_accounts(user_id=user_id)),
    }
    return render(request, "web/money/creator.html", context)


@login_required
@shows_domain_errors
def creator_money_csv(request: HttpRequest) -> HttpResponse:
    accounts = selectors.creator_accounts(user_id=request.user.pk)  # type: ignore[arg-type]
    return _csv(
        "clipcart-commission-statement.csv", selectors.statement_all(accounts, **_period(request))
    )


@login_required
@require_POST
@shows_domain_errors
def creator_payout_destination(request: HttpRequest) -> HttpResponse:
    ledger_services.set_payout_destination(
        provider=request.POST.get("provider", ""),
        account_ref=request.POST.get("account_ref", ""),
        user_id=request.user.pk,
    )
    messages.success(request, "Payouts will go to this account.")
    return redirect("web:creator_money")


@login_required
def reconciliation(request: HttpRequest) -> HttpResponse:
    if not request.user.is_staff:
        raise Http404("No such page.")
    return render(request, "web/money/reconciliation.html", {"report": selectors.reconciliation()})
