"""The shop's answer to a return (or the clock's, when the shop is silent), an operator's
override of a rejection, and the buyer withdrawing a return."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from clipcart.catalog import services as catalog_services
from clipcart.core.errors import Conflict, InvalidInput, NotFound
from clipcart.orders import selectors as order_selectors

from .. import locks
from ..models import Return, ReturnEventKind, ReturnLine, ReturnStatus
from . import common, requests

S = ReturnStatus
AUTO_APPROVE_BATCH = 500


def approve_return(
    *, user, shop_id: int, return_id: int, refund_without_return: object = False
) -> Return:
    """The shop accepts the return. With `refund_without_return` the buyer keeps the items
    (worth less than the postage back) and the shop refunds right away instead of waiting for
    the parcel."""
    catalog_services.require_shop_staff(user=user, shop_id=shop_id)
    keep = common.check_flag(refund_without_return, field="refund_without_return")
    with transaction.atomic():
        ret = common.locked_return_of_shop(shop_id=shop_id, return_id=return_id)
        common.require_status(ret, [S.REQUESTED], action="approved")
        _approve(ret, actor=user, keep=keep, kind=ReturnEventKind.APPROVED)
    return ret


def _approve(ret: Return, *, actor, keep: bool, kind: str, note: str = "") -> None:
    common.move(
        ret,
        to=S.APPROVED,
        kind=kind,
        actor=actor,
        note=note or ("Refund without return: the buyer keeps the items" if keep else ""),
        refund_without_return=keep,
        answered_at=timezone.now(),
    )
    if keep:
        message = (
            f"Your return on order #{ret.order_id} is approved: keep the items, "
            "your refund is on its way."
        )
    else:
        message = (
            f"Your return on order #{ret.order_id} is approved. "
            "Send the items back and add the tracking number."
        )
    common.notify_buyer(ret, kind="return_approved", message=message)


def reject_return(*, user, shop_id: int, return_id: int, reason: object) -> Return:
    """The shop refuses the return, saying why (the buyer reads it; an operator may overrule)."""
    catalog_services.require_shop_staff(user=user, shop_id=shop_id)
    why = common.check_text(reason, field="reason", max_length=300)
    if len(why) < 3:
        raise InvalidInput("Tell the buyer why the return is rejected.", field="reason")
    with transaction.atomic():
        ret = common.locked_return_of_shop(shop_id=shop_id, return_id=return_id)
        common.require_status(ret, [S.REQUESTED], action="rejected")
        common.move(
            ret,
            to=S.REJECTED,
            kind=ReturnEventKind.REJECTED,
            actor=user,
            note=why,
            rejection_reason=why,
            answered_at=timezone.now(),
        )
        common.notify_buyer(
            ret,
            kind="return_rejected",
            message=f"Your return on order #{ret.order_id} was rejected: {why}",
        )
    return ret


def overdue_return_ids(*, now: datetime | None = None) -> list[int]:
    due = Return.objects.filter(status=S.REQUESTED, answer_due_at__lte=now or timezone.now())
    return list(due.order_by("pk").values_list("pk", flat=True)[:AUTO_APPROVE_BATCH])


def auto_approve_overdue(*, now: datetime | None = None) -> int:
    """Approves every return the shop left unanswered past its answer day (the beat task).
    Each is re-read under its lock, so an answer that lands meanwhile wins and a second run
    approves nothing twice. Returns how many were approved."""
    now = now or timezone.now()
    return sum(auto_approve(return_id=pk, now=now) for pk in overdue_return_ids(now=now))


def auto_approve(*, return_id: int, now: datetime) -> bool:
    with transaction.atomic():
        ret = locks.lock_return(return_id=return_id)
        if ret is None or ret.status != S.REQUESTED or ret.answer_due_at > now:
            return False
        ret.auto_approved = True
        ret.save(update_fields=["auto_approved", "updated_at"])
        _approve(
            ret,
            actor=None,
            keep=False,
            kind=ReturnEventKind.AUTO_APPROVED,
            note=f"No answer by {ret.answer_due:%a, %b %-d}: approved automatically",
        )
        common.notify_staff(
            ret,
            kind="return_auto_approved",
            message=f"The return on order #{ret.order_id} was approved automatically: "
            f"it had no answer by {ret.answer_due:%a, %b %-d}.",
        )
    return True


def override_rejection(*, operator, return_id: int, note: object = "") -> Return:
    """An operator overrules the shop: a rejected return becomes approved. Its lines must
    still be returnable (no other open return took them meanwhile)."""
    why = common.check_text(note, field="note", max_length=300) or "Approved by an operator"
    with transaction.atomic():
        ret = locks.lock_return(return_id=return_id)
        if ret is None:
            raise NotFound("No such return.", code="return_not_found")
        common.require_status(ret, [S.REJECTED], action="approved by an operator")
        order = order_selectors.order_of_shop(shop_id=ret.shop_id, order_id=ret.order_id)
        wanted = dict(ret.lines.values_list("order_line_id", "quantity"))
        requests.check_quantities(order, wanted, exclude_return_id=ret.pk)
        _reopen_lines(ret)
        common.move(
            ret,
            to=S.APPROVED,
            kind=ReturnEventKind.OVERRIDDEN,
            actor=operator,
            note=why,
            closed_at=None,
            rejection_reason="",
            answered_at=timezone.now(),
        )
        message = f"The return on order #{ret.order_id} was approved by Clipcart support: {why}"
        common.notify_buyer(ret, kind="return_approved", message=message)
        common.notify_staff(ret, kind="return_overridden", message=message)
    return ret


def _reopen_lines(ret: Return) -> None:
    try:
        with transaction.atomic():
            ReturnLine.objects.filter(ret=ret).update(is_open=True)
    except IntegrityError:  # another return opened on one of the lines since the check
        raise Conflict(
            "One of these items already has an open return.", code="return_already_open"
        ) from None


def cancel_return(*, buyer, return_id: int) -> Return:
    """The buyer withdraws a return before sending anything back."""
    with transaction.atomic():
        ret = common.locked_return_of_buyer(buyer=buyer, return_id=return_id)
        # A refund-without-return is the shop's promise of money: it is not withdrawn.
        cancellable = [S.REQUESTED] if ret.refund_without_return else [S.REQUESTED, S.APPROVED]
        common.require_status(ret, cancellable, action="cancelled")
        common.move(ret, to=S.CANCELLED, kind=ReturnEventKind.CANCELLED, actor=buyer)
        common.notify_staff(
            ret,
            kind="return_cancelled",
            message=f"The buyer withdrew the return on order #{ret.order_id}.",
        )
    return ret
