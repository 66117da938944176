"""Short demo videos for the feed: planned from the demo world, drawn with Pillow, encoded with
ffmpeg and published through `media.services.import_ready_video`.

Each video shows one product: colour bands of its niche scrolling behind it, the product's first
picture (the same pixels as its catalog image: both are drawn from one ImagePlan), a hook line
on top, the title and price below, and a quiet tone. Text is drawn by Pillow, not by ffmpeg's
drawtext, which would need a font file that a slim server may not have.

Speed matters (150 videos on two cores within the seed's budget). The background moves by
whole pixels a frame, so x264's fastest preset finds every block in the previous frame; the
overlays are single still frames; each ffmpeg runs on one thread, one per core. Rendering needs
no database, so `rendering()` starts it before the seed's transaction and the videos encode
while the other phases write their rows.

The plan comes from its own `random.Random`, so the same world gives the same creators,
captions and anchors; ffmpeg runs single-threaded with bit-exact flags, so the files come out
the same too (only their stored names are random: `import_ready_video` picks them).
"""

from __future__ import annotations

import colorsys
import itertools
import math
import os
import random
import subprocess
import tempfile
import textwrap
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import imageio_ffmpeg
from django.db.models import Min
from PIL import Image, ImageDraw, ImageFont
from tqdm import tqdm

from clipcart.accounts.models import User
from clipcart.media import services as media_services
from clipcart.media.models import Hashtag, Post

from . import images
from . import vocabulary as v
from .world import CREATOR, DAY, HOUR, SEED, World

VIDEOS_AT_SCALE_1 = 150
MIN_VIDEOS = 8
MAX_CREATORS = 12
WIDTH, HEIGHT, FPS = 360, 640, 24
CARD_SIZE = 200
PUBLISHED_WITHIN = 30 * DAY
PAID_SHARE = 0.15
MAX_ENCODERS = 8  # one ffmpeg per core, but a big host need not run dozens at once

# niche → (its main hashtag, others). Every video carries the main one, one of the others in
# turn and one general tag in turn, so even a small world uses each named tag.
NICHE_TAGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "beauty": ("skincaretok", ("glowup", "makeuptok", "selfcare")),
    "books": ("booktok", ("bookish", "journaling", "stationery")),
    "kitchen": ("kitchenfinds", ("cleantok", "cooktok", "coffeetok")),
    "gadgets": ("techtok", ("desksetup", "gadgets", "wfh")),
    "fashion": ("ootd", ("fashiontok", "grwm", "capsulewardrobe")),
    "home": ("homedecor", ("cleantok", "organizingtok", "cozyhome")),
    "pets": ("pettok", ("dogsoftiktok", "catsoftiktok", "dogmom")),
    "fitness": ("fittok", ("homeworkout", "gymtok", "pilates")),
    "toys": ("toytok", ("momtok", "kidsactivities", "boardgames")),
    "outdoors": ("camping", ("hikingtok", "vanlife", "outdoorgear")),
}
GENERAL_TAGS = (
    "amazonfinds",
    "tiktokmademebuyit",
    "smallbusiness",
    "giftideas",
    "musthaves",
    "founditonclipcart",
)
FOCUS = {  # niche → what a creator of it posts about
    "beauty": ("skincare and makeup", "Skincare"),
    "books": ("books and pretty stationery", "Book"),
    "kitchen": ("home cooking and kitchen tools", "Kitchen"),
    "gadgets": ("desk setups and gadgets", "Tech"),
    "fashion": ("everyday outfits", "Style"),
    "home": ("cosy home and cleaning finds", "Home"),
    "pets": ("life with two rescue dogs", "Pet"),
    "fitness": ("home workouts", "Fitness"),
    "toys": ("toys and crafts for my kids", "Mom"),
    "outdoors": ("camping and trail gear", "Trail"),
}
DISPLAY_NAMES = (
    "{first} {last}",
    "{first} | {title} Finds",
    "{first} reviews",
    "{first} {initial}.",
    "{first}'s {title} Diary",
)
BIOS = (
    "{Focus} on a budget. Honest reviews, no gatekeeping.",
    "Sharing the {focus} I actually use. Based in {city}.",
    "{Focus}, small shops and the occasional haul. Products tagged in every video.",
    "Trying {focus} so you don't have to.",
)
CREATOR_LOGIN_PROFILE = (
    ("beauty", "home"),
    "Riley Quinn",
    "Beauty and home finds that earn their shelf space. New video most days.",
)
HOOKS = (
    "POV: you finally found a {noun} that works",
    "things I'd buy again: {noun} edition",
    "the {noun} everyone keeps asking about",
    "{price} and honestly worth it",
    "small shop find of the week",
    "this {noun} lives rent free in my head",
    "don't scroll if you need a {noun}",
    "restock alert!",
    "my honest review after 2 weeks",
    "unboxing my {shop} order",
    "3 reasons I love this {noun}",
    "tiktok made me buy it (again)",
)
CAPTIONS = (
    "Found this at {shop} and I'm not gatekeeping. The {noun} is tagged!",
    "Honest review: {title}. Would I buy it again? Yes.",
    "Replying to everyone asking where my {noun} is from: {shop}",
    "This {noun} was {price} and it's already my most used thing this month",
    "Day {day} of showing you small shops I love: {shop}",
    "Unboxing my {shop} order, the {noun} was the star",
    "I didn't think I needed a {noun} until I tried this one",
    "Adding this to my favourites list. Tap the tag to see it",
    "Restock alert: the {title} is back at {shop}",
    "Part {day} of things that live up to the hype",
)
LINKS = (
    ("https://gear.example.com/phone-tripod", "The tripod I film with"),
    ("https://gear.example.com/ring-light", "My ring light"),
    ("https://gear.example.com/clip-mic", "The mic I use"),
)
TONES = (220, 247, 262, 294, 330, 349, 392, 440)  # quiet notes, one per video


@dataclass(frozen=True)
class CreatorPlan:
    person: int  # index in world.people
    display_name: str
    bio: str
    niches: tuple[str, ...]


@dataclass(frozen=True)
class AnchorPlan:
    product: int | None  # index in world.products, or None for a link
    url: str = ""
    title: str = ""
    start_ms: int | None = None
    end_ms: int | None = None


@dataclass(frozen=True)
class Look:
    hue_shift: float  # how far the background's extra colours turn from the niche's
    scroll: int  # pixels a frame the background moves: up when negative
    tone_hz: int


@dataclass(frozen=True)
class VideoPlan:
    creator: int  # index in world.people
    product: int  # index in world.products: the product it shows
    hook: str  # the line drawn over the video
    caption: str
    tags: tuple[str, ...]
    duration_ms: int
    anchors: tuple[AnchorPlan, ...]
    is_paid_partnership: bool
    published_ago: int  # seconds before the seed's base instant
    look: Look


@dataclass(frozen=True)
class MediaPlan:
    creators: tuple[CreatorPlan, ...]
    videos: tuple[VideoPlan, ...]  # oldest first, so post ids grow with time


def video_count(scale: float) -> int:
    return max(MIN_VIDEOS, round(VIDEOS_AT_SCALE_1 * scale))


# --- Planning -----------------------------------------------------------------------------------


def plan_media(world: World, *, scale: float) -> MediaPlan:
    """The demo's creators and videos. Same world and scale, same plan."""
    rng = random.Random(f"{SEED}:videos")
    niche_of = [world.shops[p.shop].niche for p in world.products]
    by_niche: dict[str, list[int]] = defaultdict(list)
    for index, plan in enumerate(world.products):
        if plan.status == "active":
            by_niche[niche_of[index]].append(index)
    products = _pick_products(rng, by_niche, video_count(scale))
    creators = _plan_creators(rng, world, count=max(3, min(MAX_CREATORS, len(products) // 10)))
    weights = {c.person: (2.5 if c.person == CREATOR else rng.uniform(0.6, 1.6)) for c in creators}
    # Tests seed small worlds many times: short videos keep them quick.
    seconds = (4, 8) if scale >= 0.5 else (2, 3)
    turns: dict[str, int] = defaultdict(int)
    videos = []
    for number, product in enumerate(products):
        niche = niche_of[product]
        makers = [c.person for c in creators if niche in c.niches] or [c.person for c in creators]
        creator = rng.choices(makers, [weights[m] for m in makers])[0]
        main, others = NICHE_TAGS[niche]
        tags = [main, others[turns[niche] % len(others)], GENERAL_TAGS[number % len(GENERAL_TAGS)]]
        turns[niche] += 1
        if rng.random() < 0.3:
            tags.append(rng.choice([t for t in (*others, *GENERAL_TAGS) if t not in tags]))
        rng.shuffle(tags)
        duration_ms = rng.randint(*seconds) * 1000
        hook, caption = _texts(rng, world, product)
        videos.append(
            VideoPlan(
                creator=creator,
                product=product,
                hook=hook,
                caption=f"{caption} " + " ".join(f"#{tag}" for tag in tags),
                tags=tuple(tags),
                duration_ms=duration_ms,
                anchors=_anchors(rng, world, product, by_niche[niche], duration_ms),
                is_paid_partnership=rng.random() < PAID_SHARE,
                # Busier lately, and nothing in the last half hour before the base instant.
                published_ago=int(PUBLISHED_WITHIN * rng.random() ** 1.4) + HOUR // 2,
                look=Look(
                    hue_shift=round(rng.uniform(0.04, 0.12), 3),
                    scroll=rng.choice((-3, -2, 2, 3)),
                    tone_hz=rng.choice(TONES),
                ),
            )
        )
    videos.sort(key=lambda video: -video.published_ago)
    return MediaPlan(creators=tuple(creators), videos=tuple(videos))


def _pick_products(rng: random.Random, by_niche: dict[str, list[int]], count: int) -> list[int]:
    """`count` active products, taken from the niches in turn so that each niche has videos."""
    queues = {niche: rng.sample(products, len(products)) for niche, products in by_niche.items()}
    picked: list[int] = []
    while len(picked) < count and any(queues.values()):
        for niche in sorted(queues):
            if queues[niche] and len(picked) < count:
                picked.append(queues[niche].pop())
    return picked


def _plan_creators(rng: random.Random, world: World, *, count: int) -> list[CreatorPlan]:
    """The `creator` login and generated creators: people the world already marked as creators
    first, then shoppers promoted to fill up. Each posts about one or two niches."""
    niches = sorted({shop.niche for shop in world.shops}, key=list(NICHE_TAGS).index)
    login_niches, login_name, login_bio = CREATOR_LOGIN_PROFILE
    creators = [
        CreatorPlan(CREATOR, login_name, login_bio, tuple(n for n in login_niches if n in niches))
    ]
    shoppers = [
        i for i, p in enumerate(world.people) if i >= 4 and not (p.is_seller or p.is_operator)
    ]
    marked = [i for i in shoppers if world.people[i].is_creator]
    others = [i for i in shoppers if not world.people[i].is_creator]
    chosen = (marked + rng.sample(others, min(len(others), count)))[: count - 1]
    for number, person in enumerate(chosen):
        first = niches[number % len(niches)]
        second = rng.choice(niches)
        creators.append(_creator(rng, world, person, tuple(dict.fromkeys((first, second)))))
    return creators


def _creator(rng: random.Random, world: World, person: int, niches: tuple[str, ...]) -> CreatorPlan:
    plan = world.people[person]
    focus, title = FOCUS[niches[0]]
    name = rng.choice(DISPLAY_NAMES).format(
        first=plan.first_name, last=plan.last_name, initial=plan.last_name[0], title=title
    )
    bio = rng.choice(BIOS).format(
        focus=focus, Focus=focus[0].upper() + focus[1:], city=plan.address["city"]
    )
    return CreatorPlan(person, name, bio, niches)


def _texts(rng: random.Random, world: World, product: int) -> tuple[str, str]:
    plan = world.products[product]
    fields = {
        "noun": plan.images[0].label.lower(),
        "title": plan.title,
        "shop": world.shops[plan.shop].name,
        "price": f"${min(v.price for v in plan.variants)}",
        "day": rng.randint(2, 40),
    }
    return rng.choice(HOOKS).format(**fields), rng.choice(CAPTIONS).format(**fields)


def _anchors(
    rng: random.Random, world: World, product: int, same_niche: list[int], duration_ms: int
) -> tuple[AnchorPlan, ...]:
    """The product itself; sometimes a second product of the niche from another shop, shown in
    the second half (the first then only in the first); now and then the creator's own gear."""
    anchors = [AnchorPlan(product)]
    shop = world.products[product].shop
    others = [p for p in same_niche if world.products[p].shop != shop]
    if others and rng.random() < 0.35:
        second = rng.choice(others)
        if rng.random() < 0.5:
            half = duration_ms // 2
            anchors = [
                AnchorPlan(product, start_ms=0, end_ms=half),
                AnchorPlan(second, start_ms=half, end_ms=duration_ms),
            ]
        else:
            anchors.append(AnchorPlan(second))
    if rng.random() < 0.07:
        url, title = rng.choice(LINKS)
        anchors.append(AnchorPlan(None, url=url, title=title))
    return tuple(anchors)


# --- Rendering ----------------------------------------------------------------------------------


def _drawable(text: str) -> str:
    """Text without accents: Pillow's built-in font has no glyph for "è" (see images.py)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _turned(color: v.RGB, *, hue: float = 0.0, light: float = 1.0) -> v.RGB:
    h, lightness, saturation = colorsys.rgb_to_hls(*(c / 255 for c in color))
    r, g, b = colorsys.hls_to_rgb((h + hue) % 1.0, min(1.0, lightness * light), saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def _niche_colors(world: World, video: VideoPlan) -> tuple[v.RGB, v.RGB]:
    niche = world.shops[world.products[video.product].shop].niche
    return next(n.colors for n in v.NICHES if n.key == niche)


def _frames(video: VideoPlan) -> int:
    return video.duration_ms * FPS // 1000


# Soft (cosine) steps from 0 to 255: bands of colour meet without a visible edge.
_EASE = [round(255 * (1 - math.cos(i / 255 * math.pi)) / 2) for i in range(256)]


def _background(world: World, video: VideoPlan) -> Image.Image:
    """A tall column of soft colour bands, one pixel wide (ffmpeg widens it), that the video
    scrolls through: moving colour that costs the encoder little, since every frame is the last
    one shifted by whole pixels."""
    top, bottom = _niche_colors(world, video)
    shift = video.look.hue_shift
    stops = [
        top,
        bottom,
        _turned(top, hue=shift, light=1.05),
        _turned(bottom, hue=-shift, light=0.85),
        top,
    ]
    height = HEIGHT + abs(video.look.scroll) * _frames(video)
    band = math.ceil(height / (len(stops) - 1))
    mask = Image.linear_gradient("L").point(_EASE).resize((1, band))
    column = Image.new("RGB", (1, band * (len(stops) - 1)))
    for index, (start, end) in enumerate(itertools.pairwise(stops)):
        blend = Image.composite(
            Image.new("RGB", mask.size, end), Image.new("RGB", mask.size, start), mask
        )
        column.paste(blend, (0, index * band))
    return column.crop((0, 0, 1, height))


def _card(world: World, video: VideoPlan) -> Image.Image:
    """The product's first picture in a white frame with round corners."""
    border = 5
    size = CARD_SIZE + 2 * border
    card = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size - 1, size - 1), radius=22, fill=255)
    card.paste((255, 255, 255, 255), (0, 0), mask)
    inner = Image.new("L", (CARD_SIZE, CARD_SIZE), 0)
    ImageDraw.Draw(inner).rounded_rectangle(
        (0, 0, CARD_SIZE - 1, CARD_SIZE - 1), radius=18, fill=255
    )
    picture = images.render(world.products[video.product].images[0], CARD_SIZE)
    card.paste(picture, (border, border), inner)
    return card


def _lines(draw: ImageDraw.ImageDraw, text: str, font, *, width: int, most: int) -> list[str]:
    """`text` in as few lines of even length as fit `width`; past `most` lines, the last one is
    cut short with an ellipsis."""

    def fits(lines: list[str]) -> bool:
        return all(draw.textlength(line, font=font) <= width for line in lines)

    for count in range(1, most + 1):
        columns = math.ceil(len(text) / count)
        lines = textwrap.wrap(text, columns)
        while len(lines) > count and fits(lines):
            columns += 1
            lines = textwrap.wrap(text, columns)
        if len(lines) <= count and fits(lines):
            return lines
    while not fits(lines) and columns > 8:
        columns -= 1
        lines = textwrap.wrap(text, columns)
    rest = " ".join(lines[most - 1 :])
    return [*lines[: most - 1], textwrap.shorten(rest, columns, placeholder="...")]


def _text_layer(world: World, video: VideoPlan) -> Image.Image:
    """The creator's handle, the hook on top, the title and price under the card."""
    product = world.products[video.product]
    ink = _turned(_niche_colors(world, video)[1], light=0.45)
    layer = Image.new("RGBA", (WIDTH, HEIGHT), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    draw.text(
        (16, 20),
        f"@{world.people[video.creator].username}",
        font=_font(16),
        fill=(255, 255, 255, 220),
        stroke_width=2,
        stroke_fill=(0, 0, 0, 90),
    )
    font, y = _font(22), 70
    for line in _lines(draw, _drawable(video.hook), font, width=290, most=2):
        box = draw.textbbox((WIDTH / 2, y), line, font=font, anchor="mt")
        draw.rounded_rectangle(
            (box[0] - 10, box[1] - 6, box[2] + 10, box[3] + 6), radius=8, fill="white"
        )
        draw.text((WIDTH / 2, y), line, font=font, anchor="mt", fill="black")
        y += 34
    font, y = _font(24), 400
    for line in _lines(draw, _drawable(product.title), font, width=320, most=2):
        draw.text(
            (WIDTH / 2, y),
            line,
            font=font,
            anchor="mt",
            fill="white",
            stroke_width=3,
            stroke_fill=ink,
        )
        y += 32
    shop = _drawable(world.shops[product.shop].name)
    price = f"${min(variant.price for variant in product.variants)}  at  {shop}"
    font, y = _font(18), y + 12
    box = draw.textbbox((WIDTH / 2, y), price, font=font, anchor="mt")
    draw.rounded_rectangle(
        (box[0] - 14, box[1] - 8, box[2] + 14, box[3] + 8), radius=16, fill=(255, 255, 255, 235)
    )
    draw.text((WIDTH / 2, y), price, font=font, anchor="mt", fill=ink)
    return layer


_BITEXACT = ("-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact")


def _ffmpeg(arguments: list[str]) -> None:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error"]
    done = subprocess.run([*command, "-y", *arguments], capture_output=True, check=False)
    if done.returncode != 0:
        error = done.stderr.decode(errors="replace").strip()[-500:]
        raise RuntimeError(f"ffmpeg could not render a demo video: {error}")


def render_tone(hz: int, duration_ms: int, path: Path) -> Path:
    """A quiet tone with soft ends, as AAC: encoded once per pitch and length and copied into
    each video that uses it."""
    seconds = duration_ms / 1000
    tone = (
        f"sine=f={hz}:r=22050:d={seconds:g},volume=0.05,"
        f"afade=t=in:d=0.3,afade=t=out:st={max(0.0, seconds - 0.5):g}:d=0.5"
    )
    _ffmpeg(
        ["-f", "lavfi", "-i", tone, "-c:a", "aac", "-b:a", "32k", "-ac", "1", *_BITEXACT, str(path)]
    )
    return path


def _video_arguments(video: VideoPlan, folder: Path, tone: Path) -> list[str]:
    seconds, frames, scroll = video.duration_ms / 1000, _frames(video), video.look.scroll
    travel = abs(scroll) * frames
    # Whole pixels a frame: x264's fastest motion search then finds every block's match.
    offset = f"{scroll}*n" if scroll > 0 else f"{travel}{scroll}*n"
    graph = (
        f"[0:v]scale={WIDTH}:ih:flags=neighbor,format=yuv420p,loop=loop={frames}:size=1,"
        f"setpts=N/{FPS}/TB,crop={WIDTH}:{HEIGHT}:0:'{offset}'[bg];"
        "[1:v]format=yuva420p[card];[2:v]format=yuva420p[text];"
        "[bg][card]overlay=x=(W-w)/2:y=165+floor(8*sin(2*PI*t/3)):eval=frame[moving];"
        "[moving][text]overlay=format=yuv420,split=2[video][still];"
        # JPEG wants full-range colour; converting the poster alone keeps the video standard.
        "[still]trim=end_frame=1,scale=out_range=pc,format=yuvj420p[poster]"
    )
    return [
        *("-i", str(folder / "background.png")),
        *("-i", str(folder / "card.png"), "-i", str(folder / "text.png"), "-i", str(tone)),
        *("-filter_complex", graph, "-filter_threads", "1"),
        *("-map", "[video]", "-map", "3:a", "-t", f"{seconds:g}", "-r", str(FPS)),
        *("-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-threads", "1"),
        *("-pix_fmt", "yuv420p", "-c:a", "copy", "-movflags", "+faststart"),
        *("-map_metadata", "-1", *_BITEXACT, str(folder / "stream.mp4")),
        *("-map", "[poster]", "-frames:v", "1", "-q:v", "3", str(folder / "poster.jpg")),
    ]


def render(
    world: World, video: VideoPlan, folder: Path, *, tone: Path
) -> media_services.PreparedVideo:
    """Draws and encodes one video into `folder`: stream.mp4 (H.264 and the AAC `tone`, fast
    start) and poster.jpg (its first frame)."""
    folder.mkdir(parents=True, exist_ok=True)
    _background(world, video).save(folder / "background.png", compress_level=1)
    _card(world, video).save(folder / "card.png", compress_level=1)
    _text_layer(world, video).save(folder / "text.png", compress_level=1)
    _ffmpeg(_video_arguments(video, folder, tone))
    return media_services.PreparedVideo(
        stream_path=str(folder / "stream.mp4"),
        poster_path=str(folder / "poster.jpg"),
        duration_ms=video.duration_ms,
        width=WIDTH,
        height=HEIGHT,
    )


@contextmanager
def rendering(world: World, plan: MediaPlan) -> Iterator[list[Future]]:
    """Starts rendering every planned video in the background, one ffmpeg per core; yields a
    future per video, in plan order. Leaving the block drops what has not started, waits for
    what has, and deletes the files (publishing copies them into the media storage)."""
    with tempfile.TemporaryDirectory(prefix="clipcart-demo-videos-") as root:
        pool = ThreadPoolExecutor(max_workers=min(MAX_ENCODERS, os.cpu_count() or 1))
        tones: dict[tuple[int, int], Future] = {}

        def job(number: int, video: VideoPlan) -> Future:
            key = (video.look.tone_hz, video.duration_ms)
            if key not in tones:
                # Queued before the first video that waits for it, so a worker has taken it up
                # (or finished it) by then: waiting cannot deadlock the pool.
                path = Path(root) / f"tone-{key[0]}-{key[1]}.m4a"
                tones[key] = pool.submit(render_tone, *key, path)
            folder = Path(root) / f"{number:04d}"
            return pool.submit(lambda: render(world, video, folder, tone=tones[key].result()))

        try:
            yield [job(number, video) for number, video in enumerate(plan.videos)]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


# --- Publishing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    post_ids: list[int]  # in plan order
    size: int  # bytes of the streams and posters


def publish(
    world: World,
    plan: MediaPlan,
    rendered: list[Future],
    *,
    user_ids: list[int],
    product_ids: list[int],
    base: datetime,
    progress: bool,
) -> Published:
    """Creator profiles, then every video as `media.services.import_ready_video` publishes it
    (validated anchors, stored files, hashtags), backdated to its planned time."""
    profiles = [
        User(pk=user_ids[c.person], is_creator=True, display_name=c.display_name, bio=c.bio)
        for c in plan.creators
    ]
    User.objects.bulk_update(profiles, ["is_creator", "display_name", "bio"])
    creators = User.objects.in_bulk([user.pk for user in profiles])
    bar = tqdm(total=len(rendered), desc="  videos", unit=" videos", disable=not progress)
    posts: list[Post] = []
    size = 0
    for video, future in zip(plan.videos, rendered, strict=True):
        prepared = future.result()
        size += os.path.getsize(prepared.stream_path) + os.path.getsize(prepared.poster_path)
        published = base - timedelta(seconds=video.published_ago)
        post = media_services.import_ready_video(
            creator=creators[user_ids[video.creator]],
            video=prepared,
            caption=video.caption,
            anchors=[_anchor_spec(a, product_ids) for a in video.anchors],
            is_paid_partnership=video.is_paid_partnership,
            published_at=published,
        )
        # import_ready_video stamps created_at with the current time; the upload came earlier.
        post.created_at = published - timedelta(seconds=300)
        post.updated_at = published
        posts.append(post)
        bar.update()
    bar.close()
    Post.objects.bulk_update(posts, ["created_at", "updated_at"])
    _backdate_hashtags()
    return Published(post_ids=[post.pk for post in posts], size=size)


def _anchor_spec(anchor: AnchorPlan, product_ids: list[int]) -> media_services.AnchorSpec:
    return media_services.AnchorSpec(
        product_id=None if anchor.product is None else product_ids[anchor.product],
        url=anchor.url,
        title=anchor.title,
        start_ms=anchor.start_ms,
        end_ms=anchor.end_ms,
    )


def _backdate_hashtags() -> None:
    """A hashtag was created with the first post that used it."""
    tags = Hashtag.objects.annotate(first=Min("posts__created_at")).filter(first__isnull=False)
    for tag in tags:
        tag.created_at = tag.first  # type: ignore[attr-defined]
    Hashtag.objects.bulk_update(tags, ["created_at"])
