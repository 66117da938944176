"""POST/GET/PATCH/DELETE /api/v1/videos: uploads are probed before anything is stored, anchors
are checked, and only the creator may change a post."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.test import Client
from PIL import Image

from clipcart.catalog.models import Product
from clipcart.media.models import Anchor, Post
from tests.conftest import ApiClient
from tests.factories import make_post, make_product, make_video_file

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def video_bytes(tmp_path_factory) -> bytes:
    return make_video_file(tmp_path_factory.mktemp("videos") / "clip.mp4", seconds=2).read_bytes()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def creator_api(creator):
    return ApiClient(creator)


def upload(api: ApiClient, content: bytes, *, name: str = "clip.mp4", **fields):
    data = {"file": _file(content, name), **fields}
    return api.client.post("/api/v1/videos", data=data, headers=api.headers)


def _file(content: bytes, name: str):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def test_an_upload_is_transcoded_and_served_with_its_products(
    creator_api, video_bytes, product, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = upload(
            creator_api,
            video_bytes,
            caption="Morning routine #cleantok",
            product_ids=str(product.pk),
        )

    assert answer.status_code == 202, answer.json()
    video = creator_api.get(f"/videos/{answer.json()['id']}").json()
    assert video["status"] == "ready"
    assert video["stream_url"].endswith(".mp4")
    assert video["poster_url"]
    assert video["products"][0]["id"] == product.pk
    assert video["hashtags"] == ["cleantok"]
    assert 1500 <= video["duration_ms"] <= 2500
    stream = Path(media_root) / video["stream_url"].removeprefix("/media/")
    assert stream.read_bytes()[4:8] == b"ftyp"


def test_anchors_with_times_and_an_external_link(creator_api, video_bytes, product):
    anchors = [
        {"product_id": product.pk, "start": 0.5, "end": 1.5},
        {"url": "https://example.com/lamp", "title": "The lamp I use"},
    ]

    answer = upload(creator_api, video_bytes, anchors=json.dumps(anchors))

    assert answer.status_code == 202, answer.json()
    stored = list(Anchor.objects.filter(post_id=answer.json()["id"]).order_by("position"))
    assert (stored[0].product_id, stored[0].start_ms, stored[0].end_ms) == (product.pk, 500, 1500)
    assert (stored[1].external_url, stored[1].product_id) == ("https://example.com/lamp", None)


def test_a_text_file_renamed_mp4_is_refused_and_nothing_is_stored(creator_api, media_root):
    answer = upload(creator_api, b"just some notes, not a video\n" * 50)

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "not_a_video"
    assert answer.json()["error"]["field"] == "file"
    assert not Post.objects.exists()


def test_a_truncated_video_without_its_index_is_refused_at_once(creator_api, tmp_path):
    content = make_video_file(tmp_path / "a.mp4", seconds=2, faststart=False).read_bytes()

    answer = upload(creator_api, content[: len(content) // 2])  # the index (moov) is at the end

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "damaged_video"
    assert not Post.objects.exists()


def test_a_truncated_video_with_its_index_fails_in_processing_with_a_reason(
    creator_api, tmp_path, django_capture_on_commit_callbacks
):
    content = make_video_file(tmp_path / "b.mp4", seconds=2).read_bytes()

    with django_capture_on_commit_callbacks(execute=True):
        answer = upload(creator_api, content[: len(content) // 2])

    assert answer.status_code == 202, answer.json()
    video = creator_api.get(f"/videos/{answer.json()['id']}").json()
    assert video["status"] == "failed"
    assert "damaged" in video["failure_reason"]


def test_a_video_longer_than_the_limit_is_refused(creator_api, video_bytes, settings):
    settings.CLIPCART_MAX_VIDEO_SECONDS = 1

    answer = upload(creator_api, video_bytes)

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "too_long"


def test_a_5_gb_upload_is_refused_before_the_body_is_read(creator):
    api = ApiClient(creator)
    answer = api.client.post(
        "/api/v1/videos",
        data=b"",
        content_type="multipart/form-data; boundary=x",
        headers=api.headers,
        CONTENT_LENGTH=str(5 * 1024**3),
    )

    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"


def test_tagging_a_product_that_does_not_exist_is_refused(creator_api, video_bytes):
    answer = upload(creator_api, video_bytes, product_ids="999999")

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "product_not_taggable"
    assert not Post.objects.exists()


def test_tagging_a_draft_product_is_refused(creator_api, video_bytes, shop):
    draft = make_product(shop=shop, title="Not yet")
    Product.objects.filter(pk=draft.pk).update(status=Product.Status.DRAFT)

    answer = upload(creator_api, video_bytes, product_ids=str(draft.pk))

    assert answer.json()["error"]["code"] == "product_not_taggable"


@pytest.mark.parametrize("raw", ["abc", "1,,2", "-3", "1.5"])
def test_product_ids_that_are_not_ids_are_refused(creator_api, video_bytes, raw):
    answer = upload(creator_api, video_bytes, product_ids=raw)

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "product_ids"


def test_more_than_six_anchors_are_refused(creator_api, video_bytes, shop):
    products = [make_product(shop=shop, title=f"Item {n}") for n in range(7)]

    answer = upload(creator_api, video_bytes, product_ids=",".join(str(p.pk) for p in products))

    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "too_many_anchors"


@pytest.mark.parametrize(
    "times", [{"start": 1, "end": 9}, {"start": 5}, {"start": 1.5, "end": 1.0}, {"start": -1}]
)
def test_anchor_times_outside_the_video_are_refused(creator_api, video_bytes, product, times):
    anchors = json.dumps([{"product_id": product.pk, **times}])

    answer = upload(creator_api, video_bytes, anchors=anchors)

    assert answer.status_code == 422
    assert answer.json()["error"]["field"].startswith("anchors.0.")


def test_a_photo_post_has_one_to_ten_images(creator_api, product):
    pictures = [_file(_jpeg(), f"p{n}.jpg") for n in range(2)]

    answer = creator_api.client.post(
        "/api/v1/videos",
        data={"images": pictures, "caption": "Shelf styling", "product_ids": str(product.pk)},
        headers=creator_api.headers,
    )

    assert answer.status_code == 202, answer.json()
    video = creator_api.get(f"/videos/{answer.json()['id']}").json()
    assert video["kind"] == "photo"
    assert len(video["image_urls"]) == 2


def test_eleven_photos_are_refused(creator_api):
    pictures = [_file(_jpeg(), f"p{n}.jpg") for n in range(11)]

    answer = creator_api.client.post(
        "/api/v1/videos", data={"images": pictures}, headers=creator_api.headers
    )

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == "images"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 80), "teal").save(out, "JPEG")
    return out.getvalue()


def test_uploading_needs_a_token(video_bytes):
    answer = Client().post("/api/v1/videos", data={"file": _file(video_bytes, "a.mp4")})

    assert answer.status_code == 401


def test_another_creator_cannot_edit_or_delete_my_video(creator, stranger):
    post = make_post(creator=creator)
    intruder = ApiClient(stranger)

    assert intruder.patch(f"/videos/{post.pk}", {"caption": "mine now"}).status_code == 404
    assert intruder.delete(f"/videos/{post.pk}").status_code == 404
    post.refresh_from_db()
    assert post.caption != "mine now" and post.removed_at is None


def test_the_creator_edits_caption_anchors_and_disclosure(creator, creator_api, product):
    post = make_post(creator=creator)

    answer = creator_api.patch(
        f"/videos/{post.pk}",
        {
            "caption": "Updated #booktok",
            "anchors": [{"product_id": product.pk, "start": 1, "end": 3}],
            "paid_partnership": True,
        },
    )

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["hashtags"] == ["booktok"]
    assert body["anchors"][0]["start_ms"] == 1000
    assert body["label"] == "paid_partnership"


def test_a_deleted_video_disappears_for_everyone(creator, creator_api, shopper_api):
    post = make_post(creator=creator)

    assert creator_api.delete(f"/videos/{post.pk}").status_code == 204

    assert shopper_api.get(f"/videos/{post.pk}").status_code == 404
    assert creator_api.get(f"/videos/{post.pk}").status_code == 404


def test_a_processing_video_is_visible_to_its_creator_only(creator, creator_api, shopper_api):
    post = make_post(creator=creator, status="processing")

    assert creator_api.get(f"/videos/{post.pk}").json()["status"] == "processing"
    assert shopper_api.get(f"/videos/{post.pk}").status_code == 404
    mine = creator_api.get("/me/videos").json()["items"]
    assert [v["id"] for v in mine] == [post.pk]


def test_a_creators_videos_are_listed_by_handle(creator, shopper_api):
    post = make_post(creator=creator)

    listed = shopper_api.get("/videos", data={"creator": creator.username}).json()["items"]

    assert [v["id"] for v in listed] == [post.pk]
    assert shopper_api.get("/videos", data={"creator": "nobody_here"}).status_code == 404
