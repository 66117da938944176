"""The seller's product edit page: words, status, handling time and more photos."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.dateformat import format as format_date

from clipcart.catalog import services as catalog_services
from clipcart.catalog.models import Product, ProductImage
from clipcart.fulfillment.clock import ships_by
from tests.factories import make_product

from .helpers import png_file

pytestmark = pytest.mark.django_db


def edit_url(product) -> str:
    return reverse("web:seller_product_edit", args=[product.shop_id, product.pk])


def edit_body(product, **overrides) -> dict:
    body = {
        "title": product.title,
        "description": product.description,
        "product_status": product.status,
        "handling_days": product.handling_days or "",
        "handling_kind": product.handling_kind,
        "when_sold_out": product.when_sold_out,
    }
    body.update(overrides)
    return body


def bmp_file(name: str = "scan.bmp") -> SimpleUploadedFile:
    """A real image in a format Django accepts and the catalog does not."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (32, 32), (0, 0, 255)).save(buffer, format="BMP")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/bmp")


def test_the_product_list_links_each_product_to_its_edit_page(seller_client, shop, product):
    html = seller_client.get(reverse("web:seller_products", args=[shop.pk])).content.decode()

    assert f'href="{edit_url(product)}"' in html


def test_the_edit_page_shows_the_product_as_stored(seller_client, product):
    response = seller_client.get(edit_url(product))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["title"].value() == "Glow serum" and form["product_status"].value() == "active"
    assert "Leave empty to use the shop&#x27;s (2 business days)." in response.content.decode()


def test_an_edit_is_saved_and_shown_on_the_product_page(client, seller_client, product):
    body = edit_body(product, title="Glow serum, 50 ml", description="Now in a bigger bottle.")

    response = seller_client.post(edit_url(product), body)

    assert response.status_code == 302 and response["Location"] == edit_url(product)
    page = client.get(reverse("web:product", args=[product.pk])).content.decode()
    assert "Glow serum, 50 ml" in page and "Now in a bigger bottle." in page


def test_archiving_a_product_hides_it_from_shoppers(client, seller_client, product):
    assert "Glow serum" in client.get(reverse("web:shop")).content.decode()

    response = seller_client.post(edit_url(product), edit_body(product, product_status="archived"))

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.status == "archived"
    assert "Glow serum" not in client.get(reverse("web:shop")).content.decode()
    assert client.get(reverse("web:product", args=[product.pk])).status_code == 404


def test_clearing_the_handling_time_falls_back_to_the_shop_default(client, seller_client, shop):
    product = make_product(shop=shop, title="Slow-poured candle", handling_days=9)

    response = seller_client.post(
        edit_url(product), edit_body(product, handling_days="", handling_kind="in_stock")
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.handling_days is None
    page = client.get(reverse("web:product", args=[product.pk])).content.decode()
    expected = format_date(ships_by(handling_days=shop.handling_days), "l, F j")
    assert f"Ships by <strong>{expected}</strong>" in page
    assert f"dispatches within {shop.handling_days} business days" in page


def test_a_handling_time_out_of_range_is_refused_on_its_field(seller_client, product):
    response = seller_client.post(
        edit_url(product), edit_body(product, title="Renamed", handling_days="61")
    )

    assert response.status_code == 422
    assert response.context["form"].errors["handling_days"] == [
        "Handling time in stock is 1 to 3 business days."
    ]
    product.refresh_from_db()
    assert product.title == "Glow serum" and product.handling_days is None


def test_uploaded_photos_go_after_the_existing_ones_and_get_thumbnails(
    seller_client, product, django_capture_on_commit_callbacks
):
    catalog_services.add_product_image(product=product, upload=png_file("front.png"))
    body = edit_body(product, images=[png_file("side.png", color=(0, 0, 0)), png_file("back.png")])

    with django_capture_on_commit_callbacks(execute=True):
        response = seller_client.post(edit_url(product), body)

    assert response.status_code == 302
    images = list(product.images.order_by("position", "id"))
    assert [image.position for image in images] == [0, 1, 2]
    added = images[1:]
    assert all(image.thumbnail.name.endswith(".webp") for image in added)
    assert all(image.thumbnail.storage.exists(image.thumbnail.name) for image in added)
    page = seller_client.get(edit_url(product)).content.decode()
    assert page.index(added[0].thumbnail.url) < page.index(added[1].thumbnail.url)


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(seller_client, product):
    fake = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")

    response = seller_client.post(
        edit_url(product), edit_body(product, title="Renamed", images=[fake])
    )

    assert response.status_code == 422
    assert response.context["form"].errors["images"]
    product.refresh_from_db()
    assert product.title == "Glow serum" and not product.images.exists()


def test_an_image_the_catalog_refuses_leaves_the_product_unchanged(seller_client, product):
    body = edit_body(
        product, title="Renamed", product_status="draft", images=[png_file(), bmp_file()]
    )

    response = seller_client.post(edit_url(product), body)

    assert response.status_code == 422
    assert response.context["form"].errors["images"] == ["Images must be JPEG, PNG, WebP or GIF."]
    heading = response.content.decode().split('class="edit-head"')[1].split("</header>")[0]
    assert "Glow serum" in heading and "Renamed" not in heading
    product.refresh_from_db()
    assert (product.title, product.status) == ("Glow serum", "active")
    assert not ProductImage.objects.exists()


def test_a_title_that_is_too_long_is_refused_on_its_field(seller_client, product):
    response = seller_client.post(edit_url(product), edit_body(product, title="x" * 201))

    assert response.status_code == 422
    assert "at most 200 characters" in response.context["form"].errors["title"][0]
    product.refresh_from_db()
    assert product.title == "Glow serum"


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_seller_cannot_see_or_edit_the_product(
    client, other_seller, other_shop, product, method
):
    client.force_login(other_seller)
    body = edit_body(product, title="Hijacked") if method == "post" else None
    through_their_shop = edit_url(product)
    through_own_shop = reverse("web:seller_product_edit", args=[other_shop.pk, product.pk])

    denied = getattr(client, method)(through_their_shop, body)
    not_found = getattr(client, method)(through_own_shop, body)

    assert denied.status_code == 403 and not_found.status_code == 404
    assert Product.objects.get(pk=product.pk).title == "Glow serum"


def test_an_unknown_status_is_refused_on_its_field(seller_client, product):
    response = seller_client.post(edit_url(product), edit_body(product, product_status="deleted"))

    assert response.status_code == 422
    assert response.context["form"].errors["product_status"]
    product.refresh_from_db()
    assert product.status == "active"


def test_an_external_product_is_edited_without_a_handling_time(seller_client, shop):
    product = make_product(
        shop=shop, title="Desk lamp", kind="external", external_url="https://lamps.example/1"
    )

    page = seller_client.get(edit_url(product)).content.decode()
    response = seller_client.post(edit_url(product), edit_body(product, title="Desk lamp, brass"))

    assert "Handling time" not in page
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.title == "Desk lamp, brass" and product.kind == "external"
