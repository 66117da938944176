"""Stripe without the network: recorded response bodies served by an HTTP client that checks
every request (method, path, form parameters, Idempotency-Key), and webhook deliveries signed
by Stripe's own library."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import stripe

from clipcart.payments import gateways

FIXTURES = Path(__file__).parent / "stripe_fixtures"
WEBHOOK_SECRET = "whsec_test_5f1c0d2b7a9e4c3b8d6a1f0e2c4b7a9d"
INTENT_ID = "pi_3QhKxL2eZvKYlo2C0a1b2c3d"


def recorded(name: str, **changes) -> dict:
    """A recorded Stripe body, with top-level fields changed where a test needs another value."""
    body = json.loads((FIXTURES / f"{name}.json").read_text())
    body.update(changes)
    return body


@dataclass
class Expected:
    method: str
    path: str
    body: dict
    status: int
    key: str | None
    params: dict[str, str]


class RecordedStripe(stripe.HTTPClient):
    """Answers the Stripe requests a test expects, in order, with recorded bodies."""

    name = "recorded"

    def __init__(self):
        super().__init__()
        self.expected: list[Expected] = []
        self.sent: list[dict] = []

    def expect(self, method, path, body, *, status=200, key=None, params=None) -> None:
        self.expected.append(Expected(method, path, body, status, key, dict(params or {})))

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        assert self.expected, f"unexpected Stripe request: {method.upper()} {url}"
        want = self.expected.pop(0)
        raw = post_data.decode() if isinstance(post_data, bytes) else post_data or ""
        form = dict(parse_qsl(raw))
        sent = {"method": method.upper(), "path": urlsplit(url).path, "form": form}
        self.sent.append({**sent, "headers": dict(headers or {})})
        assert (sent["method"], sent["path"]) == (want.method, want.path)
        assert headers and headers.get("Idempotency-Key"), "every Stripe call carries a key"
        if want.key is not None:
            assert headers["Idempotency-Key"] == want.key
        for name, value in want.params.items():
            assert form.get(name) == value, (name, form.get(name), value)
        return json.dumps(want.body), want.status, {"Request-Id": "req_recorded"}

    def close(self):
        return None


@pytest.fixture
def recorded_stripe(settings, monkeypatch):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    client = RecordedStripe()
    monkeypatch.setattr(gateways, "stripe_http_client", client)
    yield client
    assert not client.expected, f"expected Stripe requests never sent: {client.expected}"


@pytest.fixture
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
    return WEBHOOK_SECRET


def stripe_event(event_id: str, type_: str, obj: dict, *, created: int = 1763780500) -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2024-06-20",
            "created": created,
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
    )


def signature(payload: str, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send, computed by Stripe's library."""
    timestamp = int(time.time()) if at is None else at
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def deliver(api, payload: str, *, header: str | None = None):
    """POSTs one delivery the way Stripe does: raw JSON body and a Stripe-Signature header."""
    headers = {"Stripe-Signature": signature(payload) if header is None else header}
    return api.post("/webhooks/stripe", payload, headers=headers)
