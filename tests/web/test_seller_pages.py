"""The seller center: opening a shop, listing products, editing price and stock, shipping."""

from decimal import Decimal

import pytest
from django.urls import reverse

from clipcart.catalog.models import Product, Shop
from clipcart.inventory.selectors import available_quantity

from .helpers import png_file, variant

pytestmark = pytest.mark.django_db


def product_body(**overrides) -> dict:
    body = {
        "title": "Linen shirt",
        "description": "Breathable.",
        "price": "35.00",
        "currency": "USD",
        "stock": "0",
        "handling_days": "3",
        "category_id": "",
        "kind": "native",
        "external_url": "",
        "variants-TOTAL_FORMS": "4",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "4",
    }
    rows = [
        {"name": "S", "sku": "LIN-S", "price": "", "stock": "5"},
        {"name": "M", "sku": "LIN-M", "price": "37.50", "stock": "8"},
    ]
    for n, row in enumerate(rows):
        body.update({f"variants-{n}-{key}": value for key, value in row.items()})
    body.update(overrides)
    return body


def test_opening_a_shop_starts_it_in_probation(client, stranger):
    client.force_login(stranger)

    response = client.post(reverse("web:seller"), {"name": "Moss & Stone", "description": ""})

    shop = Shop.objects.get(name="Moss & Stone")
    assert response.status_code == 302
    assert response["Location"] == reverse("web:seller_dashboard", args=[shop.pk])
    assert shop.status == "probation"
    html = client.get(response["Location"]).content.decode()
    assert "Probation" in html and "Your shop is in probation" in html


def test_a_taken_shop_name_is_a_conflict_on_the_name_field(client, stranger, shop):
    client.force_login(stranger)

    response = client.post(reverse("web:seller"), {"name": "Glow Lab"})

    assert response.status_code == 409
    assert response.context["form"].errors["name"] == ["A shop with that name exists."]


def test_new_product_with_variants_and_images_is_listed_with_thumbnails(
    seller_client, shop, django_capture_on_commit_callbacks
):
    body = product_body(images=[png_file("front.png"), png_file("back.png", color=(0, 0, 0))])

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(reverse("web:seller_product_new", args=[shop.pk]), body)

    assert response.status_code == 302, response.context and response.context["form"].errors
    product = Product.objects.get(title="Linen shirt")
    assert product.shop == shop and product.handling_days == 3
    prices = {v.name: (v.price, v.sku, available_quantity(v.pk)) for v in product.variants.all()}
    assert prices == {
        "S": (Decimal("35.00"), "LIN-S", 5),
        "M": (Decimal("37.50"), "LIN-M", 8),
    }
    images = list(product.images.all())
    assert len(images) == 2
    assert all(image.thumbnail and image.thumbnail.name.endswith(".webp") for image in images)
    assert images[0].thumbnail.storage.exists(images[0].thumbnail.name)


def test_new_product_without_variants_gets_one_with_the_given_stock(seller_client, shop):
    body = product_body(**{"variants-0-name": "", "variants-0-sku": "", "variants-0-stock": ""})
    body.update({"variants-1-name": "", "variants-1-sku": "", "variants-1-price": ""})
    body.update({"variants-1-stock": "", "stock": "7"})

    response = seller_client.post(reverse("web:seller_product_new", args=[shop.pk]), body)

    assert response.status_code == 302
    only = Product.objects.get(title="Linen shirt").variants.get()
    assert only.name == "Default" and available_quantity(only.pk) == 7


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"price": "-5.00"}, "price", "Price must be greater than zero."),
        ({"title": "x" * 201}, "title", "Ensure this value has at most 200 characters"),
        ({"title": ""}, "title", "This field is required."),
        ({"handling_days": "90"}, "handling_days", "Handling time backorder is 3 to 15"),
        ({"variants-1-stock": "2.5"}, None, "Enter a whole number."),
        ({"variants-1-price": "0"}, None, "Variants: Price must be greater than zero."),
    ],
)
def test_invalid_product_input_is_a_form_error_and_creates_nothing(
    seller_client, shop, overrides, field, message
):
    response = seller_client.post(
        reverse("web:seller_product_new", args=[shop.pk]), product_body(**overrides)
    )

    assert response.status_code == 422
    assert message in response.content.decode()
    if field:
        assert response.context["form"].errors[field]
    assert not Product.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(seller_client, shop):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")

    response = seller_client.post(
        reverse("web:seller_product_new", args=[shop.pk]), product_body(images=[fake])
    )

    assert response.status_code == 422
    assert response.context["form"].errors["images"]
    assert not Product.objects.exists()


def test_editing_price_and_stock_inline_answers_the_saved_row(seller_client, shop, hoodie):
    large = variant(hoodie, "Large")

    response = seller_client.post(
        reverse("web:seller_variant", args=[shop.pk, large.pk]),
        {"price": "49.00", "stock": "12"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Saved" in html and 'value="49.00"' in html and 'value="12"' in html
    large.refresh_from_db()
    assert large.price == Decimal("49.00") and available_quantity(large.pk) == 12


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"price": "-1", "stock": "5"}, "Price must be greater than zero."),
        ({"price": "10.00", "stock": "-3"}, "Stock must be between 0 and"),
        ({"price": "10.00", "stock": "1.5"}, "Enter a whole number."),
        ({"price": "abc", "stock": "1"}, "Enter a number."),
    ],
)
def test_invalid_price_or_stock_is_refused_and_changes_nothing(
    seller_client, shop, hoodie, body, message
):
    large = variant(hoodie, "Large")

    response = seller_client.post(
        reverse("web:seller_variant", args=[shop.pk, large.pk]),
        body,
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 422
    assert message in response.content.decode()
    large.refresh_from_db()
    assert large.price == Decimal("44.00") and available_quantity(large.pk) == 3


def test_another_shops_variant_cannot_be_edited(client, other_seller, other_shop, hoodie):
    client.force_login(other_seller)
    large = variant(hoodie, "Large")

    through_own_shop = client.post(
        reverse("web:seller_variant", args=[other_shop.pk, large.pk]), {"price": "1", "stock": "0"}
    )
    through_their_shop = client.post(
        reverse("web:seller_variant", args=[hoodie.shop.pk, large.pk]),
        {"price": "1", "stock": "0"},
    )

    assert through_own_shop.status_code == 404 and through_their_shop.status_code == 403
    assert available_quantity(large.pk) == 3


def test_shop_settings_are_saved(seller_client, shop):
    response = seller_client.post(
        reverse("web:seller_settings", args=[shop.pk]),
        {
            "shipping_fee": "0",
            "free_shipping_threshold": "",
            "handling_days": "2",
            "description": "Small batch.",
        },
    )

    shop.refresh_from_db()
    assert response.status_code == 302
    assert shop.shipping_fee == Decimal("0") and shop.free_shipping_threshold is None
    assert shop.handling_days == 2 and shop.description == "Small batch."


def test_bad_shop_settings_are_refused(seller_client, shop):
    response = seller_client.post(
        reverse("web:seller_settings", args=[shop.pk]),
        {"shipping_fee": "-1", "handling_days": "0", "description": ""},
    )

    shop.refresh_from_db()
    assert response.status_code == 422
    assert shop.shipping_fee == Decimal("4.99") and shop.handling_days == 2


def test_ship_form_marks_the_order_shipped(seller_client, shop, paid_order):
    response = seller_client.post(
        reverse("web:seller_ship", args=[shop.pk, paid_order.pk]),
        {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"},
        headers={"HX-Request": "true"},
    )

    paid_order.refresh_from_db()
    assert response.status_code == 200
    assert (
        "Shipped" in response.content.decode() and "1Z999AA10123456784" in response.content.decode()
    )
    assert paid_order.status == "shipped"
    assert (paid_order.carrier, paid_order.tracking_number) == ("UPS", "1Z999AA10123456784")
    chips = response.content.decode().split('id="status-filter"')[1]
    assert 'hx-swap-oob="true"' in chips
    assert 'Shipped <span class="chip-count">1</span>' in chips


def test_a_bad_tracking_number_is_refused(seller_client, shop, paid_order):
    response = seller_client.post(
        reverse("web:seller_ship", args=[shop.pk, paid_order.pk]),
        {"carrier": "UPS", "tracking_number": "#!"},
    )

    paid_order.refresh_from_db()
    assert response.status_code == 422
    assert "Tracking number must be" in response.content.decode()
    assert paid_order.status == "paid"


def test_shipping_twice_is_a_conflict(seller_client, shop, paid_order):
    url = reverse("web:seller_ship", args=[shop.pk, paid_order.pk])
    seller_client.post(url, {"carrier": "UPS", "tracking_number": "1Z999AA10123456784"})

    again = seller_client.post(url, {"carrier": "DHL", "tracking_number": "1234567890"})

    assert again.status_code == 409
    paid_order.refresh_from_db()
    assert paid_order.carrier == "UPS"


def test_orders_list_filters_by_status(seller_client, shop, paid_order):
    paid = seller_client.get(reverse("web:seller_orders", args=[shop.pk]) + "?status=paid")
    shipped = seller_client.get(reverse("web:seller_orders", args=[shop.pk]) + "?status=shipped")
    bogus = seller_client.get(reverse("web:seller_orders", args=[shop.pk]) + "?status=lost")

    assert f"Order #{paid_order.pk}" in paid.content.decode()
    assert f"Order #{paid_order.pk}" not in shipped.content.decode()
    assert bogus.status_code == 422
