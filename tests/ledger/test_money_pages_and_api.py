"""Statements, balances and the reconciliation through the API and the pages: the owner sees
them, anyone else is told they do not exist."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from clipcart.ledger import services
from clipcart.ledger.services import posting

from ..conftest import ApiClient
from .helpers import deliver, paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(shopper, shop, product):
    order = paid_order(shopper, product)
    deliver(order)
    services.settle()
    return order


def test_the_shop_balance_shows_pending_available_reserved(seller_api, shop, booked):
    answer = seller_api.get(f"/shops/{shop.pk}/balance")
    assert answer.status_code == 200
    [usd] = answer.json()["items"]
    assert (usd["pending"], usd["available"], usd["reserved"], usd["currency"]) == (
        "0.00",
        "21.41",
        "2.38",
        "USD",
    )


def test_the_statement_lists_every_entry_with_its_running_balance(seller_api, shop, booked):
    answer = seller_api.get(f"/shops/{shop.pk}/statement")
    items = answer.json()["items"]
    assert [(i["account"], i["amount"], i["balance"]) for i in items] == [
        ("reserved", "2.38", "2.38"),
        ("available", "21.41", "21.41"),
        ("pending", "-23.79", "0.00"),
        ("pending", "23.79", "23.79"),
    ]
    assert items[0]["kind"] == "settlement" and items[-1]["order_id"] == booked.pk


def test_the_statement_pages_with_a_cursor(seller_api, shop, booked):
    available = posting.seller("seller_available", shop_id=shop.pk, currency="USD")
    fees = posting.platform("platform_fees", currency="USD")
    for n in range(60):  # charges of 0.10: 60 more entries of the shop, past one page of 50
        services.post(
            kind="listing_fee",
            key=f"listing:{1000 + n}",
            legs=[services.Leg(available, Decimal("0.10")), services.Leg(fees, Decimal("-0.10"))],
        )
    first = seller_api.get(f"/shops/{shop.pk}/statement").json()
    second = seller_api.get(f"/shops/{shop.pk}/statement?cursor={first['next_cursor']}").json()
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 64 and second["next_cursor"] is None
    assert seller_api.get(f"/shops/{shop.pk}/statement?cursor=zzz").status_code == 422
    assert seller_api.get(f"/shops/{shop.pk}/statement?since=31-12-2024").status_code == 422


@pytest.mark.parametrize("path", ["balance", "statement", "payouts"])
def test_another_shops_money_is_not_found(other_seller_api, shop, booked, path):
    answer = other_seller_api.get(f"/shops/{shop.pk}/{path}")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "shop_not_found"


def test_a_creator_reads_only_their_own_balance(creator, stranger, shop, booked):
    assert ApiClient(stranger).get("/me/balance").json() == {"items": []}
    assert ApiClient(stranger).get("/me/statement").json()["items"] == []


def test_the_reconciliation_is_for_operators_and_balances(seller_api, operator, booked):
    assert seller_api.get("/operator/reconciliation").status_code == 403
    report = ApiClient(operator).get("/operator/reconciliation").json()
    assert report["ok"] is True, report["verdict"]
    [usd] = report["currencies"]
    assert (usd["entries_sum"], usd["clearing"], usd["expected_clearing"]) == (
        "0.00",
        "24.99",
        "24.99",
    )


def test_a_payout_destination_is_set_by_the_shop_and_checked(seller_api, other_seller_api, shop):
    body = {"provider": "stripe", "account_ref": "acct_1Abc234Def"}
    path = f"/shops/{shop.pk}/payout-destination"
    assert seller_api._call("put", path, body).status_code == 200
    assert other_seller_api._call("put", path, body).status_code == 404
    bad = {"provider": "stripe", "account_ref": "IBAN123"}
    assert seller_api._call("put", path, bad).status_code == 422
    wire = {"provider": "wire", "account_ref": "x"}
    assert seller_api._call("put", path, wire).status_code == 422


# --- Pages ----------------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_seller_money_page_shows_balances_reserves_and_entries(seller, shop, booked):
    page = _client(seller).get(reverse("web:seller_money", args=[shop.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Reserve" in text and f"Order #{booked.pk}" in text and "21.41" in text


def test_the_seller_statement_downloads_as_csv(seller, shop, booked):
    answer = _client(seller).get(reverse("web:seller_money_csv", args=[shop.pk]))
    assert answer["Content-Type"].startswith("text/csv")
    rows = answer.content.decode().strip().splitlines()
    assert rows[0].startswith("entry,date") and len(rows) == 5


def test_another_seller_gets_a_404_for_the_money_pages(other_seller, shop, booked):
    client = _client(other_seller)
    assert client.get(reverse("web:seller_money", args=[shop.pk])).status_code == 404
    assert client.get(reverse("web:seller_money_csv", args=[shop.pk])).status_code == 404


def test_the_creator_money_page_and_csv(creator):
    client = _client(creator)
    assert "No commission yet" in client.get(reverse("web:creator_money")).content.decode()
    assert client.get(reverse("web:creator_money_csv")).status_code == 200


def test_the_reconciliation_page_is_for_staff_only(seller, operator, booked):
    assert _client(seller).get(reverse("web:reconciliation")).status_code == 404
    page = _client(operator).get(reverse("web:reconciliation"))
    assert page.status_code == 200 and "Balanced" in page.content.decode()
