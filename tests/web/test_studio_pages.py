"""The creator studio: uploading a video or photos with tagged products, processing status,
editing and deleting. Videos are real (made by ffmpeg) and transcoding runs eagerly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clipcart.catalog.models import Product
from clipcart.media.models import Anchor, Post
from tests.factories import make_product

from .helpers import png_file

pytestmark = pytest.mark.django_db


def make_test_video(path: Path, *, seconds: int = 2) -> Path:
    """A small portrait H.264/AAC MP4: a test pattern with a tone."""
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=320x568:rate=15",
            "-f", "lavfi", "-i", "sine",
            "-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac",
            "-shortest", str(path),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path


@pytest.fixture(scope="session")
def video_bytes(tmp_path_factory) -> bytes:
    return make_test_video(tmp_path_factory.mktemp("videos") / "clip.mp4").read_bytes()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def creator_client(creator) -> Client:
    client = Client()
    client.force_login(creator)
    return client


def video(data: bytes, name: str = "clip.mp4") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="video/mp4")


def upload_body(upload=None, *, products=(), times=(), links=(), **fields) -> dict:
    """The upload form as a browser sends it: one row of inputs per tagged product and link."""
    starts = [start for start, _ in times] or [""] * len(products)
    ends = [end for _, end in times] or [""] * len(products)
    body = {
        "kind": "video",
        "caption": "",
        "hashtags": "",
        "anchor_product": [str(getattr(p, "pk", p)) for p in products],
        "anchor_start": starts,
        "anchor_end": ends,
        "link_url": [url for url, _ in links] + [""],
        "link_title": [title for _, title in links] + [""],
        **fields,
    }
    if upload is not None:
        body["file"] = upload
    return body


def post_upload(client, body, capture):
    with capture(execute=True):  # the transcoding job runs on commit (eager in tests)
        return client.post(reverse("web:studio_upload"), body)


# --- Uploading ----------------------------------------------------------------------------------


def test_uploaded_video_with_a_timed_product_is_transcoded_and_shown_ready(
    creator_client, creator, product, video_bytes, django_capture_on_commit_callbacks
):
    body = upload_body(
        video(video_bytes),
        products=[product],
        times=[("0.5", "1.5")],
        links=[("https://example.com/mug", "Ceramic mug")],
        caption="My glow routine #skincare",
        hashtags="#GlowUp",
        is_paid_partnership="on",
    )

    response = post_upload(creator_client, body, django_capture_on_commit_callbacks)

    assert response.status_code == 302, response.context and response.context["form"].errors
    assert response["Location"] == reverse("web:studio")
    post = Post.objects.get(creator=creator)
    assert (post.kind, post.status, post.is_paid_partnership) == ("video", "ready", True)
    assert post.stream and post.poster and 1900 <= (post.duration_ms or 0) <= 2100
    anchors = [
        (a.product_id, a.start_ms, a.end_ms, a.external_url, a.external_title)
        for a in post.anchors.all()
    ]
    assert anchors == [
        (product.pk, 500, 1500, "", ""),
        (None, None, None, "https://example.com/mug", "Ceramic mug"),
    ]
    assert sorted(tag.name for tag in post.hashtags.all()) == ["glowup", "skincare"]
    studio = creator_client.get(response["Location"]).content.decode()
    assert "Uploaded — processing" in studio
    assert "Ready" in studio and f'href="/v/{post.pk}/"' in studio
    assert "2 products" in studio and "0:02" in studio
    assert "every 3s" not in studio  # nothing left processing: no polling


def test_a_text_file_named_mp4_is_refused_next_to_the_file_field(
    creator_client, django_capture_on_commit_callbacks
):
    fake = SimpleUploadedFile("clip.mp4", b"just some notes\n" * 20, content_type="video/mp4")

    response = post_upload(creator_client, upload_body(fake), django_capture_on_commit_callbacks)

    assert response.status_code == 422
    assert response.context["form"].errors["file"] == ["This file is not a video."]
    html = response.content.decode()
    field = html[html.index('name="file"') :]
    assert field.index("This file is not a video.") < field.index('name="images"')
    assert not Post.objects.exists()


def test_a_video_is_required_for_a_video_post(creator_client, django_capture_on_commit_callbacks):
    response = post_upload(creator_client, upload_body(), django_capture_on_commit_callbacks)

    assert response.status_code == 422
    assert response.context["form"].errors["file"] == ["Choose a video to upload."]


def test_more_than_six_products_are_refused(
    creator_client, shop, video_bytes, django_capture_on_commit_callbacks
):
    products = [make_product(shop=shop, title=f"Lip tint {n}") for n in range(7)]

    response = post_upload(
        creator_client,
        upload_body(video(video_bytes), products=products),
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 422
    assert response.context["form"].anchors.error == "Tag at most 6 products."
    html = response.content.decode()
    assert "Tag at most 6 products." in html
    assert html.count('name="anchor_product"') == 7  # the picks are kept for fixing
    assert not Post.objects.exists()


def test_a_product_time_beyond_the_video_is_refused_on_its_row(
    creator_client, product, other_product, video_bytes, django_capture_on_commit_callbacks
):
    body = upload_body(
        video(video_bytes), products=[product, other_product], times=[("", ""), ("1", "5")]
    )

    response = post_upload(creator_client, body, django_capture_on_commit_callbacks)

    assert response.status_code == 422
    rows = response.context["form"].anchors.products
    assert rows[0].error == ""
    assert rows[1].error.startswith("Times must be within the video (0–2")
    assert (rows[1].start, rows[1].end) == ("1", "5")
    assert not Post.objects.exists()


def test_a_time_that_is_not_a_number_is_refused_on_its_row(
    creator_client, product, video_bytes, django_capture_on_commit_callbacks
):
    body = upload_body(video(video_bytes), products=[product], times=[("soon", "")])

    response = post_upload(creator_client, body, django_capture_on_commit_callbacks)

    assert response.status_code == 422
    assert response.context["form"].anchors.products[0].error == "Times are seconds, like 2.5."


@pytest.mark.parametrize("which", ["draft", "missing"])
def test_a_draft_or_missing_product_cannot_be_tagged(
    which, creator_client, product, video_bytes, django_capture_on_commit_callbacks
):
    if which == "draft":
        Product.objects.filter(pk=product.pk).update(status="draft")
    product_id = product.pk if which == "draft" else 987654

    response = post_upload(
        creator_client,
        upload_body(video(video_bytes), products=[product_id]),
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 422
    message = f"Product {product_id} does not exist or cannot be tagged."
    assert response.context["form"].anchors.error == message
    assert "Not available to tag" in response.content.decode()
    assert not Post.objects.exists()


def test_a_product_id_that_is_not_a_sane_number_is_refused(
    creator_client, video_bytes, django_capture_on_commit_callbacks
):
    body = upload_body(video(video_bytes), products=["9" * 30])

    response = post_upload(creator_client, body, django_capture_on_commit_callbacks)

    assert response.status_code == 422
    assert response.context["form"].anchors.error == "Product ids are positive whole numbers."


def test_a_bad_link_is_refused_on_its_row(
    creator_client, video_bytes, django_capture_on_commit_callbacks
):
    body = upload_body(video(video_bytes), links=[("not a url", "Mug")])

    response = post_upload(creator_client, body, django_capture_on_commit_callbacks)

    assert response.status_code == 422
    links = response.context["form"].anchors.link_rows
    assert links[0].error == "Links must be full http(s) addresses."


def test_photo_post_with_two_images_is_published(
    creator_client, creator, product, django_capture_on_commit_callbacks
):
    body = upload_body(
        kind="photo",
        images=[png_file("a.png"), png_file("b.png", color=(20, 120, 220))],
        products=[product],
        times=[("3", "4")],  # left in the hidden time inputs: photo posts ignore them
        caption="Two looks",
    )

    response = post_upload(creator_client, body, django_capture_on_commit_callbacks)

    assert response.status_code == 302, response.context and response.context["form"].errors
    post = Post.objects.get(creator=creator)
    assert (post.kind, post.status) == ("photo", "ready")
    assert [bool(image.image) for image in post.images.all()] == [True, True]
    assert [(a.product_id, a.start_ms) for a in post.anchors.all()] == [(product.pk, None)]
    studio = creator_client.get(reverse("web:studio")).content.decode()
    assert "2 photos" in studio and "Ready" in studio


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(
    creator_client, settings, video_bytes, django_capture_on_commit_callbacks
):
    settings.CLIPCART_MAX_UPLOAD_BYTES = 10_000

    response = post_upload(
        creator_client, upload_body(video(video_bytes)), django_capture_on_commit_callbacks
    )

    assert response.status_code == 413
    assert "larger than" in response.context["form"].errors["file"][0]
    assert not Post.objects.exists()


def test_studio_pages_need_sign_in(client, db):
    for name in ("web:studio", "web:studio_upload", "web:studio_products"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_any_signed_in_person_may_post_and_becomes_a_creator(
    shopper, video_bytes, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(shopper)

    response = post_upload(
        client, upload_body(video(video_bytes)), django_capture_on_commit_callbacks
    )

    assert response.status_code == 302
    shopper.refresh_from_db()
    assert shopper.is_creator and Post.objects.filter(creator=shopper).exists()


# --- Product picker -----------------------------------------------------------------------------


def test_product_search_shows_matches_with_an_add_button(creator_client, product, other_product):
    response = creator_client.get(reverse("web:studio_products"), {"q": "serum", "times": "1"})

    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'aria-label="Add Glow serum"' in html and "Glow Lab" in html and "$20.00" in html
    assert "Cozy mystery novel" not in html
    assert 'name="anchor_start"' in html  # the row to copy in has its times


def test_product_search_without_a_query_offers_the_creators_own_shop(
    client, seller, product, other_product
):
    client.force_login(seller)

    html = client.get(reverse("web:studio_products")).content.decode()

    assert "From your shop" in html and "Glow serum" in html and "Your shop" in html
    assert "Cozy mystery novel" not in html


# --- The list, editing, deleting ----------------------------------------------------------------


def make_post(creator, *, status="ready", reason="", caption="Clip") -> Post:
    return Post.objects.create(
        creator=creator,
        caption=caption,
        status=status,
        failure_reason=reason,
        published_at=timezone.now() if status == "ready" else None,
        duration_ms=10_000,
    )


def test_studio_polls_while_a_post_is_processing_and_explains_a_failure(creator_client, creator):
    make_post(creator, status="processing", caption="Fresh upload")
    make_post(
        creator, status="failed", reason="The video file is damaged and could not be decoded."
    )

    page = creator_client.get(reverse("web:studio"))
    poll = creator_client.get(reverse("web:studio"), headers={"HX-Request": "true"})

    html = page.content.decode()
    assert 'hx-trigger="every 3s"' in html and "Processing" in html
    assert "Failed" in html and "The video file is damaged and could not be decoded." in html
    assert "<html" not in poll.content.decode() and "Fresh upload" in poll.content.decode()


def test_studio_lists_only_your_own_posts(creator_client, creator, stranger):
    make_post(creator, caption="Mine")
    make_post(stranger, caption="Someone else's")
    make_post(creator, caption="Deleted").__class__.objects.filter(caption="Deleted").update(
        removed_at=timezone.now()
    )

    html = creator_client.get(reverse("web:studio")).content.decode()

    assert "Mine" in html and "Someone else" not in html and "Deleted" not in html


def test_editing_a_post_changes_caption_products_and_times(
    creator_client, creator, product, other_product
):
    post = make_post(creator, caption="Old words")
    Anchor.objects.create(post=post, product=product, start_ms=1000, end_ms=2000)

    form = creator_client.get(reverse("web:studio_edit", args=[post.pk]))
    assert form.status_code == 200
    assert 'value="1"' in form.content.decode() and "Glow serum" in form.content.decode()

    body = upload_body(products=[other_product], times=[("2", "9.5")], caption="New words #books")
    del body["kind"]
    response = creator_client.post(reverse("web:studio_edit", args=[post.pk]), body)

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.caption == "New words #books" and not post.is_paid_partnership
    anchors = [(a.product_id, a.start_ms, a.end_ms) for a in post.anchors.all()]
    assert anchors == [(other_product.pk, 2000, 9500)]
    assert [tag.name for tag in post.hashtags.all()] == ["books"]


def test_editing_with_a_time_beyond_the_video_keeps_the_post_as_it_was(
    creator_client, creator, product
):
    post = make_post(creator, caption="Keep me")

    response = creator_client.post(
        reverse("web:studio_edit", args=[post.pk]),
        upload_body(products=[product], times=[("0", "30")], caption="Changed"),
    )

    assert response.status_code == 422
    assert response.context["form"].anchors.products[0].error.startswith("Times must be within")
    post.refresh_from_db()
    assert post.caption == "Keep me" and not post.anchors.exists()


def test_another_creators_post_cannot_be_edited_or_deleted(client, stranger, creator):
    post = make_post(creator, caption="Not yours")
    client.force_login(stranger)

    edit = client.get(reverse("web:studio_edit", args=[post.pk]))
    save = client.post(reverse("web:studio_edit", args=[post.pk]), {"caption": "Hacked"})
    delete = client.post(reverse("web:studio_delete", args=[post.pk]))

    assert edit.status_code == save.status_code == delete.status_code == 404
    post.refresh_from_db()
    assert post.caption == "Not yours" and post.removed_at is None


def test_deleting_a_post_takes_it_out_of_the_studio_and_profile(client, creator):
    post = make_post(creator, caption="Bye")
    client.force_login(creator)

    response = client.post(reverse("web:studio_delete", args=[post.pk]))

    assert response.status_code == 302 and response["Location"] == reverse("web:studio")
    post.refresh_from_db()
    assert post.removed_at is not None
    assert "Post deleted." in client.get(reverse("web:studio")).content.decode()
    profile = client.get(reverse("web:creator", kwargs={"handle": creator.username}))
    assert f'href="/v/{post.pk}/"' not in profile.content.decode()
