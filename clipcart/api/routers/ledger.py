"""Money: a shop's or a creator's balances, statement (every entry with its running balance)
and payouts; the operator's reconciliation. Someone else's shop is a 404; the reconciliation is
for staff only. Amounts are decimal strings in the owner's sense (money owed to them is
positive), next to their `currency`."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Router, Schema

from clipcart.api.auth import bearer
from clipcart.api.schemas import ErrorOut
from clipcart.core.errors import PermissionDenied
from clipcart.core.money import format_money
from clipcart.ledger import selectors, services

router = Router(tags=["money"], auth=bearer)
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class ShopBalanceOut(Schema):
    currency: str
    pending: str = Field(..., description="Sold, not yet settled (delivery + settlement days).")
    available: str = Field(..., description="Paid out at the next run above the minimum.")
    reserved: str = Field(..., description="Rolling reserve of a shop on probation.")
    held: str = Field(..., description="Money of orders under a hold (a dispute).")
    paid_out: str
    in_flight: str = Field(..., description="Payouts sent, not yet confirmed.")


class CreatorBalanceOut(Schema):
    currency: str
    pending: str = Field(..., description="Commission while the return window is open.")
    payable: str
    paid_out: str
    in_flight: str


class ShopBalancesOut(Schema):
    items: list[ShopBalanceOut]


class CreatorBalancesOut(Schema):
    items: list[CreatorBalanceOut]


class StatementLineOut(Schema):
    id: int
    at: datetime
    account: str = Field(..., description="pending, available, reserved, held, payable, …")
    kind: str = Field(..., description="The money event: order_paid, line_refund, payout_paid…")
    memo: str
    order_id: int | None
    amount: str = Field(..., description="Added to (+) or taken from (−) that balance.")
    balance: str = Field(..., description="That balance after this entry.")
    currency: str


class StatementOut(Schema):
    items: list[StatementLineOut]
    next_cursor: str | None


class PayoutOut(Schema):
    id: int
    amount: str
    currency: str
    status: str
    provider: str
    destination: str
    transfer_id: str
    created_at: datetime
    paid_at: datetime | None


class PayoutListOut(Schema):
    items: list[PayoutOut]
    next_cursor: str | None


class CurrencyCheckOut(Schema):
    currency: str
    entries_sum: str = Field(..., description="Σ of every entry; must be 0.00.")
    clearing: str
    expected_clearing: str = Field(..., description="captured − refunds − paid out − chargebacks.")
    captured: str
    refunds: str
    paid_out: str
    chargebacks: str
    ok: bool


class KindOut(Schema):
    kind: str
    label: str
    count: int
    volume: str


class UnbalancedOut(Schema):
    transaction_id: int
    key: str
    currency: str
    total: str


class ReconciliationOut(Schema):
    ok: bool
    verdict: str
    currencies: list[CurrencyCheckOut]
    unbalanced: list[UnbalancedOut]
    kinds: list[KindOut]
    pending_refunds: int


def _shop_balance(sheet: selectors.Balances) -> dict:
    return {
        "currency": sheet.currency,
        "pending": format_money(sheet["seller_pending"]),
        "available": format_money(sheet["seller_available"]),
        "reserved": format_money(sheet["seller_reserved"]),
        "held": format_money(sheet["seller_held"]),
        "paid_out": format_money(sheet.paid_out),
        "in_flight": format_money(sheet.in_flight),
    }


def _creator_balance(sheet: selectors.Balances) -> dict:
    return {
        "currency": sheet.currency,
        "pending": format_money(sheet["creator_pending"]),
        "payable": format_money(sheet["creator_payable"]),
        "paid_out": format_money(sheet.paid_out),
        "in_flight": format_money(sheet.in_flight),
    }


def _line(line: selectors.StatementLine) -> dict:
    entry = line.entry
    return {
        "id": entry.pk,
        "at": entry.transaction.created_at,
        "account": entry.account.kind.split("_", 1)[1],
        "kind": entry.transaction.kind,
        "memo": entry.transaction.memo,
        "order_id": entry.order_id,
        "amount": format_money(line.amount),
        "balance": format_money(line.balance),
        "currency": entry.currency,
    }


def _statement(accounts, *, cursor, since: date | None, until: date | None) -> dict:
    page = selectors.statement_page(accounts, cursor=cursor, since=since, until=until)
    return {"items": [_line(line) for line in page.items], "next_cursor": page.next_cursor}


def _payout(payout) -> dict:
    return {
        "id": payout.pk,
        "amount": format_money(payout.amount),
        "currency": payout.currency,
        "status": payout.status,
        "provider": payout.provider,
        "destination": payout.destination,
        "transfer_id": payout.transfer_id,
        "created_at": payout.created_at,
        "paid_at": payout.paid_at,
    }


@router.get("/shops/{shop_id}/balance", response={200: ShopBalancesOut, **ERRORS})
def shop_balance(request, shop_id: int):
    selectors.require_shop_money(user=request.auth, shop_id=shop_id)
    return {"items": [_shop_balance(s) for s in selectors.shop_balances(shop_id=shop_id)]}


@router.get("/shops/{shop_id}/statement", response={200: StatementOut, **ERRORS})
def shop_statement(
    request, shop_id: int, cursor: str | None = None, since: str = "", until: str = ""
):
    selectors.require_shop_money(user=request.auth, shop_id=shop_id)
    return _statement(
        selectors.shop_accounts(shop_id=shop_id),
        cursor=cursor,
        since=selectors.parse_day(since, field="since"),
        until=selectors.parse_day(until, field="until"),
    )


@router.get("/shops/{shop_id}/payouts", response={200: PayoutListOut, **ERRORS})
def shop_payouts(request, shop_id: int, cursor: str | None = None):
    selectors.require_shop_money(user=request.auth, shop_id=shop_id)
    page = selectors.payouts_of(shop_id=shop_id, cursor=cursor)
    return {"items": [_payout(p) for p in page.items], "next_cursor": page.next_cursor}


@router.get("/me/balance", response={200: CreatorBalancesOut, **ERRORS})
def my_balance(request):
    return {
        "items": [_creator_balance(s) for s in selectors.creator_balances(user_id=request.auth.pk)]
    }


@router.get("/me/statement", response={200: StatementOut, **ERRORS})
def my_statement(request, cursor: str | None = None, since: str = "", until: str = ""):
    return _statement(
        selectors.creator_accounts(user_id=request.auth.pk),
        cursor=cursor,
        since=selectors.parse_day(since, field="since"),
        until=selectors.parse_day(until, field="until"),
    )


@router.get("/me/payouts", response={200: PayoutListOut, **ERRORS})
def my_payouts(request, cursor: str | None = None):
    page = selectors.payouts_of(user_id=request.auth.pk, cursor=cursor)
    return {"items": [_payout(p) for p in page.items], "next_cursor": page.next_cursor}


@router.get("/operator/reconciliation", response={200: ReconciliationOut, **ERRORS})
def reconciliation(request):
    if not request.auth.is_staff:
        raise PermissionDenied("Only operators see the reconciliation.", code="not_operator")
    report = selectors.reconciliation()
    return {
        "ok": report.ok,
        "verdict": report.verdict,
        "currencies": [
            {
                "currency": c.currency,
                "entries_sum": format_money(c.entries_sum),
                "clearing": format_money(c.clearing),
                "expected_clearing": format_money(c.expected_clearing),
                "captured": format_money(c.captured),
                "refunds": format_money(c.refunds),
                "paid_out": format_money(c.paid_out),
                "chargebacks": format_money(c.chargebacks),
                "ok": c.ok,
            }
            for c in report.currencies
        ],
        "unbalanced": [
            {
                "transaction_id": row["transaction_id"],
                "key": row["transaction__key"],
                "currency": row["currency"],
                "total": format_money(row["total"]),
            }
            for row in report.unbalanced
        ],
        "kinds": [{**row, "volume": format_money(row["volume"])} for row in report.kinds],
        "pending_refunds": report.pending_refunds,
    }


class DestinationIn(Schema):
    provider: str = Field(..., description='"test" or "stripe".')
    account_ref: str = Field(..., description='"test:…" or a Stripe account id "acct_…".')


class DestinationOut(Schema):
    provider: str
    account_ref: str


@router.put("/shops/{shop_id}/payout-destination", response={200: DestinationOut, **ERRORS})
def set_shop_destination(request, shop_id: int, body: DestinationIn):
    selectors.require_shop_money(user=request.auth, shop_id=shop_id)
    chosen = services.set_payout_destination(
        provider=body.provider, account_ref=body.account_ref, shop_id=shop_id
    )
    return {"provider": chosen.provider, "account_ref": chosen.account_ref}


@router.put("/me/payout-destination", response={200: DestinationOut, **ERRORS})
def set_my_destination(request, body: DestinationIn):
    chosen = services.set_payout_destination(
        provider=body.provider, account_ref=body.account_ref, user_id=request.auth.pk
    )
    return {"provider": chosen.provider, "account_ref": chosen.account_ref}
