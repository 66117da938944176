"""Row locks of the returns app. A return is locked before anything its steps touch, so the
global order is: return → (idempotency key → stock → order → plan product → commission).
Restocking and refunding a return happen under its lock, which makes each happen once even when
two clicks or two workers race; one return is locked at a time."""

from .models import Return


def lock_return(*, return_id: int) -> Return | None:
    return Return.objects.select_for_update().filter(pk=return_id).first()
