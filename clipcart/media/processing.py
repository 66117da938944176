"""The worker's side of publishing a post: run the media pipeline on the upload, store the
renditions, and mark the post ready or failed.

Jobs take a post id and re-read the row. A job may run twice (a redelivered message, a lost job
re-enqueued by retry_stuck_posts), so every step checks the post is still processing, and
publishing is a conditional UPDATE that only the first run wins.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from clipcart.core.errors import InvalidInput

from . import pipeline, services
from .models import Post, PostImage

logger = logging.getLogger(__name__)

GENERIC_FAILURE = "Something went wrong while processing this post. Please try uploading again."
GAVE_UP = "Processing this post did not finish. Please try uploading again."
# A post still processing this long after its upload is not going to finish: retrying it
# forever would only keep a worker busy with a file that kills it.
GIVE_UP_AFTER = timedelta(hours=6)
RETRY_BATCH = 200
COPY_CHUNK = 1024 * 1024


def process_video_post(*, post_id: int) -> None:
    """Transcodes a video post's upload and publishes the post, or marks it failed with a reason
    the creator can read. Does nothing for a post that is no longer processing."""
    post = _claim(post_id, kind=Post.Kind.VIDEO)
    if post is None:
        return
    with _failing_on_error(post):
        with _local_copy(post.original) as source, tempfile.TemporaryDirectory() as out_dir:
            rendition = pipeline.transcode_video(source, out_dir)
            _save_rendition(post, rendition)
        published = _publish(
            post,
            stream=post.stream.name,
            poster=post.poster.name,
            duration_ms=rendition.duration_ms,
            width=rendition.width,
            height=rendition.height,
        )
        if not published:  # another run of the job got there first, or the post was deleted
            post.stream.delete(save=False)
            post.poster.delete(save=False)


def process_photo_post(*, post_id: int) -> None:
    """Resizes every photo of a photo post and publishes the post (sized as its first photo), or
    marks it failed naming the photo at fault. Does nothing for a post no longer processing."""
    post = _claim(post_id, kind=Post.Kind.PHOTO)
    if post is None:
        return
    with _failing_on_error(post):
        images = list(post.images.all())
        if not images:
            raise InvalidInput("The post has no photos.", code="no_photos", field="images")
        sizes = [_resize(image, number=n) for n, image in enumerate(images, start=1)]
        _publish(post, width=sizes[0][0], height=sizes[0][1])


def retry_stuck_posts(*, older_than_minutes: int = 30) -> int:
    """Re-enqueues the posts whose job was lost (a worker died, a message was dropped): still
    processing, and untouched for `older_than_minutes`. A post stuck since its upload more than
    GIVE_UP_AFTER ago is failed instead. Returns how many posts were re-enqueued."""
    from . import tasks  # tasks import this module

    now = timezone.now()
    stuck = Post.objects.filter(
        status=Post.Status.PROCESSING, updated_at__lt=now - timedelta(minutes=older_than_minutes)
    )
    stuck.filter(created_at__lt=now - GIVE_UP_AFTER).update(
        status=Post.Status.FAILED, failure_reason=GAVE_UP, updated_at=now
    )
    batch = list(stuck.order_by("pk").values_list("pk", "kind")[:RETRY_BATCH])
    # Touched so a post whose job waits in a long queue is not enqueued again on every sweep.
    Post.objects.filter(pk__in=[pk for pk, _ in batch]).update(updated_at=now)
    for post_id, kind in batch:
        task = tasks.process_video_post if kind == Post.Kind.VIDEO else tasks.process_photo_post
        task.delay(post_id)
    return len(batch)


def _claim(post_id: int, *, kind: str) -> Post | None:
    # Touching updated_at tells retry_stuck_posts that a job is at work on the post. The
    # transcode timeout stays below its 30 minutes, so a slow job is not mistaken for a lost one.
    claimed = Post.objects.filter(pk=post_id, kind=kind, status=Post.Status.PROCESSING).update(
        updated_at=timezone.now()
    )
    return Post.objects.filter(pk=post_id).first() if claimed else None


@contextmanager
def _failing_on_error(post: Post) -> Iterator[None]:
    """Whatever goes wrong ends with the post failed, never stuck in processing."""
    try:
        yield
    except InvalidInput as error:
        _fail(post, error.message)
    except pipeline.TranscodeFailed as error:
        _fail(post, error.reason)
    except Exception:
        logger.exception("Processing post %s failed", post.pk)
        _fail(post, GENERIC_FAILURE)


def _fail(post: Post, reason: str) -> None:
    logger.info("Post %s failed: %s", post.pk, reason)
    Post.objects.filter(pk=post.pk, status=Post.Status.PROCESSING).update(
        status=Post.Status.FAILED, failure_reason=reason[:300], updated_at=timezone.now()
    )


def _publish(post: Post, **fields: Any) -> bool:
    now = timezone.now()
    published = Post.objects.filter(pk=post.pk, status=Post.Status.PROCESSING).update(
        status=Post.Status.READY, failure_reason="", published_at=now, updated_at=now, **fields
    )
    if published:
        services.live_set_changed()
    return published == 1


@contextmanager
def _local_copy(stored: FieldFile) -> Iterator[Path]:
    """A filesystem path for ffmpeg and Pillow: the file itself on a local disk, or a temporary
    copy from storage that has no paths (S3)."""
    try:
        local_path: Path | None = Path(stored.path)
    except NotImplementedError:
        local_path = None
    if local_path is not None and local_path.is_file():
        yield local_path
        return
    with tempfile.NamedTemporaryFile(suffix=Path(stored.name or "").suffix) as copy:
        with stored.open("rb") as source:
            shutil.copyfileobj(source, copy, COPY_CHUNK)
        copy.flush()
        yield Path(copy.name)


def _save_rendition(post: Post, rendition: pipeline.Rendition) -> None:
    # Saved through the storage API, which picks a free name (never overwriting) on any backend.
    with rendition.stream_path.open("rb") as stream:
        post.stream.save(f"post-{post.pk}.mp4", File(stream), save=False)
    with rendition.poster_path.open("rb") as poster:
        post.poster.save(f"post-{post.pk}-poster.jpg", File(poster), save=False)


def _resize(image: PostImage, *, number: int) -> tuple[int, int]:
    if image.image and image.width and image.height:  # resized by an earlier, unfinished run
        return image.width, image.height
    with _local_copy(image.original) as source, tempfile.TemporaryDirectory() as out_dir:
        out = Path(out_dir) / "photo.webp"
        try:
            width, height = pipeline.resize_photo(source, out)
        except InvalidInput as error:
            raise InvalidInput(f"Photo {number}: {error.message}", code=error.code) from None
        with out.open("rb") as resized:
            image.image.save(f"photo-{image.pk}.webp", File(resized), save=False)
    image.width, image.height = width, height
    image.save(update_fields=["image", "width", "height"])
    return width, height
