"""The parcel back: the buyer's tracking number, and the shop receiving (and restocking) it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from clipcart.catalog import services as catalog_services
from clipcart.core.errors import Conflict, InvalidInput
from clipcart.inventory import services as inventory_services
from clipcart.orders import services as order_services

from ..models import Return, ReturnEventKind, ReturnStatus
from . import common

S = ReturnStatus


def ship_back(*, buyer, return_id: int, carrier: object, tracking_number: object) -> Return:
    """The buyer sent the items back with `carrier` under `tracking_number` (validated as any
    shipment is). A typo can be corrected until the shop receives the parcel."""
    carrier, tracking = order_services.check_shipment(
        carrier=str(carrier or ""), tracking_number=str(tracking_number or "")
    )
    with transaction.atomic():
        ret = common.locked_return_of_buyer(buyer=buyer, return_id=return_id)
        common.require_status(ret, [S.APPROVED, S.SHIPPED], action="shipped back")
        if ret.refund_without_return:
            raise Conflict(
                "The shop refunds this return without it: keep the items.", code="no_return_needed"
            )
        common.move(
            ret,
            to=S.SHIPPED,
            kind=ReturnEventKind.SHIPPED,
            actor=buyer,
            note=f"{carrier} {tracking}",
            carrier=carrier,
            tracking_number=tracking,
            shipped_at=ret.shipped_at or timezone.now(),
        )
        common.notify_staff(
            ret,
            kind="return_shipped",
            message=f"The return on order #{ret.order_id} is on its way back "
            f"({carrier} {tracking}).",
        )
    return ret


def receive_return(*, user, shop_id: int, return_id: int, restock_line_ids: object = ()) -> Return:
    """The shop has the parcel. The order lines in `restock_line_ids` are resellable and their
    units go back into stock — once: the return's lock and its status make a second receipt a
    409, so a double click cannot restock twice."""
    catalog_services.require_shop_staff(user=user, shop_id=shop_id)
    restock_ids = _line_ids(restock_line_ids)
    with transaction.atomic():
        ret = common.locked_return_of_shop(shop_id=shop_id, return_id=return_id)
        common.require_status(ret, [S.APPROVED, S.SHIPPED], action="received")
        if ret.refund_without_return:
            raise Conflict(
                "The buyer keeps these items: there is nothing to receive.", code="no_return_needed"
            )
        lines = list(ret.lines.select_related("order_line"))
        if not restock_ids <= {line.order_line_id for line in lines}:
            raise InvalidInput("That item is not in this return.", field="restock_line_ids")
        common.move(
            ret,
            to=S.RECEIVED,
            kind=ReturnEventKind.RECEIVED,
            actor=user,
            received_at=timezone.now(),
        )
        for line in lines:
            if line.order_line_id in restock_ids:
                _restock(ret, line, actor=user)
        common.notify_buyer(
            ret,
            kind="return_received",
            message=f"The shop received your return on order #{ret.order_id}.",
        )
    return ret


def _restock(ret: Return, line, *, actor) -> None:
    variant_id = line.order_line.variant_id
    line.restock = True
    if variant_id is not None:  # the variant may have been deleted since the sale
        inventory_services.restock(variant_id=variant_id, quantity=line.quantity)
        line.restocked_at = timezone.now()
    line.save(update_fields=["restock", "restocked_at"])
    note = f"{line.quantity}× {line.order_line.title} back in stock"
    if variant_id is None:
        note = f"{line.order_line.title}: the variant no longer exists, nothing restocked"
    common.log(ret, kind=ReturnEventKind.RESTOCKED, actor=actor, note=note)


def _line_ids(value: object) -> set[int]:
    if value is None or value == "":
        return set()
    if not isinstance(value, (list, tuple, set)):
        raise InvalidInput("A list of order line ids.", field="restock_line_ids")
    ids = set()
    for item in value:
        if isinstance(item, str) and item.strip().isdigit():
            item = int(item.strip())
        if isinstance(item, bool) or not isinstance(item, int) or item <= 0:
            raise InvalidInput("A list of order line ids.", field="restock_line_ids")
        ids.add(item)
    return ids
