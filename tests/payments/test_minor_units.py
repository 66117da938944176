"""Amounts in a currency's smallest unit: exact both ways, or refused."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clipcart.core.errors import InvalidInput
from clipcart.payments.minor_units import from_minor_units, to_minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [("12.50", "USD", 1250), ("0.01", "eur", 1), ("1500", "JPY", 1500), ("12.34", "KWD", 12340)],
)
def test_amounts_become_the_integer_stripe_expects(amount, currency, minor):
    assert to_minor_units(Decimal(amount), currency) == minor


@pytest.mark.parametrize(("amount", "currency"), [("1500.50", "JPY"), ("12.345", "USD")])
def test_a_fraction_the_currency_cannot_express_is_refused(amount, currency):
    with pytest.raises(InvalidInput) as raised:
        to_minor_units(Decimal(amount), currency)
    assert raised.value.code == "amount_not_representable"


@given(
    cents=st.integers(min_value=1, max_value=10**12),
    currency=st.sampled_from(["USD", "EUR", "JPY", "KRW", "GBP"]),
)
def test_minor_units_round_trip(cents, currency):
    assert to_minor_units(from_minor_units(cents, currency), currency) == cents
