from datetime import date

import pytest

from clipcart.catalog.models import Product, Shop
from clipcart.fulfillment import clock
from clipcart.inventory.selectors import available_quantity

from ..factories import make_product

pytestmark = pytest.mark.django_db

PRODUCT = {
    "title": "Linen shirt",
    "description": "Breathable.",
    "price": "35.00",
    "currency": "USD",
    "stock": 7,
}


def test_a_new_shop_starts_in_probation_owned_by_its_creator(seller_api, seller):
    response = seller_api.post("/shops", {"name": "Linen & Co"})
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "probation"
    assert Shop.objects.get(pk=body["id"]).memberships.get().user == seller


def test_shop_names_are_unique_regardless_of_case(seller_api, other_seller_api):
    seller_api.post("/shops", {"name": "Linen & Co"})
    response = other_seller_api.post("/shops", {"name": "linen & co"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "shop_name_taken"


def test_creating_a_shop_needs_a_token(api):
    assert api.post("/shops", {"name": "Anon"}).status_code == 401


def test_a_product_without_variants_gets_one_default_variant(seller_api, shop):
    response = seller_api.post(f"/shops/{shop.pk}/products", {**PRODUCT, "handling_days": 3})
    assert response.status_code == 201
    body = response.json()
    assert [(v["name"], v["price"], v["currency"], v["stock"]) for v in body["variants"]] == [
        ("Default", "35.00", "USD", 7)
    ]
    assert Product.objects.get(pk=body["id"]).handling_days == 3


def test_variants_carry_their_own_price_sku_and_stock(seller_api, shop):
    response = seller_api.post(
        f"/shops/{shop.pk}/products",
        {
            **PRODUCT,
            "variants": [
                {"name": "S", "sku": "LS-S", "stock": 2},
                {"name": "XL", "sku": "LS-XL", "price": "39.50", "stock": 0},
            ],
        },
    )
    assert response.status_code == 201
    variants = response.json()["variants"]
    assert [(v["name"], v["sku"], v["price"], v["stock"]) for v in variants] == [
        ("S", "LS-S", "35.00", 2),
        ("XL", "LS-XL", "39.50", 0),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"price": "-1.00"}, "price"),
        ({"price": "0"}, "price"),
        ({"price": "12.345"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": 12.5}, "price"),
        ({"price": "99999999"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"stock": -1}, "stock"),
        ({"stock": 2.5}, "stock"),
        ({"stock": 10**9}, "stock"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"currency": "XXX"}, "currency"),
        ({"handling_days": 0}, "handling_days"),
        ({"variants": [{"name": "A", "stock": 1}, {"name": "a", "stock": 1}]}, "variants.name"),
        ({"variants": [{"name": "A", "stock": 1, "price": "-3"}]}, "variants.price"),
    ],
)
def test_invalid_products_are_refused_and_nothing_is_created(seller_api, shop, change, field):
    response = seller_api.post(f"/shops/{shop.pk}/products", {**PRODUCT, **change})
    assert response.status_code == 422, response.content
    assert response.json()["error"]["field"] == field
    assert not Product.objects.exists()


def test_a_duplicate_sku_in_the_shop_is_a_conflict(seller_api, shop):
    make_product(shop=shop, variants=[{"name": "One", "sku": "SKU-1", "stock": 1}])
    response = seller_api.post(
        f"/shops/{shop.pk}/products",
        {**PRODUCT, "variants": [{"name": "Other", "sku": "SKU-1", "stock": 1}]},
    )
    assert response.status_code == 409
    assert Product.objects.count() == 1


def test_an_oversized_body_is_refused(seller_api, shop):
    response = seller_api.post(
        f"/shops/{shop.pk}/products", {**PRODUCT, "description": "x" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_seller_cannot_list_into_another_shop(other_seller_api, shop):
    response = other_seller_api.post(f"/shops/{shop.pk}/products", PRODUCT)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_shop_staff"
    assert other_seller_api.post("/shops/999999/products", PRODUCT).status_code == 404


def test_seller_edits_price_and_stock_of_a_variant(seller_api, shop, product):
    variant = product.variants.get()
    response = seller_api.patch(
        f"/shops/{shop.pk}/variants/{variant.pk}", {"price": "18.00", "stock": 3}
    )
    assert response.status_code == 200
    assert (response.json()["price"], response.json()["stock"]) == ("18.00", 3)
    assert available_quantity(variant.pk) == 3


def test_a_seller_cannot_edit_another_shops_variant(
    seller_api, other_seller_api, shop, other_shop, product
):
    variant = product.variants.get()
    through_own_shop = other_seller_api.patch(
        f"/shops/{other_shop.pk}/variants/{variant.pk}", {"price": "1.00"}
    )
    through_their_shop = other_seller_api.patch(
        f"/shops/{shop.pk}/variants/{variant.pk}", {"price": "1.00"}
    )
    assert through_own_shop.status_code == 404
    assert through_their_shop.status_code == 403
    variant.refresh_from_db()
    assert str(variant.price) == "20.00"


@pytest.mark.parametrize(
    "body", [{"price": "-5"}, {"price": "1.001"}, {"stock": -3}, {"stock": "many"}, {"price": 3.3}]
)
def test_bad_variant_edits_change_nothing(seller_api, shop, product, body):
    variant = product.variants.get()
    response = seller_api.patch(f"/shops/{shop.pk}/variants/{variant.pk}", body)
    assert response.status_code == 422
    variant.refresh_from_db()
    assert (str(variant.price), available_quantity(variant.pk)) == ("20.00", 10)


def test_the_product_list_pages_with_a_cursor(api, shop):
    for n in range(5):
        make_product(shop=shop, title=f"Candle {n}")
    first = api.get("/products?limit=3").json()
    second = api.get(f"/products?limit=3&cursor={first['next_cursor']}").json()
    titles = [p["title"] for p in first["items"] + second["items"]]
    assert titles == [f"Candle {n}" for n in (4, 3, 2, 1, 0)]
    assert second["next_cursor"] is None
    assert set(first["items"][0]) >= {
        "id",
        "title",
        "price",
        "currency",
        "shop",
        "image_url",
        "in_stock",
    }


def test_a_forged_cursor_is_a_422(api):
    response = api.get("/products?cursor=not-a-cursor")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "cursor"


def test_search_matches_words_and_prefixes_across_shops(api, product, other_product):
    make_product(shop=product.shop, title="Matte lipstick", description="Long-lasting glow.")
    assert {p["title"] for p in api.get("/products?q=glow").json()["items"]} == {
        "Glow serum",
        "Matte lipstick",
    }
    assert [p["title"] for p in api.get("/products?q=myst").json()["items"]] == [
        "Cozy mystery novel"
    ]
    assert api.get("/products?q=%22%29%28*%3A").json()["items"] == []


def test_sold_out_products_say_so_and_hidden_ones_are_not_listed(api, shop, other_shop):
    make_product(shop=shop, title="Gone", stock=0)
    make_product(shop=other_shop, title="Suspended goods")
    Shop.objects.filter(pk=other_shop.pk).update(status=Shop.Status.SUSPENDED)
    items = api.get("/products").json()["items"]
    assert [(p["title"], p["in_stock"]) for p in items] == [("Gone", False)]


def test_the_product_page_shows_variants_stock_shop_and_an_honest_ship_date(api, shop):
    product = make_product(shop=shop, title="Mug", handling_days=3)
    body = api.get(f"/products/{product.pk}").json()
    assert body["shop"] == {"id": shop.pk, "name": shop.name}
    assert body["variants"][0]["stock"] == 10
    assert body["ships_by"] == clock.ships_by(handling_days=3).isoformat()


def test_a_draft_product_is_not_found(api, product):
    Product.objects.filter(pk=product.pk).update(status=Product.Status.DRAFT)
    assert api.get(f"/products/{product.pk}").status_code == 404


@pytest.mark.parametrize(
    ("placed", "days", "expected"),
    [
        (date(2026, 11, 20), 1, date(2026, 11, 23)),  # Friday + 1 → Monday
        (date(2026, 11, 21), 1, date(2026, 11, 24)),  # Saturday counts from Monday
        (date(2026, 11, 16), 2, date(2026, 11, 18)),
        (date(2026, 11, 16), 5, date(2026, 11, 23)),
    ],
)
def test_business_days_skip_weekends(placed, days, expected):
    assert clock.add_business_days(placed, days) == expected
