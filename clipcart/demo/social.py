"""The life around the demo videos: follows, likes, comments and a week of viewing history.

Planned from its own `random.Random`, like the rest of the demo. The history is about a thousand
shoppers (and the `shopper` login) scrolling the feed in sessions over the six days before the
base instant, watching as people with tastes do (see `_Audience`): each viewer has one to three
favourite niches of different strength, and a session usually binges one of them, video after
video of that niche (often the same creator or hashtag as the one before), with what is viral
across the app, mostly new videos, in between. They finish, like, share and tap the products
of videos of their niches far more often than the others, which they often skip within two
seconds and now and then mark "not interested". It goes through `feed.services.ingest_events`,
as the pages send it, and `roll_up_events` then fills the counters of posts, creators and
hashtags. Posts tagged with `RISING_TAGS` are shown more every day and those with `FADING_TAGS`
less, so the 7-day growth of hashtags tells a story.

Everyone with a viewing history answered yes to personalization before it began (the `shopper`
login too), so the demo's For You is personalized out of the box; other accounts are asked.

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

from clipcart.accounts.models import Follow, User
from clipcart.feed import services as feed_services
from clipcart.media.models import Comment, Like, Post

from .videos import NICHE_TAGS, MediaPlan
from .world import CREATOR, DAY, HOUR, SEED, SHOPPER, World

VIEWERS_AT_SCALE_1 = 600
MIN_VIEWERS = 20
HISTORY_DAYS = 6  # ingestion refuses events older than 7 days; the base is up to a day ago
RISING_TAGS = ("cleantok", "booktok")
FADING_TAGS = ("amazonfinds",)
RISE, FADE = 1.35, 0.6  # daily factor on how often a post with such a tag is shown
ACTIVITY = 1.15  # daily factor on the number of sessions: other tags stay about flat
SHOPPER_INTERESTS = ("beauty", "home", "books")
EVENT_BATCH = feed_services.MAX_BATCH

# How people watch (see `_Audience`). Taste counts for more than popularity: a video's pull
# across the app is lognormal with a small spread, a viewer's niches decide most sessions.
POPULARITY_SIGMA = 0.5
BUZZ_SIGMA = 1.3  # how viral a video went: only the slots outside the viewer's niche feel it
SESSIONS, SESSION_VIDEOS = (2, 7), (4, 18)  # per viewer over the week; videos per session
FOCUSED = 0.9  # sessions that binge one of the viewer's niches; the others just browse
STICKY = 0.5  # a focused session binges the niche the viewer binged last time
FOCUS = (0.75, 0.9)  # share of a focused session's videos from its niche
SAME_CREATOR, SAME_TAG = 5.0, 2.5  # the pull of the previous video's creator and hashtags
FOLLOWED = 2.0  # videos of creators the viewer follows are shown more
# New videos are watched most in their first days, and what spreads across the app is new
# above all: at first 3× (in a niche, people also dig out older videos) and 13× (across the
# app), halving day by day.
NOVELTY, VIRAL_NOVELTY, NOVELTY_HALF_LIFE = 2.0, 12.0, DAY
HOP = 0.75  # at most three in four of a rising tag's viewers tap it for more
PICK_UP, MAX_NICHES = 0.15, 4  # a finished video outside the taste may add its niche
REWATCH = 0.05  # the feed seldom shows a viewer a video again
QUICK_SKIP_MS = 2000  # gone before two seconds (feed.foryou counts it as negative feedback)

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
    not_interested: bool = False  # the viewer said so

    @property
    def quick_skip(self) -> bool:
        return not self.completed and self.watch_ms < QUICK_SKIP_MS


@dataclass(frozen=True)
class CommentPlan:
    video: int
    person: int
    body: str
    ago: int


@dataclass(frozen=True)
class Taste:
    """A viewer's favourite niches, strongest first, and how much each pulls their sessions."""

    niches: tuple[str, ...]
    strengths: tuple[float, ...]  # sum to 1


@dataclass(frozen=True)
class ConsentPlan:
    """A viewer said yes to "personalize your feed?" `ago` seconds before the base."""

    person: int
    ago: int


@dataclass(frozen=True)
class SocialPlan:
    follows: tuple[FollowPlan, ...]
    watches: tuple[WatchPlan, ...]
    comments: tuple[CommentPlan, ...]
    tastes: dict[int, Taste]  # person → taste at the end of the week, for every viewer
    consents: tuple[ConsentPlan, ...]

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
    tastes = {person: _taste(rng, present) for person in viewers}
    shopper_niches = tuple(n for n in SHOPPER_INTERESTS if n in present)
    if shopper_niches:
        tastes[SHOPPER] = Taste(shopper_niches, _strengths(rng, len(shopper_niches)))
    interests = {person: taste.niches for person, taste in tastes.items()}
    follows = _plan_follows(rng, world, media, shoppers, interests)
    audience = _Audience(rng, world, media, follows, tastes)
    watches = audience.watch(viewers)
    comments = _plan_comments(rng, world, media, watches)
    return SocialPlan(
        follows=tuple(follows),
        watches=tuple(watches),
        comments=tuple(comments),
        tastes=audience.tastes,
        consents=_plan_consents(rng, world, watches),
    )


def _taste(rng: random.Random, present: list[str]) -> Taste:
    niches = tuple(rng.sample(present, min(len(present), rng.randint(1, 3))))
    return Taste(niches, _strengths(rng, len(niches)))


def _strengths(rng: random.Random, count: int) -> tuple[float, ...]:
    """The first niche is the viewer's main one; the others pull 40% to as much."""
    raw = [1.0, *(rng.uniform(0.4, 1.0) for _ in range(count - 1))]
    return tuple(r / sum(raw) for r in raw)


def _plan_consents(
    rng: random.Random, world: World, watches: list[WatchPlan]
) -> tuple[ConsentPlan, ...]:
    """Each viewer answered yes some time before their first session, after signing up."""
    first: dict[int, int] = {}
    for watch in watches:
        first[watch.person] = max(first.get(watch.person, 0), watch.ago)
    return tuple(
        ConsentPlan(
            person, min(ago + rng.randint(HOUR, 20 * DAY), world.people[person].joined_ago - HOUR)
        )
        for person, ago in first.items()
    )


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
    """Draws who watches what, and what they do with it.

    A focused session binges one of the viewer's niches (often the one they binged last time,
    else one by its strength for them and by how its hashtags trend that day) and fills
    `FOCUS` of its videos from it, each next one drawn towards the creator and hashtags of the
    one before: people binge a topic, and that is what co-visitation and transitions learn.
    The other slots, and the sessions that only browse, take what is viral across the app,
    which is mostly what is new. Videos of creators the viewer follows are shown more, and a
    video already seen seldom comes back. Tastes move: a video finished outside them can add
    its niche."""

    def __init__(
        self,
        rng: random.Random,
        world: World,
        media: MediaPlan,
        follows: list[FollowPlan],
        tastes: dict[int, Taste],
    ):
        self.rng = rng
        self.tastes = dict(tastes)  # grows as viewers pick up new niches
        self.craze: dict[int, str] = {}  # the niche each viewer binged last
        self.world = world
        self.videos = media.videos
        self.niche = [world.shops[world.products[v.product].shop].niche for v in media.videos]
        self.popularity = [rng.lognormvariate(0, POPULARITY_SIGMA) for _ in media.videos]
        self.quality = [rng.random() for _ in media.videos]
        self.buzz = [rng.lognormvariate(0, BUZZ_SIGMA) for _ in media.videos]
        self.follows: dict[int, set[int]] = defaultdict(set)
        for follow in follows:
            self.follows[follow.follower].add(follow.creator)
        self.liked: set[tuple[int, int]] = set()
        self.seen: dict[int, set[int]] = defaultdict(set)
        self.daily = [_daily_factor(video.tags) for video in media.videos]
        self.by_niche: dict[str, list[int]] = defaultdict(list)
        for index, niche in enumerate(self.niche):
            self.by_niche[niche].append(index)
        # What a video shares with the next one of its niche: all carry the niche's own tag.
        self.topics = [
            set(video.tags) - {NICHE_TAGS[niche][0]}
            for video, niche in zip(self.videos, self.niche, strict=True)
        ]

    def trend(self, video: int, day: int) -> float:
        """`day` counts back from the base: 0 is the last day, the one trends peak on."""
        return self.daily[video] ** (HISTORY_DAYS - 1 - day)

    def niche_pull(self, niche: str, day: int) -> float:
        videos = self.by_niche[niche]
        return sum(self.trend(v, day) for v in videos) / len(videos) if videos else 0.0

    def shown(self, person: int, video: int, ago: int) -> bool:
        """Out by then, at least ten minutes old, and not the viewer's own."""
        plan = self.videos[video]
        return plan.published_ago > ago + 600 and plan.creator != person

    def weight(self, person: int, video: int, ago: int, novelty: float = NOVELTY) -> float:
        age = self.videos[video].published_ago - ago
        weight = self.popularity[video] * self.trend(video, ago // DAY)
        # New videos get most of their views in their first days.
        weight *= 1 + novelty * 0.5 ** (age / NOVELTY_HALF_LIFE)
        if self.videos[video].creator in self.follows[person]:
            weight *= FOLLOWED
        if video in self.seen[person]:
            weight *= REWATCH
        return weight

    def watch(self, viewers: list[int]) -> list[WatchPlan]:
        watches: list[WatchPlan] = []
        for person in viewers:
            starts = [self._session_start() for _ in range(self.rng.randint(*SESSIONS))]
            for start in sorted(starts, reverse=True):
                watches.extend(self._session(person, start))
            if person == SHOPPER:
                # The login's story: half an hour before the base they finished videos of their
                # main niche, which For You then leaves out for a day.
                watches.extend(self._session(person, HOUR // 2, finishing=True))
        return watches

    def _session_start(self) -> int:
        """Seconds before the base; more sessions on recent days, as the demo app grows."""
        days = range(HISTORY_DAYS)
        day = self.rng.choices(days, [ACTIVITY ** (HISTORY_DAYS - 1 - d) for d in days])[0]
        return day * DAY + self.rng.randint(HOUR if day == 0 else 0, DAY - HOUR)

    def _session(self, person: int, start: int, *, finishing: bool = False) -> list[WatchPlan]:
        """One sitting from `start` on. `finishing`: it binges the viewer's main niche alone
        and finishes every video of it."""
        rng, day, taste = self.rng, start // DAY, self.tastes[person]
        shown = [v for v in range(len(self.videos)) if self.shown(person, v, start)]
        if not shown:
            return []
        # Across the app, what went viral (while it is new) takes most of the views.
        everywhere = list(
            accumulate(self.weight(person, v, start, VIRAL_NOVELTY) * self.buzz[v] for v in shown)
        )
        niche = self._binge(person, taste, day) if rng.random() < FOCUSED else None
        focus = rng.uniform(*FOCUS) if niche else 0.0
        if finishing:
            niche, focus = taste.niches[0], 1.0
        in_niche = [v for v in shown if self.niche[v] == niche]
        ago, previous, hop, session = start, None, None, []
        picked: set[int] = set()
        slots = rng.randint(*SESSION_VIDEOS)
        while slots > 0:
            if hop is not None:
                # Drawn on by a rising tag: the viewer taps it and watches more of it, on top
                # of the session's own videos.
                tagged = [v for v in shown if hop in self.videos[v].tags]
                video = self._next(person, tagged, previous, picked, start)
            elif in_niche and rng.random() < focus:
                slots -= 1
                video = self._next(person, in_niche, previous, picked, start)
            else:
                slots -= 1
                video = rng.choices(shown, cum_weights=everywhere)[0]
            hop = None
            # A fading tag loses slots, not only its share of them: a viewer who has seen the
            # rest of their niche would otherwise keep meeting it.
            if video is None or video in picked or rng.random() > self.trend(video, day):
                continue
            picked.add(video)
            previous = video
            watch = self._one(person, video, ago, taste, finishing=finishing)
            if watch.completed and self.niche[video] not in taste.niches:
                self._pick_up(person, self.niche[video])
            self.seen[person].add(video)
            session.append(watch)
            ago -= watch.watch_ms // 1000 + rng.randint(1, 4)
            hop = self._drawn_on(video, day)
        return session

    def _binge(self, person: int, taste: Taste, day: int) -> str:
        """The niche a session binges: often the one the viewer binged last time, else one
        of theirs by its strength and by how its hashtags trend that day."""
        last = self.craze.get(person)
        if last is None or self.rng.random() >= STICKY:
            pulls = [
                strength * self.niche_pull(niche, day)
                for niche, strength in zip(taste.niches, taste.strengths, strict=True)
            ]
            last = self.rng.choices(taste.niches, pulls)[0]
        self.craze[person] = last
        return last

    def _pick_up(self, person: int, niche: str) -> None:
        """Now and then a video outside the viewer's taste wins them over: its niche becomes
        one of theirs, as strong as their main one for now (a new craze)."""
        taste = self.tastes[person]
        if len(taste.niches) >= MAX_NICHES or self.rng.random() >= PICK_UP:
            return
        raw = [*taste.strengths, max(taste.strengths)]
        self.tastes[person] = Taste((*taste.niches, niche), tuple(r / sum(raw) for r in raw))

    def _drawn_on(self, video: int, day: int) -> str | None:
        """The rising tag that draws the viewer on to another of its videos, if one does: the
        more it has risen, the likelier."""
        trend = self.trend(video, day)
        rising = [tag for tag in RISING_TAGS if tag in self.videos[video].tags]
        if trend <= 1 or not rising or self.rng.random() >= HOP * (1 - 1 / trend):
            return None
        return self.rng.choice(rising)

    def _next(
        self, person: int, videos: list[int], previous: int | None, picked: set[int], ago: int
    ) -> int | None:
        """One of `videos`, drawn towards the previous video's creator and hashtags."""
        weights = []
        for video in videos:
            weight = 0.0 if video in picked else self.weight(person, video, ago)
            if previous is not None:
                if self.videos[video].creator == self.videos[previous].creator:
                    weight *= SAME_CREATOR
                if self.topics[video] & self.topics[previous]:
                    weight *= SAME_TAG
            weights.append(weight)
        if not any(weights):
            return None
        return self.rng.choices(videos, weights)[0]

    def _one(
        self, person: int, video: int, ago: int, taste: Taste, *, finishing: bool = False
    ) -> WatchPlan:
        """What a viewer does with one video: much more when it is in their taste (by how
        strongly) and good; outside it they often skip within two seconds."""
        rng, plan, quality = self.rng, self.videos[video], self.quality[video]
        fond = self.niche[video] in taste.niches
        if fond:
            strength = taste.strengths[taste.niches.index(self.niche[video])]
            completed = rng.random() < 0.4 + 0.2 * strength + 0.3 * quality or finishing
        else:
            completed = rng.random() < 0.06 + 0.2 * quality
        skipped = not completed and rng.random() < (0.15 if fond else 0.6)
        if completed:
            watch_ms = plan.duration_ms * rng.choice((1, 1, 1, 2))
        elif skipped:
            watch_ms = rng.randint(300, min(QUICK_SKIP_MS, plan.duration_ms) - 100)
        else:  # watched a while, but not to the end
            partial = int(plan.duration_ms * rng.uniform(0.3, 0.9))
            watch_ms = max(partial, min(QUICK_SKIP_MS, plan.duration_ms - 1))
        if completed:
            like_chance = 0.12 + 0.2 * quality if fond else 0.03
        else:
            like_chance = 0.02 if fond else 0.003
        liked = (person, video) not in self.liked and rng.random() < like_chance
        if liked:
            self.liked.add((person, video))
        share_chance = (0.04 + 0.04 * quality if fond else 0.008) if completed else 0.002
        tap_chance = (0.12 if completed else 0.04) if fond else (0.012 if completed else 0.004)
        products = [a.product for a in plan.anchors if a.product is not None]
        clicked = None
        if products and rng.random() < tap_chance * (0.6 + 0.8 * quality):
            clicked = rng.choice(products)
        native = clicked is not None and self.world.products[clicked].kind == "native"
        return WatchPlan(
            person=person,
            video=video,
            ago=ago,
            watch_ms=watch_ms,
            completed=completed,
            liked=liked,
            shared=rng.random() < share_chance,
            clicked=clicked,
            added=native and rng.random() < 0.35,
            not_interested=skipped and not fond and rng.random() < 0.08,
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
    _answer_personalization(plan, user_ids, at)
    events = _ingest(plan, media, user_ids, post_ids, product_ids, base, progress)
    # One batch: each batch updates every post, creator and hashtag-day it touches once, and
    # the default batches would touch most of them again and again (ten times the queries).
    feed_services.roll_up_events(batch=max(1, events))
    return SocialCounts(
        follows=len(plan.follows), likes=len(likes), comments=len(plan.comments), events=events
    )


def _answer_personalization(plan: SocialPlan, user_ids: list[int], at) -> None:
    """Viewers said yes before their history began, as `accounts.services.set_personalization`
    leaves an account (the demo has no minors, who could not)."""
    User.objects.bulk_update(
        [
            User(
                pk=user_ids[c.person],
                personalization=True,
                personalization_answered_at=at(c.ago),
                updated_at=at(c.ago),
            )
            for c in plan.consents
        ],
        ["personalization", "personalization_answered_at", "updated_at"],
        batch_size=500,
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
    if watch.not_interested:
        yield watch.watch_ms, {"type": "not_interested", **seen}
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
