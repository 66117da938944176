import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from clipcart.catalog.models import ProductImage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def png(width=1200, height=800) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 120)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(client, shop, product, content: bytes, name="photo.png"):
    return client.client.post(
        f"/api/v1/shops/{shop.pk}/products/{product.pk}/images",
        {"image": SimpleUploadedFile(name, content, content_type="image/png"), "alt": "Front"},
        headers=client.headers,
    )


def test_an_uploaded_image_gets_a_square_webp_thumbnail(
    seller_api, shop, product, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(seller_api, shop, product, png())
    assert response.status_code == 201
    record = ProductImage.objects.get()
    with Image.open(record.thumbnail.path) as thumb:
        assert (thumb.format, thumb.size) == ("WEBP", (480, 480))
    assert api.get("/products").json()["items"][0]["image_url"] == record.thumbnail.url


def test_a_renamed_non_image_is_refused(seller_api, shop, product):
    response = upload(seller_api, shop, product, b"%PDF-1.4 not an image", name="evil.png")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "image"
    assert not ProductImage.objects.exists()


def test_another_shop_cannot_add_images_to_my_product(other_seller_api, shop, other_shop, product):
    assert upload(other_seller_api, other_shop, product, png()).status_code == 404
    assert upload(other_seller_api, shop, product, png()).status_code == 403
    assert not ProductImage.objects.exists()


def test_a_lost_thumbnail_job_is_made_up_by_the_periodic_sweep(seller_api, shop, product):
    from clipcart.catalog.tasks import make_missing_thumbnails

    upload(seller_api, shop, product, png())  # on_commit never fires here: the job is "lost"
    assert not ProductImage.objects.get().thumbnail
    assert make_missing_thumbnails.delay().get() == 1
    assert ProductImage.objects.get().thumbnail.name.endswith("-thumb.webp")
    assert make_missing_thumbnails.delay().get() == 0
