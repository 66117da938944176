"""Reads of the returns app, each with its own joins so no page or API list makes N+1 queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet

from clipcart.core.errors import InvalidInput, NotFound
from clipcart.core.pagination import Page, paginate_by_pk

from .models import CLOSED_STATUSES, Return, ReturnEvent, ReturnLine, ReturnStatus


def _with_details(returns: QuerySet[Return]) -> QuerySet[Return]:
    return returns.select_related("order", "shop", "buyer").prefetch_related(
        Prefetch(
            "lines",
            queryset=ReturnLine.objects.select_related("order_line", "refund").order_by("id"),
        ),
        "photos",
        Prefetch("events", queryset=ReturnEvent.objects.select_related("actor").order_by("id")),
    )


def returns_of_buyer(*, buyer, cursor: str | None = None, size: int = 20) -> Page[Return]:
    return paginate_by_pk(
        _with_details(Return.objects.filter(buyer=buyer)), cursor=cursor, size=size
    )


def return_of_buyer(*, buyer, return_id: int) -> Return:
    """The buyer's return; another person's is not found (404, not 403)."""
    ret = _with_details(Return.objects.filter(pk=return_id, buyer=buyer)).first()
    if ret is None:
        raise NotFound("No such return.", code="return_not_found")
    return ret


def returns_of_shop(
    *, shop_id: int, status: str = "", cursor: str | None = None, size: int = 20
) -> Page[Return]:
    returns = Return.objects.filter(shop_id=shop_id)
    if status:
        if status not in ReturnStatus.values:
            raise InvalidInput("Unknown return status.", field="status")
        returns = returns.filter(status=status)
    return paginate_by_pk(_with_details(returns), cursor=cursor, size=size)


def return_of_shop(*, shop_id: int, return_id: int) -> Return:
    ret = _with_details(Return.objects.filter(pk=return_id, shop_id=shop_id)).first()
    if ret is None:
        raise NotFound("No such return in this shop.", code="return_not_found")
    return ret


def return_status_counts(*, shop_id: int) -> dict[str, int]:
    rows = (
        Return.objects.filter(shop_id=shop_id)
        .order_by()
        .values("status")
        .annotate(count=Count("id"))
        .values_list("status", "count")
    )
    return dict(rows)


def returns_of_order(*, order_id: int) -> list[Return]:
    return list(Return.objects.filter(order_id=order_id).order_by("-id"))


@dataclass(frozen=True)
class ReturnableLine:
    line: object  # an orders.OrderLine
    returnable: int  # units that may still be returned
    open_return_id: int | None  # the open return it is in, if any


def returnable_lines(*, order) -> list[ReturnableLine]:
    """What the buyer's return form offers for each line of `order` (an order from
    orders.selectors, its lines annotated with `refunded`). Two queries."""
    from .services import returned_quantities

    returned = returned_quantities(order_id=order.pk)
    open_in = dict(
        ReturnLine.objects.filter(order_line__order_id=order.pk, is_open=True).values_list(
            "order_line_id", "ret_id"
        )
    )
    rows = []
    for line in order.lines.all():
        fully_refunded = getattr(line, "refunded", 0) >= line.net_total
        left = 0 if fully_refunded else line.quantity - returned.get(line.pk, 0)
        rows.append(ReturnableLine(line, max(0, left), open_in.get(line.pk)))
    return rows


def orders_with_open_returns(*, order_ids: list[int]) -> set[int]:
    """The ids among `order_ids` that have a return still open (requested, approved, on its way
    back, or received and not yet refunded): the ledger keeps those orders' money pending until
    the return closes. One query."""
    if not order_ids:
        return set()
    return set(
        Return.objects.filter(order_id__in=order_ids)
        .exclude(status__in=CLOSED_STATUSES)
        .values_list("order_id", flat=True)
        .distinct()
    )
