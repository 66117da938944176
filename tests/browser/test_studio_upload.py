"""A creator uploads a video from a phone, tags a product at a moment of it, and sees it ready;
the profile and hashtag pages on a phone.

With CLIPCART_SCREENSHOTS=1 the phone screenshots in docs/screenshots/ are rewritten (CI leaves
them alone)."""

from __future__ import annotations

import io
import os
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from playwright.sync_api import expect

from clipcart.accounts.models import Follow
from clipcart.catalog import services as catalog_services
from clipcart.feed.models import CreatorStats, HashtagDay, PostStats
from clipcart.media.models import Anchor, Hashtag, Post, PostHashtag, PostImage
from tests.factories import PASSWORD, UserFactory, make_product, make_shop
from tests.web.test_studio_pages import make_test_video

from .conftest import screenshot

pytestmark = [pytest.mark.browser]

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def docs_screenshot(page, name: str) -> None:
    """The whole page into test-results/, and what the screen shows into
    docs/screenshots/NAME.png, the latter only when asked to (CLIPCART_SCREENSHOTS=1)."""
    screenshot(page, name)
    if os.environ.get("CLIPCART_SCREENSHOTS") == "1":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_SCREENSHOTS / f"{name}.png"))


# --- Pictures for the data ----------------------------------------------------------------------

PALETTES = [
    ((255, 94, 98), (255, 195, 113)),
    ((67, 206, 162), (24, 90, 157)),
    ((238, 9, 121), (255, 106, 0)),
    ((131, 96, 195), (46, 191, 145)),
    ((252, 70, 107), (63, 94, 251)),
    ((247, 151, 30), (255, 210, 0)),
    ((0, 198, 255), (0, 114, 255)),
    ((244, 92, 67), (235, 51, 73)),
    ((17, 153, 142), (56, 239, 125)),
    ((142, 45, 226), (74, 0, 224)),
]


def gradient_jpeg(index: int, size: tuple[int, int] = (360, 640), title: str = "") -> bytes:
    """A colourful diagonal gradient with soft light spots, like an out-of-focus shot, and the
    bold cover text creators put on their videos."""
    top, bottom = PALETTES[index % len(PALETTES)]
    width, height = size
    # Rotated at twice the size and cut from the middle: no empty corners.
    mask = (
        Image.linear_gradient("L")
        .resize((width * 2, height * 2))
        .rotate(25 + 10 * (index % 3))
        .crop((width // 2, height // 2, width // 2 + width, height // 2 + height))
    )
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    spots = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(spots)
    rng = random.Random(index)
    for _ in range(9):
        radius = rng.randint(width // 12, width // 3)
        x, y = rng.randint(0, width), rng.randint(0, height)
        alpha = rng.randint(35, 90)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=(255, 255, 255, alpha))
    spots = spots.filter(ImageFilter.GaussianBlur(width // 16))
    image = Image.alpha_composite(image.convert("RGBA"), spots)
    if title:
        image = _cover_text(image, title)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


def _cover_text(image: Image.Image, title: str) -> Image.Image:
    font = ImageFont.load_default(size=image.width // 9)
    words, lines = title.upper().split(), [""]
    for word in words:  # wrap to the picture's width
        candidate = f"{lines[-1]} {word}".strip()
        if font.getlength(candidate) > image.width * 0.8 and lines[-1]:
            lines.append(word)
        else:
            lines[-1] = candidate
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    line_height = int(font.size * 1.2)
    y = int(image.height * 0.22)
    for line in lines:
        x = (image.width - font.getlength(line)) / 2
        draw.text((x + 2, y + 3), line, font=font, fill=(0, 0, 0, 90))
        draw.text((x, y), line, font=font, fill=(255, 255, 255, 255))
        y += line_height
    return Image.alpha_composite(image, layer)


def product_photo(name: str, index: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, gradient_jpeg(index, (480, 480)), content_type="image/jpeg")


# --- Data ---------------------------------------------------------------------------------------


@pytest.fixture
def creator_and_serum(transactional_db):
    creator = UserFactory(username="maya", display_name="Maya Chen")
    seller = UserFactory(username="glowlab")
    shop = make_shop(owner=seller, name="Glow Lab")
    serum = make_product(shop=shop, title="Glow serum", price="24.00", stock=40)
    catalog_services.add_product_image(product=serum, upload=product_photo("serum.jpg", 2))
    make_product(shop=shop, title="Lip oil", price="9.00", stock=5)
    return creator, serum


@pytest.fixture
def video_path(tmp_path) -> Path:
    return make_test_video(tmp_path / "morning-routine.mp4")


def make_ready_post(
    creator, index: int, *, caption: str, views: int, likes: int, photos=0, cover=""
):
    post = Post.objects.create(
        creator=creator,
        kind="photo" if photos else "video",
        caption=caption,
        status="ready",
        published_at=timezone.now() - timedelta(hours=index),
        duration_ms=None if photos else 15_000 + 1000 * index,
        like_count=likes,
    )
    if photos:
        for position in range(photos):
            image = PostImage(post=post, position=position, width=360, height=640)
            content = ContentFile(gradient_jpeg(index + position))
            image.original.save(f"p{post.pk}-{position}.jpg", content, save=False)
            image.image.save(f"p{post.pk}-{position}.jpg", content, save=False)
            image.save()
    else:
        poster = ContentFile(gradient_jpeg(index, title=cover))
        post.poster.save(f"poster-{post.pk}.jpg", poster, save=False)
        post.stream.name = f"posts/{creator.pk}/post-{post.pk}.mp4"
        post.save()
    PostStats.objects.create(post=post, views=views)
    return post


@pytest.fixture
def busy_creator(transactional_db):
    """A creator with a dozen posts, followers, and products of two shops in the showcase."""
    creator = UserFactory(
        username="maya",
        display_name="Maya Chen",
        bio="Skincare nerd and thrift-flip addict. Honest reviews, no fluff.",
    )
    glow = make_shop(owner=UserFactory(username="glowlab"), name="Glow Lab")
    nook = make_shop(owner=UserFactory(username="booknook"), name="Book Nook")
    products = [
        make_product(shop=glow, title="Glow serum", price="24.00"),
        make_product(shop=nook, title="Cozy mystery novel", price="12.50"),
        make_product(shop=glow, title="Cloud lip oil", price="9.00"),
        make_product(shop=nook, title="Linen bookmark set", price="6.00"),
    ]
    for n, product in enumerate(products):
        catalog_services.add_product_image(product=product, upload=product_photo(f"{n}.jpg", n + 3))
    captions = [
        ("Morning routine in 60 seconds #glowup #skincare", 1_284_000, 92_400, 0, "60 sec routine"),
        ("This serum fixed my dry patches #glowup", 412_300, 31_020, 0, "It actually works"),
        ("Outfit dump from the thrift haul #thrift", 98_700, 7_400, 4, ""),
        ("Books I finished this month #booktok", 56_200, 4_210, 0, "5 books in May"),
        ("Night routine, no fluff #skincare", 23_900, 1_980, 0, "Night routine"),
        ("Lip oil swatches in daylight #glowup", 12_400, 960, 3, ""),
        ("Packing orders with me #smallbusiness", 8_650, 720, 0, "Pack with me"),
        ("Cozy reading corner tour #booktok", 4_310, 388, 0, "Reading nook tour"),
        ("Trying the viral pimple patches #skincare", 2_040, 150, 0, "Worth the hype?"),
    ]
    posts = []
    for index, (caption, views, likes, photos, cover) in enumerate(captions):
        post = make_ready_post(
            creator, index, caption=caption, views=views, likes=likes, photos=photos, cover=cover
        )
        Anchor.objects.create(post=post, product=products[index % 4], position=0)
        for name in re.findall(r"#(\w+)", caption):
            tag, _ = Hashtag.objects.get_or_create(name=name)
            PostHashtag.objects.create(post=post, hashtag=tag)
        posts.append(post)
    CreatorStats.objects.create(creator=creator, views=sum(c[1] for c in captions))
    for _ in range(37):
        Follow.objects.create(follower=UserFactory(), creator=creator)
    for _ in range(3):
        Follow.objects.create(follower=creator, creator=UserFactory())
    today = timezone.now().date()
    week = [5200, 6100, 5800, 7400, 9100, 11800, 14600]  # the last 7 days, oldest first
    before = [4800, 5000, 4700, 5600, 5300, 5900, 5100]
    glowup = Hashtag.objects.get(name="glowup")
    for days_ago, views in enumerate(reversed(before + week)):
        HashtagDay.objects.create(hashtag=glowup, day=today - timedelta(days=days_ago), views=views)
    for n, name in enumerate(["skincare", "booktok", "thrift", "smallbusiness"]):
        tag = Hashtag.objects.get(name=name)
        for days_ago in range(14):
            views = (4000 - 800 * n) + (300 - 90 * n) * (13 - days_ago) * (1 if n % 2 else -1)
            HashtagDay.objects.create(
                hashtag=tag, day=today - timedelta(days=days_ago), views=views
            )
    return creator, posts


# --- Tests --------------------------------------------------------------------------------------


def test_creator_uploads_a_video_tags_a_product_and_sees_it_ready(
    phone_page, creator_and_serum, video_path
):
    creator, serum = creator_and_serum
    page = phone_page
    page.goto("/studio/upload/")
    page.get_by_label("Username").fill(creator.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="New post")).to_be_visible()

    page.locator("input[name=file]").set_input_files(str(video_path))
    page.get_by_label("Caption").fill("Morning routine with my favourite serum #glowup")
    page.get_by_label("Search products to tag").fill("serum")
    page.get_by_role("button", name="Add Glow serum").click()
    chosen = page.locator(f'.chosen-row[data-product-id="{serum.pk}"]')
    expect(chosen).to_contain_text("Glow Lab")
    expect(page.get_by_role("button", name="Add Glow serum")).to_have_text("Added")
    chosen.get_by_label("Appears from (s)").fill("0.5")
    chosen.get_by_label("to (s)").fill("1.5")
    page.get_by_label("Paid partnership").check()
    page.get_by_label("Caption").click()  # leave the last field, as a person would
    page.locator(".picker").evaluate("picker => picker.scrollIntoView({block: 'start'})")
    docs_screenshot(page, "studio-upload")
    page.get_by_role("button", name="Post", exact=True).click()

    expect(page).to_have_url(re.compile(r"/studio/$"), timeout=30_000)
    expect(page.get_by_text("Uploaded — processing")).to_be_visible()
    post = Post.objects.get(creator=creator)
    row = page.locator(f"#post-{post.pk}")
    expect(row.locator(".studio-badge")).to_have_text("Ready", timeout=30_000)
    expect(row).to_contain_text("Morning routine with my favourite serum")
    screenshot(page, "studio-after-upload")
    anchor = post.anchors.get()
    assert (anchor.product_id, anchor.start_ms, anchor.end_ms) == (serum.pk, 500, 1500)
    assert post.is_paid_partnership

    view = row.get_by_role("link", name="View post")
    expect(view).to_have_attribute("href", f"/v/{post.pk}/")
    try:
        resolve(f"/v/{post.pk}/")
    except Resolver404:
        return  # the video page is another engineer's, still to come: the link is checked above
    view.click()
    expect(page).to_have_url(re.compile(rf"/v/{post.pk}/$"))
    expect(page.get_by_text("Morning routine with my favourite serum").first).to_be_visible()


def test_profile_and_hashtag_pages_on_a_phone(phone_page, busy_creator):
    creator, posts = busy_creator
    page = phone_page

    page.goto(f"/@{creator.username}/")
    expect(page.get_by_role("heading", name="Maya Chen")).to_be_visible()
    expect(page.locator(".profile-counts dt")).to_have_text(
        ["Following", "Followers", "Likes", "Views"]
    )
    expect(page.locator(".profile-counts dd")).to_have_text(["3", "37", "139.2K", "1.9M"])
    expect(page.locator(".post-grid .tile")).to_have_count(len(posts))
    expect(page.locator(".post-grid .tile-kind")).to_have_count(2)
    expect(page.locator(".tile-views").first).to_contain_text("2K")  # newest first: 2,040 views
    page.wait_for_load_state("networkidle")
    docs_screenshot(page, "profile-phone")

    page.get_by_role("link", name=re.compile("Showcase")).click()
    expect(page.get_by_text("Cozy mystery novel")).to_be_visible()
    expect(page.get_by_text("Book Nook").first).to_be_visible()
    expect(page.get_by_text("Glow Lab").first).to_be_visible()
    screenshot(page, "profile-showcase-phone")

    page.goto("/tag/glowup/")
    expect(page.get_by_role("heading", name="#glowup")).to_be_visible()
    expect(page.get_by_text("+65% this week")).to_be_visible()
    expect(page.locator(".bars li")).to_have_count(7)
    expect(page.locator(".post-grid .tile")).to_have_count(3)
    page.wait_for_load_state("networkidle")
    docs_screenshot(page, "hashtag-phone")

    page.goto("/trending/")
    expect(page.locator(".trend-name").first).to_have_text("#glowup")
    screenshot(page, "trending-phone")


def test_profile_on_a_desktop(desktop_page, busy_creator):
    creator, _ = busy_creator
    desktop_page.goto(f"/@{creator.username}/")
    expect(desktop_page.get_by_role("button", name="Follow")).to_be_visible()
    screenshot(desktop_page, "profile-desktop")
