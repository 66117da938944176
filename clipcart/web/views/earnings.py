"""The creator's earnings studio: what their videos, clicks and sales earned, charted day by
day, per post and per product; every commission with its attribution receipt; CSV exports.

The figures come from clipcart.affiliate.earnings, which says which rows each one sums; these
views only choose the period and currency from the query string and draw the charts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import SafeString

from clipcart.affiliate import earnings
from clipcart.affiliate.models import Commission
from clipcart.core.errors import InvalidInput
from clipcart.web import charts

from .creators import tile
from .support import shows_domain_errors

COLLABS_URL = "/studio/collabs/"  # the collaboration marketplace, where earning starts
STATUS_CHOICES = [(value, label.split(" (")[0]) for value, label in Commission.Status.choices]
# A cell a spreadsheet would run as a formula: product titles and reasons come from other people.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _period(request: HttpRequest) -> earnings.Period:
    return earnings.period_of(request.GET.get("days"))


def _post_rows(figures: list[earnings.PostFigures]) -> list[dict]:
    return [{"figures": f, "post": f.post, "cover": tile(f.post).cover} for f in figures]


def _charts(summary: earnings.Summary) -> dict[str, SafeString]:
    days = [d.day for d in summary.days]
    span = f"{summary.period.days} days"
    return {
        "views": charts.line_chart(
            chart_id="chart-views",
            title=f"Views per day, last {span}",
            days=days,
            series=[charts.Series("Views", [d.views for d in summary.days])],
            empty_text="No views yet in this period",
        ),
        "clicks": charts.bar_chart(
            chart_id="chart-clicks",
            title=f"Anchor clicks per day, last {span}",
            days=days,
            series=charts.Series("Anchor clicks", [d.anchor_clicks for d in summary.days], "b"),
            empty_text="No anchor clicks yet in this period",
        ),
        "money": charts.line_chart(
            chart_id="chart-money",
            title=f"GMV and commission per day ({summary.currency}), last {span}",
            days=days,
            series=[
                charts.Series("GMV", [d.gmv for d in summary.days]),
                charts.Series("Commission", [d.commission for d in summary.days], "c"),
            ],
            currency=summary.currency,
            empty_text="No sales yet in this period",
        ),
    }


@login_required
@shows_domain_errors
def overview(request: HttpRequest) -> HttpResponse:
    found = earnings.overview(
        creator_id=request.user.pk,  # type: ignore[arg-type]  # signed in: has a pk
        period=_period(request),
        currency=request.GET.get("currency"),
    )
    context = {
        "overview": found,
        "summary": found.summary,
        "charts": _charts(found.summary),
        "post_rows": _post_rows(found.posts.items),
        "periods": earnings.PERIODS,
        "collabs_url": COLLABS_URL,
        "tab": "overview",
    }
    return render(request, "web/studio/earnings.html", context)


@login_required
@shows_domain_errors
def posts(request: HttpRequest) -> HttpResponse:
    creator_id: int = request.user.pk  # type: ignore[assignment]
    currency = earnings.currency_for(creator_id=creator_id, requested=request.GET.get("currency"))
    page = earnings.post_figures(
        creator_id=creator_id, currency=currency, cursor=request.GET.get("cursor") or None
    )
    context = {"page": page, "rows": _post_rows(page.items), "currency": currency, "tab": "posts"}
    return render(request, "web/studio/earnings_posts.html", context)


@login_required
@shows_domain_errors
def products(request: HttpRequest) -> HttpResponse:
    creator_id: int = request.user.pk  # type: ignore[assignment]
    period = _period(request)
    earned_in = earnings.currencies_of(creator_id=creator_id, period=period)
    currency = earnings.pick_currency(request.GET.get("currency"), earned_in=earned_in)
    page = earnings.product_figures(
        creator_id=creator_id,
        period=period,
        currency=currency,
        cursor=request.GET.get("cursor") or None,
    )
    context = {
        "page": page,
        "period": period,
        "periods": earnings.PERIODS,
        "currency": currency,
        "currencies": earned_in,
        "collabs_url": COLLABS_URL,
        "tab": "products",
    }
    return render(request, "web/studio/earnings_products.html", context)


@login_required
@shows_domain_errors
def commissions(request: HttpRequest) -> HttpResponse:
    status = earnings.check_status(request.GET.get("status"))
    creator_id: int = request.user.pk  # type: ignore[assignment]
    context = {
        "page": earnings.commission_list(
            creator_id=creator_id, status=status, cursor=request.GET.get("cursor") or None
        ),
        "counts": earnings.status_counts(creator_id=creator_id),
        "status": status or "",
        "statuses": STATUS_CHOICES,
        "collabs_url": COLLABS_URL,
        "tab": "commissions",
    }
    return render(request, "web/studio/earnings_commissions.html", context)


@login_required
@shows_domain_errors
def receipt(request: HttpRequest, commission_id: int) -> HttpResponse:
    found = earnings.receipt(user=request.user, commission_id=commission_id)
    return render(request, "web/studio/receipt.html", {"receipt": found})


# --- CSV ----------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


COMMISSION_HEADER = [
    "Commission",
    "Date",
    "Order",
    "Product",
    "Video",
    "Touch",
    "Touched at",
    "Term version",
    "Rate or flat fee",
    "Base",
    "Amount",
    "Clawed back",
    "Net",
    "Currency",
    "Status",
    "Reason",
]


def _commission_row(c: Commission) -> list[str]:
    order = f"{c.order_id}" if c.order_id else f"external {c.conversion.order_ref}"  # type: ignore[union-attr]
    terms = f"{c.rate}%" if c.rate is not None else f"{c.flat_fee} per unit"
    return [
        str(c.pk),
        f"{c.earned_at.astimezone(UTC):%Y-%m-%d}",
        _cell(order),
        _cell(c.product.title if c.product else "A product no longer listed"),
        str(c.post_id or ""),
        c.get_touch_kind_display(),
        _utc(c.touched_at),
        str(c.term.version),
        terms,
        f"{c.base}",
        f"{c.amount}",
        f"{c.clawed_back}",
        f"{c.net_amount}",
        c.currency,
        c.get_status_display(),
        _cell(c.status_reason),
    ]


DAILY_HEADER = [
    "Date",
    "Views",
    "Anchor clicks",
    "CTR",
    "External clicks",
    "Orders",
    "GMV",
    "Commission",
    "Currency",
]


def _daily_rows(summary: earnings.Summary) -> Iterator[list[str]]:
    for d in summary.days:
        ctr = f"{d.ctr * 100:.2f}%" if d.ctr is not None else ""
        yield [
            d.day.isoformat(),
            str(d.views),
            str(d.anchor_clicks),
            ctr,
            str(d.external_clicks),
            str(d.orders),
            f"{d.gmv}",
            f"{d.commission}",
            summary.currency,
        ]


def _csv_response(name: str, header: list[str], rows: Iterable[list[str]]) -> HttpResponse:
    """A download of at most 90 days of one creator's rows, read from the database in chunks."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return response


@login_required
@shows_domain_errors
def export(request: HttpRequest) -> HttpResponse:
    """`?kind=commissions` (one row per commission, the default) or `?kind=daily`."""
    period = _period(request)
    kind = request.GET.get("kind") or "commissions"
    dates = f"{period.first:%Y-%m-%d}-to-{period.last:%Y-%m-%d}"
    creator_id: int = request.user.pk  # type: ignore[assignment]
    if kind == "daily":
        found = earnings.summary(
            creator_id=creator_id, period=period, currency=request.GET.get("currency")
        )
        name = f"clipcart-daily-{found.currency}-{dates}.csv"
        return _csv_response(name, DAILY_HEADER, _daily_rows(found))
    if kind != "commissions":
        raise InvalidInput("kind is commissions or daily.", field="kind")
    rows = earnings.commissions_for_export(creator_id=creator_id, period=period)
    return _csv_response(
        f"clipcart-commissions-{dates}.csv", COMMISSION_HEADER, map(_commission_row, rows)
    )
