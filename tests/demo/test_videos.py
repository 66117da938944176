"""The demo's videos and the life around them: a small seed publishes playable videos that tag
active products, and its follows, likes, comments and view counters agree with each other."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Sum
from django.test import override_settings

from clipcart.accounts.models import Follow, User
from clipcart.catalog.models import Product
from clipcart.demo import social, videos
from clipcart.demo.services import today_at_midnight
from clipcart.demo.world import build_world
from clipcart.feed.models import CreatorStats, Event, HashtagDay, PostStats
from clipcart.media.models import Anchor, Hashtag, Post
from clipcart.media.services import MAX_ANCHORS

from .test_seed import SCALE, seed

pytestmark = pytest.mark.django_db
TRENDING = {"cleantok", "booktok", "amazonfinds", "tiktokmademebuyit"}


@pytest.fixture(scope="module")
def seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """One seed for the whole module (encoding videos is the slow part); tests only read it,
    each inside its own rolled-back transaction."""
    media = tmp_path_factory.mktemp("media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        seed()
        yield media
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def seeded(seeded_once, db) -> Path:
    return seeded_once


def test_the_seed_publishes_ready_videos_with_their_files(seeded):
    posts = list(Post.objects.all())
    assert len(posts) == videos.video_count(SCALE)
    for post in posts:
        assert post.status == Post.Status.READY and post.kind == Post.Kind.VIDEO
        assert (post.width, post.height) == (videos.WIDTH, videos.HEIGHT)
        stream = (seeded / post.stream.name).read_bytes()
        assert stream[4:8] == b"ftyp"
        # Fast start: the index (moov) comes before the media data (mdat).
        assert 0 < stream.index(b"moov") < stream.index(b"mdat")
        assert (seeded / post.poster.name).read_bytes()[:2] == b"\xff\xd8"
        assert post.created_at < post.published_at <= today_at_midnight()
        assert post.published_at > today_at_midnight() - timedelta(days=31)


def test_anchors_tag_active_products_within_the_video(seeded):
    posts = Post.objects.annotate(n=Count("anchors"))
    assert all(1 <= post.n <= MAX_ANCHORS for post in posts)
    for anchor in Anchor.objects.select_related("post", "product"):
        if anchor.product is None:
            assert anchor.external_url.startswith("https://")
        else:
            assert anchor.product.status == Product.Status.ACTIVE
        start, end = anchor.start_ms or 0, anchor.end_ms or anchor.post.duration_ms
        assert 0 <= start < end <= anchor.post.duration_ms


def test_videos_carry_the_trending_hashtags_and_come_from_several_creators(seeded):
    assert set(Hashtag.objects.values_list("name", flat=True)) >= TRENDING
    for post in Post.objects.prefetch_related("hashtags"):
        assert 2 <= post.hashtags.count() <= 4
        assert all(f"#{tag.name}" in post.caption for tag in post.hashtags.all())
    creators = User.objects.filter(posts__isnull=False).distinct()
    assert creators.count() >= 3
    assert creators.filter(username="creator").exists()
    assert all(c.is_creator and c.display_name and c.bio for c in creators)


def test_the_shopper_follows_a_few_creators(seeded):
    followed = User.objects.filter(followers__follower__username="shopper")
    assert 3 <= followed.count() <= 4
    assert followed.filter(username="creator").exists()
    assert all(user.is_creator for user in followed)
    assert not Follow.objects.filter(follower_id=F("creator_id")).exists()


def test_like_and_comment_counts_match_their_rows(seeded):
    posts = Post.objects.annotate(
        liked=Count("likes", distinct=True), commented=Count("comments", distinct=True)
    )
    assert sum(post.like_count for post in posts) > 0
    for post in posts:
        assert (post.like_count, post.comment_count) == (post.liked, post.commented)


def test_view_counters_are_rolled_up_from_the_ingested_history(seeded):
    assert not Event.objects.filter(rolled_up=False).exists()
    impressions = Counter(
        Event.objects.filter(type=Event.Type.IMPRESSION).values_list("video_id", flat=True)
    )
    assert impressions
    assert {s.post_id: s.views for s in PostStats.objects.all() if s.views} == impressions
    completes = Counter(
        Event.objects.filter(type=Event.Type.COMPLETE).values_list("video_id", flat=True)
    )
    assert {s.post_id: s.completions for s in PostStats.objects.all() if s.completions} == (
        completes
    )
    total = sum(impressions.values())
    assert CreatorStats.objects.aggregate(n=Sum("views"))["n"] == total
    today = today_at_midnight().date()
    days = set(HashtagDay.objects.values_list("day", flat=True))
    assert days and all(today - timedelta(days=7) <= day < today for day in days)


def test_the_shopper_watched_videos_to_the_end_just_before_the_base(seeded):
    """For You leaves out what a viewer completed in the last day: the shopper has some."""
    base = today_at_midnight()
    recent = Event.objects.filter(
        user__username="shopper", type=Event.Type.COMPLETE, ts__gte=base - timedelta(hours=1)
    )
    assert recent.exists()


def test_viewers_with_a_history_said_yes_to_personalization_and_the_others_are_asked(seeded):
    watchers = set(Event.objects.filter(user__isnull=False).values_list("user_id", flat=True))
    answered = User.objects.filter(personalization=True)
    assert set(answered.values_list("pk", flat=True)) == watchers
    assert answered.filter(username="shopper").exists()
    for user in answered:
        first = Event.objects.filter(user=user).earliest("ts").ts
        answered_at = user.personalization_answered_at
        assert answered_at is not None and user.date_joined < answered_at < first
    others = User.objects.exclude(pk__in=watchers)
    assert others.exists()
    assert not others.filter(personalization__isnull=False).exists()
    assert not others.filter(personalization_answered_at__isnull=False).exists()


def test_the_stored_history_is_the_planned_one(seeded):
    """Determinism: each viewer's events, by type and video, as a second plan has them."""
    world = build_world(scale=SCALE)
    media = videos.plan_media(world, scale=SCALE)
    plan = social.plan_social(world, media, scale=SCALE)
    assert plan == social.plan_social(build_world(scale=SCALE), media, scale=SCALE)
    post_ids = list(Post.objects.order_by("id").values_list("pk", flat=True))  # plan's order
    product_ids = [0] * len(world.products)  # not compared
    planned = Counter(
        (world.people[watch.person].username, event["video_id"], event["type"])
        for watch in plan.watches
        for _, event in social._events(watch, media, post_ids, product_ids)
    )
    stored = Counter(Event.objects.values_list("user__username", "video_id", "type").iterator())
    assert stored == planned
    assert Event.objects.filter(type=Event.Type.NOT_INTERESTED).exists() == any(
        watch.not_interested for watch in plan.watches
    )


def test_the_seeded_videos_are_the_planned_ones(seeded):
    """Determinism: captions, creators and anchors as a second, independent plan has them."""
    world = build_world(scale=SCALE)
    plan = videos.plan_media(world, scale=SCALE)
    assert plan == videos.plan_media(build_world(scale=SCALE), scale=SCALE)
    planned = [
        (
            world.people[video.creator].username,
            video.caption,
            video.is_paid_partnership,
            [
                (
                    None if a.product is None else world.products[a.product].title,
                    a.url,
                    a.start_ms,
                    a.end_ms,
                )
                for a in video.anchors
            ],
        )
        for video in plan.videos
    ]
    stored = [
        (
            post.creator.username,
            post.caption,
            post.is_paid_partnership,
            [
                (a.product.title if a.product else None, a.external_url, a.start_ms, a.end_ms)
                for a in post.anchors.all()
            ],
        )
        for post in Post.objects.order_by("id")
        .select_related("creator")
        .prefetch_related("anchors__product")
    ]
    assert stored == planned


def test_a_video_renders_to_the_same_bytes_twice(tmp_path: Path):
    world = build_world(scale=SCALE)
    video = videos.plan_media(world, scale=SCALE).videos[0]
    tone = videos.render_tone(video.look.tone_hz, video.duration_ms, tmp_path / "tone.m4a")
    first = videos.render(world, video, tmp_path / "a", tone=tone)
    second = videos.render(world, video, tmp_path / "b", tone=tone)
    assert Path(first.stream_path).read_bytes() == Path(second.stream_path).read_bytes()
    assert Path(first.poster_path).read_bytes() == Path(second.poster_path).read_bytes()
    assert 10_000 < Path(first.stream_path).stat().st_size < 400_000


def test_rising_hashtags_are_watched_more_every_day():
    """The trending story, checked on the plan at full scale: posts with a rising tag get far
    more impressions on the last day than on the first, those with a fading tag far fewer."""
    world = build_world(scale=1)
    media = videos.plan_media(world, scale=1)
    plan = social.plan_social(world, media, scale=1)
    by_tag: dict[str, Counter] = {tag: Counter() for tag in social.RISING_TAGS}
    by_tag.update({tag: Counter() for tag in social.FADING_TAGS})
    for watch in plan.watches:
        for tag in set(media.videos[watch.video].tags) & set(by_tag):
            by_tag[tag][watch.ago // 86_400] += 1
    last, first = 0, social.HISTORY_DAYS - 1
    for tag in social.RISING_TAGS:
        assert by_tag[tag][last] > 2 * by_tag[tag][first], tag
    for tag in social.FADING_TAGS:
        assert 2 * by_tag[tag][last] < by_tag[tag][first], tag
