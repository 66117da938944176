"""Which commission term a creator is paid under, and how much a line earns under it.

The rules (issue 4), in one place:
- a raise applies at once to everyone;
- a cut applies at once to creators who join after it, while creators already promoting keep
  what they had until the cut is `CLIPCART_AFFILIATE_CUT_GRACE_DAYS` (30) days old;
- a later change replaces any change that has not reached the creator yet;
- removing the product from the plan ends every term at once (the caller checks that).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings

from clipcart.core.errors import InvalidInput
from clipcart.core.money import quantize_money

from .models import Term

MIN_RATE = Decimal("1")
MAX_RATE = Decimal("80")


@dataclass(frozen=True)
class Scheduled:
    starts_at: datetime
    term: Term


def grace() -> timedelta:
    return timedelta(days=settings.CLIPCART_AFFILIATE_CUT_GRACE_DAYS)


def schedule(terms: list[Term], *, joined_at: datetime) -> list[Scheduled]:
    """When each term version reaches a creator who started promoting at `joined_at`."""
    entries: list[Scheduled] = []
    for term in sorted(terms, key=lambda t: t.version):
        current = in_force(entries, at=term.effective_at)
        promoting_already = joined_at < term.effective_at
        if current is not None and promoting_already and term.pays_less_than(current):
            starts_at = term.effective_at + grace()
        else:
            starts_at = term.effective_at
        # A change that has not reached the creator yet is replaced by this newer one.
        entries = [entry for entry in entries if entry.starts_at <= starts_at]
        entries.append(Scheduled(starts_at=starts_at, term=term))
    return entries


def in_force(entries: list[Scheduled], *, at: datetime) -> Term | None:
    started = [entry for entry in entries if entry.starts_at <= at]
    return started[-1].term if started else None


def term_at(terms: list[Term], *, joined_at: datetime, at: datetime) -> Term | None:
    return in_force(schedule(terms, joined_at=joined_at), at=at)


def parse_rate(raw: object, *, field: str = "rate") -> Decimal:
    """A commission rate in percent from a client: 1 to 80, at most two decimals. Floats are
    refused for the same reason as prices: 12.3 as a binary float is not 12.3."""
    if isinstance(raw, (bool, float)) or raw is None:
        raise InvalidInput('Send the rate as a decimal string such as "12.5".', field=field)
    try:
        rate = Decimal(str(raw).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise InvalidInput("The rate must be a number such as 12.5.", field=field) from None
    if not rate.is_finite():
        raise InvalidInput("The rate must be a number such as 12.5.", field=field)
    if rate.as_tuple().exponent < -2:  # type: ignore[operator]
        raise InvalidInput("The rate can have at most two decimals.", field=field)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise InvalidInput("The rate must be between 1% and 80%.", field=field)
    return rate.quantize(Decimal("0.01"))


def commission_amount(*, base: Decimal, quantity: int, term: Term) -> Decimal:
    """The rule, rounded once: the net paid for the line × rate, to the cent, half up; or for a
    flat fee, fee × units, never more than the net paid. Nothing else rounds commission."""
    if base <= 0:
        return Decimal("0.00")
    if term.rate is not None:
        return quantize_money(base * term.rate / Decimal(100))
    assert term.flat_fee is not None
    return min(term.flat_fee * quantity, base)


def clawed_back_after(*, amount: Decimal, base: Decimal, refunded_total: Decimal) -> Decimal:
    """How much of `amount` is taken back once `refunded_total` of `base` has been refunded:
    in proportion, computed on the running total (not per refund) so that refunds adding up to
    the whole line take back exactly the whole commission, whatever the rounding of each."""
    if refunded_total >= base:
        return amount
    return quantize_money(amount * refunded_total / base)
