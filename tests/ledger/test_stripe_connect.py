"""The Stripe Connect payout adapter, through Stripe's own client with a recorded answer
instead of the network: the transfer carries Clipcart's payout key as Stripe's idempotency
key, amounts go in cents, and refusals and outages are told apart."""

import json
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import stripe

from clipcart.ledger import payouts, services
from clipcart.ledger.models import Payout
from clipcart.ledger.payouts import ProviderUnavailable, StripeConnectProvider

from .helpers import deliver, paid_order

# A Transfer as Stripe's API answers POST /v1/transfers (trimmed to the fields it always has).
RECORDED_TRANSFER = {
    "id": "tr_1PqRsT2eZvKYlo2C0a1b2c3d",
    "object": "transfer",
    "amount": 2379,
    "amount_reversed": 0,
    "balance_transaction": "txn_1PqRsT2eZvKYlo2C4e5f6g7h",
    "created": 1723200000,
    "currency": "usd",
    "description": None,
    "destination": "acct_1Nv0FGQ9RKHgCVdK",
    "destination_payment": "py_1PqRsTQ9RKHgCVdK8i9j0k1l",
    "livemode": False,
    "metadata": {},
    "reversals": {"object": "list", "data": [], "has_more": False, "url": "/v1/transfers/x"},
    "reversed": False,
    "source_transaction": None,
    "source_type": "card",
    "transfer_group": None,
}
NO_SUCH_ACCOUNT = {
    "error": {
        "code": "resource_missing",
        "message": "No such destination: 'acct_1Nv0FGQ9RKHgCVdK'",
        "param": "destination",
        "type": "invalid_request_error",
    }
}


class RecordedHttpClient(stripe.HTTPClient):
    """Answers every request with one recorded response and keeps what was sent."""

    name = "recorded"

    def __init__(self, body: dict, status: int = 200):
        super().__init__()
        self.body, self.status = body, status
        self.sent: list[dict] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.sent.append({"method": method, "url": url, "headers": headers, "data": post_data})
        return json.dumps(self.body), self.status, {"request-id": "req_recorded"}


def _transfer(client: RecordedHttpClient, **kwargs):
    provider = StripeConnectProvider(api_key="sk_test_recorded", http_client=client)
    return provider.transfer(
        amount=Decimal("23.79"),
        currency="USD",
        destination="acct_1Nv0FGQ9RKHgCVdK",
        idempotency_key="payout-abc",
        **kwargs,
    )


def test_a_transfer_sends_cents_the_destination_and_the_idempotency_key():
    client = RecordedHttpClient(RECORDED_TRANSFER)
    result = _transfer(client)
    assert (result.ok, result.transfer_id) == (True, "tr_1PqRsT2eZvKYlo2C0a1b2c3d")
    [sent] = client.sent
    assert sent["method"] == "post" and sent["url"].endswith("/v1/transfers")
    assert sent["headers"]["Idempotency-Key"] == "payout-abc"
    form = parse_qs(sent["data"] if isinstance(sent["data"], str) else sent["data"].decode())
    assert form["amount"] == ["2379"] and form["currency"] == ["usd"]
    assert form["destination"] == ["acct_1Nv0FGQ9RKHgCVdK"]


def test_a_refusal_is_a_failed_transfer_with_stripes_message():
    result = _transfer(RecordedHttpClient(NO_SUCH_ACCOUNT, status=400))
    assert result.ok is False and "No such destination" in result.message


def test_an_outage_leaves_the_payout_to_be_retried():
    with pytest.raises(ProviderUnavailable):
        _transfer(RecordedHttpClient({"error": {"type": "api_error", "message": "x"}}, 500))


def test_without_a_secret_key_stripe_is_unavailable():
    provider = StripeConnectProvider(api_key="")
    with pytest.raises(ProviderUnavailable):
        provider.transfer(
            amount=Decimal("1.00"), currency="USD", destination="acct_x", idempotency_key="k"
        )


@pytest.mark.django_db
def test_a_payout_run_pays_a_shop_through_stripe_connect(shopper, shop, product):
    shop.status = "active"
    shop.save()
    deliver(paid_order(shopper, product))
    services.settle()
    services.set_payout_destination(
        provider="stripe", account_ref="acct_1Nv0FGQ9RKHgCVdK", shop_id=shop.pk
    )
    client = RecordedHttpClient(RECORDED_TRANSFER)
    payouts.use_provider("stripe", StripeConnectProvider(api_key="sk_test_x", http_client=client))
    try:
        [payout] = services.run_payouts()
    finally:
        payouts.use_provider("stripe", None)
    assert (payout.status, payout.transfer_id) == ("paid", RECORDED_TRANSFER["id"])
    assert client.sent[0]["headers"]["Idempotency-Key"] == Payout.objects.get().key
