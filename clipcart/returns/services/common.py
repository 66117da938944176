"""What every step of a return shares: finding the return for its party, checking its status,
recording the step in the return's log, and telling the other side."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from clipcart.accounts import services as account_services
from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.errors import Conflict, InvalidInput, NotFound

from .. import locks
from ..models import Return, ReturnEvent


def locked_return_of_shop(*, shop_id: int, return_id: int) -> Return:
    """The return under its row lock; another shop's return is simply not found (404).
    Precondition: inside a transaction."""
    ret = locks.lock_return(return_id=return_id)
    if ret is None or ret.shop_id != shop_id:
        raise NotFound("No such return in this shop.", code="return_not_found")
    return ret


def locked_return_of_buyer(*, buyer, return_id: int) -> Return:
    """The buyer's return under its row lock; another person's is not found (404)."""
    ret = locks.lock_return(return_id=return_id)
    if ret is None or ret.buyer_id != buyer.pk:
        raise NotFound("No such return.", code="return_not_found")
    return ret


def require_status(ret: Return, allowed: Iterable[str], *, action: str) -> None:
    if ret.status not in set(allowed):
        raise Conflict(
            f"A return that is {ret.get_status_display().lower()} cannot be {action}.",
            code="invalid_return_status",
            field="status",
        )


def move(ret: Return, *, to: str, kind: str, actor, note: str = "", **fields) -> Return:
    """Sets the return's status (and `fields`) and logs the step. Closing a return releases its
    order lines for a later return. Precondition: the return's row lock is held."""
    ret.status = to
    for name, value in fields.items():
        setattr(ret, name, value)
    changed = ["status", "updated_at", *fields]
    if not ret.is_open and ret.closed_at is None:
        ret.closed_at = timezone.now()
        changed.append("closed_at")
        ret.lines.update(is_open=False)
    ret.save(update_fields=changed)
    log(ret, kind=kind, actor=actor, note=note)
    return ret


def log(ret: Return, *, kind: str, actor, note: str = "") -> ReturnEvent:
    return ReturnEvent.objects.create(
        ret=ret, kind=kind, status=ret.status, actor=actor, note=note[:300]
    )


def check_text(value: object, *, field: str, max_length: int, label: str = "") -> str:
    from clipcart.core.text import clean_text

    return clean_text(value, field=field, max_length=max_length, required=False, label=label)


def check_flag(value: object, *, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (None, "", "0", "false", "off"):
        return False
    if value in ("1", "true", "on"):
        return True
    raise InvalidInput("Must be true or false.", field=field)


# --- Notifications ------------------------------------------------------------------------------


def buyer_url(ret: Return) -> str:
    return reverse("web:return", args=[ret.pk])


def seller_url(ret: Return) -> str:
    return reverse("web:seller_return", args=[ret.shop_id, ret.pk])


def notify_buyer(ret: Return, *, kind: str, message: str) -> None:
    account_services.notify(user=ret.buyer, kind=kind, message=message, url=buyer_url(ret))


def notify_staff(ret: Return, *, kind: str, message: str) -> None:
    staff = get_user_model().objects.filter(pk__in=catalog_selectors.staff_ids(shop_id=ret.shop_id))
    for member in staff:
        account_services.notify(user=member, kind=kind, message=message, url=seller_url(ret))
