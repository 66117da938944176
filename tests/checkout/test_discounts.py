"""Discount codes priced on the server: what a code takes off, how that is split over the lines
(exactly, in whole cents), what checkout records, and what happens when a code stops holding."""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clipcart.checkout import selectors, services
from clipcart.checkout.models import CartDiscount, DiscountCode, DiscountRedemption
from clipcart.checkout.selectors import allocate_discount
from clipcart.core.errors import Conflict, NotFound
from clipcart.inventory.models import Reservation
from clipcart.inventory.selectors import available_quantity
from clipcart.orders.models import Order, OrderLine
from clipcart.payments.models import Payment
from tests.conftest import ADDRESS
from tests.factories import UserFactory, make_product

D = Decimal


def cents(*amounts: str) -> list[Decimal]:
    return [D(a) for a in amounts]


# --- Allocation ---------------------------------------------------------------------------------


def test_a_discount_is_split_in_proportion_to_the_line_totals():
    assert allocate_discount(D("6.00"), cents("10.00", "20.00", "30.00")) == cents(
        "1.00", "2.00", "3.00"
    )


def test_the_cents_left_over_go_to_the_largest_remainders_then_to_the_earlier_line():
    # 10 cents over three equal lines: 3.33… each; the one cent left goes to the first line.
    assert allocate_discount(D("0.10"), cents("1.00", "1.00", "1.00")) == cents(
        "0.04", "0.03", "0.03"
    )
    # 1 cent over 0.01 and 0.02: quotas 0.33 and 0.67 cents; the larger remainder wins.
    assert allocate_discount(D("0.01"), cents("0.01", "0.02")) == cents("0.00", "0.01")


def test_a_discount_of_the_whole_subtotal_takes_every_line_to_zero():
    lines = cents("0.01", "9.99", "123.45")
    assert allocate_discount(sum(lines, D("0")), lines) == lines


def test_a_discount_larger_than_the_lines_or_in_fractions_of_a_cent_is_refused():
    with pytest.raises(ValueError):
        allocate_discount(D("3.01"), cents("1.00", "2.00"))
    with pytest.raises(ValueError):
        allocate_discount(D("0.005"), cents("1.00"))


line_totals = st.lists(st.integers(min_value=1, max_value=10_000_000), min_size=1, max_size=30)


@given(data=st.data(), totals=line_totals)
def test_line_discounts_add_up_to_the_discount_and_never_exceed_their_line(data, totals):
    discount_cents = data.draw(st.integers(min_value=0, max_value=sum(totals)))
    lines = [D(total) / 100 for total in totals]
    discount = D(discount_cents) / 100

    shares = allocate_discount(discount, lines)

    assert sum(shares, D("0")) == discount
    for share, line in zip(shares, lines, strict=True):
        assert D("0") <= share <= line
        assert share == share.quantize(D("0.01"))
        # Largest remainder: within one cent of the exact proportional share.
        assert abs(share - discount * line / sum(lines)) < D("0.01")


# --- Quotes -------------------------------------------------------------------------------------


def new_code(shop, code="SAVE10", kind="percent", value="10", **fields) -> DiscountCode:
    owner = shop.memberships.get(role="owner").user
    return services.create_discount_code(
        user=owner, shop_id=shop.pk, code=code, kind=kind, value=value, **fields
    )


def cart_of(user, *items):
    """A cart of (product, quantity) items."""
    cart = services.get_or_create_cart(user=user)
    for product, quantity in items:
        services.add_item(cart=cart, variant_id=product.variants.get().pk, quantity=quantity)
    return cart


def group_of(quote, shop):
    return next(group for group in quote.shops if group.shop.pk == shop.pk)


def test_a_percent_is_rounded_once_on_the_shop_subtotal_not_per_line(shopper, shop):
    # Three lines of 0.05 at 10%: 0.005 each would round to 0.01 each (0.03 in all); the rule
    # is one rounding, half-up, of 0.015.
    items = [(make_product(shop=shop, title=f"Pin {n}", price="0.05"), 1) for n in range(3)]
    cart = cart_of(shopper, *items)
    new_code(shop, value="10")
    services.apply_discount_code(cart=cart, code="save10")

    group = group_of(selectors.quote_cart(cart), shop)

    assert group.discount == D("0.02")
    assert sorted(line.discount for line in group.lines) == cents("0.00", "0.01", "0.01")


def test_an_amount_code_takes_at_most_the_subtotal_and_never_the_shipping(shopper, other_shop):
    book = make_product(shop=other_shop, title="Zine", price="4.00")
    cart = cart_of(shopper, (book, 2))
    new_code(other_shop, code="TENOFF", kind="amount", value="10.00")
    services.apply_discount_code(cart=cart, code="TENOFF")

    quote = selectors.quote_cart(cart)

    assert [quote.subtotal, quote.discount_total, quote.shipping_total] == cents(
        "8.00", "8.00", "3.00"
    )
    assert quote.total == D("3.00")
    assert [line.net_total for line in quote.lines] == cents("0.00")


def test_free_shipping_is_judged_on_the_subtotal_before_the_discount(shopper, shop, product):
    cart = cart_of(shopper, (product, 3))  # 60.00; free shipping from 50.00
    new_code(shop, value="25")
    services.apply_discount_code(cart=cart, code="SAVE10")

    quote = selectors.quote_cart(cart)

    assert [quote.subtotal, quote.discount_total, quote.shipping_total, quote.total] == cents(
        "60.00", "15.00", "0.00", "45.00"
    )


def test_a_code_takes_off_only_its_own_shops_items(shopper, shop, product, other_product):
    cart = cart_of(shopper, (product, 1), (other_product, 2))
    new_code(shop, value="50")
    services.apply_discount_code(cart=cart, code="SAVE10")

    quote = selectors.quote_cart(cart)

    assert group_of(quote, shop).discount == D("10.00")
    assert group_of(quote, other_product.shop).discount == D("0.00")
    assert quote.total == D("10.00") + D("4.99") + D("25.00") + D("3.00")


# --- Checkout -----------------------------------------------------------------------------------


def pay(buyer, cart):
    return services.checkout(
        buyer=buyer,
        cart=cart,
        shipping_address=ADDRESS,
        payment={"method": "test", "token": "tok_visa"},
        idempotency_key=None,
        request_body={},
    )


def test_checkout_charges_the_discounted_total_and_records_the_lines_shares(
    shopper, shop, product, other_product
):
    mug = make_product(shop=shop, title="Mug", price="7.50")
    cart = cart_of(shopper, (product, 1), (mug, 2), (other_product, 1))
    code = new_code(shop, value="15")
    services.apply_discount_code(cart=cart, code="SAVE10")

    result = pay(shopper, cart)

    assert result.status == 201
    order = Order.objects.get(shop=shop)
    lines = {line.title: line for line in OrderLine.objects.filter(order=order)}
    # 15% of 35.00 = 5.25, split 20.00 : 15.00 → 3.00 and 2.25.
    assert [order.subtotal, order.discount, order.total] == cents("35.00", "5.25", "34.74")
    assert [lines["Glow serum"].discount, lines["Mug"].discount] == cents("3.00", "2.25")
    assert lines["Glow serum"].net_total == D("17.00")
    assert Order.objects.get(shop=other_product.shop).discount == D("0.00")
    assert Payment.objects.get().amount == D("34.74") + D("15.50")
    redemption = DiscountRedemption.objects.get()
    assert (redemption.order, redemption.buyer, redemption.amount) == (order, shopper, D("5.25"))
    code.refresh_from_db()
    assert code.times_used == 1
    assert not CartDiscount.objects.exists()  # spent with the lines it discounted


def test_a_cart_keeps_one_code_per_shop_and_a_new_one_replaces_it(shopper, shop, product):
    cart = cart_of(shopper, (product, 1))
    new_code(shop, code="FIRST", value="10")
    new_code(shop, code="SECOND", value="20")

    services.apply_discount_code(cart=cart, code="FIRST")
    services.apply_discount_code(cart=cart, code="SECOND")

    assert [d.code.code for d in selectors.quote_cart(cart).discounts] == ["SECOND"]


def test_a_code_shared_by_two_shops_applies_to_each_of_them(shopper, shop, product, other_product):
    cart = cart_of(shopper, (product, 1), (other_product, 1))
    new_code(shop, code="WELCOME", value="10")
    new_code(other_product.shop, code="WELCOME", kind="amount", value="1.00")

    services.apply_discount_code(cart=cart, code="WELCOME")

    assert selectors.quote_cart(cart).discount_total == D("2.00") + D("1.00")


def deactivate(code):
    DiscountCode.objects.filter(pk=code.pk).update(is_active=False)


def expire(code):
    DiscountCode.objects.filter(pk=code.pk).update(
        starts_at=None, ends_at=code.created_at - timedelta(seconds=1)
    )


def use_up(code):
    DiscountCode.objects.filter(pk=code.pk).update(max_uses=1, times_used=1)


def suspend_shop(code):
    type(code.shop).objects.filter(pk=code.shop_id).update(status="suspended")


@pytest.mark.parametrize(
    ("stop", "reason_code", "reason", "refusal"),
    [
        (deactivate, "discount_inactive", "This code is no longer active.", "discount_inactive"),
        (expire, "discount_expired", "This code has expired.", "discount_expired"),
        (use_up, "discount_used_up", "This code has been used up.", "discount_used_up"),
        # A suspended shop sells nothing: its items are refused before its code is.
        (suspend_shop, "discount_inactive", "This code is no longer active.", "unavailable"),
    ],
)
def test_a_code_that_stopped_holding_is_shown_unapplied_and_checkout_refuses_to_charge(
    shopper, shop, product, stop, reason_code, reason, refusal
):
    cart = cart_of(shopper, (product, 1))
    code = new_code(shop)
    services.apply_discount_code(cart=cart, code="SAVE10")
    stop(code)

    quote = selectors.quote_cart(cart)
    (quoted,) = quote.discounts
    assert (quoted.applied, quoted.amount, quoted.problem.code) == (False, D("0.00"), reason_code)
    assert quoted.reason == reason
    assert quote.total == D("24.99")  # what is shown is what would be charged

    with pytest.raises(Conflict) as refused:
        pay(shopper, cart)
    assert refused.value.code == refusal
    assert not Order.objects.exists() and not Payment.objects.exists()
    assert not Reservation.objects.exists()


def test_a_cart_that_drops_below_the_minimum_shows_how_much_more_to_spend(shopper, shop, product):
    cart = cart_of(shopper, (product, 3))
    new_code(shop, min_subtotal="50.00")
    services.apply_discount_code(cart=cart, code="SAVE10")
    services.set_line_quantity(cart=cart, line_id=cart.lines.get().pk, quantity=2)

    (quoted,) = selectors.quote_cart(cart).discounts

    assert quoted.problem.code == "discount_min_subtotal"
    assert quoted.reason == "Spend at least 50.00 USD at Glow Lab to use this code."


def test_removing_a_code_restores_the_full_price(shopper, shop, product):
    cart = cart_of(shopper, (product, 1))
    new_code(shop)
    services.apply_discount_code(cart=cart, code="SAVE10")

    services.remove_discount_code(cart=cart, code="save10")

    assert selectors.quote_cart(cart).total == D("24.99")
    with pytest.raises(NotFound):
        services.remove_discount_code(cart=cart, code="SAVE10")


def test_the_last_use_taken_between_quote_and_confirm_fails_the_checkout_and_undoes_it(
    shopper, shop, product
):
    rival = UserFactory(username="rival")
    code = new_code(shop, max_uses=1)
    mine, theirs = cart_of(shopper, (product, 1)), cart_of(rival, (product, 1))
    services.apply_discount_code(cart=mine, code="SAVE10")
    services.apply_discount_code(cart=theirs, code="SAVE10")
    prepared = services.prepare_checkout(
        cart=mine, shipping_address=ADDRESS, payment={"method": "test", "token": "tok_visa"}
    )

    assert pay(rival, theirs).status == 201  # the rival confirms first
    with pytest.raises(Conflict) as refused:
        services.place_order(buyer=shopper, prepared=prepared)

    assert refused.value.code == "discount_used_up"
    assert list(Order.objects.values_list("buyer", flat=True)) == [rival.pk]
    assert Payment.objects.get(buyer=shopper).status == "voided"
    assert available_quantity(product.variants.get().pk) == 9
    code.refresh_from_db()
    assert code.times_used == 1 and DiscountRedemption.objects.count() == 1
    assert mine.lines.count() == 1  # the shopper's cart is untouched
