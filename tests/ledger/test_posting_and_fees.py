"""The posting rules (balanced, in cents, once per key) and the fee rules with new-seller
incentives."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clipcart.catalog.models import Category
from clipcart.core.errors import InvalidInput
from clipcart.ledger import services
from clipcart.ledger.models import (
    Account,
    Entry,
    FeeRule,
    LedgerTransaction,
    OrderFee,
    SellerIncentive,
)
from clipcart.ledger.services import posting

from ..factories import make_product
from .helpers import paid_order, platform_balance, shop_balance

pytestmark = pytest.mark.django_db
K = Account.Kind
D = Decimal


def _legs(a: str, b: str):
    clearing = posting.platform(K.PLATFORM_CLEARING, currency="USD")
    fees = posting.platform(K.PLATFORM_FEES, currency="USD")
    return [services.Leg(clearing, D(a)), services.Leg(fees, D(b))]


def test_an_unbalanced_posting_is_refused_and_writes_nothing(db):
    with pytest.raises(services.UnbalancedTransaction) as refused:
        services.post(kind="hold", key="bad", legs=_legs("10.00", "-9.99"))
    assert refused.value.code == "unbalanced_transaction"
    assert not LedgerTransaction.objects.exists() and not Entry.objects.exists()


def test_a_posting_in_fractions_of_a_cent_is_refused(db):
    with pytest.raises(services.UnbalancedTransaction):
        services.post(kind="hold", key="bad", legs=_legs("0.005", "-0.005"))


def test_a_replayed_key_is_one_transaction(db):
    first, made = services.post(kind="hold", key="k", legs=_legs("5.00", "-5.00"))
    again, made_again = services.post(kind="hold", key="k", legs=_legs("5.00", "-5.00"))
    assert (made, made_again, first.pk) == (True, False, again.pk)
    assert Entry.objects.count() == 2


@pytest.mark.parametrize("percent", ["-1", "50.01", "abc", 6.5, None, "1.234"])
def test_fee_percent_outside_0_to_50_is_refused(db, percent):
    with pytest.raises(InvalidInput):
        services.set_fee_rule(category_id=None, percent=percent)
    assert not FeeRule.objects.exists()


def test_the_admin_form_refuses_a_fee_over_50_percent(db):
    with pytest.raises(ValidationError):
        FeeRule(percent=D("60")).full_clean()


def test_a_category_rule_sets_the_fee_of_its_products_and_children(shopper, shop):
    beauty = Category.objects.create(name="Beauty", slug="beauty")
    serums = Category.objects.create(name="Serums", slug="serums", parent=beauty)
    services.set_fee_rule(category_id=beauty.pk, percent="10")
    product = make_product(shop=shop, price="20.00")
    product.category = serums
    product.save()
    order = paid_order(shopper, product)
    services.post_order_paid(order_id=order.pk)
    assert platform_balance(K.PLATFORM_FEES) == D("2.00")
    fee = OrderFee.objects.get(order_id=order.pk)
    assert fee.lines[0]["rule_id"] == FeeRule.objects.get(category=beauty).pk


def test_a_new_seller_incentive_waives_the_fee_until_its_gmv_limit(shopper, shop, product):
    SellerIncentive.objects.create(name="Launch", days=90, fee_percent=D("0"), gmv_limit=D("30"))
    first = paid_order(shopper, product)
    services.post_order_paid(order_id=first.pk)
    assert platform_balance(K.PLATFORM_FEES) == D("0.00")
    second = paid_order(shopper, product)
    services.post_order_paid(order_id=second.pk)
    assert platform_balance(K.PLATFORM_FEES) == D("0.00")  # 20 sold before: under 30
    third = paid_order(shopper, product)
    services.post_order_paid(order_id=third.pk)
    assert platform_balance(K.PLATFORM_FEES) == D("1.20")  # 40 sold: the promotion ended
    assert OrderFee.objects.get(order_id=third.pk).incentive is None


def test_an_incentive_ends_after_its_days(shopper, shop, product):
    SellerIncentive.objects.create(name="Launch", days=30, fee_percent=D("0"))
    type(shop).objects.filter(pk=shop.pk).update(created_at=timezone.now() - timedelta(days=31))
    order = paid_order(shopper, product)
    services.post_order_paid(order_id=order.pk)
    assert platform_balance(K.PLATFORM_FEES) == D("1.20")


def test_the_platform_pays_the_shipping_of_a_free_shipping_order(shopper, shop, product):
    SellerIncentive.objects.create(name="Ship free", days=90, shipping_subsidy=D("3.00"))
    order = paid_order(shopper, product, quantity=3)  # 60.00, over the 50.00 threshold
    assert order.shipping_fee == 0
    services.post_order_paid(order_id=order.pk)
    assert platform_balance(K.PLATFORM_INCENTIVES) == D("3.00")
    assert shop_balance(shop.pk, K.SELLER_PENDING) == D("60.00") - D("3.60") + D("3.00")


def test_a_listing_fee_is_charged_once_and_free_listings_waive_it(shop, product):
    services.set_fee_rule(category_id=None, percent="6", listing_fee="0.20")
    services.settle()
    services.settle()
    assert shop_balance(shop.pk, K.SELLER_AVAILABLE) == D("-0.20")
    SellerIncentive.objects.create(name="Free listings", days=90, free_listings=True)
    make_product(shop=shop, title="Second")
    services.settle()
    assert shop_balance(shop.pk, K.SELLER_AVAILABLE) == D("-0.20")
    assert LedgerTransaction.objects.filter(kind="listing_fee").count() == 2
