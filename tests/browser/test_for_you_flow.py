"""Issue 6's "Done means" in Chromium, on a small seeded demo: a new visitor says yes to a
personalized For You, finishes #booktok videos (reported the way the feed's own beacon reports
them), and after a reload "Why am I seeing this?" on the first video names #booktok or viewers
like them; after turning personalization off on the privacy page, it reads "Popular in …".

Screenshots go to test-results/for-you-*.png."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from clipcart.accounts import selectors as account_selectors
from tests.demo.test_for_you_demo import SCALE, Demo, _facts, _spare_redis_url, viewing

from .conftest import screenshot

pytestmark = [pytest.mark.browser]
QUESTION = "Personalize your For You feed?"
# What a personalized reason for a book opens with: the hashtag, or viewers like this one.
PERSONAL_REASON = re.compile(
    r"^Why this video: (Because you watch #booktok videos"
    r"|New video shown to a few people into #booktok"
    r"|People who watched the videos you watched also watched this"
    r"|Often watched (right )?(next )?after (the last video|videos) you watched"
    r"|Viewers with tastes like yours liked this)"
)
# Sends a batch to the events API exactly as static/web/feed.js does: same URL (from the
# feed's data attribute), the session cookie and the CSRF token from the body's hx-headers.
SEND_LIKE_THE_BEACON = """async (events) => {
  const url = document.getElementById("feed").getAttribute("data-events-url");
  const token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    keepalive: true,
    headers: {"Content-Type": "application/json", "X-CSRFToken": token},
    body: JSON.stringify({events}),
  });
  return [response.status, await response.json()];
}"""


@pytest.fixture
def demo(transactional_db, settings) -> Iterator[Demo]:
    """The demo world, committed as `clipcart seed --demo` leaves it (MEDIA_ROOT is already a
    temporary folder), with its Redis history and counters in a database of its own."""
    client = None
    if settings.REDIS_URL:
        settings.REDIS_URL = _spare_redis_url()
        client = redis.Redis.from_url(settings.REDIS_URL)
        client.flushdb()
    call_command("seed", demo=True, scale=SCALE, verbosity=0, stdout=io.StringIO())
    yield _facts()
    if client:
        client.flushdb()
        client.close()


def first_video(page):
    return page.locator(".feed-item[data-post-id]").first


def why_of(item) -> str:
    why = item.locator("details.why")
    why.locator("summary").click()
    expect(why.locator("p").first).to_be_visible()
    return why.locator("p").first.inner_text()


def test_a_visitor_who_finishes_booktok_videos_is_told_why_and_can_turn_it_off(phone_page, demo):
    page = phone_page
    # The first request of the live server imports the recommender's libraries: give it time.
    page.goto("/", timeout=120_000)
    question = page.get_by_role("dialog", name=QUESTION)
    expect(question).to_be_visible()
    screenshot(page, "for-you-before")
    question.get_by_role("button", name="Yes, personalize").click()
    expect(question).to_have_count(0)

    shown = page.locator(".feed-item[data-post-id]").evaluate_all(
        "items => items.map(item => Number(item.dataset.postId))"
    )
    finished = [v for v in shown if v in demo.books][:4]
    more = sorted(demo.books - set(shown))[: max(0, 3 - len(finished))]
    start = timezone.now() - timedelta(minutes=10)
    events = viewing(demo, shown, set(finished), start=start)
    events += viewing(demo, more, set(more), start=start + timedelta(minutes=3))
    status, answer = page.evaluate(SEND_LIKE_THE_BEACON, events)
    assert status == 202, answer
    assert answer["accepted"] == len(events)

    page.reload()
    first = first_video(page)
    reason = why_of(first)
    assert int(first.get_attribute("data-post-id")) in demo.books, reason
    assert PERSONAL_REASON.match(reason), reason
    screenshot(page, "for-you-after")

    page.goto("/settings/privacy/")
    page.get_by_role("radio", name=re.compile("^Off")).check()
    page.get_by_role("button", name="Save choice").click()
    expect(page.get_by_text("Personalization is off")).to_be_visible()
    page.goto("/")
    expect(page.get_by_role("dialog", name=QUESTION)).to_have_count(0)
    region = account_selectors.region_name(django_settings.CLIPCART_REGION)
    assert why_of(first_video(page)) == f"Why this video: Popular in {region}."

    screenshot(page, "for-you-off")
