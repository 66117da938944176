"""Writes of the media app: posts and their anchors and hashtags, likes, comments, reports.

Uploads are probed before anything is stored, so a renamed text file or a two-hour video is
refused at once with a reason; transcoding then runs in a Celery job after commit.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from clipcart.accounts import services as account_services
from clipcart.affiliate import selectors as affiliate_selectors
from clipcart.catalog import selectors as catalog_selectors
from clipcart.core.errors import InvalidInput, NotFound, PermissionDenied
from clipcart.core.ratelimit import spend
from clipcart.core.text import clean_text

from .models import Anchor, Comment, CommentReport, Hashtag, Like, Post, PostHashtag, PostImage
from .selectors import LIVE_SET_VERSION_KEY

MAX_ANCHORS = 6
MAX_HASHTAGS = 30
CAPTION_MAX = 2200
COMMENT_MAX = 500
COMMENTS_PER_MINUTE = 10
REPORTS_TO_HIDE = 3
MAX_PHOTO_BYTES = 20 * 1024 * 1024
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
HASHTAG = re.compile(r"#?([^\W_][\w]{0,99})")
CAPTION_HASHTAG = re.compile(r"#([^\W_][\w]{0,99})")


@dataclass(frozen=True)
class AnchorSpec:
    """One product to tag, as the creator asked: a catalog product or an external link, shown
    from `start_ms` to `end_ms` (the whole post when unset)."""

    product_id: int | None = None
    url: str = ""
    title: str = ""
    start_ms: int | None = None
    end_ms: int | None = None


# --- Parsing what the forms and the API send ------------------------------------------------------


def parse_product_ids(raw: object) -> list[int]:
    """ "12, 15" → [12, 15]; anything that is not a list of positive ids is refused."""
    if raw in (None, ""):
        return []
    parts = raw if isinstance(raw, list) else str(raw).split(",")
    ids: list[int] = []
    for part in parts:
        text = str(part).strip()
        if not text.isdigit() or int(text) <= 0 or int(text) > 2**62:
            raise InvalidInput("Product ids are positive whole numbers.", field="product_ids")
        ids.append(int(text))
    return ids


def parse_seconds(raw: object, *, field: str) -> int | None:
    """Seconds as typed ("3", "2.5") → milliseconds; empty → None."""
    if raw in (None, ""):
        return None
    try:
        seconds = float(str(raw))
    except ValueError:
        raise InvalidInput("Times are seconds, like 2.5.", field=field) from None
    if not 0 <= seconds <= 24 * 3600:
        raise InvalidInput("Times are seconds from the start of the video.", field=field)
    return round(seconds * 1000)


def parse_hashtags(*texts: str) -> list[str]:
    """Hashtags from the caption (#words) and an explicit list, lower-cased, first seen first."""
    caption, *explicit = texts or ("",)
    found = CAPTION_HASHTAG.findall(caption or "")
    for text in explicit:
        found += HASHTAG.findall(text or "")
    tags = list(dict.fromkeys(tag.lower() for tag in found))
    if len(tags) > MAX_HASHTAGS:
        raise InvalidInput(f"At most {MAX_HASHTAGS} hashtags.", field="hashtags")
    return tags


# --- Checks -------------------------------------------------------------------------------------


def _check_link(spec: AnchorSpec, index: int) -> None:
    try:
        URLValidator(schemes=["https", "http"])(spec.url)
    except ValidationError:
        raise InvalidInput(
            "Links must be full http(s) addresses.", field=f"anchors.{index}.url"
        ) from None
    clean_text(spec.title, field=f"anchors.{index}.title", max_length=200, label="Link title")


def _check_times(spec: AnchorSpec, index: int, *, duration_ms: int | None) -> None:
    if spec.start_ms is None and spec.end_ms is None:
        return
    field = f"anchors.{index}.start"
    if duration_ms is None:
        raise InvalidInput("Photo posts show their products the whole time.", field=field)
    start, end = spec.start_ms or 0, spec.end_ms if spec.end_ms is not None else duration_ms
    if start >= end:
        raise InvalidInput("A product must appear before it disappears.", field=field)
    if start >= duration_ms or end > duration_ms:
        raise InvalidInput(
            f"Times must be within the video (0–{duration_ms / 1000:g} s).", field=field
        )


def check_anchors(*, creator, specs: list[AnchorSpec], duration_ms: int | None) -> list[Anchor]:
    """Validated, unsaved anchors for `creator`'s post, in the order given.

    Any active product may be tagged; one the creator has a commission term for (an affiliate
    plan) earns commission, so the post carries the `commission` disclosure."""
    if len(specs) > MAX_ANCHORS:
        raise InvalidInput(
            f"Tag at most {MAX_ANCHORS} products.", code="too_many_anchors", field="product_ids"
        )
    wanted = [s.product_id for s in specs if s.product_id is not None]
    if len(set(wanted)) != len(wanted):
        raise InvalidInput("Each product can be tagged once.", field="product_ids")
    products = catalog_selectors.taggable_products(wanted)
    earning = affiliate_selectors.earning_product_ids(creator_id=creator.pk, product_ids=wanted)
    anchors = []
    for index, spec in enumerate(specs):
        _check_times(spec, index, duration_ms=duration_ms)
        if spec.product_id is None:
            _check_link(spec, index)
            anchors.append(_link_anchor(spec, index))
            continue
        product = products.get(spec.product_id)
        if product is None:
            raise InvalidInput(
                f"Product {spec.product_id} does not exist or cannot be tagged.",
                code="product_not_taggable",
                field="product_ids",
            )
        anchors.append(
            Anchor(
                product=product,
                position=index,
                start_ms=spec.start_ms,
                end_ms=spec.end_ms,
                earns_commission=product.pk in earning,
            )
        )
    return anchors


def _link_anchor(spec: AnchorSpec, index: int) -> Anchor:
    return Anchor(
        external_url=spec.url,
        external_title=spec.title.strip(),
        position=index,
        start_ms=spec.start_ms,
        end_ms=spec.end_ms,
    )


def _check_photo(upload: UploadedFile) -> None:
    if upload.size is None or upload.size > MAX_PHOTO_BYTES:
        raise InvalidInput("Photos can be at most 20 MB each.", field="images")
    try:
        with Image.open(upload) as image:
            image.verify()  # catches truncated and non-image files without decoding them
            if image.format not in PHOTO_FORMATS:
                raise InvalidInput("Photos must be JPEG, PNG or WebP.", field="images")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise InvalidInput(
            f"{upload.name} is not a readable image.", code="not_an_image", field="images"
        ) from None
    finally:
        upload.seek(0)


def _stored_name(upload: UploadedFile, default_suffix: str) -> str:
    # Never trust the client's file name: it may hold paths or odd characters.
    suffix = PurePath(upload.name or "").suffix.lower()[:6] or default_suffix
    return f"{uuid.uuid4().hex}{suffix if suffix.isascii() else default_suffix}"


# --- Creating and editing posts -----------------------------------------------------------------


def _caption_and_tags(caption: str, hashtags: str) -> tuple[str, list[str]]:
    """The cleaned caption and the hashtags of the caption and the explicit list."""
    caption = clean_text(caption, field="caption", max_length=CAPTION_MAX, required=False)
    return caption, parse_hashtags(caption, hashtags)


def _save_tags_and_anchors(post: Post, *, tags: list[str], anchors: list[Anchor]) -> None:
    for anchor in anchors:
        anchor.post = post
    Anchor.objects.bulk_create(anchors)
    for name in tags:
        Hashtag.objects.get_or_create(name=name)
    hashtags = Hashtag.objects.filter(name__in=tags)
    PostHashtag.objects.bulk_create(
        [PostHashtag(post=post, hashtag=tag) for tag in hashtags], ignore_conflicts=True
    )


def create_video_post(
    *,
    creator,
    upload: UploadedFile,
    caption: str = "",
    hashtags: str = "",
    anchors: list[AnchorSpec] | None = None,
    is_paid_partnership: bool = False,
) -> Post:
    """Probes the upload, stores it with its anchors, and transcodes it in a job after commit."""
    from . import pipeline, tasks, uploads  # heavy or cyclic: tasks import processing → here

    caption, tags = _caption_and_tags(caption, hashtags)
    with uploads.local_upload_path(upload) as path:
        probe = pipeline.probe_video(path)
    checked = check_anchors(creator=creator, specs=anchors or [], duration_ms=probe.duration_ms)
    with transaction.atomic():
        account_services.grant_creator_role(user=creator)
        post = Post(
            creator=creator,
            kind=Post.Kind.VIDEO,
            caption=caption,
            is_paid_partnership=is_paid_partnership,
            duration_ms=probe.duration_ms,
        )
        post.original.save(_stored_name(upload, ".mp4"), upload, save=False)
        post.save()
        _save_tags_and_anchors(post, tags=tags, anchors=checked)
        # robust: the upload is safe either way; retry_stuck_posts re-enqueues a lost job.
        transaction.on_commit(lambda: tasks.process_video_post.delay(post.pk), robust=True)
    return post


def create_photo_post(
    *,
    creator,
    uploads: list[UploadedFile],
    caption: str = "",
    hashtags: str = "",
    anchors: list[AnchorSpec] | None = None,
    is_paid_partnership: bool = False,
) -> Post:
    """A carousel of 1–10 photos; each is checked now and resized in a job after commit."""
    from . import tasks

    if not 1 <= len(uploads) <= settings.CLIPCART_MAX_PHOTOS:
        raise InvalidInput(
            f"A photo post has 1 to {settings.CLIPCART_MAX_PHOTOS} photos.", field="images"
        )
    for upload in uploads:
        _check_photo(upload)
    caption, tags = _caption_and_tags(caption, hashtags)
    checked = check_anchors(creator=creator, specs=anchors or [], duration_ms=None)
    with transaction.atomic():
        account_services.grant_creator_role(user=creator)
        post = Post.objects.create(
            creator=creator,
            kind=Post.Kind.PHOTO,
            caption=caption,
            is_paid_partnership=is_paid_partnership,
        )
        for position, upload in enumerate(uploads):
            image = PostImage(post=post, position=position)
            image.original.save(_stored_name(upload, ".jpg"), upload, save=False)
            image.save()
        _save_tags_and_anchors(post, tags=tags, anchors=checked)
        transaction.on_commit(lambda: tasks.process_photo_post.delay(post.pk), robust=True)
    return post


def owned_post(*, user, post_id: int) -> Post:
    """The user's own post. Another creator's post is reported as missing (404), not forbidden,
    so ids of unpublished posts leak nothing."""
    post = Post.objects.filter(pk=post_id, creator_id=user.pk, removed_at__isnull=True).first()
    if post is None:
        raise NotFound("No such post.", code="post_not_found")
    return post


def update_post(
    *,
    editor,
    post_id: int,
    caption: str | None = None,
    hashtags: str | None = None,
    anchors: list[AnchorSpec] | None = None,
    is_paid_partnership: bool | None = None,
) -> Post:
    """Changes what the creator may change after upload; unset arguments stay as they are."""
    post = owned_post(user=editor, post_id=post_id)
    if caption is not None:
        post.caption = clean_text(caption, field="caption", max_length=CAPTION_MAX, required=False)
    if is_paid_partnership is not None:
        post.is_paid_partnership = is_paid_partnership
    duration = post.duration_ms if post.kind == Post.Kind.VIDEO else None
    checked = (
        None
        if anchors is None
        else check_anchors(creator=editor, specs=anchors, duration_ms=duration)
    )
    with transaction.atomic():
        post.save()
        if checked is not None:
            post.anchors.all().delete()
            _save_tags_and_anchors(post, tags=[], anchors=checked)
        if caption is not None or hashtags is not None:
            PostHashtag.objects.filter(post=post).delete()
            _save_tags_and_anchors(
                post, tags=parse_hashtags(post.caption, hashtags or ""), anchors=[]
            )
    return post


def set_commission_flags(*, creator_id: int, earning: set[int], not_earning: set[int]) -> None:
    """Called by affiliate when a creator starts or stops earning on products: their anchors'
    disclosure follows. Cached feed cards catch up within their short lifetime."""
    anchors = Anchor.objects.filter(post__creator_id=creator_id)
    if earning:
        anchors.filter(product_id__in=earning).update(earns_commission=True)
    if not_earning:
        anchors.filter(product_id__in=not_earning).update(earns_commission=False)


def live_set_changed() -> None:
    """Says that a post was published, removed or restored (see selectors.live_set_version)."""
    try:
        cache.incr(LIVE_SET_VERSION_KEY)
    except ValueError:  # not set yet, or evicted: any new value invalidates
        cache.set(LIVE_SET_VERSION_KEY, uuid.uuid4().int % 2**62, timeout=None)


def remove_post(*, editor, post_id: int) -> None:
    """Takes a post out of every feed and page. Files are kept for moderation and appeals."""
    post = owned_post(user=editor, post_id=post_id)
    Post.objects.filter(pk=post.pk).update(removed_at=timezone.now())
    transaction.on_commit(live_set_changed)


def live_post(post_id: int) -> Post:
    post = Post.objects.filter(
        pk=post_id, status=Post.Status.READY, removed_at__isnull=True
    ).first()
    if post is None:
        raise NotFound("No such video.", code="post_not_found")
    return post


# --- Likes --------------------------------------------------------------------------------------


def like_post(*, user, post_id: int) -> bool:
    """Likes a post once; returns True when this call added the like."""
    post = live_post(post_id)
    try:
        with transaction.atomic():
            Like.objects.create(post=post, user=user)
            Post.objects.filter(pk=post.pk).update(like_count=F("like_count") + 1)
    except IntegrityError:  # already liked (or a double tap raced): nothing changes
        return False
    return True


def unlike_post(*, user, post_id: int) -> bool:
    with transaction.atomic():
        deleted, _ = Like.objects.filter(post_id=post_id, user=user).delete()
        if deleted:
            Post.objects.filter(pk=post_id).update(like_count=F("like_count") - 1)
    return deleted > 0


# --- Comments -----------------------------------------------------------------------------------


def add_comment(*, author, post_id: int, body: object) -> Comment:
    """A plain-text comment (pages escape it). Ten a minute per person stops flooding."""
    text = clean_text(body, field="body", max_length=COMMENT_MAX, label="A comment")
    post = live_post(post_id)
    spend(
        f"comment:{author.pk}",
        limit=COMMENTS_PER_MINUTE,
        period_s=60,
        message="You are commenting too fast; wait a minute.",
    )
    with transaction.atomic():
        comment = Comment.objects.create(post=post, author=author, body=text)
        Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    return comment


def delete_comment(*, user, comment_id: int) -> None:
    """The author, or the creator of the post, may delete a comment."""
    comment = Comment.objects.select_related("post").filter(pk=comment_id).first()
    if comment is None:
        raise NotFound("No such comment.", code="comment_not_found")
    if user.pk not in (comment.author_id, comment.post.creator_id):
        raise PermissionDenied("Only the author or the creator can delete this comment.")
    with transaction.atomic():
        comment.delete()
        Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") - 1)


def report_comment(*, reporter, comment_id: int, reason: str = "other") -> bool:
    """Reports a comment once per person; enough reports hide it until an operator reviews it."""
    if reason not in CommentReport.Reason.values:
        raise InvalidInput("Unknown report reason.", field="reason")
    comment = Comment.objects.filter(pk=comment_id, is_hidden=False).first()
    if comment is None:
        raise NotFound("No such comment.", code="comment_not_found")
    try:
        with transaction.atomic():
            CommentReport.objects.create(comment=comment, reporter=reporter, reason=reason)
            Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
            Comment.objects.filter(pk=comment.pk, report_count__gte=REPORTS_TO_HIDE).update(
                is_hidden=True
            )
    except IntegrityError:
        return False
    return True


# --- Trusted imports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedVideo:
    """A video already in the served format (H.264/AAC, fast-start MP4) with its poster, as made
    by the demo seeder or an import from another platform: no transcoding is needed."""

    stream_path: str
    poster_path: str
    duration_ms: int
    width: int
    height: int


def import_ready_video(
    *,
    creator,
    video: PreparedVideo,
    caption: str = "",
    hashtags: str = "",
    anchors: list[AnchorSpec] | None = None,
    is_paid_partnership: bool = False,
    published_at=None,
) -> Post:
    """Publishes a prepared video at once; the stream doubles as the kept original."""
    from django.core.files import File

    caption, tags = _caption_and_tags(caption, hashtags)
    checked = check_anchors(creator=creator, specs=anchors or [], duration_ms=video.duration_ms)
    with transaction.atomic():
        account_services.grant_creator_role(user=creator)
        post = Post(
            creator=creator,
            kind=Post.Kind.VIDEO,
            caption=caption,
            is_paid_partnership=is_paid_partnership,
            status=Post.Status.READY,
            published_at=published_at or timezone.now(),
            duration_ms=video.duration_ms,
            width=video.width,
            height=video.height,
        )
        with open(video.stream_path, "rb") as stream, open(video.poster_path, "rb") as poster:
            name = uuid.uuid4().hex
            post.stream.save(f"{name}.mp4", File(stream), save=False)
            post.original.name = post.stream.name
            post.poster.save(f"{name}.jpg", File(poster), save=False)
        post.save()
        _save_tags_and_anchors(post, tags=tags, anchors=checked)
        transaction.on_commit(live_set_changed)
    return post
