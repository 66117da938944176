"""Payouts: balances above the minimum are paid once, through the provider, with a key that
makes a crashed or repeated run pay nothing twice."""

from decimal import Decimal
from unittest import mock

import pytest
from django.test import override_settings

from clipcart.affiliate import services as affiliate_services
from clipcart.affiliate.models import Commission
from clipcart.ledger import services
from clipcart.ledger.models import Account, LedgerTransaction, Payout, TestPayoutTransfer
from clipcart.ledger.services import payouts as payout_services

from ..affiliate.helpers import anchor_click, open_plan_with
from .helpers import (
    creator_balance,
    deliver,
    ledger_sums_to_zero,
    paid_order,
    platform_balance,
    shop_balance,
)

pytestmark = pytest.mark.django_db
K = Account.Kind
D = Decimal


@pytest.fixture
def settled_shop(shopper, shop, product):
    shop.status = "active"
    shop.save()
    deliver(paid_order(shopper, product))
    services.settle()
    return shop


def test_an_available_balance_is_paid_out_once(settled_shop):
    [payout] = services.run_payouts()
    assert (payout.status, payout.amount, payout.destination) == (
        "paid",
        D("23.79"),
        f"test:shop-{settled_shop.pk}",
    )
    assert TestPayoutTransfer.objects.get().amount == D("23.79")
    assert shop_balance(settled_shop.pk, K.SELLER_AVAILABLE) == D("0.00")
    assert platform_balance(K.PAYOUTS_IN_FLIGHT) == D("0.00")
    assert platform_balance(K.PLATFORM_CLEARING) == D("24.99") - D("23.79")
    assert services.run_payouts() == []
    assert TestPayoutTransfer.objects.count() == 1


@override_settings(CLIPCART_PAYOUT_MINIMUM="25.00")
def test_a_balance_under_the_minimum_is_not_paid_out(settled_shop):
    assert services.run_payouts() == []
    assert not Payout.objects.exists()
    assert shop_balance(settled_shop.pk, K.SELLER_AVAILABLE) == D("23.79")


def test_a_crash_after_the_provider_paid_is_recorded_once_on_the_next_run(settled_shop):
    with (
        mock.patch.object(payout_services, "record_result", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        services.run_payouts()
    payout = Payout.objects.get()
    assert payout.status == "pending" and TestPayoutTransfer.objects.count() == 1
    services.run_payouts()
    payout.refresh_from_db()
    assert payout.status == "paid"
    assert TestPayoutTransfer.objects.count() == 1
    assert payout.transfer_id == TestPayoutTransfer.objects.get().transfer_id
    assert LedgerTransaction.objects.filter(kind="payout_paid").count() == 1
    assert shop_balance(settled_shop.pk, K.SELLER_AVAILABLE) == D("0.00")
    assert ledger_sums_to_zero()


def test_a_refused_payout_gives_the_money_back(settled_shop):
    services.set_payout_destination(
        provider="test", account_ref="test:closed", shop_id=settled_shop.pk
    )
    [payout] = services.run_payouts()
    assert payout.status == "failed" and "closed" in payout.last_error
    assert shop_balance(settled_shop.pk, K.SELLER_AVAILABLE) == D("23.79")
    assert platform_balance(K.PAYOUTS_IN_FLIGHT) == D("0.00")


def test_a_provider_outage_leaves_the_payout_pending_for_the_next_run(settled_shop):
    from clipcart.ledger.payouts import ProviderUnavailable, TestPayoutProvider

    with mock.patch.object(
        TestPayoutProvider, "transfer", side_effect=ProviderUnavailable("timeout")
    ):
        [payout] = services.run_payouts()
    assert (payout.status, payout.attempts) == ("pending", 1)
    services.run_payouts()
    assert Payout.objects.get().status == "paid"
    assert Payout.objects.count() == 1


def test_a_creators_payable_commission_is_paid_and_marked_paid(
    seller, shop, product, creator, shopper
):
    plan = open_plan_with(seller, shop, [product], rate="50")
    affiliate_services.join_plan(creator=creator, plan_id=plan.pk)
    anchor_click(shopper, creator, product)
    order = paid_order(shopper, product)
    deliver(order, days_ago=40)
    affiliate_services.release_payable()
    assert creator_balance(creator.pk, K.CREATOR_PAYABLE) == D("10.00")
    payouts = services.run_payouts()
    creator_payout = next(p for p in payouts if p.user_id == creator.pk)
    assert creator_payout.amount == D("10.00")
    assert Commission.objects.get(order=order).status == "paid"
    assert creator_balance(creator.pk, K.CREATOR_PAYABLE) == D("0.00")


def test_a_bad_payout_destination_is_refused(shop):
    from clipcart.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        services.set_payout_destination(provider="test", account_ref="bank", shop_id=shop.pk)
    with pytest.raises(InvalidInput):
        services.set_payout_destination(provider="stripe", account_ref="acct_", shop_id=shop.pk)
