"""Jobs that turn an uploaded post into a published one, or a failed one with a reason."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from PIL import Image

from clipcart.media import pipeline, processing, tasks
from clipcart.media.models import Post, PostImage

from .conftest import cut

pytestmark = pytest.mark.django_db


def stored_files(root: Path, pattern: str) -> list[Path]:
    return sorted(root.rglob(pattern))


def test_a_video_post_is_transcoded_and_published(make_post, phone_mp4, media_root):
    post = make_post(phone_mp4)

    tasks.process_video_post.delay(post.pk)

    post.refresh_from_db()
    assert post.status == Post.Status.READY
    assert post.published_at is not None
    assert (post.duration_ms, post.width, post.height) == (2000, 320, 568)
    assert pipeline.probe_video(post.stream.path).video_codec == "h264"
    assert post.stream.name.startswith(f"posts/{post.creator_id}/")
    with Image.open(post.poster.path) as poster:
        assert poster.format == "JPEG"


def test_processing_a_published_post_again_changes_nothing(make_post, phone_mp4, media_root):
    post = make_post(phone_mp4)
    processing.process_video_post(post_id=post.pk)
    published = Post.objects.get(pk=post.pk)

    processing.process_video_post(post_id=post.pk)  # the job's message delivered twice

    again = Post.objects.get(pk=post.pk)
    assert (again.stream.name, again.published_at) == (
        published.stream.name,
        published.published_at,
    )
    assert len(stored_files(media_root, "*.mp4")) == 2  # the original and one stream


def test_a_video_that_cannot_be_decoded_fails_with_a_reason(
    make_post, faststart_mp4, media_root, tmp_path
):
    post = make_post(cut(faststart_mp4, tmp_path / "clip.mp4", keep=0.5))

    processing.process_video_post(post_id=post.pk)

    post.refresh_from_db()
    assert post.status == Post.Status.FAILED
    assert post.failure_reason == "The video file is damaged and could not be decoded."
    assert post.published_at is None
    assert not post.stream


def test_an_original_that_is_not_a_video_fails_with_a_reason(make_post, tmp_path):
    fake = tmp_path / "clip.mp4"
    fake.write_text("not a video")
    post = make_post(fake)

    processing.process_video_post(post_id=post.pk)

    post.refresh_from_db()
    assert (post.status, post.failure_reason) == (Post.Status.FAILED, "This file is not a video.")


def test_an_unexpected_error_fails_the_post_instead_of_leaving_it_processing(
    make_post, phone_mp4, monkeypatch, caplog
):
    post = make_post(phone_mp4)

    def broken(*args, **kwargs):
        raise MemoryError("out of memory")

    monkeypatch.setattr(pipeline, "transcode_video", broken)

    processing.process_video_post(post_id=post.pk)

    post.refresh_from_db()
    assert (post.status, post.failure_reason) == (Post.Status.FAILED, processing.GENERIC_FAILURE)
    assert "Processing post" in caplog.text


def test_a_video_kept_in_a_storage_without_local_paths_is_processed(make_post, phone_mp4, settings):
    # Like S3, the in-memory storage keeps nothing on disk: the job works on a temporary copy.
    in_memory = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    settings.STORAGES = {**settings.STORAGES, "default": in_memory}
    post = make_post(phone_mp4)

    processing.process_video_post(post_id=post.pk)

    post.refresh_from_db()
    assert post.status == Post.Status.READY
    assert default_storage.exists(post.stream.name) and default_storage.exists(post.poster.name)


def png(width: int, height: int) -> ContentFile:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (40, 160, 90)).save(buffer, format="PNG")
    return ContentFile(buffer.getvalue(), name="photo.png")


def photo_post(creator, *originals: ContentFile) -> Post:
    post = Post.objects.create(creator=creator, kind=Post.Kind.PHOTO)
    for position, original in enumerate(originals):
        PostImage.objects.create(post=post, position=position, original=original)
    return post


def test_a_photo_post_is_resized_and_published(creator, media_root):
    post = photo_post(creator, png(2160, 3840), png(800, 600))

    tasks.process_photo_post.delay(post.pk)

    post.refresh_from_db()
    assert post.status == Post.Status.READY
    assert (post.width, post.height) == (1080, 1920)
    first, second = post.images.all()
    assert [(first.width, first.height), (second.width, second.height)] == [
        (1080, 1920),
        (800, 600),
    ]
    with Image.open(first.image.path) as resized:
        assert (resized.format, resized.size) == ("WEBP", (1080, 1920))


def test_a_photo_post_with_a_file_that_is_not_an_image_fails_naming_it(creator, media_root):
    post = photo_post(creator, png(100, 100), ContentFile(b"<html>hi</html>", name="x.png"))

    processing.process_photo_post(post_id=post.pk)

    post.refresh_from_db()
    assert post.status == Post.Status.FAILED
    assert post.failure_reason.startswith("Photo 2: This file is not an image")


def backdate(post: Post, **age) -> None:
    Post.objects.filter(pk=post.pk).update(
        updated_at=timezone.now() - timedelta(**age), created_at=timezone.now() - timedelta(**age)
    )


def test_a_post_whose_job_was_lost_is_processed_by_the_sweep(make_post, phone_mp4):
    post = make_post(phone_mp4)  # no job was ever enqueued for it
    backdate(post, minutes=31)

    assert tasks.retry_stuck_posts.delay().get() == 1

    post.refresh_from_db()
    assert post.status == Post.Status.READY


def test_the_sweep_leaves_a_post_whose_job_is_recent_alone(make_post, phone_mp4):
    post = make_post(phone_mp4)
    backdate(post, minutes=5)

    assert processing.retry_stuck_posts(older_than_minutes=30) == 0

    post.refresh_from_db()
    assert post.status == Post.Status.PROCESSING


def test_a_post_stuck_for_hours_is_given_up_as_failed(make_post, phone_mp4):
    post = make_post(phone_mp4)
    backdate(post, hours=7)

    assert processing.retry_stuck_posts() == 0

    post.refresh_from_db()
    assert (post.status, post.failure_reason) == (Post.Status.FAILED, processing.GAVE_UP)
