"""The discount API: shops manage their codes, shoppers apply them, and every bad input gets a
clear error code."""

from datetime import timedelta

import pytest
from django.utils import timezone

from clipcart.checkout.models import DiscountCode

from ..conftest import checkout_body

pytestmark = pytest.mark.django_db


def codes_url(shop) -> str:
    return f"/shops/{shop.pk}/discount-codes"


def create(api, shop, **body):
    return api.post(codes_url(shop), {"code": "SAVE10", "kind": "percent", "value": "10", **body})


def add_to_cart(api, product, quantity=1):
    response = api.post(
        "/cart/items", {"variant_id": product.variants.get().pk, "quantity": quantity}
    )
    assert response.status_code == 201, response.content


def error_of(response) -> tuple[int, str, str | None]:
    error = response.json()["error"]
    return response.status_code, error["code"], error["field"]


# --- Shops manage codes -------------------------------------------------------------------------


def test_shop_staff_create_list_and_switch_off_a_code(seller_api, shop):
    created = create(
        seller_api, shop, code=" summer-25 ", value="12.5", min_subtotal="30", max_uses=100
    )

    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in ("code", "kind", "value", "currency", "min_subtotal")} == {
        "code": "SUMMER-25",
        "kind": "percent",
        "value": "12.50",
        "currency": "USD",
        "min_subtotal": "30.00",
    }
    assert (body["max_uses"], body["times_used"], body["is_active"]) == (100, 0, True)
    listed = seller_api.get(codes_url(shop)).json()
    assert [c["code"] for c in listed["items"]] == ["SUMMER-25"]
    assert listed["next_cursor"] is None

    patched = seller_api.patch(f"{codes_url(shop)}/{body['id']}", {"is_active": False})
    assert patched.status_code == 200 and patched.json()["is_active"] is False


def test_an_amount_code_is_in_the_shops_currency(seller_api, shop):
    response = create(seller_api, shop, code="FIVE", kind="amount", value="5")
    assert response.status_code == 201
    assert (response.json()["value"], response.json()["currency"]) == ("5.00", "USD")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"value": "0"}, "value"),
        ({"value": "91"}, "value"),
        ({"value": "0.99"}, "value"),
        ({"value": "abc"}, "value"),
        ({"value": "10.125"}, "value"),
        ({"value": "NaN"}, "value"),
        ({"value": 12.5}, "value"),  # a float is refused: money and rates travel as strings
        ({"kind": "amount", "value": "0"}, "value"),
        ({"kind": "amount", "value": "-5"}, "value"),
        ({"kind": "amount", "value": "1.001"}, "value"),
        ({"kind": "bogo"}, "kind"),
        ({"code": "AB"}, "code"),
        ({"code": "X" * 33}, "code"),
        ({"code": "SAVE 10"}, "code"),
        ({"code": "ÉTÉ10"}, "code"),
        ({"min_subtotal": "0"}, "min_subtotal"),
        ({"max_uses": 0}, "max_uses"),
        ({"ends_at": "2000-01-01T00:00:00Z"}, "ends_at"),
        ({"starts_at": "2100-01-02T00:00:00Z", "ends_at": "2100-01-01T00:00:00Z"}, "ends_at"),
    ],
)
def test_a_code_with_bad_input_is_422_naming_the_field(seller_api, shop, body, field):
    response = create(seller_api, shop, **body)

    assert error_of(response) == (422, "invalid", field)
    assert not DiscountCode.objects.exists()


def test_a_shop_cannot_have_the_same_code_twice(seller_api, shop):
    create(seller_api, shop)
    again = create(seller_api, shop, code="save10", value="20")
    assert error_of(again) == (409, "discount_code_taken", "code")


def test_another_shops_staff_cannot_see_create_or_change_its_codes(
    seller_api, other_seller_api, shop, other_shop
):
    code_id = create(seller_api, shop).json()["id"]

    assert error_of(create(other_seller_api, shop))[:2] == (403, "not_shop_staff")
    assert other_seller_api.get(codes_url(shop)).status_code == 403
    patch = other_seller_api.patch(f"{codes_url(shop)}/{code_id}", {"is_active": False})
    assert patch.status_code == 403
    # Through their own shop, someone else's code is not found.
    own_shop = other_seller_api.patch(f"{codes_url(other_shop)}/{code_id}", {"is_active": False})
    assert error_of(own_shop)[:2] == (404, "discount_not_found")
    assert DiscountCode.objects.get().is_active
    assert not DiscountCode.objects.filter(shop=shop).exclude(pk=code_id).exists()


def test_a_shopper_cannot_manage_codes_and_strangers_must_sign_in(shopper_api, api, shop):
    assert create(shopper_api, shop).status_code == 403
    assert create(api, shop).status_code == 401
    assert api.post("/cart/discounts", {"code": "SAVE10"}).status_code == 401


# --- Shoppers apply codes -----------------------------------------------------------------------


def test_applying_a_code_discounts_the_cart_and_the_order(seller_api, shopper_api, shop, product):
    create(seller_api, shop, value="25")
    add_to_cart(shopper_api, product, 2)

    response = shopper_api.post("/cart/discounts", {"code": "save10"})

    assert response.status_code == 200, response.content
    cart = response.json()
    assert {"lines", "total", "currency"} <= cart.keys()
    assert {"id", "variant_id", "quantity", "unit_price", "currency"} <= cart["lines"][0].keys()
    assert cart["discounts"] == [
        {
            "code": "SAVE10",
            "shop_id": shop.pk,
            "amount": "10.00",
            "applied": True,
            "reason": None,
            "reason_code": None,
        }
    ]
    assert (cart["subtotal"], cart["discount_total"], cart["total"]) == ("40.00", "10.00", "34.99")
    assert shopper_api.get("/cart").json()["discount_total"] == "10.00"

    placed = shopper_api.post("/checkout", checkout_body())
    assert placed.status_code == 201 and placed.json()["orders"][0]["total"] == "34.99"
    order = shopper_api.get(f"/orders/{placed.json()['orders'][0]['id']}").json()
    assert (order["subtotal"], order["discount"], order["total"]) == ("40.00", "10.00", "34.99")


def test_applying_the_same_code_twice_is_fine(seller_api, shopper_api, shop, product):
    create(seller_api, shop)
    add_to_cart(shopper_api, product)

    first = shopper_api.post("/cart/discounts", {"code": "SAVE10"})
    again = shopper_api.post("/cart/discounts", {"code": "SAVE10"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    assert len(again.json()["discounts"]) == 1


def test_an_unknown_code_and_another_shops_inactive_code_are_the_same_404(
    seller_api, other_seller_api, shopper_api, product, other_shop
):
    off_id = create(other_seller_api, other_shop, code="HIDDEN").json()["id"]
    other_seller_api.patch(f"{codes_url(other_shop)}/{off_id}", {"is_active": False})
    add_to_cart(shopper_api, product)

    unknown = shopper_api.post("/cart/discounts", {"code": "NOPE"})
    inactive = shopper_api.post("/cart/discounts", {"code": "HIDDEN"})

    assert error_of(unknown) == error_of(inactive) == (404, "discount_not_found", "code")
    assert (
        unknown.json()["error"]["message"].replace("NOPE", "HIDDEN")
        == (inactive.json()["error"]["message"])
    )


def test_a_code_for_a_shop_the_cart_buys_nothing_from_is_not_found(
    other_seller_api, shopper_api, product, other_shop
):
    create(other_seller_api, other_shop)
    add_to_cart(shopper_api, product)

    assert error_of(shopper_api.post("/cart/discounts", {"code": "SAVE10"}))[0] == 404


def test_a_malformed_code_is_422(shopper_api, product):
    add_to_cart(shopper_api, product)
    assert error_of(shopper_api.post("/cart/discounts", {"code": "a b"})) == (
        422,
        "invalid",
        "code",
    )
    assert error_of(shopper_api.post("/cart/discounts", {"code": 10}))[:2] == (422, "invalid")


def test_an_expired_code_is_409(seller_api, shopper_api, shop, product):
    code_id = create(seller_api, shop).json()["id"]
    DiscountCode.objects.filter(pk=code_id).update(ends_at=timezone.now() - timedelta(minutes=1))
    add_to_cart(shopper_api, product)

    response = shopper_api.post("/cart/discounts", {"code": "SAVE10"})

    assert error_of(response) == (409, "discount_expired", "code")
    assert response.json()["error"]["message"] == "SAVE10: This code has expired."


def test_a_code_not_started_yet_is_409(seller_api, shopper_api, shop, product):
    create(seller_api, shop, starts_at=(timezone.now() + timedelta(days=2)).isoformat())
    add_to_cart(shopper_api, product)

    response = shopper_api.post("/cart/discounts", {"code": "SAVE10"})

    assert error_of(response)[:2] == (409, "discount_not_started")


def test_a_used_up_code_is_409(seller_api, shopper_api, shop, product):
    code_id = create(seller_api, shop, max_uses=1).json()["id"]
    DiscountCode.objects.filter(pk=code_id).update(times_used=1)
    add_to_cart(shopper_api, product)

    assert error_of(shopper_api.post("/cart/discounts", {"code": "SAVE10"}))[:2] == (
        409,
        "discount_used_up",
    )


def test_a_cart_below_the_minimum_is_409(seller_api, shopper_api, shop, product):
    create(seller_api, shop, min_subtotal="50.00")
    add_to_cart(shopper_api, product)

    response = shopper_api.post("/cart/discounts", {"code": "SAVE10"})

    assert error_of(response)[:2] == (409, "discount_min_subtotal")
    assert "50.00" in response.json()["error"]["message"]


def test_a_switched_off_code_stays_on_the_cart_as_not_applied_and_blocks_checkout(
    seller_api, shopper_api, shop, product
):
    code_id = create(seller_api, shop).json()["id"]
    add_to_cart(shopper_api, product)
    shopper_api.post("/cart/discounts", {"code": "SAVE10"})
    seller_api.patch(f"{codes_url(shop)}/{code_id}", {"is_active": False})

    cart = shopper_api.get("/cart").json()
    placed = shopper_api.post("/checkout", checkout_body())

    assert cart["discounts"][0] | {"amount": None} == {
        "code": "SAVE10",
        "shop_id": shop.pk,
        "amount": None,
        "applied": False,
        "reason": "This code is no longer active.",
        "reason_code": "discount_inactive",
    }
    assert (cart["discount_total"], cart["total"]) == ("0.00", "24.99")
    assert error_of(placed) == (409, "discount_inactive", "discounts")


def test_removing_a_code(seller_api, shopper_api, shop, product):
    create(seller_api, shop)
    add_to_cart(shopper_api, product)
    shopper_api.post("/cart/discounts", {"code": "SAVE10"})

    removed = shopper_api.delete("/cart/discounts/save10")
    again = shopper_api.delete("/cart/discounts/SAVE10")

    assert removed.status_code == 200
    assert (removed.json()["discounts"], removed.json()["total"]) == ([], "24.99")
    assert error_of(again) == (404, "discount_not_found", "code")


def test_the_openapi_document_lists_the_discount_paths(api):
    paths = api.get("/openapi.json").json()["paths"]
    assert {"post"} <= paths["/api/v1/cart/discounts"].keys()
    assert {"delete"} <= paths["/api/v1/cart/discounts/{code}"].keys()
    assert {"get", "post"} <= paths["/api/v1/shops/{shop_id}/discount-codes"].keys()
    assert {"patch"} <= paths["/api/v1/shops/{shop_id}/discount-codes/{code_id}"].keys()
