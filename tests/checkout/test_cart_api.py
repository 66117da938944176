import pytest

from clipcart.checkout.models import CartLine

from ..factories import make_product

pytestmark = pytest.mark.django_db


def variant_of(product):
    return product.variants.first()


def test_adding_the_same_variant_twice_adds_up_on_one_line(shopper_api, product):
    v = variant_of(product)
    shopper_api.post("/cart/items", {"variant_id": v.pk, "quantity": 1})
    cart = shopper_api.post("/cart/items", {"variant_id": v.pk, "quantity": 2}).json()
    assert [(line["variant_id"], line["quantity"]) for line in cart["lines"]] == [(v.pk, 3)]
    assert (cart["subtotal"], cart["total"], cart["currency"]) == ("60.00", "60.00", "USD")


def test_cart_total_includes_shipping_until_the_free_shipping_threshold(shopper_api, product):
    cart = shopper_api.post(
        "/cart/items", {"variant_id": variant_of(product).pk, "quantity": 1}
    ).json()
    assert (cart["subtotal"], cart["shipping_total"], cart["total"]) == ("20.00", "4.99", "24.99")
    line = cart["lines"][0]["id"]
    cart = shopper_api.patch(f"/cart/items/{line}", {"quantity": 3}).json()
    assert (cart["subtotal"], cart["shipping_total"], cart["total"]) == ("60.00", "0.00", "60.00")


@pytest.mark.parametrize("quantity", [0, -1, 1.5, "2", 100, 10**12, None, True])
def test_quantities_that_are_not_1_to_99_whole_units_are_refused(shopper_api, product, quantity):
    response = shopper_api.post(
        "/cart/items", {"variant_id": variant_of(product).pk, "quantity": quantity}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "quantity"
    assert not CartLine.objects.exists()


def test_a_line_cannot_grow_past_99_units(shopper_api, shop):
    v = variant_of(make_product(shop=shop, stock=500))
    shopper_api.post("/cart/items", {"variant_id": v.pk, "quantity": 60})
    response = shopper_api.post("/cart/items", {"variant_id": v.pk, "quantity": 60})
    assert response.status_code == 422
    assert CartLine.objects.get().quantity == 60


@pytest.mark.parametrize("variant_id", [999999, -1, "abc", 0])
def test_unknown_variants_are_refused(shopper_api, variant_id):
    response = shopper_api.post("/cart/items", {"variant_id": variant_id, "quantity": 1})
    assert response.status_code in {404, 422}
    assert "error" in response.json()


def test_more_than_the_stock_is_refused_with_out_of_stock(shopper_api, product):
    response = shopper_api.post(
        "/cart/items", {"variant_id": variant_of(product).pk, "quantity": 11}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "out_of_stock"


def test_a_client_sent_price_is_ignored(shopper_api, product):
    cart = shopper_api.post(
        "/cart/items",
        {
            "variant_id": variant_of(product).pk,
            "quantity": 1,
            "unit_price": "0.01",
            "price": "0.01",
        },
    ).json()
    assert cart["lines"][0]["unit_price"] == "20.00"


def test_an_external_product_cannot_be_carted(shopper_api, shop):
    external = make_product(shop=shop, kind="external", external_url="https://store.example/item/1")
    response = shopper_api.post(
        "/cart/items", {"variant_id": variant_of(external).pk, "quantity": 1}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "external_product"


def test_another_users_cart_line_is_not_found(shopper_api, product, stranger):
    from ..conftest import ApiClient

    line = shopper_api.post(
        "/cart/items", {"variant_id": variant_of(product).pk, "quantity": 1}
    ).json()["lines"][0]["id"]
    stranger_api = ApiClient(stranger)
    assert stranger_api.delete(f"/cart/items/{line}").status_code == 404
    assert stranger_api.patch(f"/cart/items/{line}", {"quantity": 5}).status_code == 404
    assert CartLine.objects.get(pk=line).quantity == 1


def test_removing_a_line_empties_the_cart(shopper_api, product):
    line = shopper_api.post(
        "/cart/items", {"variant_id": variant_of(product).pk, "quantity": 1}
    ).json()["lines"][0]["id"]
    cart = shopper_api.delete(f"/cart/items/{line}").json()
    assert (cart["lines"], cart["total"]) == ([], "0.00")


def test_the_cart_needs_a_token(api):
    assert api.get("/cart").status_code == 401


def test_ref_codes_are_kept_and_malformed_ones_refused(shopper_api, product):
    v = variant_of(product).pk
    bad = shopper_api.post("/cart/items", {"variant_id": v, "quantity": 1, "ref": "<script>"})
    assert bad.status_code == 422
    shopper_api.post("/cart/items", {"variant_id": v, "quantity": 1, "ref": "creator_42"})
    assert CartLine.objects.get().ref == "creator_42"
