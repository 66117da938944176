"""Shipments: parcels of some or all of an order's units, and their delivery.

An order is shipped in one or more shipments. The first one stamps the order's `shipped_at`,
`carrier` and `tracking_number` (the fixed API shows them); the order becomes `shipped` only when
every unit is in a shipment, and until then it stays `paid` and reads "partly shipped".

A shipment is delivered by one of three sources: the carrier's signed webhook, the buyer ("I
received it", which covers every parcel of the order), or automatically a set number of days
after the order's delivers-by date. When every shipment of a shipped order has arrived, the order
is delivered, at the time the last parcel arrived.

Every write here holds the order's row lock (orders.locks), so two ship requests racing for the
last units cannot both pass the "no more than bought" check.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from clipcart.core import signatures
from clipcart.core.errors import Conflict, InvalidInput, NotFound

from . import carriers, locks
from .models import (
    CarrierEvent,
    DeliverySource,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    Shipment,
    ShipmentLine,
    TrackingClaim,
    TrackingStatus,
)

S = OrderStatus
MAX_UNITS = 100_000
NOT_SHIPPABLE = {S.PENDING_PAYMENT, S.CANCELLED, S.REFUNDED}


# --- Shipping -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRequest:
    line_id: int
    quantity: int


def _positive_int(raw: object, *, label: str, maximum: int) -> int:
    # bool is an int in Python; a JSON true is not a quantity.
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise InvalidInput(f"{label} must be a whole number.", field="lines")
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{label} must be a whole number.", field="lines") from None
    if not 1 <= value <= maximum:
        raise InvalidInput(f"{label} must be between 1 and {maximum}.", field="lines")
    return value


def check_line_requests(raw: object) -> list[LineRequest] | None:
    """The `lines` of a ship request: None ships every unit not shipped yet; otherwise a
    non-empty list of {line_id, quantity} with each line at most once."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("Choose at least one item to ship.", code="no_lines", field="lines")
    requests: list[LineRequest] = []
    for item in raw:
        if not isinstance(item, dict):
            raise InvalidInput("Each line is {line_id, quantity}.", field="lines")
        line_id = _positive_int(item.get("line_id"), label="line_id", maximum=2**62)
        quantity = _positive_int(item.get("quantity"), label="Quantity", maximum=MAX_UNITS)
        requests.append(LineRequest(line_id=line_id, quantity=quantity))
    if len({r.line_id for r in requests}) != len(requests):
        raise InvalidInput(
            "Name each line once, with its whole quantity.", code="duplicate_line", field="lines"
        )
    return requests


def shipped_quantities(*, order_id: int) -> dict[int, int]:
    """Units already shipped per line of an order."""
    rows = (
        ShipmentLine.objects.filter(line__order_id=order_id)
        .order_by()
        .values("line_id")
        .annotate(units=Sum("quantity"))
        .values_list("line_id", "units")
    )
    return dict(rows)


def _planned_parts(
    order: Order, requests: list[LineRequest] | None, shipped: dict[int, int]
) -> dict[int, int]:
    """{line id: units} this shipment carries. Precondition: holds the order's row lock, so
    `shipped` cannot grow before the shipment is written."""
    lines = {line.pk: line for line in OrderLine.objects.filter(order=order)}
    left = {pk: line.quantity - shipped.get(pk, 0) for pk, line in lines.items()}
    if requests is None:
        return {pk: units for pk, units in left.items() if units > 0}
    parts: dict[int, int] = {}
    for request in requests:
        line = lines.get(request.line_id)
        if line is None:
            raise NotFound(
                "No such line in this order.", code="order_line_not_found", field="lines"
            )
        if request.quantity > left[line.pk]:
            raise Conflict(
                f"Only {left[line.pk]} of {line.quantity} × {line.title} are left to ship.",
                code="exceeds_unshipped",
                field="lines",
            )
        parts[line.pk] = request.quantity
    return parts


def _is_replay(shipment: Shipment, requests: list[LineRequest] | None, left_units: int) -> bool:
    """Whether a ship request repeats `shipment` (same carrier and number): the same lines and
    quantities, or "everything left" when nothing is left."""
    if requests is None:
        return left_units == 0
    carried = {part.line_id: part.quantity for part in shipment.lines.all()}
    return carried == {r.line_id: r.quantity for r in requests}


def _claim(*, tracking_number: str, shop_id: int) -> None:
    """One tracking number belongs to one shop: another shop's parcel cannot be passed off as
    this order's. A unique row, so two shops racing for one number cannot both win."""
    claim, _ = TrackingClaim.objects.get_or_create(
        tracking_number=tracking_number, defaults={"shop_id": shop_id}
    )
    if claim.shop_id != shop_id:
        raise Conflict(
            "This tracking number is already used for another shop's order.",
            code="tracking_number_in_use",
            field="tracking_number",
        )


def ship_order(
    *,
    shop_id: int,
    order_id: int,
    carrier: object,
    tracking_number: object,
    actor,
    carrier_name: object = "",
    lines: object = None,
) -> Order:
    """Ships units of a paid order of `shop_id` in one parcel: `lines` [{line_id, quantity}],
    or every unit not shipped yet when None. Another shop's order is not found. Repeating a
    request (same carrier and number, same lines) answers the order again and ships nothing."""
    tracking = carriers.check_tracking(
        carrier=carrier, tracking_number=tracking_number, carrier_name=carrier_name
    )
    requests = check_line_requests(lines)
    with transaction.atomic():
        order = locks.lock_order(order_id=order_id)
        if order is None or order.shop_id != shop_id:
            raise NotFound("No such order in this shop.", code="order_not_found")
        _check_shippable(order)
        shipped = shipped_quantities(order_id=order.pk)
        earlier = order.shipments.filter(carrier=tracking.slug, tracking_number=tracking.number)
        if earlier_shipment := earlier.first():
            left_units = _units_left(order, shipped)
            if _is_replay(earlier_shipment, requests, left_units):
                return order
            raise Conflict(
                "This tracking number is already on another parcel of this order.",
                code="tracking_number_reused",
                field="tracking_number",
            )
        if order.status != S.PAID:
            raise Conflict("Every item of this order has shipped.", code="already_shipped")
        parts = _planned_parts(order, requests, shipped)
        _claim(tracking_number=tracking.number, shop_id=shop_id)
        shipment = _record_shipment(order, tracking, parts, actor=actor)
        order = _after_shipment(order, shipment, parts, shipped=shipped, actor=actor)
    transaction.on_commit(lambda: _notify_shipped(shipment.pk), robust=True)
    return order


def _check_shippable(order: Order) -> None:
    if order.status in NOT_SHIPPABLE:
        raise Conflict(
            f"An order that is {order.get_status_display().lower()} cannot be shipped.",
            code="invalid_transition",
            field="status",
        )


def _units_left(order: Order, shipped: dict[int, int]) -> int:
    bought = order.lines.aggregate(units=Sum("quantity"))["units"] or 0
    return bought - sum(shipped.values())


def _record_shipment(order: Order, tracking: carriers.Tracking, parts: dict[int, int], *, actor):
    shipment = Shipment.objects.create(
        order=order,
        carrier=tracking.slug,
        carrier_name=tracking.name,
        tracking_number=tracking.number,
        shipped_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, line_id=line_id, quantity=units)
        for line_id, units in sorted(parts.items())
    )
    return shipment


def _after_shipment(
    order: Order, shipment: Shipment, parts: dict[int, int], *, shipped: dict[int, int], actor
) -> Order:
    """Stamps the order with its first shipment and ships it once no unit is left.
    Precondition: holds the order's row lock."""
    from .services import transition

    first = order.shipped_at is None
    stamp = (
        {
            "shipped_at": shipment.shipped_at,
            "carrier": shipment.carrier_name,
            "tracking_number": shipment.tracking_number,
        }
        if first
        else {}
    )
    units = sum(parts.values())
    left = _units_left(order, shipped) - units
    note = f"{units} item{'s' if units != 1 else ''} shipped with {shipment.carrier_name}"
    if left == 0:
        return transition(order_id=order.pk, to=S.SHIPPED, actor=actor, note=note, **stamp)
    for name, value in stamp.items():
        setattr(order, name, value)
    order.save(update_fields=["updated_at", *stamp])
    OrderEvent.objects.create(
        order=order,
        from_status=order.status,
        to_status=order.status,
        actor=actor if getattr(actor, "pk", None) else None,
        note=f"Partly shipped: {note}, {left} still to ship",
    )
    return order


# --- Delivery -----------------------------------------------------------------------------------


def _deliver(
    order: Order, shipments: Iterable[Shipment], *, at: datetime, source: str, actor=None
) -> tuple[int, bool]:
    """Marks these shipments delivered at `at` (never before they shipped) and delivers the
    order once it is shipped and every parcel arrived. Precondition: holds the order's row
    lock. Returns (shipments delivered now, whether the order was delivered now)."""
    from .services import transition

    count = 0
    for shipment in shipments:
        if shipment.delivered_at is not None:
            continue
        shipment.delivered_at = max(at, shipment.shipped_at)
        shipment.delivery_source = source
        shipment.status = TrackingStatus.DELIVERED
        shipment.status_at = shipment.delivered_at
        shipment.save(
            update_fields=["delivered_at", "delivery_source", "status", "status_at", "updated_at"]
        )
        count += 1
    if order.status != S.SHIPPED:
        return count, False
    arrivals = list(order.shipments.values_list("delivered_at", flat=True))
    if any(arrived is None for arrived in arrivals):
        return count, False
    latest = max((a for a in arrivals if a is not None), default=at)
    transition(
        order_id=order.pk,
        to=S.DELIVERED,
        actor=actor,
        note=DELIVERY_NOTES[source],
        delivered_at=latest,
    )
    return count, True


DELIVERY_NOTES: dict[str, str] = {
    DeliverySource.CARRIER: "Delivered, the carrier reports",
    DeliverySource.BUYER: "Buyer confirmed delivery",
    DeliverySource.AUTO: "Delivered automatically: no problem was reported in time",
}


def confirm_delivery(*, order_id: int, buyer) -> Order:
    """The buyer says a shipped order arrived: every parcel not delivered yet is delivered by
    the buyer, now. Another buyer's order is not found; a partly shipped one is a conflict."""
    with transaction.atomic():
        order = locks.lock_order(order_id=order_id)
        if order is None or order.buyer_id != buyer.pk:
            raise NotFound("No such order.", code="order_not_found")
        if order.status != S.SHIPPED:
            raise Conflict(
                f"An order that is {order.get_status_display().lower()} cannot be confirmed "
                "as delivered.",
                code="invalid_transition",
                field="status",
            )
        _deliver(
            order,
            order.shipments.filter(delivered_at__isnull=True),
            at=timezone.now(),
            source=DeliverySource.BUYER,
            actor=buyer,
        )
    transaction.on_commit(
        lambda: _notify_delivered(order_id, source=DeliverySource.BUYER, whole=True), robust=True
    )
    return Order.objects.get(pk=order_id)


def auto_deliver_on(shipment: Shipment, *, delivers_by: date | None, calendar) -> date:
    """The day a shipment nobody confirmed counts as delivered: a set number of days after the
    order's delivers-by date, or, for orders promised no delivery date, after the usual transit
    time on the shop's calendar."""
    promised = delivers_by or calendar.add_business_days(
        calendar.local_date(shipment.shipped_at), settings.CLIPCART_TRANSIT_BUSINESS_DAYS
    )
    return promised + timedelta(days=settings.CLIPCART_AUTO_DELIVER_AFTER_DAYS)


def _due_shipments(now: datetime) -> dict[int, list[int]]:
    """{order id: undelivered shipment ids} whose auto-delivery day has come. The query keeps
    only rows that can be due (a business day is at least a calendar day, and a local date is
    at most a day from UTC's); each shop's calendar decides the rest."""
    from clipcart.fulfillment import clock

    after = timedelta(days=settings.CLIPCART_AUTO_DELIVER_AFTER_DAYS)
    transit = timedelta(days=settings.CLIPCART_TRANSIT_BUSINESS_DAYS)
    latest_promise = (now + timedelta(days=1)).date() - after
    candidates = (
        Shipment.objects.filter(delivered_at__isnull=True, order__status__in=[S.PAID, S.SHIPPED])
        .filter(
            Q(order__delivers_by__lte=latest_promise)
            | Q(
                order__delivers_by__isnull=True,
                shipped_at__lte=now + timedelta(days=1) - after - transit,
            )
        )
        .select_related("order")
        .order_by("order_id", "id")
    )
    calendars: dict[int, object] = {}
    due: dict[int, list[int]] = defaultdict(list)
    for shipment in candidates.iterator(chunk_size=500):
        shop_id = shipment.order.shop_id
        if shop_id not in calendars:
            calendars[shop_id] = clock.shop_calendar(shop_id=shop_id)
        calendar = calendars[shop_id]
        day = auto_deliver_on(shipment, delivers_by=shipment.order.delivers_by, calendar=calendar)
        if calendar.local_date(now) >= day:  # type: ignore[attr-defined]
            due[shipment.order_id].append(shipment.pk)
    return due


def auto_confirm_deliveries(*, now: datetime | None = None) -> int:
    """Delivers every shipment whose auto-delivery day has come, one order per transaction (so
    no lock is held long), and returns how many. Safe to run again: delivered rows are skipped."""
    now = now or timezone.now()
    delivered = 0
    for order_id, shipment_ids in _due_shipments(now).items():
        with transaction.atomic():
            order = locks.lock_order(order_id=order_id)
            if order is None or order.status not in (S.PAID, S.SHIPPED):
                continue
            pending = order.shipments.filter(pk__in=shipment_ids, delivered_at__isnull=True)
            count, whole = _deliver(order, list(pending), at=now, source=DeliverySource.AUTO)
        if count:
            delivered += count
            transaction.on_commit(
                partial(_notify_delivered, order_id, source=DeliverySource.AUTO, whole=whole),
                robust=True,
            )
    return delivered


# --- The carriers' webhook ----------------------------------------------------------------------

SIGNATURE_HEADER = signatures.SIGNATURE_HEADER
sign = signatures.sign
MAX_EVENT_ID = 100
REPORTED = {
    "in_transit": TrackingStatus.IN_TRANSIT,
    "exception": TrackingStatus.EXCEPTION,
    "delivered": TrackingStatus.DELIVERED,
}


def check_signature(*, header: str, raw_body: bytes, now: datetime | None = None) -> None:
    """Verifies a carrier's delivery webhook under the carrier webhook secret (without one
    configured nothing verifies: an empty key would let anyone sign)."""
    signatures.check_signature(
        secret=settings.CLIPCART_CARRIER_WEBHOOK_SECRET, header=header, raw_body=raw_body, now=now
    )


@dataclass(frozen=True)
class CarrierReport:
    event_id: str
    tracking_number: str
    status: str
    occurred_at: datetime


def _json_object(raw_body: bytes) -> dict:
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise InvalidInput("The body must be a JSON object.", code="invalid_json")
    return body


def _event_id(raw: object) -> str:
    value = raw.strip() if isinstance(raw, str) else ""
    if not value or len(value) > MAX_EVENT_ID or not value.isprintable():
        raise InvalidInput(f"id is the event's id: 1–{MAX_EVENT_ID} characters.", field="id")
    return value


def _occurred_at(raw: object, *, now: datetime) -> datetime:
    try:
        at = parse_datetime(raw) if isinstance(raw, str) else None
    except ValueError:
        at = None
    if at is None or at.tzinfo is None:
        raise InvalidInput(
            "occurred_at is an ISO 8601 time with its offset, such as 2026-05-01T12:30:00Z.",
            field="occurred_at",
        )
    if at > now + signatures.TOLERANCE:
        raise InvalidInput("occurred_at is in the future.", field="occurred_at")
    return at


def check_carrier_report(body: dict, *, now: datetime) -> CarrierReport:
    status = body.get("status")
    if status not in REPORTED:
        raise InvalidInput("status is one of in_transit, delivered or exception.", field="status")
    number = carriers.normalize_number(body.get("tracking_number"))
    if not carriers.GENERIC_TRACKING.fullmatch(number):
        raise InvalidInput("tracking_number is not a tracking number.", field="tracking_number")
    return CarrierReport(
        event_id=_event_id(body.get("id")),
        tracking_number=number,
        status=REPORTED[status],
        occurred_at=_occurred_at(body.get("occurred_at"), now=now),
    )


@dataclass(frozen=True)
class Received:
    event: CarrierEvent
    replayed: bool


def receive_carrier_event(
    *, carrier: str, raw_body: bytes, signature: str, now: datetime | None = None
) -> Received:
    """A carrier's signed tracking event. Unknown carrier → 404; the signature is checked
    before the body is read; each (carrier, event id) is processed once, and a replay answers
    the first event's record. An unknown tracking number is recorded and otherwise ignored."""
    slug = carriers.by_slug(carrier).slug
    now = now or timezone.now()
    check_signature(header=signature, raw_body=raw_body, now=now)
    body = _json_object(raw_body)
    report = check_carrier_report(body, now=now)
    with transaction.atomic():
        try:
            with transaction.atomic():
                event = CarrierEvent.objects.create(
                    carrier=slug,
                    event_id=report.event_id,
                    tracking_number=report.tracking_number,
                    status=report.status,
                    occurred_at=report.occurred_at,
                    outcome=CarrierEvent.Outcome.APPLIED,
                    payload=body,
                )
        except IntegrityError:  # delivered before (or at this moment, by a parallel request)
            first = CarrierEvent.objects.get(carrier=slug, event_id=report.event_id)
            return Received(event=first, replayed=True)
        event.outcome, event.shipments, delivered = _apply(slug, report)
        event.save(update_fields=["outcome", "shipments"])
    for order_id, whole in delivered:
        transaction.on_commit(
            partial(_notify_delivered, order_id, source=DeliverySource.CARRIER, whole=whole),
            robust=True,
        )
    return Received(event=event, replayed=False)


def _apply(slug: str, report: CarrierReport) -> tuple[str, int, list[tuple[int, bool]]]:
    """(outcome, shipments changed, [(order with a parcel delivered, whether the whole order
    was)]) of one carrier event. The
    orders its number is on are locked one at a time, in primary key order."""
    Outcome = CarrierEvent.Outcome
    matching = Shipment.objects.filter(carrier=slug, tracking_number=report.tracking_number)
    order_ids = sorted(set(matching.values_list("order_id", flat=True)))
    if not order_ids:
        return Outcome.UNKNOWN_TRACKING, 0, []
    changed, pending = 0, 0
    delivered: list[tuple[int, bool]] = []
    for order_id in order_ids:
        order = locks.lock_order(order_id=order_id)
        if order is None:
            continue
        parcels = list(matching.filter(order=order, delivered_at__isnull=True))
        pending += len(parcels)
        if report.status == TrackingStatus.DELIVERED:
            count, whole = _deliver(
                order, parcels, at=report.occurred_at, source=DeliverySource.CARRIER
            )
            delivered += [(order_id, whole)] if count else []
        else:
            count = _track(parcels, status=report.status, at=report.occurred_at)
        changed += count
    if changed:
        return Outcome.APPLIED, changed, delivered
    return (Outcome.STALE if pending else Outcome.ALREADY_DELIVERED), 0, []


def _track(parcels: list[Shipment], *, status: str, at: datetime) -> int:
    """In transit / exception, unless the carrier already told something newer (events may
    arrive out of order). Precondition: holds the order's row lock."""
    count = 0
    for parcel in parcels:
        if parcel.status_at is not None and parcel.status_at > at:
            continue
        parcel.status, parcel.status_at = status, at
        parcel.save(update_fields=["status", "status_at", "updated_at"])
        count += 1
    return count


# --- Notifications ------------------------------------------------------------------------------


def _staff(shop_id: int):
    from clipcart.catalog import selectors as catalog_selectors

    return get_user_model().objects.filter(pk__in=catalog_selectors.staff_ids(shop_id=shop_id))


def _notify_shipped(shipment_id: int) -> None:
    from clipcart.accounts import services as account_services

    shipment = Shipment.objects.select_related("order__buyer", "order__shop").get(pk=shipment_id)
    order = shipment.order
    what = "Your order" if order.status == S.SHIPPED else "Part of your order"
    account_services.notify(
        user=order.buyer,
        kind="order_shipped",
        message=f"{what} #{order.pk} from {order.shop.name} shipped with "
        f"{shipment.carrier_name} ({shipment.tracking_number}).",
        url=reverse("web:order", args=[order.pk]),
    )


def _notify_delivered(order_id: int, *, source: str, whole: bool) -> None:
    """Tells the buyer (unless they said so themselves) and the shop's staff that a parcel or
    (`whole`) the whole order arrived."""
    from clipcart.accounts import services as account_services

    order = Order.objects.select_related("buyer", "shop").get(pk=order_id)
    how = {
        DeliverySource.CARRIER: "the carrier reports",
        DeliverySource.BUYER: "the buyer confirmed",
        DeliverySource.AUTO: "confirmed automatically",
    }[DeliverySource(source)]
    subject = f"Order #{order.pk}" if whole else f"A parcel of order #{order.pk}"
    if source != DeliverySource.BUYER:
        account_services.notify(
            user=order.buyer,
            kind="order_delivered",
            message=f"{subject} from {order.shop.name} was delivered ({how}).",
            url=reverse("web:order", args=[order.pk]),
        )
    for member in _staff(order.shop_id):
        account_services.notify(
            user=member,
            kind="order_delivered",
            message=f"{subject} was delivered ({how}).",
            url=reverse("web:seller_order", args=[order.shop_id, order.pk]),
        )
