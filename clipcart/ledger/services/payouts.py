"""Payouts: available seller balances and payable creator balances at or above
CLIPCART_PAYOUT_MINIMUM go to their owners.

Three steps, so that no crash can pay twice or lose money:
1. `initiate_payout` — in one transaction, under the party's account locks: a `pending` Payout
   row with its idempotency key, and the balance moved to payouts_in_flight. Committed.
2. the provider is called with that key, outside any transaction or lock;
3. `record_result` — under the payout's row lock: paid (payouts_in_flight → clearing, the
   creator's commissions marked paid) or refused (the money goes back).
A run that dies between 2 and 3 leaves the payout `pending`; the next run calls the provider
again with the same key, gets the first transfer back, and records it once.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from clipcart.affiliate.models import Commission
from clipcart.core.errors import InvalidInput

from .. import locks, payouts
from ..models import Account, LedgerTransaction, Payout, PayoutDestination
from . import balances, posting
from .posting import Leg

logger = logging.getLogger(__name__)
K = Account.Kind
T = LedgerTransaction.Kind
PAYABLE_KINDS = (K.SELLER_AVAILABLE, K.CREATOR_PAYABLE)
MAX_ATTEMPTS = 10
PROVIDERS = ("test", "stripe")


def minimum() -> Decimal:
    return Decimal(settings.CLIPCART_PAYOUT_MINIMUM)


# --- Destinations ---------------------------------------------------------------------------------


def set_payout_destination(
    *, provider: str, account_ref: str, shop_id: int | None = None, user_id: int | None = None
) -> PayoutDestination:
    """Where a shop's (or a creator's) payouts go. The caller has checked who may set it."""
    if provider not in PROVIDERS:
        raise InvalidInput("Payouts go through the test provider or Stripe.", field="provider")
    ref = payouts.get_provider(provider).check_destination(account_ref)
    owner = {"shop_id": shop_id} if shop_id is not None else {"user_id": user_id}
    destination, _ = PayoutDestination.objects.update_or_create(
        **owner, defaults={"provider": provider, "account_ref": ref}
    )
    return destination


def destination_of(account: Account) -> tuple[str, str] | None:
    """(provider, account id) for the account's owner. With the built-in test provider every
    party has an automatic destination; a real provider needs one the owner set."""
    owner = {"shop_id": account.shop_id} if account.shop_id else {"user_id": account.user_id}
    chosen = PayoutDestination.objects.filter(**owner).first()
    if chosen is not None:
        return chosen.provider, chosen.account_ref
    if payouts.default_provider_name() == "test":
        party = f"shop-{account.shop_id}" if account.shop_id else f"user-{account.user_id}"
        return "test", f"test:{party}"
    return None


# --- Runs -----------------------------------------------------------------------------------------


def run_payouts() -> list[Payout]:
    """Retries pending payouts, then pays every balance above the minimum. Safe to run twice
    at once: the account locks let one run create a payout, the payout lock records it once."""
    for payout_id in Payout.objects.filter(status=Payout.Status.PENDING).values_list(
        "pk", flat=True
    ):
        deliver(payout_id=payout_id)
    made = []
    for account_id in Account.objects.filter(kind__in=PAYABLE_KINDS).values_list("pk", flat=True):
        payout = initiate_payout(account_id=account_id)
        if payout is not None:
            made.append(deliver(payout_id=payout.pk))
    return made


def initiate_payout(*, account_id: int) -> Payout | None:
    """Step 1. None when the balance is under the minimum, a payout of it is still pending, or
    its owner has no destination."""
    account = Account.objects.get(pk=account_id)
    with transaction.atomic():
        account = _lock_party(account)
        if Payout.objects.filter(account=account, status=Payout.Status.PENDING).exists():
            return None
        amount = balances.owed(account)
        if amount < minimum() or amount <= 0:
            return None
        destination = destination_of(account)
        if destination is None:
            logger.info("No payout destination for %s", account.code)
            return None
        payout = Payout.objects.create(
            key=f"payout-{uuid.uuid4().hex}",
            account=account,
            shop_id=account.shop_id,
            user_id=account.user_id,
            amount=amount,
            currency=account.currency,
            provider=destination[0],
            destination=destination[1],
            commission_ids=_payable_commissions(account),
        )
        in_flight = posting.platform(K.PAYOUTS_IN_FLIGHT, currency=account.currency)
        posting.post(
            kind=T.PAYOUT_INITIATED,
            key=f"payout:{payout.pk}:initiated",
            legs=[Leg(account, amount), Leg(in_flight, -amount)],
            shop_id=account.shop_id,
            memo=f"Payout {payout.pk} to {payout.destination}",
        )
    return payout


def _lock_party(account: Account) -> Account:
    if account.shop_id:
        locked = locks.lock_shop_accounts(shop_id=account.shop_id, currency=account.currency)
    else:
        assert account.user_id is not None
        locked = locks.lock_creator_accounts(user_id=account.user_id, currency=account.currency)
    return locked[account.kind]


def _payable_commissions(account: Account) -> list[int]:
    """The commissions a creator payout pays: payable ones whose money reached payable."""
    if account.kind != K.CREATOR_PAYABLE:
        return []
    moved = LedgerTransaction.objects.filter(kind=T.COMMISSION_PAYABLE).values_list(
        "key", flat=True
    )
    moved_ids = {int(key.split(":")[1]) for key in moved}
    return sorted(
        Commission.objects.filter(
            creator_id=account.user_id,
            currency=account.currency,
            status=Commission.Status.PAYABLE,
            pk__in=moved_ids,
        ).values_list("pk", flat=True)
    )


def deliver(*, payout_id: int) -> Payout:
    """Steps 2 and 3 for a pending payout. Precondition: no transaction open (a provider call
    can take seconds and must not hold a lock)."""
    payout = Payout.objects.get(pk=payout_id)
    if payout.status != Payout.Status.PENDING:
        return payout
    provider = payouts.get_provider(payout.provider)
    try:
        result = provider.transfer(
            amount=payout.amount,
            currency=payout.currency,
            destination=payout.destination,
            idempotency_key=payout.key,
        )
    except payouts.ProviderUnavailable as error:
        return _note_attempt(payout, error=str(error))
    return record_result(payout_id=payout.pk, result=result)


def _note_attempt(payout: Payout, *, error: str) -> Payout:
    """The provider did not answer: the payout stays pending for the next run (with the same
    key), and an operator is told once it keeps failing."""
    payout.attempts += 1
    payout.last_error = error[:300]
    payout.save(update_fields=["attempts", "last_error", "updated_at"])
    if payout.attempts >= MAX_ATTEMPTS:
        logger.error("Payout %s still unanswered after %s attempts", payout.pk, payout.attempts)
    return payout


def record_result(*, payout_id: int, result: payouts.TransferResult) -> Payout:
    """Step 3, once: a second recording of the same payout finds it no longer pending."""
    with transaction.atomic():
        payout = locks.lock_payout(payout_id=payout_id)
        assert payout is not None
        if payout.status != Payout.Status.PENDING:
            return payout
        if result.ok:
            _record_paid(payout, transfer_id=result.transfer_id)
        else:
            _record_refused(payout, message=result.message)
    _tell_owner(payout)
    return payout


def _record_paid(payout: Payout, *, transfer_id: str) -> None:
    from clipcart.affiliate import services as affiliate_services

    currency = payout.currency
    posting.post(
        kind=T.PAYOUT_PAID,
        key=f"payout:{payout.pk}:paid",
        legs=[
            Leg(posting.platform(K.PAYOUTS_IN_FLIGHT, currency=currency), payout.amount),
            Leg(posting.platform(K.PLATFORM_CLEARING, currency=currency), -payout.amount),
        ],
        shop_id=payout.shop_id,
        memo=f"Payout {payout.pk} sent ({transfer_id})",
    )
    payout.status, payout.transfer_id, payout.paid_at = (
        Payout.Status.PAID,
        transfer_id,
        timezone.now(),
    )
    payout.save(update_fields=["status", "transfer_id", "paid_at", "updated_at"])
    if payout.commission_ids:
        affiliate_services.pay_out(
            commission_ids=payout.commission_ids, reference=f"payout {payout.pk} ({transfer_id})"
        )


def _record_refused(payout: Payout, *, message: str) -> None:
    posting.post(
        kind=T.PAYOUT_FAILED,
        key=f"payout:{payout.pk}:failed",
        legs=[
            Leg(posting.platform(K.PAYOUTS_IN_FLIGHT, currency=payout.currency), payout.amount),
            Leg(payout.account, -payout.amount),
        ],
        shop_id=payout.shop_id,
        memo=f"Payout {payout.pk} refused: {message}"[:300],
    )
    payout.status, payout.last_error = Payout.Status.FAILED, message[:300]
    payout.save(update_fields=["status", "last_error", "updated_at"])


def _tell_owner(payout: Payout) -> None:
    from clipcart.accounts import services as account_services
    from clipcart.catalog import selectors as catalog_selectors

    if payout.status == Payout.Status.PAID:
        message = f"{payout.amount} {payout.currency} is on its way to your account."
    else:
        message = f"A payout of {payout.amount} {payout.currency} was refused: {payout.last_error}"
    if payout.shop_id:
        user_ids = catalog_selectors.staff_ids(shop_id=payout.shop_id)
        url = f"/seller/{payout.shop_id}/money/"
    else:
        user_ids, url = [payout.user_id or 0], "/studio/money/"
    from django.contrib.auth import get_user_model

    def send() -> None:
        for user in get_user_model().objects.filter(pk__in=user_ids):
            account_services.notify(user=user, kind="payout", message=message, url=url)

    transaction.on_commit(send, robust=True)
