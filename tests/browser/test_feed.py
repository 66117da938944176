"""A shopper swipes the video feed on a phone and buys the product of a video without leaving
it; the page reports what was watched and tapped to the events API.

Set CLIPCART_SCREENSHOTS=1 to refresh docs/screenshots/feed-*.png from this run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from clipcart.catalog import services as catalog_services
from clipcart.feed.models import Event, RankingPolicy
from clipcart.media.models import Anchor, Post
from clipcart.orders.models import Order
from tests.conftest import ADDRESS
from tests.factories import PASSWORD, UserFactory, make_product, make_shop

from .conftest import DESKTOP, screenshot

pytestmark = [pytest.mark.browser]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
H264 = 'video/mp4; codecs="avc1.42E01E, mp4a.40.2"'
GRADIENT = (
    "gradients=size=360x640:rate=24:speed=0.03:nb_colors=3:type=linear"
    ":c0=0xf9a8d4:c1=0xc4b5fd:c2=0xfde68a"
)


def ffmpeg(*args: str) -> None:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", *args]
    subprocess.run(command, check=True, timeout=120)


def draw_hoodie(path: Path, *, size: int = 480, background=(0, 0, 0, 0)) -> Path:
    """A lavender hoodie, so the video and the product sheet show the product they sell."""
    image = Image.new("RGBA", (size, size), background)
    draw = ImageDraw.Draw(image)

    def box(x0, y0, x1, y1):
        return [x0 * size / 100, y0 * size / 100, x1 * size / 100, y1 * size / 100]

    body, shade, inside = (196, 181, 253), (167, 139, 250), (76, 29, 149)
    draw.rounded_rectangle(box(8, 30, 30, 86), radius=size // 14, fill=shade)
    draw.rounded_rectangle(box(70, 30, 92, 86), radius=size // 14, fill=shade)
    draw.rounded_rectangle(box(22, 26, 78, 92), radius=size // 10, fill=body)
    draw.ellipse(box(32, 8, 68, 42), fill=shade)
    draw.ellipse(box(39, 15, 61, 38), fill=inside)
    draw.rounded_rectangle(box(34, 62, 66, 80), radius=size // 25, fill=shade)
    draw.rectangle(box(22, 87, 78, 92), fill=shade)
    for x in (45, 55):
        draw.line(box(x, 40, x - 1, 56), fill=(255, 255, 255), width=max(2, size // 80))
    image.save(path)
    return path


@pytest.fixture(scope="session")
def clip_files(tmp_path_factory) -> tuple[Path, Path]:
    """Four seconds of playable H.264/AAC 360x640, fast-start, and a poster frame: a hoodie
    bobbing over a pastel gradient."""
    folder = tmp_path_factory.mktemp("feed-videos")
    video, poster = folder / "clip.mp4", folder / "clip.jpg"
    hoodie = draw_hoodie(folder / "hoodie.png", size=260)
    ffmpeg(
        *("-f", "lavfi", "-i", GRADIENT),
        *("-i", str(hoodie)),
        *("-f", "lavfi", "-i", "sine=frequency=330"),
        *("-filter_complex", "[0][1]overlay=x=(W-w)/2:y=(H-h)/2-60+14*sin(t*3)[v]"),
        *("-map", "[v]", "-map", "2:a", "-t", "4", "-c:v", "libx264", "-preset", "veryfast"),
        *("-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", str(video)),
    )
    ffmpeg("-i", str(video), "-frames:v", "1", "-q:v", "4", str(poster))
    return video, poster


def publish(creator, files: tuple[Path, Path], caption: str, *, minutes_ago: int, **fields):
    """A ready post whose stream and poster are the test clip, copied into MEDIA_ROOT."""
    folder = Path(settings.MEDIA_ROOT) / "posts" / str(creator.pk)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"clip-{minutes_ago}"
    shutil.copy(files[0], folder / f"{name}.mp4")
    shutil.copy(files[1], folder / f"{name}.jpg")
    return Post.objects.create(
        creator=creator,
        caption=caption,
        status="ready",
        published_at=timezone.now() - timedelta(minutes=minutes_ago),
        stream=f"posts/{creator.pk}/{name}.mp4",
        poster=f"posts/{creator.pk}/{name}.jpg",
        duration_ms=4000,
        width=360,
        height=640,
        **fields,
    )


@pytest.fixture
def hoodie(transactional_db, tmp_path):
    shop = make_shop(owner=UserFactory(username="maya"), name="Glow Lab")
    product = make_product(
        shop=shop,
        title="Cloud hoodie",
        price="40.00",
        variants=[
            {"name": "Small", "sku": "HOOD-S", "price": "40.00", "stock": 20},
            {"name": "Large", "sku": "HOOD-L", "price": "44.00", "stock": 3},
        ],
    )
    photo = draw_hoodie(tmp_path / "hoodie.png", background=(245, 243, 255, 255))
    upload = SimpleUploadedFile("hoodie.png", photo.read_bytes(), content_type="image/png")
    catalog_services.add_product_image(product=product, upload=upload, alt="Cloud hoodie")
    return product


@pytest.fixture
def feed_posts(hoodie, clip_files):
    """Three videos, newest first: the hoodie's (tagged from 0 s to 4 s), a recipe that shows
    the hoodie from 2 s to 3.5 s, and a desk tour."""
    creator = UserFactory(username="cozy_corner")
    first = publish(
        creator,
        clip_files,
        "Softest hoodie I own, it comes in two sizes #cozy #ootd",
        minutes_ago=1,
        is_paid_partnership=True,
    )
    Anchor.objects.create(post=first, product=hoodie, start_ms=0, end_ms=4000)
    second = publish(
        UserFactory(username="leo_cooks"), clip_files, "15-minute ramen", minutes_ago=2
    )
    Anchor.objects.create(post=second, product=hoodie, start_ms=2000, end_ms=3500)
    third = publish(UserFactory(username="dana"), clip_files, "Desk setup tour", minutes_ago=3)
    return [first, second, third]


def sign_in(page, username: str) -> None:
    page.goto("/login/?next=/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))


def playing(video) -> bool:
    """The video's clock moves on its own: it is really decoding and playing."""
    before = video.evaluate("v => v.currentTime")
    time.sleep(1.0)
    state = video.evaluate("v => [v.currentTime, v.paused, v.readyState]")
    return state[0] > before + 0.3 and not state[1] and state[2] >= 2


def wait_until(check, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.25)
    return check()


def test_shopper_swipes_the_feed_and_buys_from_a_video_without_leaving_it(
    phone_page, feed_posts, hoodie
):
    page = phone_page
    # Two shoppable videos in a row: the swipe is the subject here, not the shoppable cap.
    RankingPolicy.objects.update_or_create(pk=1, defaults={"plain_min": 0})
    cache.clear()
    shopper = UserFactory(username="newshopper")
    sign_in(page, "newshopper")
    first, second = (page.locator(f"#post-{p.pk}") for p in feed_posts[:2])

    # The browser can decode the H.264 the pipeline serves, and the first video plays muted.
    video = first.locator("video")
    assert video.evaluate(f"v => v.canPlayType('{H264}')") == "probably"
    expect(first.get_by_text("Paid partnership")).to_be_visible()
    assert playing(video), "the first video does not play"
    chip = first.locator("[data-anchor]")
    expect(chip).to_be_visible()
    expect(chip).to_contain_text("Cloud hoodie")
    if os.environ.get("CLIPCART_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / "feed-phone.png"))

    # Swipe on: the next video plays and the one left behind pauses.
    page.keyboard.press("ArrowDown")
    assert wait_until(lambda: second.bounding_box()["y"] < 80)
    assert playing(second.locator("video")), "the second video does not play"
    assert video.evaluate("v => v.paused")

    # A chip with times shows only while its product is on screen (2 s to 3.5 s here).
    def chip_at(item) -> tuple[float, bool]:
        return item.evaluate(
            "i => [i.querySelector('video').currentTime,"
            " !i.querySelector('[data-anchor]').classList.contains('is-off')]"
        )

    assert wait_until(lambda: chip_at(second)[0] < 1.6)
    assert not chip_at(second)[1]
    assert wait_until(lambda: 2.4 < chip_at(second)[0] < 3.1)
    assert chip_at(second)[1]
    assert wait_until(lambda: chip_at(second)[0] > 3.8 or chip_at(second)[0] < 1.6)
    assert not chip_at(second)[1]
    page.keyboard.press("ArrowUp")
    assert wait_until(lambda: not video.evaluate("v => v.paused"))

    # The product sheet opens over the feed; the video keeps its place behind it.
    chip.click()
    sheet = page.locator("#sheet")
    expect(sheet.get_by_role("heading", name="Cloud hoodie")).to_be_visible()
    expect(sheet.get_by_text("Ships by")).to_be_visible()
    expect(sheet.get_by_text("Only 3 left")).to_be_visible()
    sheet.get_by_role("radio", name=re.compile("Large")).check()
    expect(sheet.locator("#product-price")).to_have_text("$44.00")
    if os.environ.get("CLIPCART_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / "feed-sheet.png"))
    sheet.get_by_role("button", name="Add to cart").click()
    expect(sheet.get_by_text("Added to your cart.")).to_be_visible()
    expect(page.locator("#cart-count")).to_contain_text("1")

    # Buy now: the checkout is a step of the sheet, and so is the confirmation.
    sheet.get_by_role("button", name="Buy now").click()
    expect(sheet.get_by_role("heading", name="Checkout")).to_be_visible()
    sheet.get_by_label("Full name").fill(ADDRESS["name"])
    sheet.get_by_label("Address", exact=True).fill(ADDRESS["line1"])
    sheet.get_by_label("City").fill(ADDRESS["city"])
    sheet.get_by_label("Postal code").fill(ADDRESS["postal_code"])
    expect(sheet.get_by_label("Test card (succeeds)")).to_be_checked()
    sheet.get_by_role("button", name=re.compile("Place order")).click()

    expect(sheet.get_by_role("heading", name="Thank you, your order is placed")).to_be_visible()
    order = Order.objects.get(buyer=shopper)
    expect(sheet.get_by_text(f"Order #{order.pk}")).to_be_visible()
    assert page.url.endswith("/")  # never left the feed
    assert (order.status, str(order.total)) == ("paid", "92.99")  # 2 × 44.00 + 4.99 shipping
    assert [(line.variant_name, line.quantity) for line in order.lines.all()] == [("Large", 2)]
    screenshot(page, "feed-confirmation")

    # The first video kept playing behind the sheet; once it loops it has been watched through.
    start = video.evaluate("v => v.currentTime")
    assert wait_until(lambda: video.evaluate("v => v.currentTime") < start)

    # Leaving the page hands the queued events to the browser's beacon.
    page.goto("/orders/")
    actor = f"u:{shopper.pk}"

    def reported(kind: str, **fields) -> bool:
        return Event.objects.filter(actor=actor, type=kind, **fields).exists()

    assert wait_until(lambda: reported("impression", video_id=feed_posts[0].pk))
    assert reported("impression", video_id=feed_posts[1].pk)
    assert reported("anchor_click", video_id=feed_posts[0].pk, product_id=hoodie.pk)
    assert reported("add_to_cart", product_id=hoodie.pk)
    assert reported("view_progress", video_id=feed_posts[0].pk)
    assert reported("complete", video_id=feed_posts[0].pk)


def test_the_feed_is_a_centred_column_with_its_actions_beside_it_on_a_desktop(
    chromium, live_server, feed_posts
):
    context = chromium.new_context(viewport=DESKTOP, base_url=live_server.url)
    page = context.new_page()
    page.goto("/")
    first = page.locator(f"#post-{feed_posts[0].pk}")
    stage, rail = first.locator(".stage"), first.locator(".rail")

    expect(stage).to_be_visible()
    box, rail_box = stage.bounding_box(), rail.bounding_box()
    assert abs(box["width"] / box["height"] - 9 / 16) < 0.02
    assert abs(box["x"] + box["width"] / 2 - DESKTOP["width"] / 2) < 60  # centred
    assert rail_box["x"] >= box["x"] + box["width"]  # beside the video, not over it
    assert playing(first.locator("video"))
    screenshot(page, "feed-desktop")
    if os.environ.get("CLIPCART_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / "feed-desktop.png"))
    context.close()


def test_more_videos_load_as_the_viewer_nears_the_end(phone_page, feed_posts, clip_files):
    creator = UserFactory(username="batch_cook")
    for n in range(8):
        publish(creator, clip_files, f"Meal prep day {n}", minutes_ago=10 + n)
    page = phone_page
    page.goto("/")
    items = page.locator(".feed-item[data-post-id]")
    expect(items).to_have_count(8)

    page.locator("#feed").evaluate("feed => feed.scrollTo(0, feed.scrollHeight)")

    expect(items).to_have_count(11)
    expect(page.get_by_text("You're all caught up")).to_have_count(1)
    page.keyboard.press("ArrowDown")  # onto the first of the appended videos, which plays
    ninth = items.nth(8)
    top = page.locator("#feed").bounding_box()["y"]
    assert wait_until(lambda: abs(ninth.bounding_box()["y"] - top) < 5)
    assert playing(ninth.locator("video"))
