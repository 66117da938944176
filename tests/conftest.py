"""Shared fixtures: the named personas of STYLE.md and an API client that speaks bearer."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from django.test import Client

from clipcart.accounts import services as account_services

from .factories import UserFactory, make_product, make_shop


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()  # rate-limit counters must not leak between tests
    yield
    cache.clear()


class ApiClient:
    """A thin JSON client for /api/v1 acting as one user."""

    def __init__(self, user=None):
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            token = account_services.issue_api_token(user=user)
            self.headers["Authorization"] = f"Bearer {token}"

    def _call(self, method: str, path: str, body=None, headers=None, **kwargs):
        all_headers = {**self.headers, **(headers or {})}
        data = json.dumps(body) if body is not None and not isinstance(body, str) else body
        return getattr(self.client, method)(
            f"/api/v1{path}",
            data=data,
            content_type="application/json",
            headers=all_headers,
            **kwargs,
        )

    def get(self, path, headers=None, **kwargs):
        return self.client.get(
            f"/api/v1{path}", headers={**self.headers, **(headers or {})}, **kwargs
        )

    def post(self, path, body=None, **kwargs):
        return self._call("post", path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self._call("patch", path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self._call("delete", path, None, **kwargs)


@pytest.fixture
def clock(monkeypatch):
    """time.time() stands still at a fixed instant; a test moves it with `clock[0] += s`."""
    now = [1_800_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


@pytest.fixture
def shopper(db):
    return UserFactory(username="shopper")


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


@pytest.fixture
def creator(db):
    user = UserFactory(username="creator")
    account_services.grant_creator_role(user=user)
    return user


@pytest.fixture
def seller(db):
    return UserFactory(username="seller")


@pytest.fixture
def other_seller(db):
    return UserFactory(username="other_seller")


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True, is_superuser=True)


@pytest.fixture
def shop(seller):
    return make_shop(
        owner=seller, name="Glow Lab", shipping_fee="4.99", free_shipping_threshold="50.00"
    )


@pytest.fixture
def other_shop(other_seller):
    return make_shop(owner=other_seller, name="Book Nook", shipping_fee="3.00")


@pytest.fixture
def product(shop):
    return make_product(shop=shop, title="Glow serum", price="20.00", stock=10)


@pytest.fixture
def other_product(other_shop):
    return make_product(shop=other_shop, title="Cozy mystery novel", price="12.50", stock=5)


@pytest.fixture
def api():
    return ApiClient()


@pytest.fixture
def shopper_api(shopper):
    return ApiClient(shopper)


@pytest.fixture
def seller_api(seller):
    return ApiClient(seller)


@pytest.fixture
def other_seller_api(other_seller):
    return ApiClient(other_seller)


ADDRESS = {
    "name": "Sam Shopper",
    "line1": "1 Main St",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}


def checkout_body(token: str = "tok_visa") -> dict:
    return {"shipping_address": ADDRESS, "payment": {"method": "test", "token": token}}


def pytest_collection_modifyitems(config, items):
    """PostgreSQL-only tests (real concurrency) are deselected, not skipped, on SQLite: CI runs
    the suite a second time on PostgreSQL, where they run."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]
