"""The life around the demo videos: follows, likes, comments and a week of viewing history.

Planned from its own `random.Random`, like the rest of the demo. The history is a few hundred
shoppers (and the `shopper` login) scrolling the feed in sessions over the six days before the
base instant: each impression may be watched to the end, liked, shared or lead to a tap on a
tagged product. It goes through `feed.services.ingest_events`, as the pages send it, and
`roll_up_events` then fills the counters of posts, creators and hashtags. Posts tagged with
`RISING_TAGS` are shown more every day and those with `FADING_TAGS` less, so the 7-day growth
of hashtags tells a story.

Follows, likes and comments are bulk-inserted as `accounts.services.follow`,
`media.services.like_post` and `add_comment` would leave them (see services.py for why), and
each post's `like_count` and `comment_count` match its rows.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate

from django.contrib.auth import get_user_model
from tqdm import tqdm

from clipcart.accounts.models import Follow
from clipcart.feed import services as feed_services
from clipcart.media.models import Comment, Like, Post

from .videos import MediaPlan
from .world import CREATOR, DAY, HOUR, SEED, SHOPPER, World

VIEWERS_AT_SCALE_1 = 400
MIN_VIEWERS = 20
HISTORY_DAYS = 6  # ingestion refuses events older than 7 days; the base is up to a day ago
RISING_TAGS = ("cleantok", "booktok")
FADING_TAGS = ("amazonfinds",)
RISE, FADE = 1.35, 0.7  # daily factor on how often a post with such a tag is shown
ACTIVITY = 1.15  # daily factor on the number of sessions: other tags stay about flat
SHOPPER_INTERESTS = ("beauty", "home", "books")
EVENT_BATCH = feed_services.MAX_BATCH

COMMENTS = (
    "Need this",
    "Where is this from??",
    "Just ordered one!",
    "Adding to cart rn",
    "The {noun} looks so good",
    "Does it come in other colours?",
    "How long did shipping take?",
    "I have this and it's even better in person",
    "Is it worth the price?",
    "Okay you convinced me",
    "{shop} never misses",
    "My {noun} arrived today and I'm obsessed",
    "Saving this for later",
    "Wait this is so cute",
    "Ordered it after your last video, no regrets",
    "Been looking for a good {noun} forever",
)
REPLIES = (
    "It's tagged in the video!",
    "Yes! Tap the product on the video",
    "Took about 3 days to get to me",
    "Thank you so much!",
    "Honestly worth every penny",
)


@dataclass(frozen=True)
class FollowPlan:
    follower: int  # index in world.people
    creator: int
    ago: int  # seconds before the base instant


@dataclass(frozen=True)
class WatchPlan:
    """One impression of a video and what the viewer did with it."""

    person: int
    video: int  # index in MediaPlan.videos
    ago: int
    watch_ms: int
    completed: bool
    liked: bool
    shared: bool
    clicked: int | None  # the tagged product tapped (index in world.products)
    added: bool  # and put in the cart


@dataclass(frozen=True)
class CommentPlan:
    video: int
    person: int
    body: str
    ago: int


@dataclass(frozen=True)
class SocialPlan:
    follows: tuple[FollowPlan, ...]
    watches: tuple[WatchPlan, ...]
    comments: tuple[CommentPlan, ...]

    def likes(self) -> list[WatchPlan]:
        return [watch for watch in self.watches if watch.liked]


@dataclass(frozen=True)
class SocialCounts:
    follows: int
    likes: int
    comments: int
    events: int


# --- Planning -----------------------------------------------------------------------------------


def plan_social(world: World, media: MediaPlan, *, scale: float) -> SocialPlan:
    """Same world, media plan and scale, same plan."""
    rng = random.Random(f"{SEED}:social")
    present = sorted({shop.niche for shop in world.shops})
    shoppers = [
        i
        for i, p in enumerate(world.people)
        if i >= 4 and not (p.is_seller or p.is_operator or p.is_creator)
    ]
    creator_ids = [c.person for c in media.creators]
    shoppers = [i for i in shoppers if i not in set(creator_ids)]
    count = min(len(shoppers), max(MIN_VIEWERS, round(VIEWERS_AT_SCALE_1 * scale)))
    viewers = [SHOPPER, *sorted(rng.sample(shoppers, count))]
    interests = {
        person: tuple(rng.sample(present, min(len(present), rng.randint(1, 3))))
        for person in viewers
    }
    interests[SHOPPER] = tuple(n for n in SHOPPER_INTERESTS if n in present) or interests[SHOPPER]
    follows = _plan_follows(rng, world, media, shoppers, interests)
    watches = _Audience(rng, world, media, follows).watch(viewers, interests)
    comments = _plan_comments(rng, world, media, watches)
    return SocialPlan(follows=tuple(follows), watches=tuple(watches), comments=tuple(comments))


def _follow_ago(rng: random.Random, world: World, follower: int, creator: int) -> int:
    joined = min(world.people[follower].joined_ago, world.people[creator].joined_ago)
    return rng.randint(HOUR, min(joined, 120 * DAY) - HOUR)


def _plan_follows(
    rng: random.Random,
    world: World,
    media: MediaPlan,
    shoppers: list[int],
    interests: dict[int, tuple[str, ...]],
) -> list[FollowPlan]:
    """The `shopper` login follows the `creator` login and a few more; viewers follow creators
    of their niches; some other shoppers follow one or two; creators follow each other."""
    creators = [c.person for c in media.creators]
    niches = {c.person: set(c.niches) for c in media.creators}
    pairs: dict[tuple[int, int], None] = {}
    others = [c for c in creators if c != CREATOR]
    for creator in [CREATOR, *rng.sample(others, min(3, len(others)))]:
        pairs[(SHOPPER, creator)] = None
    for person, liked_niches in interests.items():
        if person == SHOPPER:
            continue
        near = [c for c in creators if niches[c] & set(liked_niches)]
        for creator in rng.sample(near, min(len(near), rng.choice((0, 1, 1, 2, 3)))):
            pairs[(person, creator)] = None
    for person in shoppers:
        if person not in interests and rng.random() < 0.15:
            for creator in rng.sample(creators, min(len(creators), rng.randint(1, 2))):
                pairs[(person, creator)] = None
    for person in creators:
        for creator in rng.sample(creators, min(len(creators), rng.randint(1, 3))):
            if creator != person:
                pairs[(person, creator)] = None
    return [FollowPlan(f, c, _follow_ago(rng, world, f, c)) for f, c in pairs]


def _daily_factor(tags: tuple[str, ...]) -> float:
    """How much more (or less) a post is shown each day: a fading tag wins over a rising one,
    so the fading tag's views do fall."""
    if set(tags) & set(FADING_TAGS):
        return FADE
    if set(tags) & set(RISING_TAGS):
        return RISE
    return 1.0


class _Audience:
    """Draws who watches what: popular videos, videos of the viewer's niches and of creators
    they follow are shown more; the trend factors move with the day."""

    def __init__(
        self, rng: random.Random, world: World, media: MediaPlan, follows: list[FollowPlan]
    ):
        self.rng = rng
        self.world = world
        self.videos = media.videos
        self.niche = [world.shops[world.products[v.product].shop].niche for v in media.videos]
        self.popularity = [rng.lognormvariate(0, 0.8) for _ in media.videos]
        self.quality = [rng.random() for _ in media.videos]
        self.follows: dict[int, set[int]] = defaultdict(set)
        for follow in follows:
            self.follows[follow.follower].add(follow.creator)
        self.liked: set[tuple[int, int]] = set()
        self.daily = [_daily_factor(video.tags) for video in media.videos]

    def trend(self, video: int, day: int) -> float:
        """`day` counts back from the base: 0 is the last day, the one trends peak on."""
        return self.daily[video] ** (HISTORY_DAYS - 1 - day)

    def weights(self, person: int, interests: tuple[str, ...], ago: int) -> list[float]:
        day = ago // DAY
        weights = []
        for index, video in enumerate(self.videos):
            if video.published_ago <= ago + 600 or video.creator == person:
                weights.append(0.0)
                continue
            weight = self.popularity[index] * self.trend(index, day)
            if self.niche[index] in interests:
                weight *= 3
            if video.creator in self.follows[person]:
                weight *= 2
            weights.append(weight)
        return weights

    def watch(self, viewers: list[int], interests: dict[int, tuple[str, ...]]) -> list[WatchPlan]:
        watches: list[WatchPlan] = []
        for person in viewers:
            starts = [self._session_start() for _ in range(self.rng.randint(2, 7))]
            if person == SHOPPER:  # so the feed has something to skip: watched in the last hour
                starts.append(HOUR // 2)
            for start in sorted(starts, reverse=True):
                watches.extend(self._session(person, interests[person], start))
        return watches

    def _session_start(self) -> int:
        """Seconds before the base; more sessions on recent days, as the demo app grows."""
        days = range(HISTORY_DAYS)
        day = self.rng.choices(days, [ACTIVITY ** (HISTORY_DAYS - 1 - d) for d in days])[0]
        return day * DAY + self.rng.randint(HOUR if day == 0 else 0, DAY - HOUR)

    def _session(self, person: int, interests: tuple[str, ...], start: int) -> list[WatchPlan]:
        rng = self.rng
        weights = self.weights(person, interests, start)
        if not any(weights):
            return []
        cumulative = list(accumulate(weights))
        picks = rng.choices(range(len(weights)), cum_weights=cumulative, k=rng.randint(4, 18))
        ago, session = start, []
        for video in dict.fromkeys(picks):
            watch = self._one(person, video, ago)
            session.append(watch)
            ago -= watch.watch_ms // 1000 + rng.randint(1, 4)
        return session

    def _one(self, person: int, video: int, ago: int) -> WatchPlan:
        rng, plan = self.rng, self.videos[video]
        completed = rng.random() < 0.25 + 0.45 * self.quality[video]
        if completed:
            watch_ms = plan.duration_ms * rng.choice((1, 1, 1, 2))
        else:
            watch_ms = int(plan.duration_ms * rng.uniform(0.08, 0.9))
        like_chance = 0.1 + 0.15 * self.quality[video] if completed else 0.015
        liked = (person, video) not in self.liked and rng.random() < like_chance
        if liked:
            self.liked.add((person, video))
        products = [a.product for a in plan.anchors if a.product is not None]
        clicked = rng.choice(products) if products and rng.random() < 0.06 else None
        native = clicked is not None and self.world.products[clicked].kind == "native"
        return WatchPlan(
            person=person,
            video=video,
            ago=ago,
            watch_ms=watch_ms,
            completed=completed,
            liked=liked,
            shared=rng.random() < (0.03 if completed else 0.003),
            clicked=clicked,
            added=native and rng.random() < 0.35,
        )


def _plan_comments(
    rng: random.Random, world: World, media: MediaPlan, watches: list[WatchPlan]
) -> list[CommentPlan]:
    """Some viewers who watched to the end comment; the creator answers a few."""
    comments = []
    for watch in watches:
        if not watch.completed or rng.random() >= 0.08:
            continue
        video = media.videos[watch.video]
        product = world.products[video.product]
        body = rng.choice(COMMENTS).format(
            noun=product.images[0].label.lower(), shop=world.shops[product.shop].name
        )
        ago = max(1, watch.ago - watch.watch_ms // 1000 - rng.randint(5, 40))
        comments.append(CommentPlan(watch.video, watch.person, body, ago))
        if rng.random() < 0.3 and ago > HOUR:
            reply = f"@{world.people[watch.person].username} {rng.choice(REPLIES)}"
            later = rng.randint(60, min(ago - 1, 8 * HOUR))
            comments.append(CommentPlan(watch.video, video.creator, reply, ago - later))
    return sorted(comments, key=lambda c: -c.ago)


# --- Writing ------------------------------------------------------------------------------------


def write(
    plan: SocialPlan,
    media: MediaPlan,
    *,
    user_ids: list[int],
    post_ids: list[int],
    product_ids: list[int],
    base: datetime,
    progress: bool,
) -> SocialCounts:
    """Writes the plan; events go through the feed's ingestion and roll-up.

    Follow, Like and Comment must have their automatic timestamps switched off
    (`services.timestamps_as_given`): they carry their planned times."""

    def at(ago: int) -> datetime:
        return base - timedelta(seconds=ago)

    Follow.objects.bulk_create(
        [
            Follow(
                follower_id=user_ids[f.follower],
                creator_id=user_ids[f.creator],
                created_at=at(f.ago),
            )
            for f in plan.follows
        ]
    )
    likes = plan.likes()
    Like.objects.bulk_create(
        [
            Like(post_id=post_ids[w.video], user_id=user_ids[w.person], created_at=at(w.ago - 1))
            for w in likes
        ],
        batch_size=1000,
    )
    Comment.objects.bulk_create(
        [
            Comment(
                post_id=post_ids[c.video],
                author_id=user_ids[c.person],
                body=c.body,
                created_at=at(c.ago),
                updated_at=at(c.ago),
            )
            for c in plan.comments
        ],
        batch_size=1000,
    )
    _count_on_posts(plan, post_ids)
    events = _ingest(plan, media, user_ids, post_ids, product_ids, base, progress)
    # One batch: each batch updates every post, creator and hashtag-day it touches once, and
    # the default batches would touch most of them again and again (ten times the queries).
    feed_services.roll_up_events(batch=max(1, events))
    return SocialCounts(
        follows=len(plan.follows), likes=len(likes), comments=len(plan.comments), events=events
    )


def _count_on_posts(plan: SocialPlan, post_ids: list[int]) -> None:
    likes = Counter(w.video for w in plan.likes())
    comments = Counter(c.video for c in plan.comments)
    Post.objects.bulk_update(
        [
            Post(pk=post_id, like_count=likes[index], comment_count=comments[index])
            for index, post_id in enumerate(post_ids)
        ],
        ["like_count", "comment_count"],
    )


def _events(watch: WatchPlan, media: MediaPlan, post_ids: list[int], product_ids: list[int]):
    """What the feed page reports about one impression, as (offset ms, event) pairs."""
    video = post_ids[watch.video]
    seen = {"video_id": video}
    yield 0, {"type": "impression", **seen}
    yield watch.watch_ms, {"type": "view_progress", "watch_ms": watch.watch_ms, **seen}
    if watch.completed:
        yield media.videos[watch.video].duration_ms, {"type": "complete", **seen}
    if watch.liked:
        yield min(watch.watch_ms, 1500), {"type": "like", **seen}
    if watch.shared:
        yield watch.watch_ms, {"type": "share", **seen}
    if watch.clicked is not None:
        product = {"product_id": product_ids[watch.clicked], **seen}
        yield watch.watch_ms // 2, {"type": "anchor_click", **product}
        if watch.added:
            yield watch.watch_ms // 2 + 4000, {"type": "add_to_cart", **product}


def _ingest(plan, media, user_ids, post_ids, product_ids, base, progress) -> int:
    """Each viewer's history in batches, through the same ingestion the pages use."""
    by_person: dict[int, list[WatchPlan]] = defaultdict(list)
    for watch in plan.watches:
        by_person[watch.person].append(watch)
    base_ms = int(base.timestamp() * 1000)
    user_model = get_user_model()
    bar = tqdm(total=len(plan.watches), desc=" history", unit=" views", disable=not progress)
    total = 0
    for person, watches in by_person.items():
        batch: list[dict] = []
        for watch in watches:
            start = base_ms - watch.ago * 1000
            for offset, event in _events(watch, media, post_ids, product_ids):
                batch.append({"id": f"demo-{len(batch) + total}", "ts": start + offset, **event})
        user = user_model(pk=user_ids[person])
        for first in range(0, len(batch), EVENT_BATCH):
            feed_services.ingest_events(
                user=user, session_key=None, events=batch[first : first + EVENT_BATCH]
            )
        total += len(batch)
        bar.update(len(watches))
    bar.close()
    return total
