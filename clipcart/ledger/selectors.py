"""Reads of the ledger: balances, statements with running balances, payouts, holds, reserves,
and the operator's reconciliation. Every figure is a sum of entries (or of the rows named)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.errors import InvalidInput, NotFound
from clipcart.core.pagination import Page, decode_cursor, encode_cursor

from .models import (
    CREATOR_KINDS,
    SELLER_KINDS,
    Account,
    Entry,
    Hold,
    LedgerTransaction,
    Payout,
    Reserve,
    normal_sign,
)
from .services.balances import cents

ZERO = Decimal("0.00")
K = Account.Kind
STATEMENT_PAGE = 50


def require_shop_money(*, user, shop_id: int) -> None:
    """Shop staff (and operators) may read a shop's money; anyone else is told the shop does
    not exist (404), so ids cannot be probed."""
    from clipcart.catalog.models import Shop

    if not Shop.objects.filter(pk=shop_id).exists():
        raise NotFound("No such shop.", code="shop_not_found")
    if getattr(user, "is_staff", False):
        return
    if not user.is_authenticated or user.pk not in catalog_selectors.staff_ids(shop_id=shop_id):
        raise NotFound("No such shop.", code="shop_not_found")


# --- Balances -------------------------------------------------------------------------------------


@dataclass
class Balances:
    currency: str
    figures: dict[str, Decimal] = field(default_factory=dict)
    paid_out: Decimal = ZERO
    in_flight: Decimal = ZERO

    def __getitem__(self, kind: str) -> Decimal:
        # A KeyError for anything else: templates try sheet["currency"] before sheet.currency.
        return self.figures[kind]


def _balances(accounts: QuerySet[Account], kinds: list[str], payouts: QuerySet[Payout]):
    rows = (
        Entry.objects.filter(account__in=accounts)
        .values("account__kind", "currency")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    found: dict[str, Balances] = {}
    for row in rows:
        currency = row["currency"]
        sheet = found.setdefault(currency, Balances(currency, {k: ZERO for k in kinds}))
        sheet.figures[row["account__kind"]] = cents(
            normal_sign(row["account__kind"]) * cents(row["total"])
        )
    paid_rows = payouts.values("currency", "status").annotate(total=Sum("amount")).order_by()
    for paid in paid_rows:
        sheet = found.setdefault(
            paid["currency"], Balances(paid["currency"], {k: ZERO for k in kinds})
        )
        if paid["status"] == Payout.Status.PAID:
            sheet.paid_out = cents(paid["total"])
        elif paid["status"] == Payout.Status.PENDING:
            sheet.in_flight = cents(paid["total"])
    return [found[c] for c in sorted(found)]


def shop_balances(*, shop_id: int) -> list[Balances]:
    """Per currency: pending, available, reserved, held (each in the 'owed' sense), paid out."""
    return _balances(
        Account.objects.filter(shop_id=shop_id),
        SELLER_KINDS,
        Payout.objects.filter(shop_id=shop_id),
    )


def creator_balances(*, user_id: int) -> list[Balances]:
    return _balances(
        Account.objects.filter(user_id=user_id),
        CREATOR_KINDS,
        Payout.objects.filter(user_id=user_id),
    )


# --- Statements -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    entry: Entry
    amount: Decimal  # in the account's own sense: + is money added to what is owed
    balance: Decimal  # the account's balance after this entry, same sense


def parse_day(raw: str | None, *, field: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput("Dates look like 2025-03-31.", field=field) from None


def _entries(accounts: QuerySet[Account], *, since: date | None, until: date | None):
    entries = Entry.objects.filter(account__in=accounts)
    zone = timezone.get_current_timezone()
    if since:
        entries = entries.filter(
            transaction__created_at__gte=datetime.combine(since, time.min, tzinfo=zone)
        )
    if until:
        entries = entries.filter(
            transaction__created_at__lte=datetime.combine(until, time.max, tzinfo=zone)
        )
    return entries.select_related("account", "transaction")


def _with_running(rows: list[Entry], *, newest_first: bool) -> list[StatementLine]:
    """Running balances for rows of several accounts, from one grouped sum per account."""
    if not rows:
        return []
    top = max(row.pk for row in rows)
    ids = {row.account_id for row in rows}
    after: dict[int, Decimal] = defaultdict(Decimal)
    for summed in (
        Entry.objects.filter(account_id__in=ids, pk__lte=top)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .order_by()
    ):
        after[summed["account_id"]] = cents(summed["total"])
    lines = []
    for row in sorted(rows, key=lambda r: -r.pk):
        sign = normal_sign(row.account.kind)
        lines.append(
            StatementLine(row, cents(sign * row.amount), cents(sign * after[row.account_id]))
        )
        after[row.account_id] -= row.amount
    return lines if newest_first else lines[::-1]


def statement_page(
    accounts: QuerySet[Account],
    *,
    cursor: str | None = None,
    since: date | None = None,
    until: date | None = None,
    size: int = STATEMENT_PAGE,
) -> Page[StatementLine]:
    """Newest first, keyset-paginated; each line with its account's running balance."""
    entries = _entries(accounts, since=since, until=until)
    if cursor:
        entries = entries.filter(pk__lt=decode_cursor(cursor))
    rows = list(entries.order_by("-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(
        items=_with_running(rows, newest_first=True),
        next_cursor=encode_cursor(rows[-1].pk) if more else None,
    )


def statement_all(
    accounts: QuerySet[Account], *, since: date | None = None, until: date | None = None
) -> list[StatementLine]:
    """Every line of the period, oldest first (the CSV export)."""
    rows = list(_entries(accounts, since=since, until=until).order_by("pk"))
    return _with_running(rows, newest_first=False)


def shop_accounts(*, shop_id: int) -> QuerySet[Account]:
    return Account.objects.filter(shop_id=shop_id)


def creator_accounts(*, user_id: int) -> QuerySet[Account]:
    return Account.objects.filter(user_id=user_id)


def payouts_of(*, shop_id: int | None = None, user_id: int | None = None, cursor=None, size=20):
    from clipcart.core.pagination import paginate_by_pk

    owner = Q(shop_id=shop_id) if shop_id is not None else Q(user_id=user_id)
    return paginate_by_pk(Payout.objects.filter(owner), cursor=cursor, size=size)


def holds_of(*, shop_id: int) -> list[Hold]:
    return list(Hold.objects.filter(shop_id=shop_id).order_by("released_at", "-id")[:50])


def reserves_of(*, shop_id: int) -> list[Reserve]:
    return list(
        Reserve.objects.filter(shop_id=shop_id).order_by("released_at", "release_on", "id")[:50]
    )


def destination_of(*, shop_id: int | None = None, user_id: int | None = None):
    from .models import PayoutDestination

    owner = {"shop_id": shop_id} if shop_id is not None else {"user_id": user_id}
    return PayoutDestination.objects.filter(**owner).first()


# --- Reconciliation -------------------------------------------------------------------------------


@dataclass
class CurrencyCheck:
    currency: str
    entries_sum: Decimal
    clearing: Decimal
    captured: Decimal
    refunds: Decimal
    paid_out: Decimal
    chargebacks: Decimal = Decimal("0.00")

    @property
    def expected_clearing(self) -> Decimal:
        return self.captured - self.refunds - self.paid_out - self.chargebacks

    @property
    def clearing_matches(self) -> bool:
        return self.clearing == self.expected_clearing

    @property
    def ok(self) -> bool:
        return self.entries_sum == 0 and self.clearing_matches


@dataclass
class Reconciliation:
    currencies: list[CurrencyCheck]
    unbalanced: list[dict]
    kinds: list[dict]
    pending_refunds: int

    @property
    def ok(self) -> bool:
        return not self.unbalanced and all(check.ok for check in self.currencies)

    @property
    def verdict(self) -> str:
        if self.ok:
            return "Balanced: every transaction sums to zero and clearing matches the payments."
        problems = []
        if self.unbalanced:
            problems.append(f"{len(self.unbalanced)} unbalanced transaction(s)")
        for check in self.currencies:
            if check.entries_sum:
                problems.append(f"{check.currency} entries sum to {check.entries_sum}")
            if not check.clearing_matches:
                problems.append(
                    f"{check.currency} clearing is {check.clearing}, payments say "
                    f"{check.expected_clearing}"
                )
        return "Not balanced: " + "; ".join(problems) + "."


def reconciliation() -> Reconciliation:
    """Σ entries per currency (must be 0), unbalanced transactions (must be none), and clearing
    against the payments app: captured − refunds booked − payouts paid. A refund counts from
    the moment it is owed (its outbox row), as the ledger books it then."""
    from clipcart.payments.models import Payment, Refund

    sums = dict(
        Entry.objects.values("currency").annotate(t=Sum("amount")).values_list("currency", "t")
    )
    clearing = dict(
        Entry.objects.filter(account__kind=K.PLATFORM_CLEARING)
        .values("currency")
        .annotate(t=Sum("amount"))
        .values_list("currency", "t")
    )
    captured_states = ["captured", "partially_refunded", "refunded"]
    captured = dict(
        Payment.objects.filter(status__in=captured_states)
        .values("currency")
        .annotate(t=Sum("amount"))
        .values_list("currency", "t")
    )
    refunds = dict(
        Refund.objects.values("payment__currency")
        .annotate(t=Sum("amount"))
        .values_list("payment__currency", "t")
    )
    paid = dict(
        Payout.objects.filter(status=Payout.Status.PAID)
        .values("currency")
        .annotate(t=Sum("amount"))
        .values_list("currency", "t")
    )
    # Lost disputes: money the buyer's bank took back (see PaymentDispute rows, status lost).
    chargebacks = dict(
        Entry.objects.filter(
            account__kind=K.PLATFORM_CLEARING, transaction__kind=LedgerTransaction.Kind.CHARGEBACK
        )
        .values("currency")
        .annotate(t=-Sum("amount"))
        .values_list("currency", "t")
    )
    currencies = sorted(set(sums) | set(captured) | set(paid))
    checks = [
        CurrencyCheck(
            currency=c,
            entries_sum=cents(sums.get(c)),
            clearing=cents(clearing.get(c)),
            captured=cents(captured.get(c)),
            refunds=cents(refunds.get(c)),
            paid_out=cents(paid.get(c)),
            chargebacks=cents(chargebacks.get(c)),
        )
        for c in currencies
    ]
    # Filtered in Python: on SQLite a balanced float sum is 1e-16, not 0.
    unbalanced = [
        {**row, "total": cents(row["total"])}
        for row in Entry.objects.values("transaction_id", "transaction__key", "currency")
        .annotate(total=Sum("amount"))
        .order_by("transaction_id")
        .iterator()
        if cents(row["total"]) != 0
    ][:100]
    labels = dict(LedgerTransaction.Kind.choices)
    kinds = [
        {
            "kind": row["kind"],
            "label": labels.get(row["kind"], row["kind"]),
            "count": row["count"],
            "volume": cents(row["volume"]),
        }
        for row in LedgerTransaction.objects.values("kind")
        .annotate(
            count=Count("id", distinct=True),
            volume=Sum("entries__amount", filter=Q(entries__amount__gt=0)),
        )
        .order_by("kind")
    ]
    pending = Refund.objects.filter(status=Refund.Status.PENDING).count()
    return Reconciliation(checks, unbalanced, kinds, pending)
