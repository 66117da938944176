"""The operator's admin: every model is registered and its list, search and add pages work."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db
CLIPCART_APPS = {
    "accounts",
    "catalog",
    "inventory",
    "payments",
    "orders",
    "checkout",
    "media",
    "feed",
    "affiliate",
    "fulfillment",
    "returns",
    "ledger",
}


def clipcart_models():
    return [m for m in apps.get_models() if m._meta.app_label in CLIPCART_APPS]


def test_every_clipcart_model_is_in_the_admin():
    missing = [m.__name__ for m in clipcart_models() if not admin.site.is_registered(m)]
    assert missing == []


@pytest.mark.parametrize("model", clipcart_models(), ids=lambda m: m.__name__)
def test_each_admin_list_searches_and_filters_without_errors(client, operator, placed_world, model):
    client.force_login(operator)
    opts = model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "glow"}).status_code == 200
    model_admin = admin.site._registry[model]
    assert model_admin.list_display != ("__str__",), "list columns are configured"


def test_the_admin_is_closed_to_shoppers(client, shopper):
    client.force_login(shopper)
    response = client.get(reverse("admin:orders_order_changelist"))
    assert response.status_code == 302


def test_an_operator_can_take_a_shop_out_of_probation(client, operator, shop):
    client.force_login(operator)
    client.post(
        reverse("admin:catalog_shop_changelist"),
        {"action": "activate", "_selected_action": [shop.pk]},
    )
    shop.refresh_from_db()
    assert shop.status == "active"


@pytest.fixture
def placed_world(shopper_api, product, other_product):
    from ..conftest import checkout_body

    shopper_api.post("/cart/items", {"variant_id": product.variants.get().pk, "quantity": 1})
    shopper_api.post("/checkout", checkout_body())
